"""One small renderer per output format. Each takes a composed Letter and returns bytes.

The renderers import their modules when first called: `optout --help` and commands that write no letter load
neither Jinja2 nor the models through here, and WeasyPrint loads only when a PDF is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..models import Letter

Renderer = Callable[["Letter"], bytes]


def _pdf(letter: Letter) -> bytes:
    # WeasyPrint takes half a second to import; commands that make no PDF should not pay for it.
    from . import pdf

    return pdf.render(letter)


def _html(letter: Letter) -> bytes:
    from . import html

    return html.render(letter)


def _txt(letter: Letter) -> bytes:
    from . import txt

    return txt.render(letter)


def _eml(letter: Letter) -> bytes:
    from . import eml

    return eml.render(letter)


RENDERERS: dict[str, Renderer] = {
    "pdf": _pdf,
    "html": _html,
    "txt": _txt,
    "eml": _eml,
}
FORMATS = tuple(RENDERERS)


def parse_formats(spec: str) -> list[str]:
    formats = [f.strip().lower() for f in spec.split(",") if f.strip()]
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown or not formats:
        raise InputError(f"unknown format '{','.join(unknown) or spec}': choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def render_letter(letter: Letter, fmt: str) -> bytes:
    """One letter in one format ("pdf", "txt", "eml", "html"); for the notes and authorization files too, see
    optout.output.render_files."""
    if fmt not in RENDERERS:
        raise InputError(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    return RENDERERS[fmt](letter)
