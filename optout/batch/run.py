"""Running a batch: the folder checks, the worker pool, the manifest and the report."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import Catalog, default_catalog
from ..clients import Intake, RowError
from ..fsutil import OutputError, atomic_write, open_private_file, read_private_file
from ..models import Broker, Identifier
from ..output import FILE_MODE, ensure_private_dir
from ..request_kinds import screen_clients
from .chunk import MANIFEST_COLUMNS, ChunkResult, Refusal, render_chunk, use_catalog
from .folder import (
    ERRORS,
    JOURNAL,
    MANIFEST,
    RUN_RECORD,
    FolderLock,
    RunInputs,
    append_journal,
    describe_entries,
    folder_entries,
    foreign_entries,
    is_batch_folder,
    journal_entry_intact,
    journal_record,
    read_journal,
    record_differences,
    remove_entry,
    remove_partial_files,
    run_record,
    sweep,
)
from .plan import BatchSettings, Chunk, plan_chunks
from .spreadsheet import ERROR_COLUMNS, csv_bytes

if TYPE_CHECKING:
    from ..ledger.records import Source

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
    # Per identifier (optout/disclosure.py): how many brokers, and how many letters, carry it.
    disclosed: dict[str, dict[str, int]] = field(default_factory=dict)
    left_alone: list[str] = field(default_factory=list)  # files not made by optout that appeared during the run


ProgressCallback = Callable[[int], None]
NoticeCallback = Callable[[str], None]
PR_SET_PDEATHSIG = 1


def _worker_init(parent_pid: int, catalog: Catalog) -> None:
    # Ctrl-C is handled by the parent, which stops the pool; workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    use_catalog(catalog)
    # Everything the worker starts with (libraries, the catalog, inherited by fork) lives as long as it does:
    # frozen, the collector never scans it again, and pages shared with the parent stay shared.
    gc.freeze()


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


def _run_chunks(
    todo: list[Chunk],
    settings: BatchSettings,
    out_dir: Path,
    jobs: int,
    on_done: Callable[[ChunkResult], None],
    catalog: Catalog,
    scheduler: str | None = None,
) -> None:
    if scheduler is not None:
        from .dask_executor import run_chunks_on_dask

        run_chunks_on_dask(scheduler, todo, settings, out_dir, on_done, catalog)
        return
    if jobs <= 1 or len(todo) <= 1:
        for chunk in todo:
            on_done(render_chunk(chunk, settings, out_dir, catalog))
        return
    if _pool_context() is not None and ("pdf" in settings.formats or settings.agent is not None):
        from ..render.packet import warm_up  # WeasyPrint is imported only when PDFs are wanted

        warm_up(settings.letter_date)  # once here, inherited by every forked worker
    # Each worker gets the catalog once, at start (forked: shared copy-on-write), not once per chunk.
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(), catalog), mp_context=_pool_context()
    ) as pool:
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


def _prepare_folder(
    out_dir: Path, record: dict, client_ids: set[str], resume: bool, force: bool, notice: NoticeCallback
) -> tuple[dict[str, dict], list[str]]:
    """Check the folder may take this run; returns (journal entries a resume may reuse, entries --force removed)."""
    names = folder_entries(out_dir)
    if resume and names:
        old_bytes = read_private_file(out_dir / RUN_RECORD)
        if old_bytes is None:
            raise OutputError(
                f"{out_dir}: --resume: this folder has no record of an optout batch run (made by an older "
                "optout, or not a batch folder); use --force to replace it, or choose another --out"
            )
        try:
            old = json.loads(old_bytes)
        except ValueError:
            raise OutputError(
                f"{out_dir / RUN_RECORD}: --resume: the run record is damaged; use --force to start again"
            ) from None
        differences = record_differences(old if isinstance(old, dict) else {}, record)
        if differences:
            raise OutputError(
                f"{out_dir}: --resume refused: this folder was made by a different run: {'; '.join(differences)}. "
                "Resume with the same inputs, or use --force to replace it"
            )
        foreign = foreign_entries(out_dir, client_ids)
        if foreign:
            raise OutputError(
                f"{out_dir}: --resume refused: the folder holds files this batch did not write: "
                f"{', '.join(foreign[:6])}{' and more' if len(foreign) > 6 else ''}; move them elsewhere"
            )
        remove_partial_files(out_dir, client_ids)
        return read_journal(out_dir), []
    if names and not force:
        raise OutputError(
            f"{out_dir}: the folder is not empty ({describe_entries(out_dir, names)}); use --resume to finish "
            "the same batch, --force to replace an earlier batch, or choose a new --out"
        )
    if names:
        if not is_batch_folder(out_dir, names):
            raise OutputError(
                f"{out_dir}: the folder holds files optout did not make ({describe_entries(out_dir, names)}); "
                "--force only replaces an earlier optout batch: choose a new --out"
            )
        notice(f"--force: removing the earlier batch from {out_dir}: {describe_entries(out_dir, names, limit=len(names))}")
        for name in names:
            remove_entry(out_dir / name)
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
    catalog: Catalog | None = None,
    ledger: Path | None = None,
    ledger_source: Source | None = None,
    record_letters: bool = True,
    scheduler: str | None = None,
) -> BatchReport:
    """Write the batch into `out_dir`, which afterwards holds exactly this run: the manifest's files and bookkeeping.

    A new run needs an empty (or new) folder, or `force` to replace an earlier batch; `resume` continues a run
    only when the recorded inputs and settings are the same. With `record_letters`, every letter goes into the ledger
    `ledger` (default: `.optout-ledger/ledger.sqlite` inside the folder), as drafted, for `optout ledger`. With
    `scheduler` (a Dask scheduler's address) the chunks render on that cluster instead of `jobs` local processes;
    the files written are the same.
    """
    notice = notice or (lambda _message: None)
    catalog = catalog or default_catalog()
    # Clients for whom the request cannot be written (a daniels-law notice for someone not covered) become row errors.
    intake = screen_clients(intake, brokers, settings.request, settings.letter_date, catalog)
    out_dir = Path(out_dir)
    broker_ids = [b.id for b in brokers]
    client_ids = {client.client_id for client in intake.clients}
    if inputs is None:
        inputs = RunInputs(clients_sha256=intake.source_sha256 or _intake_digest(intake), catalog_sha256=catalog.fingerprint)
    record = run_record(settings, inputs, broker_ids)

    if record_letters and ledger is not None:
        from ..ledger import open_ledger

        open_ledger(ledger).close()  # a ledger that cannot be used stops the batch before it writes anything
    ensure_private_dir(out_dir)  # an existing folder keeps its mode; new ones are 0700
    with FolderLock(out_dir):
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
                append_journal(journal, result)
                results[result.key] = journal_record(result)
                if progress:
                    progress(result.planned)

            _run_chunks(todo, settings, out_dir, jobs, on_done, catalog, scheduler)
        finally:
            os.close(journal)

        ordered = [results[chunk.key(settings)] for chunk in chunks]
        rows = [row for entry in ordered for row in entry["rows"]]
        refusals = [Refusal(**r) for entry in ordered for r in entry["refusals"]]
        manifest = out_dir / MANIFEST
        atomic_write(manifest, csv_bytes(MANIFEST_COLUMNS, rows), FILE_MODE)
        if record_letters:
            from ..ledger.recording import record_batch  # SQLite is loaded only by a batch that records

            record_batch(ledger, out_dir, rows, intake, settings, catalog, ledger_source)
        errors_file = out_dir / ERRORS
        if intake.errors:
            atomic_write(errors_file, csv_bytes(ERROR_COLUMNS, [asdict(e) for e in intake.errors]), FILE_MODE)
        else:
            errors_file.unlink(missing_ok=True)
        left_alone = sweep(out_dir, {row["file"] for row in rows}, client_ids)
        if left_alone:
            notice(
                f"{out_dir}: files not made by optout appeared during the run and were left alone: {', '.join(left_alone[:6])}"
            )
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
        disclosed=disclosure_counts(rows),
    )


def disclosure_counts(rows: list[dict]) -> dict[str, dict[str, int]]:
    """From the manifest: for each identifier, the brokers and letters that receive it, in the letters' order."""
    letters: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        if row.get("reference"):
            letters[row["reference"]] = (row["broker_id"], [f for f in (row.get("discloses") or "").split(";") if f])
    counts: dict[str, dict[str, int]] = {}
    for field_name in Identifier:
        receiving = [broker for broker, fields in letters.values() if field_name.value in fields]
        if receiving:
            counts[field_name.value] = {"brokers": len(set(receiving)), "letters": len(receiving)}
    return counts


def _intake_digest(intake: Intake) -> str:
    payload = json.dumps([[c.client_id, c.profile.model_dump(mode="json")] for c in intake.clients], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def total_letters(intake: Intake, brokers: list[Broker]) -> int:
    return len(intake.clients) * len(brokers)
