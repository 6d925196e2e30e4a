"""Registry cell text: whitespace, placeholders and de-duplication, shared by the importers, contacts and names."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Cell values that mean "nothing here" rather than a malformed value.
PLACEHOLDERS = frozenset({"", "-", "--", "n/a", "na", "n-a", "none", "null", "nil", "not applicable", "tbd", "0"})


def clean_text(text: str | None) -> str:
    """Collapse whitespace (including no-break spaces and line breaks) and trim."""
    if text is None:
        return ""
    return re.sub(r"\s+", " ", str(text).replace("\u00a0", " ")).strip()


def is_placeholder(text: str | None) -> bool:
    return text is None or clean_text(text).lower() in PLACEHOLDERS


def unique(items: Iterable[str]) -> list[str]:
    """Non-empty items in first-seen order, compared without case ("A@x.com" and "a@x.com" are one)."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out
