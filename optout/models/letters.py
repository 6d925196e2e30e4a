"""What the engine decides and what gets rendered."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from .base import DEFERRED
from .catalog import Channel, DayKind, LawKind, RequestKind, Right
from .disclosure import Disclosed
from .people import Agent

# ---------------------------------------------------------------------------
# What the engine decides and what gets rendered


class InvokedRight(BaseModel):
    model_config = DEFERRED
    right: Right
    law_id: str
    law_kind: LawKind
    law_short_name: str
    section: str
    terms: str | None = None
    scope: str | None = None


class Deadline(BaseModel):
    model_config = DEFERRED
    law_id: str
    # "request": the clock for the letter as a whole; "opt-out": a shorter clock some laws set for the
    # opt-outs a deletion letter also invokes (CCPA regs: 15 business days).
    part: str = "request"
    due_date: dt.date
    days: int
    day_kind: DayKind
    extension_days: int | None = None
    extension_note: str | None = None
    section: str


class Note(BaseModel):
    """Something the person should know about one letter. The words live in templates/notes/<code>.txt.j2;
    the engine only says which note applies and with what facts."""
    model_config = DEFERRED

    code: str
    facts: dict[str, str] = Field(default_factory=dict)


class Signer(StrEnum):
    PERSON = "person"
    AGENT = "agent"


class Decision(BaseModel):
    """The legal engine's choice for one person, broker, request kind and date."""
    model_config = DEFERRED

    requested: RequestKind = Field(description="What the person asked for.")
    request: RequestKind = Field(description="What the letter asks for (differs for service providers).")
    laws: list[str] = Field(description="Ids of the laws the letter relies on; ['no-law'] for the voluntary fallback.")
    rights: list[InvokedRight]
    channel: Channel | None
    deadlines: list[Deadline] = Field(default_factory=list)
    clock_applies: bool = Field(
        default=True,
        description="False when the broker says it holds the data only as a service provider: "
        "the statutory clock binds the business it serves.",
    )
    notes: list[Note] = Field(default_factory=list)
    signer: Signer = Signer.PERSON
    refused_for_agent: list[InvokedRight] = Field(
        default_factory=list, description="Rights an agent may not exercise: why the person signs instead."
    )

    @property
    def due_date(self) -> dt.date | None:
        if not self.clock_applies:
            return None
        return min((d.due_date for d in self.deadlines if d.part == "request"), default=None)


class Block(BaseModel):
    """One piece of a letter's body. Every format lays out the same blocks in the same order."""
    model_config = DEFERRED

    kind: str = Field(
        description="paragraph | detail (a labelled line of the person's details) | closing | signature | enclosure"
    )
    text: str
    label: str | None = None


class Letter(BaseModel):
    """One rendered request: everything every output format needs."""
    model_config = DEFERRED

    reference: str
    date: dt.date
    request: RequestKind
    broker_id: str
    broker_name: str
    decision: Decision
    signer: Signer
    title: str = Field(description="What the letter asks, under which law: the subject line without the reference.")
    subject: str = Field(description="The title and the reference, for the email subject and the printed subject line.")
    blocks: list[Block] = Field(
        description="The letter's wording, rendered once from templates/letter/; every format uses these."
    )
    notes: list[str] = Field(default_factory=list, description="What the person should know, in words (templates/notes/).")
    recipient_lines: list[str]
    sender_lines: list[str]
    sender_email: str | None = None
    recipient_email: str | None = None
    webform_url: str | None = None
    agent: Agent | None = Field(default=None, description="The authorized agent who signs, enclosing the person's authorization.")
    person_name: str = Field(description="The person the request is for (who signs the authorization in an agent's letter).")
    person_place: str = Field(
        default="", description="Where the person lives, as the authorization form names it: 'Richmond, Virginia'."
    )
    law_names: list[str] = Field(
        default_factory=list, description="The laws the letter relies on, by name; empty for a voluntary request."
    )
    discloses: list[Disclosed] = Field(
        default_factory=list, description="The person's details the letter carries, in order, and why (optout/disclosure.py)."
    )

    @property
    def paragraphs(self) -> list[str]:
        """The body as plain paragraphs (details as 'Label: value'), for text formats and tests."""
        return [f"{b.label}: {b.text}" if b.label else b.text for b in self.blocks]
