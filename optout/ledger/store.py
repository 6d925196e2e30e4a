"""The ledger file: one SQLite database, private (0600), in WAL mode, with a versioned schema.

- Every write is one `BEGIN IMMEDIATE` transaction: a second process waits for the lock (busy_timeout) instead
  of failing or losing its event, and WAL with synchronous=FULL means a committed event survives a kill.
- The schema version is SQLite's `user_version`; older ledgers are migrated forward, in one transaction, when
  opened. A file that is not SQLite, is damaged, belongs to another program (its `application_id`) or was made
  by a newer optout is refused with a clear error and never reset, overwritten or migrated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..fsutil import OutputError, check_owned, make_private_dir
from .records import Attachment, LedgerEvent, LedgerRequest, Source, Stage

APPLICATION_ID = 0x6F704C67  # "opLg": marks the file as an optout ledger
SCHEMA_VERSION = 2
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 120_000
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# Each step takes a ledger of the version before it to its own version. Never edit a released step: add one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE sources (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
           agent_path TEXT, agent_sha256 TEXT)""",
        """CREATE TABLE requests (reference TEXT PRIMARY KEY, stage TEXT NOT NULL, parent TEXT REFERENCES requests(reference),
           client_id TEXT, broker_id TEXT NOT NULL, broker_name TEXT NOT NULL, request TEXT NOT NULL,
           letter_date TEXT NOT NULL, laws TEXT NOT NULL, clock_applies INTEGER NOT NULL, channel_kind TEXT,
           channel_value TEXT, signer TEXT NOT NULL, source_id INTEGER REFERENCES sources(id), recorded_at TEXT NOT NULL)""",
        """CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, reference TEXT NOT NULL REFERENCES requests(reference),
           kind TEXT NOT NULL, on_date TEXT NOT NULL, note TEXT, channel TEXT, tracking TEXT, recorded_at TEXT NOT NULL)""",
        "CREATE INDEX events_by_reference ON events(reference, on_date, id)",
        f"PRAGMA application_id = {APPLICATION_ID}",
    ],
    # 2: replies attached to events (copied beside the ledger, by hash), and DROP's repeating deletion.
    2: [
        "ALTER TABLE requests ADD COLUMN renewal_law TEXT",
        """CREATE TABLE attachments (event_id INTEGER PRIMARY KEY REFERENCES events(id), name TEXT NOT NULL,
           original_name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL)""",
        "CREATE INDEX requests_by_parent ON requests(parent)",
    ],
}


