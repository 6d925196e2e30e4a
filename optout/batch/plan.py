"""Planning a batch: its settings, the date check, and chunks of whole clients."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from ..clients import Client
from ..disclosure import MINIMAL, DiscloseChoice
from ..errors import InputError
from ..models import Agent, RequestKind

CHUNK_LETTERS = 48  # letters per WeasyPrint document: enough to amortise its fixed cost, small enough for memory


# ---------------------------------------------------------------------------
# Planning


# No law's clock (with its extension) runs longer than this; checked before any output folder is touched.
LONGEST_CLOCK = dt.timedelta(days=3 * 366)
DATE_TOO_LATE = "{day}: too late a date: a response deadline counted from it would fall after the year 9999"


def check_letter_date(day: dt.date) -> dt.date:
    try:
        day + LONGEST_CLOCK
    except OverflowError:
        raise InputError("--date: " + DATE_TOO_LATE.format(day=day.isoformat())) from None
    return day


@dataclass(frozen=True)
class BatchSettings:
    request: RequestKind
    letter_date: dt.date
    formats: tuple[str, ...]
    agent: Agent | None = None
    disclose: DiscloseChoice = MINIMAL  # which of each client's details the letters carry (optout/disclosure.py)
    # A cover sheet and a print packet per client (--no-packet: only the letters, about 1.4x faster for PDFs).
    packet: bool = True

    def __post_init__(self) -> None:
        check_letter_date(self.letter_date)

    def fingerprint(self) -> dict:
        fingerprint: dict[str, object] = {
            "request": self.request.value, "date": self.letter_date.isoformat(), "formats": list(self.formats),
            "agent": self.agent.model_dump(mode="json") if self.agent else None,
        }
        # Each only when not the default, so chunk keys (and journals of earlier runs) stay what they were.
        if self.disclose != MINIMAL:
            fingerprint["disclose"] = self.disclose.label
        if not self.packet:
            fingerprint["packet"] = False
        return fingerprint


@dataclass
class Chunk:
    clients: list[Client]
    broker_ids: list[str]

    def key(self, settings: BatchSettings) -> str:
        payload = json.dumps(
            [[c.client_id, c.profile.model_dump(mode="json")] for c in self.clients] + [self.broker_ids, settings.fingerprint()],
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def letter_count(self) -> int:
        return len(self.clients) * len(self.broker_ids)


def plan_chunks(clients: list[Client], broker_ids: list[str], size: int = CHUNK_LETTERS) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[Client] = []
    for client in clients:
        current.append(client)
        if len(current) * len(broker_ids) >= size:
            chunks.append(Chunk(current, broker_ids))
            current = []
    if current:
        chunks.append(Chunk(current, broker_ids))
    return chunks
