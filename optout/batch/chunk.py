"""Rendering one chunk of whole clients (in a worker process): letters, packets, manifest rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog, default_catalog
from ..clients import Client
from ..disclosure import table_for
from ..fsutil import atomic_write
from ..legal import refused_summary
from ..letters import compose
from ..models import Agent, Broker, Identifier, Letter
from ..output import FILE_MODE, ensure_private_dir, file_stem, notes_file
from ..render import RENDERERS, eml, txt
from ..templating import render_note
from .plan import BatchSettings, Chunk

MANIFEST_COLUMNS = ["reference", "client_id", "broker_id", "broker_name", "request", "legal_basis", "signer", "signer_reason",
                    "channel_kind", "channel_value", "due_date", "discloses", "file", "sha256"]


# ---------------------------------------------------------------------------
# Rendering one chunk (runs in a worker process)

ALWAYS_DISCLOSED = (Identifier.RESIDENCE, Identifier.NAME)  # every letter; the cover sheet says so once


@dataclass
class Refusal:
    """A letter the agent may not sign: it is written for the client to sign instead, and this says why."""

    client_id: str
    broker_id: str
    reason: str


@dataclass
class PacketEntry:
    reference: str
    broker_name: str
    channel_kind: str | None
    channel_value: str | None
    due_date: dt.date | None
    signer: str = "person"
    notes: list[str] = field(default_factory=list)
    # What the letter gives beyond the name and state every letter gives, in the client's language (optout/disclosure.py).
    discloses: list[str] = field(default_factory=list)


@dataclass
class ClientPacket:
    client_id: str
    full_name: str
    language: str
    request: str
    letter_date: dt.date
    agent: Agent | None
    entries: list[PacketEntry] = field(default_factory=list)

    def grouped_notes(self) -> list[tuple[str, list[str]]]:
        """Each distinct note once, with the companies it concerns, in table order."""
        groups: dict[str, list[str]] = {}
        for entry in self.entries:
            for note in entry.notes:
                names = groups.setdefault(note, [])
                if entry.broker_name not in names:
                    names.append(entry.broker_name)
        return list(groups.items())


@dataclass
class ChunkResult:
    key: str
    rows: list[dict]
    refusals: list[Refusal]
    letters: int
    planned: int  # letters asked for, refused ones included: what the progress bar counts


MAILING_ORDER = {"postal": 0, "fax": 1, "email": 2, "webform": 3, "phone": 4, None: 5}


def _mailing_key(letter: Letter) -> tuple:
    channel = letter.decision.channel
    return (MAILING_ORDER[channel.kind.value if channel else None], letter.broker_name.casefold(), letter.broker_id)


def _signer_reason(letter: Letter) -> str:
    refused = letter.decision.refused_for_agent
    if not refused:
        return ""
    return f"no authorized agent allowed ({refused_summary(refused)}); the client signs"


def _compose_client(
    client: Client, brokers: list[Broker], settings: BatchSettings, catalog: Catalog
) -> tuple[list[Letter], list[Refusal]]:
    letters, refusals = [], []
    for broker in brokers:
        letter = compose(
            client.profile, broker, settings.request, settings.letter_date, catalog,
            agent=settings.agent, disclose=settings.disclose,
        )
        if settings.agent is not None and letter.agent is None:
            refusals.append(Refusal(client.client_id, broker.id, _signer_reason(letter)))
        letters.append(letter)
    return sorted(letters, key=_mailing_key), refusals


def _manifest_row(client_id: str, letter: Letter | None, relative: str, data: bytes, settings: BatchSettings) -> dict:
    row = {
        "client_id": client_id,
        "request": settings.request.value,
        "file": relative,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if letter is not None:
        channel = letter.decision.channel
        row |= {
            "reference": letter.reference,
            "broker_id": letter.broker_id,
            "broker_name": letter.broker_name,
            "legal_basis": ";".join(letter.decision.laws),
            "signer": letter.signer.value,
            "signer_reason": _signer_reason(letter),
            "channel_kind": channel.kind.value if channel else "",
            "channel_value": channel.value if channel else "",
            "due_date": letter.decision.due_date.isoformat() if letter.decision.due_date else "",
            "discloses": ";".join(item.field.value for item in letter.discloses),
        }
    return row


# The catalog a worker process renders with, set once when the worker starts (run._worker_init).
_worker_catalog: Catalog | None = None


def use_catalog(catalog: Catalog) -> None:
    global _worker_catalog  # noqa: PLW0603  (set once per worker process, by its initializer)
    _worker_catalog = catalog


_pause_lock = threading.Lock()
_pauses = 0  # chunks rendering now in this process with the collector paused (threads of a Dask worker)
_resume_collector = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a chunk renders, one full collection after.

    WeasyPrint allocates millions of small objects per chunk; left on, the collector runs full collections over
    them again and again (about a fifth of a batch's time). Nothing is freed later than the end of the chunk, and
    the collector is switched back on only if it was on, once the last chunk rendering in the process is done.
    """
    global _pauses, _resume_collector  # noqa: PLW0603  (process-wide, like the collector itself)
    with _pause_lock:
        if _pauses == 0:
            _resume_collector = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            last = _pauses == 0
            if last and _resume_collector:
                gc.enable()
        if last:
            gc.collect()


