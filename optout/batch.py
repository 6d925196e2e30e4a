"""Legal-clinic batches: many clients x many brokers, print-ready, deterministic and resumable.

Work is cut into chunks of whole clients, in input order. Each chunk is one WeasyPrint document (cover
sheets, letters, authorizations) whose pages are split into per-letter PDFs and per-client packets; a
chunk's files are identical whether it was rendered in a full run or a resumed one. A journal line is
appended once a chunk's files are on disk, so `--resume` knows what it can skip.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .catalog import Catalog, default_catalog
from .clients import Client, Intake, RowError
from .letters import compose
from .models import Agent, Broker, Letter, RequestKind
from .fsutil import atomic_write
from .output import DIR_MODE, FILE_MODE, ensure_private_dir, file_stem, notes_file
from .query import select_brokers  # noqa: F401  (re-exported: batch callers name brokers with it)
from .render import RENDERERS, eml, txt
from .templating import render_note

CHUNK_LETTERS = 48  # letters per WeasyPrint document: enough to amortise its fixed cost, small enough for memory
JOURNAL = ".optout-batch-journal.jsonl"
MANIFEST_COLUMNS = ["reference", "client_id", "broker_id", "broker_name", "request", "legal_basis", "signer", "signer_reason",
                    "channel_kind", "channel_value", "due_date", "file", "sha256"]
ERROR_COLUMNS = ["row", "client_id", "column", "reason"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------
# Choosing brokers


# ---------------------------------------------------------------------------
# Spreadsheet safety


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(row.get(key)) for key in columns})
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------
# Planning


@dataclass(frozen=True)
class BatchSettings:
    request: RequestKind
    letter_date: dt.date
    formats: tuple[str, ...]
    agent: Agent | None = None

    def fingerprint(self) -> dict:
        return {"request": self.request.value, "date": self.letter_date.isoformat(), "formats": list(self.formats),
                "agent": self.agent.model_dump(mode="json") if self.agent else None}


@dataclass
class Chunk:
    clients: list[Client]
    broker_ids: list[str]

    def key(self, settings: BatchSettings) -> str:
        payload = json.dumps([[c.client_id, c.profile.model_dump(mode="json")] for c in self.clients] + [self.broker_ids, settings.fingerprint()],
                             sort_keys=True, separators=(",", ":"))
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


# ---------------------------------------------------------------------------
# Rendering one chunk (runs in a worker process)


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


@dataclass
class ClientPacket:
    client_id: str
    full_name: str
    language: str
    request: str
    letter_date: dt.date
    agent: Agent | None
    entries: list[PacketEntry] = field(default_factory=list)


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
    return "no authorized agent allowed (" + "; ".join(f"{r.law_short_name} {r.section}" for r in refused) + "); the client signs"


def _compose_client(client: Client, brokers: list[Broker], settings: BatchSettings, catalog: Catalog) -> tuple[list[Letter], list[Refusal]]:
    letters, refusals = [], []
    for broker in brokers:
        letter = compose(client.profile, broker, settings.request, settings.letter_date, catalog, agent=settings.agent)
        if settings.agent is not None and letter.agent is None:
            refusals.append(Refusal(client.client_id, broker.id, _signer_reason(letter)))
        letters.append(letter)
    return sorted(letters, key=_mailing_key), refusals


def _manifest_row(client_id: str, letter: Letter | None, relative: str, data: bytes, settings: BatchSettings) -> dict:
    row = {"client_id": client_id, "request": settings.request.value, "file": relative, "sha256": hashlib.sha256(data).hexdigest()}
    if letter is not None:
        channel = letter.decision.channel
        row |= {
            "reference": letter.reference, "broker_id": letter.broker_id, "broker_name": letter.broker_name,
            "legal_basis": ";".join(letter.decision.laws),
            "signer": letter.signer.value, "signer_reason": _signer_reason(letter),
            "channel_kind": channel.kind.value if channel else "", "channel_value": channel.value if channel else "",
            "due_date": letter.decision.due_date.isoformat() if letter.decision.due_date else "",
        }
    return row


def render_chunk(chunk: Chunk, settings: BatchSettings, out_dir: Path, catalog: Catalog | None = None) -> ChunkResult:
    catalog = catalog or default_catalog()
    brokers = [catalog.broker(b) for b in chunk.broker_ids]
    rows: list[dict] = []
    refusals: list[Refusal] = []
    pending: list[tuple[Path, bytes, dict]] = []  # written only after everything rendered
    packets: list[tuple[ClientPacket, list[Letter]]] = []
    text_formats = [f for f in settings.formats if f != "pdf"]
    letter_total = 0

    for client in chunk.clients:
        letters, refused = _compose_client(client, brokers, settings, catalog)
        refusals += refused
        letter_total += len(letters)
        folder = out_dir / client.client_id
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
                pending.append((folder / name, data, _manifest_row(client.client_id, letter, f"{client.client_id}/{name}", data, settings)))
        packet = ClientPacket(client.client_id, client.profile.full_name, language, settings.request.value,
                              settings.letter_date, settings.agent)
        for letter in letters:
            channel = letter.decision.channel
            packet.entries.append(PacketEntry(letter.reference, letter.broker_name, channel.kind.value if channel else None,
                                              channel.value if channel else None, letter.decision.due_date, letter.signer.value,
                                              [render_note(n, language) for n in letter.decision.notes]))
        packets.append((packet, letters))

    agent_letters = {letter.reference: letter for _, letters in packets for letter in letters if letter.agent is not None}
    if "pdf" in settings.formats or agent_letters:
        from .render.packet import render_packets  # WeasyPrint is imported only when PDFs are wanted

        for client_id, name, letter, kind, data in render_packets(packets, settings.letter_date):
            if kind != "authorization" and "pdf" not in settings.formats:
                continue
            pending.append((out_dir / client_id / name, data, _manifest_row(client_id, letter, f"{client_id}/{name}", data, settings)))
            if kind == "authorization" and "eml" in settings.formats and letter is not None:
                eml_name = f"{file_stem(letter)}.eml"
                eml_data = eml.render(letter, [(name, data)])
                pending.append((out_dir / client_id / eml_name, eml_data,
                                _manifest_row(client_id, letter, f"{client_id}/{eml_name}", eml_data, settings)))

    for folder in {path.parent for path, _, _ in pending}:
        ensure_private_dir(folder)
    for path, data, row in pending:
        atomic_write(path, data, FILE_MODE, durable=False)
        rows.append(row)
    return ChunkResult(chunk.key(settings), rows, refusals, letter_total, chunk.letter_count)


# ---------------------------------------------------------------------------
# The journal: what --resume may skip


def read_journal(out_dir: Path) -> dict[str, dict]:
    path = out_dir / JOURNAL
    done: dict[str, dict] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a kill: that chunk is simply redone
        done[entry["key"]] = entry
    return done


def journal_entry_intact(entry: dict, out_dir: Path) -> bool:
    for row in entry["rows"]:
        path = out_dir / row["file"]
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
                return False
        except OSError:
            return False
    return True


def _journal_record(result: ChunkResult) -> dict:
    return {"rows": result.rows, "refusals": [asdict(r) for r in result.refusals], "letters": result.letters, "planned": result.planned}


def _append_journal(out_dir: Path, result: ChunkResult) -> None:
    line = json.dumps({"key": result.key, **_journal_record(result)}, sort_keys=True)
    with open(out_dir / JOURNAL, "a", encoding="utf-8") as journal:
        journal.write(line + "\n")
        journal.flush()
        os.fsync(journal.fileno())
    os.chmod(out_dir / JOURNAL, FILE_MODE)


def remove_partial_files(out_dir: Path) -> int:
    """Temp files left by a killed run (`.name.part`); whole files are never left half-written."""
    removed = 0
    for path in out_dir.rglob(".*.part"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


# ---------------------------------------------------------------------------
# Running a batch


@dataclass
class BatchReport:
    out_dir: Path
    clients: int
    letters: int
    files: int
    skipped_chunks: int
    errors: list[RowError]
    refusals: list[Refusal]
    manifest: Path
    errors_file: Path | None


ProgressCallback = Callable[[int], None]


def _worker_init() -> None:
    # Ctrl-C is handled by the parent, which stops the pool; workers just end.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunks(todo: list[Chunk], settings: BatchSettings, out_dir: Path, jobs: int, on_done: Callable[[ChunkResult], None]) -> None:
    if jobs <= 1 or len(todo) <= 1:
        for chunk in todo:
            on_done(render_chunk(chunk, settings, out_dir))
        return
    default_catalog()  # loaded once before the fork, shared copy-on-write
    with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
        queue: Iterator[Chunk] = iter(todo)
        running: set = set()

        def top_up() -> None:
            # Two chunks in flight per worker keeps every core busy without holding every chunk in memory.
            for chunk in queue:
                running.add(pool.submit(render_chunk, chunk, settings, out_dir))
                if len(running) >= jobs * 2:
                    return

        try:
            top_up()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                running.difference_update(finished)
                for future in finished:
                    on_done(future.result())
                top_up()
        except BaseException:
            for future in running:
                future.cancel()
            raise


def run_batch(
    intake: Intake,
    brokers: list[Broker],
    settings: BatchSettings,
    out_dir: Path,
    jobs: int = 1,
    resume: bool = False,
    progress: ProgressCallback | None = None,
) -> BatchReport:
    ensure_private_dir(out_dir)
    if resume:
        remove_partial_files(out_dir)
        done = read_journal(out_dir)
    else:
        (out_dir / JOURNAL).unlink(missing_ok=True)
        done = {}

    chunks = plan_chunks(intake.clients, [b.id for b in brokers])
    results: dict[str, dict] = {}
    todo: list[Chunk] = []
    for chunk in chunks:
        key = chunk.key(settings)
        entry = done.get(key)
        if entry is not None and journal_entry_intact(entry, out_dir):
            results[key] = entry
            if progress:
                progress(entry["planned"])
        else:
            todo.append(chunk)

    def on_done(result: ChunkResult) -> None:
        _append_journal(out_dir, result)
        results[result.key] = _journal_record(result)
        if progress:
            progress(result.planned)

    _run_chunks(todo, settings, out_dir, jobs, on_done)

    ordered = [results[chunk.key(settings)] for chunk in chunks]
    rows = [row for entry in ordered for row in entry["rows"]]
    refusals = [Refusal(**r) for entry in ordered for r in entry["refusals"]]
    manifest = out_dir / "manifest.csv"
    atomic_write(manifest, csv_bytes(MANIFEST_COLUMNS, rows), FILE_MODE)
    errors_file = out_dir / "errors.csv"
    if intake.errors:
        atomic_write(errors_file, csv_bytes(ERROR_COLUMNS, [asdict(e) for e in intake.errors]), FILE_MODE)
    else:
        errors_file.unlink(missing_ok=True)
    os.chmod(out_dir, DIR_MODE)
    return BatchReport(
        out_dir=out_dir,
        clients=len(intake.clients),
        letters=sum(entry["letters"] for entry in ordered),
        files=len(rows),
        skipped_chunks=len(chunks) - len(todo),
        errors=intake.errors,
        refusals=refusals,
        manifest=manifest,
        errors_file=errors_file if intake.errors else None,
    )


def total_letters(intake: Intake, brokers: list[Broker]) -> int:
    return len(intake.clients) * len(brokers)
