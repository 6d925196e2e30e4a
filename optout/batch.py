"""Legal-clinic batches: many clients x many brokers, print-ready, deterministic and resumable.

Work is cut into chunks of whole clients, in input order. Each chunk is one WeasyPrint document (cover
sheets, letters, authorizations) whose pages are split into per-letter PDFs and per-client packets; a
chunk's files are identical whether it was rendered in a full run or a resumed one. A journal line is
appended once a chunk's files are on disk, so `--resume` knows what it can skip.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .catalog import Catalog, default_catalog
from .clients import Client, Intake, RowError
from .letters import compose
from .models import Agent, Broker, Letter, RequestKind
from .fsutil import OutputError, atomic_write, is_temp_name, open_private_file, read_private_file
from .output import FILE_MODE, ensure_private_dir, file_stem, notes_file
from .query import select_brokers  # noqa: F401  (re-exported: batch callers name brokers with it)
from .render import RENDERERS, eml, txt
from .templating import render_note

CHUNK_LETTERS = 48  # letters per WeasyPrint document: enough to amortise its fixed cost, small enough for memory
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


# No law's clock (with its extension) runs longer than this; checked before any output folder is touched.
LONGEST_CLOCK = dt.timedelta(days=3 * 366)
DATE_TOO_LATE = "{day}: too late a date: a response deadline counted from it would fall after the year 9999"


def check_letter_date(day: dt.date) -> dt.date:
    try:
        day + LONGEST_CLOCK
    except OverflowError:
        raise ValueError("--date: " + DATE_TOO_LATE.format(day=day.isoformat())) from None
    return day


@dataclass(frozen=True)
class BatchSettings:
    request: RequestKind
    letter_date: dt.date
    formats: tuple[str, ...]
    agent: Agent | None = None

    def __post_init__(self) -> None:
        check_letter_date(self.letter_date)

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

    for folder in sorted({path.parent for path, _, _ in pending}):
        ensure_private_dir(folder, managed=True)  # a client folder that is a symlink or someone else's is refused
    for path, data, row in pending:
        atomic_write(path, data, FILE_MODE, durable=False, follow_parent=False)
        rows.append(row)
    return ChunkResult(chunk.key(settings), rows, refusals, letter_total, chunk.letter_count)


# ---------------------------------------------------------------------------
# The output folder: one consistent run
#
# Besides the files the manifest lists, a batch folder holds only these bookkeeping files. The run record
# says which inputs and settings made the folder, so `--resume` can refuse to mix two runs; the lock file
# stops a second process; the journal says which chunks are done.

JOURNAL = ".optout-batch-journal.jsonl"
RUN_RECORD = ".optout-batch-run.json"
LOCK = ".optout-batch.lock"
MANIFEST = "manifest.csv"
ERRORS = "errors.csv"
BOOKKEEPING = (LOCK, RUN_RECORD, JOURNAL, MANIFEST, ERRORS)
# What render_chunk writes into a client folder: slugs, a reference and an extension (see output.file_stem).
OUTPUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.(?:pdf|txt|eml|html)$")
RUN_RECORD_VERSION = 1


@dataclass(frozen=True)
class RunInputs:
    """What made a batch besides BatchSettings, by hash: recorded so that `--resume` can refuse another run's inputs."""

    clients_sha256: str
    agent_sha256: str | None = None
    catalog_sha256: str = ""
    brokers: str = ""  # the --brokers selector as given


# How a difference in the run record is named to the user.
RECORD_LABELS = {
    "clients_csv_sha256": "the clients CSV",
    "agent_sha256": "the --agent file",
    "catalog_sha256": "the broker catalog",
    "request": "--request",
    "date": "--date",
    "formats": "--format",
    "brokers": "--brokers",
    "broker_ids": "the brokers selected",
}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_record(settings: BatchSettings, inputs: RunInputs, broker_ids: list[str]) -> dict:
    return {
        "optout_batch": RUN_RECORD_VERSION,
        "clients_csv_sha256": inputs.clients_sha256,
        "agent_sha256": inputs.agent_sha256,
        "catalog_sha256": inputs.catalog_sha256,
        "request": settings.request.value,
        "date": settings.letter_date.isoformat(),
        "formats": list(settings.formats),
        "brokers": inputs.brokers,
        "broker_ids": list(broker_ids),
    }


