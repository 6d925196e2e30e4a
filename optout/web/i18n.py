"""Languages of the web page: gettext catalogs (optout/locale/, made with Babel: scripts/i18n.py) and one Jinja2
environment per language. Letters to brokers stay in English; everything the person reads on the page, in the
checklist and in the calendar file is in the language they chose."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..models import DayKind
from ..paths import PACKAGE_DIR, templates_dir
from ..templating import capfirst, law_ref, long_date

LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "optout"
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    return message


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    # fallback=False: a missing compiled catalog is a packaging bug, not something to hide.
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])


def gettext_for(language: str):
    return translations(language).gettext


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


def locale_files() -> list[Path]:
    return sorted(LOCALE_DIR.rglob("*.mo"))
