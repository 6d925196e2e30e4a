"""Jinja2 environments. User values are only ever passed as data, never compiled as templates."""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .models import DayKind
from .paths import templates_dir


def _day_phrase(days: int, kind: DayKind | str) -> str:
    kind = DayKind(kind)
    if kind is DayKind.MONTH:
        return "one month" if days == 1 else f"{days} months"
    return f"{days} {'business' if kind is DayKind.BUSINESS else 'calendar'} days"


SPANISH_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"]


def _long_date(value, language: str = "en") -> str:
    if language == "es":
        return f"{value.day} de {SPANISH_MONTHS[value.month - 1]} de {value.year}"
    return f"{value:%B} {value.day}, {value.year}"


def _base(autoescape) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["day_phrase"] = _day_phrase
    env.filters["long_date"] = _long_date
    return env


@functools.lru_cache(maxsize=1)
def text_environment() -> Environment:
    return _base(autoescape=False)


@functools.lru_cache(maxsize=1)
def html_environment() -> Environment:
    return _base(autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=True))
