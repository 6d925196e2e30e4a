"""Jinja2 environments. User values are only ever passed as data, never compiled as templates."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .models import DayKind, Note
from .paths import templates_dir


def day_phrase(days: int, kind: DayKind | str) -> str:
    kind = DayKind(kind)
    if kind is DayKind.MONTH:
        return "one month" if days == 1 else f"{days} months"
    return f"{days} {'business' if kind is DayKind.BUSINESS else 'calendar'} days"


SPANISH_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def long_date(value, language: str = "en") -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if language == "es":
        return f"{value.day} de {SPANISH_MONTHS[value.month - 1]} de {value.year}"
    return f"{value:%B} {value.day}, {value.year}"


# Text templates mark structure with ¶ (end of a block) and ⟦kind⟧ (a block's kind). A value that contains
# either character must not be read as structure, so every value is shielded on output and restored after
# the blocks are split (see letters.split_blocks). Control characters cannot come from validated input.
SHIELD = str.maketrans({"¶": "\x1e", "⟦": "\x1f"})
UNSHIELD = str.maketrans({"\x1e": "¶", "\x1f": "⟦"})


# Whitespace, except \x1c-\x1f: Python's \s and str.split() count those as spaces, and the shield uses them.
WHITESPACE = re.compile(r"[^\S\x1c-\x1f]+")


def squeeze(text: str) -> str:
    """Runs of whitespace as one space, the shielded structure marks left in place."""
    return WHITESPACE.sub(" ", text).strip()


def _shield(value) -> str:
    return ("" if value is None else str(value)).translate(SHIELD)


# A statute citation ("Va. Code Ann. § 59.1-577(A)(4)") must not break at its hyphen: a compliance reader
# looks for the section whole, and "59.1-" at a line end reads as another number.
_CITATION = re.compile(r"\S*\d\S*-\S*|\S*-\S*\d\S*")  # a run with a digit and a hyphen: 59.1-577(A)(4), 56:8-166.10


def keep_citations_whole(text: str) -> Markup:
    """HTML for `text` (escaped) in which each section number is one unbreakable unit."""
    escaped = str(escape(text))
    return Markup(_CITATION.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', escaped))


def law_ref(law) -> str:
    """A law's short name as it reads mid-sentence: "the CCPA", "Daniel's Law"."""
    return f"the {law.short_name}" if law.article else law.short_name


def capfirst(text: str) -> str:
    """Capitalise the first letter only (Jinja's `capitalize` lowercases the rest: "The ccpa")."""
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=1)
def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept in the user's cache folder (beside the catalog cache): compiling the letter templates
    is a good part of a single letter's time. Jinja2 checks each template's source and the Python version, so a
    changed template is compiled again. No writable cache folder: no cache."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "optout" / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def _base(autoescape, finalize=None) -> Environment:
    env = Environment(
        bytecode_cache=_bytecode_cache(),
        finalize=finalize,
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["day_phrase"] = day_phrase
    env.filters["long_date"] = long_date
    env.filters["keep_citations_whole"] = keep_citations_whole
    env.filters["law_ref"] = law_ref
    env.filters["capfirst"] = capfirst
    return env


@functools.lru_cache(maxsize=1)
def text_environment() -> Environment:
    return _base(autoescape=False, finalize=_shield)


@functools.lru_cache(maxsize=1)
def html_environment() -> Environment:
    from .i18n import install_render_language  # gettext is loaded only when HTML is rendered

    env = _base(autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=True))
    install_render_language(env)  # a batch cover sheet is in its client's language (templates/batch/cover.html.j2)
    return env


def render_note(note: Note, language: str = "en", generic: bool = False) -> str:
    """A note's words, from templates/notes/<language>/<code>.txt.j2. `generic` leaves the company unnamed
    ("This company ..."), so a cover sheet can print one note once for every company it concerns."""
    facts = {k: v for k, v in note.facts.items() if not (generic and k == "broker")}
    text = text_environment().get_template(f"notes/{language}/{note.code}.txt.j2").render(**facts)
    return squeeze(text).translate(UNSHIELD)


def render_text(name: str, **context) -> str:
    """A message for the terminal, from templates/<name>; blank lines in the template are dropped."""
    text = text_environment().get_template(name).render(**context).translate(UNSHIELD)
    return "\n".join(line for line in text.splitlines() if line.strip())
