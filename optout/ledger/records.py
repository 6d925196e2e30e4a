"""What a ledger holds: requests (the letters), their dated events, attached replies, and where a letter's facts live.

The ledger keeps as little personal data as it can: no names, addresses, emails or phone numbers. A request
points to the profile file (or the clinic's clients CSV and the client's id) it was written from, by path and
SHA-256, so `optout ledger next` can write the next letter from the same facts without a second copy of them.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..models import RequestKind


class Stage(StrEnum):
    """Which letter of a request's history this is."""

    REQUEST = "request"
    FOLLOW_UP = "follow-up"
    APPEAL = "appeal"
    COMPLAINT = "complaint"
    RE_REQUEST = "re-request"  # a fresh request where the law lets a broker collect again (DROP's 45-day cycle)


class EventKind(StrEnum):
    DRAFTED = "drafted"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    EXTENDED = "extended"
    COMPLETED = "completed"
    PARTIAL = "partial"
    DENIED = "denied"
    NO_RESPONSE = "no-response"


ANSWERS = frozenset({EventKind.COMPLETED, EventKind.PARTIAL, EventKind.DENIED})
WAITING = frozenset({EventKind.SENT, EventKind.ACKNOWLEDGED, EventKind.EXTENDED, EventKind.NO_RESPONSE})

# What may follow what. A late answer after "no-response" is still recorded; "completed" is the end.
TRANSITIONS: dict[EventKind, frozenset[EventKind]] = {
    EventKind.DRAFTED: frozenset({EventKind.SENT}),
    EventKind.SENT: frozenset({*ANSWERS, EventKind.ACKNOWLEDGED, EventKind.EXTENDED, EventKind.NO_RESPONSE}),
    EventKind.ACKNOWLEDGED: frozenset({*ANSWERS, EventKind.EXTENDED, EventKind.NO_RESPONSE}),
    EventKind.EXTENDED: frozenset({*ANSWERS, EventKind.ACKNOWLEDGED, EventKind.NO_RESPONSE}),
    EventKind.NO_RESPONSE: frozenset({*ANSWERS, EventKind.ACKNOWLEDGED, EventKind.EXTENDED}),
    EventKind.DENIED: frozenset({EventKind.COMPLETED, EventKind.PARTIAL}),
    EventKind.PARTIAL: frozenset({EventKind.COMPLETED, EventKind.DENIED}),
    EventKind.COMPLETED: frozenset(),
}

# One line of printable text (a tracking number, a message id); notes may have line breaks but no other controls.
Note = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
OneLine = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """Where a letter's facts live: a profile file, or a row of a clients CSV, and the agent file, by path and hash."""

    kind: str = Field(description="'profile' or 'clients'")
    path: str
    sha256: str
    agent_path: str | None = None
    agent_sha256: str | None = None


class LedgerRequest(Frozen):
    reference: str
    stage: Stage = Stage.REQUEST
    parent: str | None = Field(default=None, description="The reference of the request this letter follows up.")
    client_id: str | None = None
    broker_id: str
    broker_name: str
    request: RequestKind = Field(description="What the person asked for.")
    letter_date: dt.date
    laws: list[str] = Field(description="The laws the letter relies on (the engine's decision), whose clocks apply.")
    clock_applies: bool = True
    renewal_law: str | None = Field(default=None, description="A law that makes the broker repeat the deletion (DROP).")
    channel_kind: str | None = None
    channel_value: str | None = None
    signer: str = "person"
    source: Source | None = None


class Attachment(Frozen):
    name: str = Field(description="The stored file's name inside the ledger's files folder: its SHA-256 and a safe suffix.")
    original_name: str = Field(description="The name the file had, shown as text only, never used as a path.")
    sha256: str
    size: int


class LedgerEvent(Frozen):
    id: int
    reference: str
    kind: EventKind
    on: dt.date
    note: str | None = None
    channel: str | None = None
    tracking: str | None = Field(default=None, description="Certified-mail number, message id or form confirmation.")
    attachment: Attachment | None = None
    recorded_at: str = ""


class Mark(Frozen):
    """One event a person records: `optout ledger mark REF KIND --on DATE ...`."""

    kind: EventKind
    on: dt.date
    note: Note | None = None
    channel: OneLine | None = None
    tracking: OneLine | None = None
