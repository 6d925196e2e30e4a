"""The languages optout speaks to people: gettext catalogs in optout/locale/ (made with Babel: scripts/i18n.py).

Letters to brokers stay in English. What a person reads (the web page, its checklist and calendar file, a batch
packet's cover sheet) comes from these catalogs, English being the source language. This module is the one way
to get them: the web page installs one language per Jinja2 environment (optout/web/i18n.py); a batch document
mixes clients of both languages in one render, so its environment asks each render for its `language`.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from jinja2 import Environment, pass_context
from jinja2.exceptions import UndefinedError
from jinja2.runtime import Context

from .paths import PACKAGE_DIR

LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "optout"
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`, read once per process."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    # fallback=False: a missing compiled catalog is a packaging bug, not something to hide.
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])


def gettext_for(language: str):
    return translations(language).gettext


def locale_files() -> list[Path]:
    return sorted(LOCALE_DIR.rglob("*.mo"))


def _render_language(context: Context) -> str:
    language = context.get("language")
    if language not in LANGUAGES:
        # A template that translates without saying its language would silently print English.
        raise UndefinedError(f"{context.name}: translated text needs `language` ({' or '.join(LANGUAGES)}), not {language!r}")
    return language


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(_render_language(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translations(_render_language(context)).ngettext(singular, plural, count)


def install_render_language(env: Environment) -> None:
    """`_()`, `gettext()`, `ngettext()` and `{% trans %}` in `env`'s templates translate into the `language`
    variable of the render that calls them (new-style: placeholders are filled and escaped after translation)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
