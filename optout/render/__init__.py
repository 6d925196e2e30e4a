"""One small renderer per output format. Each takes a composed Letter and returns bytes."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError
from ..models import Letter
from . import eml, html, txt

Renderer = Callable[[Letter], bytes]


def _pdf(letter: Letter) -> bytes:
    # WeasyPrint takes half a second to import; commands that make no PDF should not pay for it.
    from . import pdf

    return pdf.render(letter)


RENDERERS: dict[str, Renderer] = {
    "pdf": _pdf,
    "html": html.render,
    "txt": txt.render,
    "eml": eml.render,
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