@dataclass
class RenderedChunk:
    """A chunk's files in memory, not yet written: what a Dask worker sends back to the process writing the batch."""

    key: str
    files: list[tuple[str, str, bytes, dict]]  # (client_id, file name, data, manifest row), in manifest order
    refusals: list[Refusal]
    letters: int
    planned: int


def render_chunk(chunk: Chunk, settings: BatchSettings, out_dir: Path, catalog: Catalog | None = None) -> ChunkResult:
    """Render a chunk and write its files into `out_dir` (in a local worker process, or in-process)."""
    return write_chunk(render_chunk_files(chunk, settings, catalog), out_dir)


def render_chunk_files(chunk: Chunk, settings: BatchSettings, catalog: Catalog | None = None) -> RenderedChunk:
    with collector_paused():
        return _render_chunk_files(chunk, settings, catalog or _worker_catalog or default_catalog())


def write_chunk(rendered: RenderedChunk, out_dir: Path) -> ChunkResult:
    """Write a rendered chunk's files privately and atomically; the journal line is the caller's, once this returns."""
    for client_id in sorted({client_id for client_id, _, _, _ in rendered.files}):
        ensure_private_dir(out_dir / client_id, managed=True)  # a client folder that is a symlink or someone else's is refused
    rows = []
    for client_id, name, data, row in rendered.files:
        atomic_write(out_dir / client_id / name, data, FILE_MODE, durable=False, follow_parent=False)
        rows.append(row)
    return ChunkResult(rendered.key, rows, rendered.refusals, rendered.letters, rendered.planned)


def _render_chunk_files(chunk: Chunk, settings: BatchSettings, catalog: Catalog) -> RenderedChunk:
    brokers = [catalog.broker(b) for b in chunk.broker_ids]
    refusals: list[Refusal] = []
    pending: list[tuple[str, str, bytes, dict]] = []  # written only after everything rendered
    packets: list[tuple[ClientPacket, list[Letter]]] = []
    text_formats = [f for f in settings.formats if f != "pdf"]
    letter_total = 0

    labels = table_for(catalog).labels
    def add(client_id: str, name: str, data: bytes, letter: Letter | None) -> None:
        pending.append((client_id, name, data, _manifest_row(client_id, letter, f"{client_id}/{name}", data, settings)))

    for client in chunk.clients:
        letters, refused = _compose_client(client, brokers, settings, catalog)
        refusals += refused
        letter_total += len(letters)
        language = client.profile.language
        for letter in letters:
            stem = file_stem(letter)
            # An agent's email draft carries the authorization PDF, which is rendered with the chunk's PDFs below.
            outputs = [(f"{stem}.{fmt}", RENDERERS[fmt](letter)) for fmt in text_formats if not (fmt == "eml" and letter.agent)]
            if letter.webform_url and "txt" in settings.formats:
                outputs.append((f"{stem}-webform.txt", txt.render_webform(letter)))
            if (notes := notes_file(letter)) is not None:
                outputs.append((notes.name, notes.data))
            for name, data in outputs:
                add(client.client_id, name, data, letter)
        packet = ClientPacket(
            client.client_id, client.profile.full_name, language, settings.request.value, settings.letter_date, settings.agent
        )
        for letter in letters:
            channel = letter.decision.channel
            packet.entries.append(
                PacketEntry(
                    letter.reference,
                    letter.broker_name,
                    channel.kind.value if channel else None,
                    channel.value if channel else None,
                    letter.decision.due_date,
                    letter.signer.value,
                    [render_note(n, language, generic=True) for n in letter.decision.notes],
                    [labels[item.field][language] for item in letter.discloses if item.field not in ALWAYS_DISCLOSED],
                )
            )
        packets.append((packet, letters))

    agent_letters = {letter.reference: letter for _, letters in packets for letter in letters if letter.agent is not None}
    if "pdf" in settings.formats or agent_letters:
        from ..render.packet import (
            render_packets,  # WeasyPrint is imported only when PDFs are wanted
        )

        for client_id, name, pdf_letter, kind, data in render_packets(packets, settings.letter_date, settings.packet):
            if kind != "authorization" and "pdf" not in settings.formats:
                continue
            add(client_id, name, data, pdf_letter)
            if kind == "authorization" and "eml" in settings.formats and pdf_letter is not None:
                add(client_id, f"{file_stem(pdf_letter)}.eml", eml.render(pdf_letter, [(name, data)]), pdf_letter)
    return RenderedChunk(chunk.key(settings), pending, refusals, letter_total, chunk.letter_count)