def record_differences(old: dict, new: dict) -> list[str]:
    differences = []
    for key, label in RECORD_LABELS.items():
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key.endswith("sha256") or key == "broker_ids":
            differences.append(f"{label} changed" if before and after else f"{label} was {'given' if before else 'not given'}, now {'given' if after else 'not given'}")
        else:
            show = lambda v: ",".join(v) if isinstance(v, list) else str(v)  # noqa: E731
            differences.append(f"{label} was {show(before)}, now {show(after)}")
    return differences


def _folder_entries(out_dir: Path) -> list[str]:
    return sorted(name for name in os.listdir(out_dir) if name != LOCK)


def _describe_entries(out_dir: Path, names: list[str], limit: int = 6) -> str:
    shown = []
    for name in names[:limit]:
        path = out_dir / name
        if path.is_dir() and not path.is_symlink():
            count = sum(len(files) for _, _, files in os.walk(path))
            shown.append(f"{name}/ ({count} file{'s' if count != 1 else ''})")
        else:
            shown.append(name)
    if len(names) > limit:
        shown.append(f"and {len(names) - limit} more")
    return ", ".join(shown)


def _is_batch_folder(out_dir: Path, names: list[str]) -> bool:
    return any(name in names for name in (RUN_RECORD, JOURNAL, MANIFEST))


def _remove_entry(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)  # never follows symlinks inside
    else:
        path.unlink(missing_ok=True)


def _foreign_entries(out_dir: Path, client_ids: set[str]) -> list[str]:
    """What a batch of these clients could not have written: a resume refuses to run beside it."""
    foreign = []
    for name in _folder_entries(out_dir):
        path = out_dir / name
        if name in BOOKKEEPING or is_temp_name(name):
            continue
        if name in client_ids and path.is_dir() and not path.is_symlink():
            for inner in sorted(os.listdir(path)):
                inner_path = path / inner
                if not (is_temp_name(inner) or (OUTPUT_NAME.match(inner) and inner_path.is_file() and not inner_path.is_symlink())):
                    foreign.append(f"{name}/{inner}")
        else:
            foreign.append(name + ("/" if path.is_dir() and not path.is_symlink() else ""))
    return foreign


def remove_partial_files(out_dir: Path, client_ids: set[str] | None = None) -> int:
    """optout's own temp files (`.NAME.optout-<hex>.part`) left by a killed run, in the folder and its client folders.

    Nothing else is touched: a user's `notes/.thesis.docx.part` is not optout's.
    """
    removed = 0
    folders = [out_dir] + [out_dir / c for c in sorted(client_ids or ()) if (out_dir / c).is_dir() and not (out_dir / c).is_symlink()]
    for folder in folders:
        for name in os.listdir(folder):
            if is_temp_name(name):
                (folder / name).unlink(missing_ok=True)
                removed += 1
    return removed


def _sweep(out_dir: Path, listed: set[str], client_ids: set[str]) -> list[str]:
    """After a run: remove optout's own leftovers the manifest does not list; return anything else (left alone)."""
    leftovers = []
    for name in _folder_entries(out_dir):
        path = out_dir / name
        if name in BOOKKEEPING:
            continue
        if is_temp_name(name):
            path.unlink(missing_ok=True)
        elif name in client_ids and path.is_dir() and not path.is_symlink():
            for inner in sorted(os.listdir(path)):
                relative = f"{name}/{inner}"
                inner_path = path / inner
                if relative in listed:
                    continue
                if is_temp_name(inner) or (OUTPUT_NAME.match(inner) and inner_path.is_file() and not inner_path.is_symlink()):
                    inner_path.unlink(missing_ok=True)  # written by a chunk killed before its journal line
                else:
                    leftovers.append(relative)
            if not os.listdir(path):
                path.rmdir()
        else:
            leftovers.append(name)
    return leftovers


