"""Languages of the web page: the gettext catalogs of optout/i18n.py (optout/locale/, made with Babel) and one Jinja2
environment per language. Letters to brokers stay in English; everything the person reads on the page, in the
checklist and in the calendar file is in the language they chose."""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, N_, gettext_for, locale_files, translations
from ..models import DayKind
from ..paths import templates_dir
from ..templating import capfirst, law_ref, long_date

# The web page's modules and tests reach the shared catalogs (optout/i18n.py) through this module too.
__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "N_", "days_phrase", "environment", "gettext_for", "language_from_header",
    "locale_files", "pick_language", "translations",
]


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def language_from_header(accept_language: str | None) -> str:
    """The first of the browser's languages optout speaks (q-values are in preference order in practice)."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["long_date"] = lambda value: long_date(value, language)
    env.filters["day_phrase"] = functools.partial(days_phrase, language=language)
    env.filters["law_ref"] = law_ref
    env.filters["capfirst"] = capfirst
    env.globals["language"] = language
    env.globals["languages"] = LANGUAGES
    return env


def days_phrase(days: int, kind: DayKind | str, language: str = DEFAULT_LANGUAGE) -> str:
    """"45 calendar days", "45 días naturales": a law's clock in the page's language."""
    ngettext = translations(language).ngettext
    kind = DayKind(kind)
    if kind is DayKind.MONTH:
        return ngettext("%(num)d month", "%(num)d months", days) % {"num": days}
    if kind is DayKind.BUSINESS:
        return ngettext("%(num)d business day", "%(num)d business days", days) % {"num": days}
    return ngettext("%(num)d calendar day", "%(num)d calendar days", days) % {"num": days}

