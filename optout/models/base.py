"""Shared types and the text rules every record and person passes (SECURITY.md)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


# ---------------------------------------------------------------------------
# Text input rules (SECURITY.md): every text field of a profile, agent file, CSV row and catalog record
# passes `check_text`. Refused: C0 and C1 control characters (tab, CR, NUL, ESC, BEL, NEL, ...), DEL,
# text-direction overrides, embeddings, isolates and marks (U+202E, U+2066, U+200F, ...), zero-width and
# other invisible characters (U+200B-U+200D, U+2060, U+FEFF, U+00AD, ...), and the line and paragraph
# separators U+2028/U+2029. A newline is allowed only where a field is multi-line (catalog postal addresses
# and notes). Lengths are bounded so no input can make rendering slow.

_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")  # newline allowed
PERSON_TEXT_MAX = 1000  # no field of a profile or agent file is longer (names and streets have lower limits)
CATALOG_TEXT_MAX = 20000


def check_text(value: str, multiline: bool = False, max_length: int | None = None) -> str:
    """The one rule for text optout reads; raises ValueError naming the first refused character."""
    found = (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(value)
    if found:
        what = "text" if multiline else "a single line of text"
        raise ValueError(
            f"must be {what} without control, invisible or text-direction characters (found U+{ord(found.group()):04X})"
        )
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"is too long ({len(value)} characters; at most {max_length})")
    return value


def check_strings(value, multiline: bool = False, max_length: int | None = None):
    """check_text on every string inside a field's value (lists, dicts and their keys); models check themselves."""
    if isinstance(value, str):
        check_text(value, multiline, max_length)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_strings(key, multiline, max_length)
            check_strings(item, multiline, max_length)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            check_strings(item, multiline, max_length)
    return value


def visible(text: object, limit: int = 80) -> str:
    """Text safe to echo in an error message or errors.csv: refused characters shown as \\uXXXX, cut to `limit`."""
    shown = FORBIDDEN_IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if text is None else str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


Line = Annotated[str, StringConstraints(max_length=200)]

# Each model's validator is built when the model is first used, not when its module is imported: a command
# pays only for the shapes it reads (`optout --help` and `brokers list` read none; a letter reads a few).
DEFERRED = ConfigDict(defer_build=True)


class Strict(BaseModel):
    """Records reject unknown keys, so a typo in a YAML file is an error, not a silent no-op."""

    # Frozen: a loaded catalog is cached and shared (also across worker processes); nothing may change it.
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, defer_build=True)


class CatalogText(Strict):
    """Broker and law records: every text inside passes check_text (newlines allowed: postal addresses, notes).

    Checked once per record on the raw data, which is cheaper than a validator per field; the compiled cache,
    built from YAML that passed this check, skips it (context {"compiled": True}).
    """

    @model_validator(mode="before")
    @classmethod
    def _catalog_text(cls, data, info: ValidationInfo):
        if isinstance(data, dict) and not (info.context or {}).get("compiled"):
            _check_tree(data, "")
        return data


def _check_tree(value, where: str) -> None:
    if isinstance(value, str):
        try:
            check_text(value, multiline=True, max_length=CATALOG_TEXT_MAX)
        except ValueError as exc:
            raise ValueError(f"{where or '(record)'}: {exc}") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, where)
            _check_tree(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, f"{where}.{index}")


class PersonText(Strict):
    """Profiles, agent files and CSV rows: every text field is one line that passes check_text."""

    @field_validator("*", mode="after")
    @classmethod
    def _person_text(cls, value):
        return check_strings(value, multiline=False, max_length=PERSON_TEXT_MAX)