class _FolderLock:
    """An exclusive, non-blocking lock on the output folder, held for the whole run (released if the process dies)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK
        self.handle: int | None = None

    def __enter__(self) -> "_FolderLock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self
        self.handle, _ = open_private_file(self.path)
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(self.handle, 32, 0).decode("ascii", "replace").strip()
            os.close(self.handle)
            self.handle = None
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f" (process {holder})" if holder.isdigit() else ""
                raise OutputError(f"{self.path.parent}: another optout batch is writing to this folder{who}; "
                                  "wait for it to finish or choose another --out") from None
            raise
        os.ftruncate(self.handle, 0)
        os.pwrite(self.handle, f"{os.getpid()}\n".encode(), 0)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.handle is not None:
            os.close(self.handle)  # closing releases the lock; the file stays, so no one can lock a stale copy
            self.handle = None


# ---------------------------------------------------------------------------
# The journal: what --resume may skip


def read_journal(out_dir: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    data = read_private_file(out_dir / JOURNAL)
    if data is None:
        return done
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line)
            done[entry["key"]] = entry
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut short by a kill: that chunk is simply redone
    return done


def journal_entry_intact(entry: dict, out_dir: Path) -> bool:
    try:
        for row in entry["rows"]:
            path = out_dir / row["file"]
            if path.is_symlink() or path.parent.is_symlink():
                return False
            if hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
                return False
    except (OSError, KeyError, TypeError):
        return False
    return True


def _journal_record(result: ChunkResult) -> dict:
    return {"rows": result.rows, "refusals": [asdict(r) for r in result.refusals], "letters": result.letters, "planned": result.planned}


def _append_journal(journal: int, result: ChunkResult) -> None:
    line = json.dumps({"key": result.key, **_journal_record(result)}, sort_keys=True) + "\n"
    os.write(journal, line.encode("utf-8"))
    os.fsync(journal)


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
    removed: list[str] = field(default_factory=list)  # what --force removed from an earlier run
    left_alone: list[str] = field(default_factory=list)  # files not made by optout that appeared during the run


ProgressCallback = Callable[[int], None]
NoticeCallback = Callable[[str], None]
PR_SET_PDEATHSIG = 1


def _worker_init(parent_pid: int) -> None:
    # Ctrl-C is handled by the parent, which stops the pool; workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    """A worker must not outlive the batch: killed with the parent on Linux, and it checks every second elsewhere."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="optout-parent-watch", daemon=True).start()


def _pool_context():
    import multiprocessing

    # fork: the catalog loaded before it is shared copy-on-write, and each worker is a direct child whose
    # parent it can watch (Python 3.14 makes forkserver the Linux default).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None


def _run_chunks(todo: list[Chunk], settings: BatchSettings, out_dir: Path, jobs: int, on_done: Callable[[ChunkResult], None]) -> None:
    if jobs <= 1 or len(todo) <= 1:
        for chunk in todo:
            on_done(render_chunk(chunk, settings, out_dir))
        return
    default_catalog()  # loaded once before the fork, shared copy-on-write
    with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),), mp_context=_pool_context()) as pool:
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


