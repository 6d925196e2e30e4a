"""The ledger survives what real use does to it: two processes at once, a kill mid-write, an older schema, and a
file that is damaged or not a ledger at all (refused, never reset or overwritten). Real subprocesses, real files;
no test waits on a clock: processes say over a pipe when they have reached the point the test needs."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from optout.ledger import SCHEMA_VERSION, EventKind, Mark, mark, open_ledger
from optout.ledger.store import MIGRATIONS

WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from optout.ledger import EventKind, LedgerRequest, Mark, mark, open_ledger
    from optout.models import RequestKind

    path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    day = dt.date(2026, 1, 5)
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start writing together
    with open_ledger(path) as ledger:
        for i in range(count):
            reference = f"{prefix}-{i:04d}"
            ledger.add_requests([LedgerRequest(reference=reference, broker_id="acxiom", broker_name="Acxiom LLC",
                                               request=RequestKind.DELETE, letter_date=day, laws=["va-vcdpa"])])
            mark(ledger, reference, Mark(kind=EventKind.SENT, on=day), dt.date(2026, 6, 1))
    """
)


def test_two_processes_recording_500_events_each_lose_none(tmp_path):
    path = tmp_path / "shared.sqlite"
    open_ledger(path).close()
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), prefix, "250"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for prefix in ("A", "B")
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors
    with open_ledger(path, create=False) as ledger:
        assert ledger.count_events() == 1000  # 2 processes x 250 letters x (drafted + sent)
        events = ledger.events()
        assert len(events) == 500
        assert all([e.kind for e in found] == [EventKind.DRAFTED, EventKind.SENT] for found in events.values())
        assert ledger.query("PRAGMA integrity_check")[0][0] == "ok"


