"""The output folder holds one consistent run: run record, lock, sweeping, and the journal --resume reads."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from ..fsutil import OutputError, is_temp_name, open_private_file, read_private_file
from .chunk import ChunkResult
from .plan import BatchSettings

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
# The request ledger the batch records its letters in (optout.ledger): kept across runs, --force included.
LEDGER = ".optout-ledger"
BOOKKEEPING = (LOCK, RUN_RECORD, JOURNAL, MANIFEST, ERRORS, LEDGER)
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
    "disclose": "--disclose",
    "packet": "--no-packet",
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
        # Left out at the default, so a run recorded before --disclose existed still resumes.
        **({"disclose": settings.disclose.label} if settings.disclose.label != "minimal" else {}),
        # Recorded only when set, so a run record of a default run reads as it did before --no-packet existed.
        **({"packet": False} if not settings.packet else {}),
    }


def record_differences(old: dict, new: dict) -> list[str]:
    differences = []
    for key, label in RECORD_LABELS.items():
        before, after = old.get(key), new.get(key)
        if key == "disclose":
            before, after = before or "minimal", after or "minimal"
        if before == after:
            continue
        if key == "packet":
            given = lambda v: "not given" if v is None else "given"  # noqa: E731
            differences.append(f"{label} was {given(before)}, now {given(after)}")
        elif key.endswith("sha256") or key == "broker_ids":
            differences.append(
                f"{label} changed"
                if before and after
                else f"{label} was {'given' if before else 'not given'}, now {'given' if after else 'not given'}"
            )
        else:
            show = lambda v: ",".join(v) if isinstance(v, list) else str(v)  # noqa: E731
            differences.append(f"{label} was {show(before)}, now {show(after)}")
    return differences


def folder_entries(out_dir: Path) -> list[str]:
    return sorted(name for name in os.listdir(out_dir) if name not in (LOCK, LEDGER))


def describe_entries(out_dir: Path, names: list[str], limit: int = 6) -> str:
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


def is_batch_folder(out_dir: Path, names: list[str]) -> bool:
    return any(name in names for name in (RUN_RECORD, JOURNAL, MANIFEST))


def remove_entry(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)  # never follows symlinks inside
    else:
        path.unlink(missing_ok=True)


def foreign_entries(out_dir: Path, client_ids: set[str]) -> list[str]:
    """What a batch of these clients could not have written: a resume refuses to run beside it."""
    foreign = []
    for name in folder_entries(out_dir):
        path = out_dir / name
        if name in BOOKKEEPING or is_temp_name(name):
            continue
        if name in client_ids and path.is_dir() and not path.is_symlink():
            for inner in sorted(os.listdir(path)):
                inner_path = path / inner
                if not (
                    is_temp_name(inner) or (OUTPUT_NAME.match(inner) and inner_path.is_file() and not inner_path.is_symlink())
                ):
                    foreign.append(f"{name}/{inner}")
        else:
            foreign.append(name + ("/" if path.is_dir() and not path.is_symlink() else ""))
    return foreign


def remove_partial_files(out_dir: Path, client_ids: set[str] | None = None) -> int:
    """optout's own temp files (`.NAME.optout-<hex>.part`) left by a killed run, in the folder and its client folders.

    Nothing else is touched: a user's `notes/.thesis.docx.part` is not optout's.
    """
    removed = 0
    folders = [out_dir] + [
        out_dir / c for c in sorted(client_ids or ()) if (out_dir / c).is_dir() and not (out_dir / c).is_symlink()
    ]
    for folder in folders:
        for name in os.listdir(folder):
            if is_temp_name(name):
                (folder / name).unlink(missing_ok=True)
                removed += 1
    return removed


def sweep(out_dir: Path, listed: set[str], client_ids: set[str]) -> list[str]:
    """After a run: remove optout's own leftovers the manifest does not list; return anything else (left alone)."""
    leftovers = []
    for name in folder_entries(out_dir):
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


class FolderLock:
    """An exclusive, non-blocking lock on the output folder, held for the whole run (released if the process dies)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK
        self.handle: int | None = None

    def __enter__(self) -> FolderLock:
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
                raise OutputError(
                    f"{self.path.parent}: another optout batch is writing to this folder{who}; "
                    "wait for it to finish or choose another --out"
                ) from None
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


def journal_record(result: ChunkResult) -> dict:
    return {
        "rows": result.rows,
        "refusals": [asdict(r) for r in result.refusals],
        "letters": result.letters,
        "planned": result.planned,
    }


def append_journal(journal: int, result: ChunkResult) -> None:
    line = json.dumps({"key": result.key, **journal_record(result)}, sort_keys=True) + "\n"
    os.write(journal, line.encode("utf-8"))
    os.fsync(journal)