def default_ledger_path() -> Path:
    """The user's own ledger: ~/.local/share/optout/ledger.sqlite on Linux (platformdirs' user data folder)."""
    import platformdirs

    return platformdirs.user_data_path("optout", appauthor=False) / "ledger.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Ledger:
    """An open ledger. Use as a context manager, or call close()."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.connection = connection

    @property
    def files_dir(self) -> Path:
        """Where attached replies are kept: `ledger-files/` beside `ledger.sqlite`."""
        return self.path.with_name(f"{self.path.stem}-files")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so two processes queue instead of deadlocking."""
        with sqlite_errors(self.path):
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        with sqlite_errors(self.path):
            return self.connection.execute(sql, parameters).fetchall()

    # ----------------------------------------------------------------- requests

    def _source_id(self, db: sqlite3.Connection, source: Source | None) -> int | None:
        if source is None:
            return None
        values = (source.kind, source.path, source.sha256, source.agent_path, source.agent_sha256)
        found = db.execute(
            "SELECT id FROM sources WHERE kind = ? AND path = ? AND sha256 = ? AND agent_path IS ? AND agent_sha256 IS ?", values
        ).fetchone()
        if found:
            return found[0]
        cursor = db.execute("INSERT INTO sources (kind, path, sha256, agent_path, agent_sha256) VALUES (?, ?, ?, ?, ?)", values)
        return cursor.lastrowid

    def add_requests(self, requests: list[LedgerRequest]) -> int:
        """Record letters as drafted, in one transaction; a reference already in the ledger is kept as it is."""
        added = 0
        sources: dict[Source, int | None] = {}
        now = _now()
        with self.write() as db:
            for request in requests:
                if db.execute("SELECT 1 FROM requests WHERE reference = ?", (request.reference,)).fetchone():
                    continue
                if request.source is not None and request.source not in sources:
                    sources[request.source] = self._source_id(db, request.source)
                db.execute(
                    """INSERT INTO requests (reference, stage, parent, client_id, broker_id, broker_name, request,
                       letter_date, laws, clock_applies, channel_kind, channel_value, signer, source_id, recorded_at,
                       renewal_law) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        request.reference, request.stage.value, request.parent, request.client_id, request.broker_id,
                        request.broker_name, request.request.value, request.letter_date.isoformat(),
                        json.dumps(request.laws), int(request.clock_applies), request.channel_kind, request.channel_value,
                        request.signer, sources.get(request.source) if request.source else None, now, request.renewal_law,
                    ),
                )
                db.execute(
                    "INSERT INTO events (reference, kind, on_date, recorded_at) VALUES (?, 'drafted', ?, ?)",
                    (request.reference, request.letter_date.isoformat(), now),
                )
                added += 1
        return added

    def requests(self) -> list[LedgerRequest]:
        rows = self.query(
            """SELECT r.*, s.kind AS s_kind, s.path AS s_path, s.sha256 AS s_sha256, s.agent_path AS s_agent_path,
               s.agent_sha256 AS s_agent_sha256 FROM requests r LEFT JOIN sources s ON s.id = r.source_id
               ORDER BY r.letter_date, r.client_id, r.broker_id, r.reference"""
        )
        return [_request(row) for row in rows]

    def request(self, reference: str) -> LedgerRequest:
        found = [r for r in self.requests() if r.reference == reference]
        if not found:
            raise InputError(f"{reference}: no such reference in the ledger {self.path} (`optout ledger list` shows them)")
        return found[0]

    def events(self) -> dict[str, list[LedgerEvent]]:
        """Every event, by reference, oldest first."""
        rows = self.query(
            """SELECT e.*, a.name AS a_name, a.original_name AS a_original_name, a.sha256 AS a_sha256, a.size AS a_size
               FROM events e LEFT JOIN attachments a ON a.event_id = e.id ORDER BY e.reference, e.on_date, e.id"""
        )
        found: dict[str, list[LedgerEvent]] = {}
        for row in rows:
            attachment = None
            if row["a_name"] is not None:
                attachment = Attachment(
                    name=row["a_name"], original_name=row["a_original_name"], sha256=row["a_sha256"], size=row["a_size"]
                )
            found.setdefault(row["reference"], []).append(
                LedgerEvent(
                    id=row["id"], reference=row["reference"], kind=row["kind"], on=dt.date.fromisoformat(row["on_date"]),
                    note=row["note"], channel=row["channel"], tracking=row["tracking"], attachment=attachment,
                    recorded_at=row["recorded_at"],
                )
            )
        return found

    def count_events(self) -> int:
        return self.query("SELECT count(*) FROM events")[0][0]


def _request(row: sqlite3.Row) -> LedgerRequest:
    source = None
    if row["s_kind"] is not None:
        source = Source(
            kind=row["s_kind"], path=row["s_path"], sha256=row["s_sha256"], agent_path=row["s_agent_path"],
            agent_sha256=row["s_agent_sha256"],
        )
    return LedgerRequest(
        reference=row["reference"], stage=Stage(row["stage"]), parent=row["parent"], client_id=row["client_id"],
        broker_id=row["broker_id"], broker_name=row["broker_name"], request=row["request"],
        letter_date=dt.date.fromisoformat(row["letter_date"]), laws=json.loads(row["laws"]),
        clock_applies=bool(row["clock_applies"]), renewal_law=row["renewal_law"], channel_kind=row["channel_kind"],
        channel_value=row["channel_value"], signer=row["signer"], source=source,
    )


# --------------------------------------------------------------------- opening


@contextlib.contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """SQLite's failures as optout's: a damaged file is the user's input (exit 2), a busy or unwritable one output (3)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise OutputError(f"{path}: the ledger is in use by another optout and stayed busy; try again") from None
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            raise InputError(
                f"{path}: the ledger file is damaged ({exc}); optout leaves it as it is. Restore it from a backup, "
                "or give another --ledger"
            ) from None
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_PERM")):
            raise OutputError(f"{path}: the ledger cannot be written ({exc})") from None
        raise


def _check_file(path: Path) -> bool:
    """True if a ledger file exists at `path` and looks like SQLite (or is empty); refuse anything else."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{path}: is a symbolic link; give the ledger's real path")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: is not a file; --ledger names the ledger file (e.g. clinic-ledger.sqlite)")
    check_owned(path, info, "file")
    if info.st_size == 0:
        return True
    handle = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        header = os.read(handle, len(SQLITE_HEADER))
    finally:
        os.close(handle)
    if header != SQLITE_HEADER:
        raise InputError(
            f"{path}: is not an optout ledger (not an SQLite database); optout leaves it as it is. Give another --ledger"
        )
    return True


def _create_file(path: Path) -> None:
    make_private_dir(path.parent)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:
        return  # another process made it first: it is checked like any existing file
    os.fchmod(handle, 0o600)
    os.close(handle)


def open_ledger(path: Path | str | None = None, create: bool = True) -> Ledger:
    """Open (and with create=True make) the ledger at `path` (default: the user's data folder), migrated forward."""
    path = Path(path) if path is not None else default_ledger_path()
    path = path.expanduser()
    if not _check_file(path):
        if not create:
            raise InputError(f"{path}: no ledger here yet (`optout letter --record` or `optout batch` makes one)")
        _create_file(path)
        _check_file(path)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: the ledger cannot be opened ({exc})") from None
    connection.row_factory = sqlite3.Row
    try:
        with sqlite_errors(path):
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _migrate(path, connection)
            connection.execute("PRAGMA foreign_keys = ON")
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")  # a committed event is on disk before COMMIT returns
    except BaseException:
        connection.close()
        raise
    _private(path)
    return Ledger(path, connection)


def _private(path: Path) -> None:
    """SQLite gives the -wal and -shm files the database's mode; make sure of it where it made them."""
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            info = os.lstat(companion)
            mine = not hasattr(os, "geteuid") or info.st_uid == os.geteuid()
            if stat.S_ISREG(info.st_mode) and mine and stat.S_IMODE(info.st_mode) != 0o600:
                os.chmod(companion, 0o600)


def _version(connection: sqlite3.Connection) -> tuple[int, int, int]:
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return application, version, tables


def _migrate(path: Path, connection: sqlite3.Connection) -> None:
    application, version, tables = _version(connection)
    _refuse_foreign(path, application, version, tables)
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait and find it done
    try:
        application, version, tables = _version(connection)
        _refuse_foreign(path, application, version, tables)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _refuse_foreign(path: Path, application: int, version: int, tables: int) -> None:
    if application == 0 and version == 0 and tables == 0:
        return  # a new, empty database: ours to set up
    if application != APPLICATION_ID:
        raise InputError(
            f"{path}: is an SQLite database of another program, not an optout ledger; optout leaves it as it is. "
            "Give another --ledger"
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path}: this ledger was written by a newer optout (schema {version}; this one knows {SCHEMA_VERSION}); "
            "update optout to use it"
        )