KILLED = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from optout.ledger import LedgerRequest, open_ledger
    from optout.models import RequestKind

    path, mode = sys.argv[1], sys.argv[2]
    day = dt.date(2026, 1, 5)
    ledger = open_ledger(path)
    ledger.connection.execute("PRAGMA cache_size = 2")  # an open transaction spills its pages into the WAL
    i = 0
    while True:
        reference = f"K-{i:05d}"
        ledger.add_requests([LedgerRequest(reference=reference, broker_id="acxiom", broker_name="Acxiom LLC",
                                           request=RequestKind.DELETE, letter_date=day, laws=["va-vcdpa"])])
        print(reference, flush=True)  # committed: the parent may count on it
        i += 1
        if mode == "open-transaction" and i == 40:
            db = ledger.connection
            db.execute("BEGIN IMMEDIATE")
            for j in range(3000):
                db.execute("INSERT INTO events (reference, kind, on_date, note, recorded_at) VALUES (?, 'sent', ?, ?, '')",
                           ("K-00000", day.isoformat(), "UNCOMMITTED " + "x" * 500))
            print("in-transaction", flush=True)
            time.sleep(3600)
    """
)


@pytest.mark.parametrize("mode", ["open-transaction", "busy-loop"])
def test_sigkill_during_a_write_leaves_a_ledger_with_every_committed_event(tmp_path, mode):
    """'open-transaction': killed for certain inside a write that has put pages in the WAL; 'busy-loop': killed
    wherever it happens to be in a loop of commits. Either way every reference it reported committed is there."""
    path = tmp_path / "ledger.sqlite"
    process = subprocess.Popen([sys.executable, "-c", KILLED, str(path), mode], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    committed = []
    for line in process.stdout:
        line = line.strip()
        if line == "in-transaction" or (mode == "busy-loop" and len(committed) >= 60):
            break
        committed.append(line)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    committed += [line.strip() for line in process.stdout if line.strip()]  # printed before the kill landed
    assert len(committed) >= 40
    with open_ledger(path, create=False) as ledger:
        assert ledger.query("PRAGMA integrity_check")[0][0] == "ok"
        recorded = {request.reference for request in ledger.requests()}
        assert set(committed) <= recorded
        assert ledger.query("SELECT count(*) FROM events WHERE note LIKE 'UNCOMMITTED%'")[0][0] == 0
        mark(ledger, committed[0], Mark(kind=EventKind.SENT, on=dt.date(2026, 1, 6)), dt.date(2026, 6, 1))  # still writable


def test_an_older_ledger_is_migrated_forward_with_its_events(tmp_path):
    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    for statement in MIGRATIONS[1]:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("""INSERT INTO requests (reference, stage, broker_id, broker_name, request, letter_date, laws, clock_applies,
                   signer, recorded_at) VALUES ('OPT-OLD', 'request', 'acxiom', 'Acxiom LLC', 'delete', '2026-01-05',
                   '["va-vcdpa"]', 1, 'person', '')""")
    raw.execute("INSERT INTO events (reference, kind, on_date, recorded_at) VALUES ('OPT-OLD', 'drafted', '2026-01-05', '')")
    raw.execute("INSERT INTO events (reference, kind, on_date, note, recorded_at) "
                "VALUES ('OPT-OLD', 'sent', '2026-01-06', 'kept', '')")
    raw.commit()
    raw.close()
    reply = tmp_path / "reply.txt"
    reply.write_text("no")
    with open_ledger(path, create=False) as ledger:
        assert ledger.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 2
        request = ledger.request("OPT-OLD")
        assert request.renewal_law is None and request.laws == ["va-vcdpa"]
        assert [(e.kind, e.note) for e in ledger.events()["OPT-OLD"]] == [(EventKind.DRAFTED, None), (EventKind.SENT, "kept")]
        done = mark(ledger, "OPT-OLD", Mark(kind=EventKind.DENIED, on=dt.date(2026, 2, 1)), dt.date(2026, 6, 1), attach=reply)
        assert done.attachment is not None  # the table migration 2 added


def _foreign_sqlite(path: Path) -> None:
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE contacts (name TEXT)")
    raw.execute("INSERT INTO contacts VALUES ('someone')")
    raw.commit()
    raw.close()


def _newer_ledger(path: Path) -> None:
    open_ledger(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()


def _damaged_ledger(path: Path) -> None:
    open_ledger(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    path.write_bytes(bytes(data))


CASES = {
    "text": (lambda p: p.write_text("my shopping list\n"), "not an optout ledger (not an SQLite database)"),
    "foreign": (_foreign_sqlite, "SQLite database of another program"),
    "newer": (_newer_ledger, "written by a newer optout (schema 99"),
    "damaged": (_damaged_ledger, "the ledger file is damaged"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_file_that_is_not_a_usable_ledger_is_refused_and_left_as_it_is(cli, tmp_path, write_profile, case):
    make, message = CASES[case]
    path = tmp_path / "ledger.sqlite"
    make(path)
    before = path.read_bytes()
    commands = [
        ("ledger", "list", "--ledger", path),
        ("ledger", "mark", "OPT-X", "sent", "--ledger", path),
        ("ledger", "stats", "--ledger", path),
        ("letter", "-p", write_profile(), "-b", "acxiom", "-f", "txt", "-o", tmp_path / "out", "--record", "--ledger", path),
    ]
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output and str(path) in result.output
        assert "Traceback" not in result.output
    assert path.read_bytes() == before
    assert not (tmp_path / "out").exists(), "no letter is written when its ledger cannot be used"


def test_a_missing_ledger_is_not_created_by_reading_commands(cli, tmp_path):
    result = cli("ledger", "list", "--ledger", tmp_path / "none.sqlite")
    assert result.exit_code == 2 and "no ledger here yet" in result.output
    assert not (tmp_path / "none.sqlite").exists()


def test_a_symlinked_ledger_is_refused(cli, tmp_path):
    open_ledger(tmp_path / "real.sqlite").close()
    (tmp_path / "link.sqlite").symlink_to(tmp_path / "real.sqlite")
    result = cli("ledger", "list", "--ledger", tmp_path / "link.sqlite")
    assert result.exit_code == 3 and "symbolic link" in result.output


def test_the_ledger_and_its_wal_stay_private_under_a_loose_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with open_ledger(tmp_path / "l.sqlite") as ledger:
            ledger.query("SELECT 1")
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    assert modes and set(modes.values()) == {0o600}, modes