def _prepare_folder(out_dir: Path, record: dict, client_ids: set[str], resume: bool, force: bool, notice: NoticeCallback) -> tuple[dict[str, dict], list[str]]:
    """Check the folder may take this run; returns (journal entries a resume may reuse, entries --force removed)."""
    names = _folder_entries(out_dir)
    if resume and names:
        old_bytes = read_private_file(out_dir / RUN_RECORD)
        if old_bytes is None:
            raise OutputError(f"{out_dir}: --resume: this folder has no record of an optout batch run (made by an older "
                              "optout, or not a batch folder); use --force to replace it, or choose another --out")
        try:
            old = json.loads(old_bytes)
        except ValueError:
            raise OutputError(f"{out_dir / RUN_RECORD}: --resume: the run record is damaged; use --force to start again") from None
        differences = record_differences(old if isinstance(old, dict) else {}, record)
        if differences:
            raise OutputError(f"{out_dir}: --resume refused: this folder was made by a different run: {'; '.join(differences)}. "
                              "Resume with the same inputs, or use --force to replace it")
        foreign = _foreign_entries(out_dir, client_ids)
        if foreign:
            raise OutputError(f"{out_dir}: --resume refused: the folder holds files this batch did not write: "
                              f"{', '.join(foreign[:6])}{' and more' if len(foreign) > 6 else ''}; move them elsewhere")
        remove_partial_files(out_dir, client_ids)
        return read_journal(out_dir), []
    if names and not force:
        raise OutputError(f"{out_dir}: the folder is not empty ({_describe_entries(out_dir, names)}); use --resume to finish "
                          "the same batch, --force to replace an earlier batch, or choose a new --out")
    if names:
        if not _is_batch_folder(out_dir, names):
            raise OutputError(f"{out_dir}: the folder holds files optout did not make ({_describe_entries(out_dir, names)}); "
                              "--force only replaces an earlier optout batch: choose a new --out")
        notice(f"--force: removing the earlier batch from {out_dir}: {_describe_entries(out_dir, names, limit=len(names))}")
        for name in names:
            _remove_entry(out_dir / name)
    return {}, names


def run_batch(
    intake: Intake,
    brokers: list[Broker],
    settings: BatchSettings,
    out_dir: Path,
    jobs: int = 1,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    force: bool = False,
    inputs: RunInputs | None = None,
    notice: NoticeCallback | None = None,
) -> BatchReport:
    """Write the batch into `out_dir`, which afterwards holds exactly this run: the manifest's files and bookkeeping.

    A new run needs an empty (or new) folder, or `force` to replace an earlier batch; `resume` continues a run
    only when the recorded inputs and settings are the same.
    """
    notice = notice or (lambda _message: None)
    out_dir = Path(out_dir)
    broker_ids = [b.id for b in brokers]
    client_ids = {client.client_id for client in intake.clients}
    if inputs is None:
        inputs = RunInputs(clients_sha256=intake.source_sha256 or _intake_digest(intake),
                           catalog_sha256=default_catalog().fingerprint)
    record = run_record(settings, inputs, broker_ids)

    ensure_private_dir(out_dir)  # an existing folder keeps its mode; new ones are 0700
    with _FolderLock(out_dir):
        done, removed = _prepare_folder(out_dir, record, client_ids, resume, force, notice)
        atomic_write(out_dir / RUN_RECORD, json.dumps(record, indent=1, sort_keys=True).encode(), FILE_MODE)

        chunks = plan_chunks(intake.clients, broker_ids)
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

        journal, _ = open_private_file(out_dir / JOURNAL, append=True)
        try:
            def on_done(result: ChunkResult) -> None:
                _append_journal(journal, result)
                results[result.key] = _journal_record(result)
                if progress:
                    progress(result.planned)

            _run_chunks(todo, settings, out_dir, jobs, on_done)
        finally:
            os.close(journal)

        ordered = [results[chunk.key(settings)] for chunk in chunks]
        rows = [row for entry in ordered for row in entry["rows"]]
        refusals = [Refusal(**r) for entry in ordered for r in entry["refusals"]]
        manifest = out_dir / MANIFEST
        atomic_write(manifest, csv_bytes(MANIFEST_COLUMNS, rows), FILE_MODE)
        errors_file = out_dir / ERRORS
        if intake.errors:
            atomic_write(errors_file, csv_bytes(ERROR_COLUMNS, [asdict(e) for e in intake.errors]), FILE_MODE)
        else:
            errors_file.unlink(missing_ok=True)
        left_alone = _sweep(out_dir, {row["file"] for row in rows}, client_ids)
        if left_alone:
            notice(f"{out_dir}: files not made by optout appeared during the run and were left alone: {', '.join(left_alone[:6])}")
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
        removed=removed,
        left_alone=left_alone,
    )


def _intake_digest(intake: Intake) -> str:
    payload = json.dumps([[c.client_id, c.profile.model_dump(mode="json")] for c in intake.clients], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def total_letters(intake: Intake, brokers: list[Broker]) -> int:
    return len(intake.clients) * len(brokers)
