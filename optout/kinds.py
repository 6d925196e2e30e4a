"""What a letter can ask for, importable without pydantic or the catalog.

The CLI declares `--request` with this enum before it knows which command runs, so `optout --help` does not
load the models; optout.models re-exports it, and every other module imports it from there.
"""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    DELETE = "delete"
    OPT_OUT = "opt-out"
    ACCESS = "access"
