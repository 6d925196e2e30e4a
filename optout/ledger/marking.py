"""Recording what happened to a request: dated events, each with an optional note and an attached reply.

An attached file is copied into the ledger's files folder under its SHA-256 (never under the name it came
with), so the copy is evidence that cannot silently change and no input decides where anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from pathlib import Path

from ..errors import InputError
from ..fsutil import LinkRefused, NotRegularFile, OutputError, atomic_write, make_private_dir, open_regular_file
from .records import TRANSITIONS, Attachment, EventKind, LedgerEvent, Mark
from .store import Ledger, _now

MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_attachment(source: Path) -> bytes:
    try:
        with open_regular_file(source) as opened:
            if opened is None:
                raise InputError(f"--attach {source}: no such file")
            stream, info = opened
            if info.st_size > MAX_ATTACHMENT_BYTES:
                raise InputError(f"--attach {source}: is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB")
            return stream.read(MAX_ATTACHMENT_BYTES + 1)
    except LinkRefused:
        raise InputError(f"--attach {source}: is a symbolic link; attach the file itself") from None
    except NotRegularFile:
        raise InputError(f"--attach {source}: is not a regular file") from None


def store_attachment(ledger: Ledger, source: Path) -> Attachment:
    """Copy `source` into the ledger's files folder as `<sha256><suffix>`; the same file twice is stored once."""
    source = Path(source)
    data = _read_attachment(source)
    digest = hashlib.sha256(data).hexdigest()
    suffix = source.suffix.lower() if _SUFFIX.match(source.suffix) else ""
    name = f"{digest}{suffix}"
    folder = make_private_dir(ledger.files_dir, managed=True)  # a symlinked files folder is refused
    target = folder / name
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        atomic_write(target, data, 0o600, durable=True, follow_parent=False)
    else:
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{target}: is not a regular file; optout does not write through links in the ledger")
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            atomic_write(target, data, 0o600, durable=True, follow_parent=False)  # a damaged copy: restore it
    original = _UNPRINTABLE.sub("?", source.name)[:200]
    return Attachment(name=name, original_name=original, sha256=digest, size=len(data))


def _check(db, ledger: Ledger, reference: str, event: Mark) -> None:
    """Refuse an event that cannot follow the request's last one, naming what can."""
    if not db.execute("SELECT 1 FROM requests WHERE reference = ?", (reference,)).fetchone():
        raise InputError(f"{reference}: no such reference in the ledger {ledger.path} (`optout ledger list` shows them)")
    last = db.execute(
        "SELECT kind, on_date FROM events WHERE reference = ? ORDER BY on_date DESC, id DESC LIMIT 1", (reference,)
    ).fetchone()
    current, last_on = EventKind(last["kind"]), dt.date.fromisoformat(last["on_date"])
    allowed = TRANSITIONS[current]
    if event.kind not in allowed:
        choices = ", ".join(sorted(k.value for k in allowed)) or "nothing: the request is completed"
        raise InputError(f"{reference}: cannot mark it {event.kind.value}: it is {current.value}; next can come {choices}")
    if event.on < last_on:
        raise InputError(
            f"{reference}: --on {event.on.isoformat()} is before its last event ({current.value} on {last_on.isoformat()})"
        )


def mark(ledger: Ledger, reference: str, event: Mark, today: dt.date, attach: Path | None = None) -> LedgerEvent:
    """Record one event; refused if it cannot follow the request's last one or is dated in the future."""
    if event.on > today:
        raise InputError(f"--on {event.on.isoformat()}: is after today ({today.isoformat()})")
    _check(ledger.connection, ledger, reference, event)  # before a file is copied; checked again in the transaction
    attachment = store_attachment(ledger, attach) if attach is not None else None
    with ledger.write() as db:
        _check(db, ledger, reference, event)
        now = _now()
        cursor = db.execute(
            "INSERT INTO events (reference, kind, on_date, note, channel, tracking, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (reference, event.kind.value, event.on.isoformat(), event.note, event.channel, event.tracking, now),
        )
        event_id = cursor.lastrowid
        assert event_id is not None
        if attachment is not None:
            db.execute(
                "INSERT INTO attachments (event_id, name, original_name, sha256, size) VALUES (?, ?, ?, ?, ?)",
                (event_id, attachment.name, attachment.original_name, attachment.sha256, attachment.size),
            )
    return LedgerEvent(
        id=event_id, reference=reference, kind=event.kind, on=event.on, note=event.note, channel=event.channel,
        tracking=event.tracking, attachment=attachment, recorded_at=now,
    )
