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
    # Requests that invoke one right of one kind of law (optout/request_kinds.py says which); refused where the
    # person's law does not give it.
    CORRECT = "correct"
    LIMIT_SENSITIVE = "limit-sensitive"
    NEVADA_OPT_OUT = "nevada-opt-out"
    DANIELS_LAW = "daniels-law"
    ACP = "acp"
    FCRA_DISCLOSURE = "fcra-disclosure"
    FCRA_DISPUTE = "fcra-dispute"
    GDPR_ERASURE = "gdpr-erasure"
    GDPR_ACCESS = "gdpr-access"
    GDPR_OBJECTION = "gdpr-objection"
