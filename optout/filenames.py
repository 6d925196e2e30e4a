"""Output file names: only catalog slugs and the derived reference, never a person's name or other raw input."""

from __future__ import annotations

from .models import Letter


def file_stem(letter: Letter) -> str:
    return f"{letter.broker_id}-{letter.request.value}-{letter.reference}"


def authorization_name(letter: Letter) -> str:
    return f"{file_stem(letter)}-authorization.pdf"
