"""The request ledger: a real SQLite file, every transition, the law engine's clocks, exports read back."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import stat

import pytest
from conftest import pdf_text, profile_data, words
from icalendar import Calendar

from optout.catalog import Catalog, default_catalog
from optout.errors import InputError
from optout.fsutil import OutputError
from optout.ledger import (
    SCHEMA_VERSION,
    EventKind,
    LedgerRequest,
    Mark,
    Source,
    Stage,
    file_source,
    letter_entry,
    mark,
    open_ledger,
    view,
    views,
)
from optout.ledger.export import chronology_context, chronology_text, reminders, stats, to_csv, to_ics
from optout.ledger.records import TRANSITIONS
from optout.ledger.store import APPLICATION_ID
from optout.letters import compose
from optout.models import Profile, RequestKind

DAY0 = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 6, 1)


def person(state: str = "VA", **overrides) -> Profile:
    cities = {"VA": ("Richmond", "23220"), "CA": ("Oakland", "94612"), "CT": ("Hartford", "06103"), "UT": ("Provo", "84601")}
    city, postal = cities[state]
    address = {"street": "12 Elm St", "city": city, "state": state, "postal_code": postal}
    return Profile.model_validate(profile_data(residence_state=state, addresses=[address], **overrides))


def entry(broker: str = "acxiom", state: str = "VA", request=RequestKind.DELETE, day: dt.date = DAY0, source=None):
    catalog = default_catalog()
    letter = compose(person(state), catalog.broker(broker), request, day, catalog)
    return letter_entry(letter, catalog, source)


def synthetic(reference: str, laws=("va-vcdpa",)) -> LedgerRequest:
    return LedgerRequest(reference=reference, broker_id="acxiom", broker_name="Acxiom LLC", request=RequestKind.DELETE,
                         letter_date=DAY0, laws=list(laws))


def status(ledger, reference: str, today: dt.date = TODAY):
    return next(v for v in views(ledger, default_catalog(), today) if v.reference == reference)


def test_a_new_ledger_is_private_in_wal_mode_and_versioned(tmp_path):
    path = tmp_path / "made" / "ledger.sqlite"
    with open_ledger(path) as ledger:
        assert ledger.add_requests([synthetic("OPT-A")]) == 1
        assert ledger.add_requests([synthetic("OPT-A")]) == 0, "a reference is recorded once"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("SELECT kind FROM events WHERE reference = 'OPT-A'").fetchall() == [("drafted",)]
    raw.close()


def test_the_default_ledger_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_ledger() as ledger:
        assert ledger.path == tmp_path / "data" / "optout" / "ledger.sqlite"


# How to bring a request into each state before trying every next event on it.
PATHS = {
    EventKind.DRAFTED: [],
    EventKind.SENT: [EventKind.SENT],
    EventKind.ACKNOWLEDGED: [EventKind.SENT, EventKind.ACKNOWLEDGED],
    EventKind.EXTENDED: [EventKind.SENT, EventKind.EXTENDED],
    EventKind.NO_RESPONSE: [EventKind.SENT, EventKind.NO_RESPONSE],
    EventKind.DENIED: [EventKind.SENT, EventKind.DENIED],
    EventKind.PARTIAL: [EventKind.SENT, EventKind.PARTIAL],
    EventKind.COMPLETED: [EventKind.SENT, EventKind.COMPLETED],
}


@pytest.mark.parametrize("start", list(PATHS))
def test_every_transition_is_recorded_or_refused(tmp_path, start):
    path = tmp_path / "ledger.sqlite"
    targets = [k for k in EventKind if k is not EventKind.DRAFTED]
    with open_ledger(path) as ledger:
        ledger.add_requests([synthetic(f"OPT-{k.value}") for k in targets])
        for target in targets:
            reference = f"OPT-{target.value}"
            for step, kind in enumerate(PATHS[start]):
                mark(ledger, reference, Mark(kind=kind, on=DAY0 + dt.timedelta(days=step + 1)), TODAY)
            on = DAY0 + dt.timedelta(days=10)
            if target in TRANSITIONS[start]:
                mark(ledger, reference, Mark(kind=target, on=on, note=f"{start.value} -> {target.value}"), TODAY)
            else:
                with pytest.raises(InputError, match=f"cannot mark it {target.value}: it is {start.value}"):
                    mark(ledger, reference, Mark(kind=target, on=on), TODAY)
    with open_ledger(path, create=False) as ledger:  # what was committed is there after reopening
        for target in targets:
            found = status(ledger, f"OPT-{target.value}")
            expected = target if target in TRANSITIONS[start] else start
            assert found.status is expected
            if target in TRANSITIONS[start]:
                assert found.events[-1].note == f"{start.value} -> {target.value}"


def test_a_mark_may_not_be_in_the_future_or_before_the_last_event(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        ledger.add_requests([synthetic("OPT-A")])
        with pytest.raises(InputError, match="after today"):
            mark(ledger, "OPT-A", Mark(kind=EventKind.SENT, on=TODAY + dt.timedelta(days=1)), TODAY)
        with pytest.raises(InputError, match="before its last event"):
            mark(ledger, "OPT-A", Mark(kind=EventKind.SENT, on=DAY0 - dt.timedelta(days=1)), TODAY)
        with pytest.raises(InputError, match="no such reference"):
            mark(ledger, "OPT-NOPE", Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        assert ledger.count_events() == 1


def test_business_day_clock_skips_thanksgiving_and_californias_day_after(tmp_path):
    """CCPA regulations: opt-outs within 15 business days. Sent Friday 2026-11-20: Thanksgiving (11-26) and the day
    after (a California state holiday, 11-27) are not business days, so the 15th is 2026-12-15, not 12-11."""
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry("acxiom", "CA", RequestKind.OPT_OUT, dt.date(2026, 11, 20))
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=dt.date(2026, 11, 20)), TODAY.replace(year=2027))
        found = status(ledger, request.reference, dt.date(2026, 12, 14))
        assert found.due_on == dt.date(2026, 12, 15)
        assert not found.overdue
        assert status(ledger, request.reference, dt.date(2026, 12, 16)).overdue


def test_the_clock_runs_from_the_day_the_letter_was_sent(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry()
        ledger.add_requests([request])
        assert status(ledger, request.reference).due_on == DAY0 + dt.timedelta(days=45)  # unsent: from its date
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=dt.date(2026, 1, 9)), TODAY)
        assert status(ledger, request.reference).due_on == dt.date(2026, 2, 23)  # VCDPA: 45 calendar days


def test_an_extension_announced_in_time_moves_the_due_date_by_what_the_law_allows(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        on_time, late = entry("acxiom"), entry("spokeo")
        ledger.add_requests([on_time, late])
        for request in (on_time, late):
            mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        mark(ledger, on_time.reference, Mark(kind=EventKind.EXTENDED, on=dt.date(2026, 2, 1)), TODAY)
        mark(ledger, late.reference, Mark(kind=EventKind.EXTENDED, on=dt.date(2026, 3, 1)), TODAY)
        found = status(ledger, on_time.reference, dt.date(2026, 3, 1))
        assert found.extended_to == found.due_on == DAY0 + dt.timedelta(days=90)  # § 59.1-577(B)(1): 45 + 45
        assert not found.overdue
        stale = status(ledger, late.reference, dt.date(2026, 3, 1))
        assert stale.due_on == DAY0 + dt.timedelta(days=45) and stale.extended_to is None
        assert "after the due date" in stale.extension_problem and stale.overdue


def test_an_extension_under_a_law_that_allows_none_leaves_the_due_date(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        ledger.add_requests([synthetic("OPT-KY", laws=("ky-kcdpa",))])  # Kentucky: 45 days, no extension recorded
        mark(ledger, "OPT-KY", Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        mark(ledger, "OPT-KY", Mark(kind=EventKind.EXTENDED, on=DAY0 + dt.timedelta(days=3)), TODAY)
        found = status(ledger, "OPT-KY")
        assert found.due_on == DAY0 + dt.timedelta(days=45)
        assert found.extension_problem == "the law allows no extension, so the due date stands"


def test_after_a_denial_the_appeal_and_its_clock(tmp_path):
    """Connecticut gives an appeal decided within 60 days; Utah gives none."""
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        ct, ut = entry("acxiom", "CT"), entry("acxiom", "UT")
        ledger.add_requests([ct, ut])
        for request in (ct, ut):
            mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
            mark(ledger, request.reference, Mark(kind=EventKind.DENIED, on=dt.date(2026, 2, 2)), TODAY)
        denied = status(ledger, ct.reference)
        assert denied.appeal_available is True and denied.appeal_section == "Conn. Gen. Stat. § 42-518(d)"
        assert not denied.overdue, "a denial is an answer"
        assert status(ledger, ut.reference).appeal_available is False
        appeal = LedgerRequest(**(ct.model_dump() | {"reference": "OPT-APPEAL", "stage": Stage.APPEAL, "parent": ct.reference,
                                                    "letter_date": dt.date(2026, 2, 10)}))
        ledger.add_requests([appeal])
        mark(ledger, "OPT-APPEAL", Mark(kind=EventKind.SENT, on=dt.date(2026, 2, 10)), TODAY)
        assert status(ledger, "OPT-APPEAL").due_on == dt.date(2026, 4, 11)  # 60 days from the appeal
        assert status(ledger, "OPT-APPEAL", dt.date(2026, 4, 12)).overdue


def test_an_appeal_window_the_law_sets_is_counted_from_the_denial(tmp_path):
    catalog = default_catalog()
    law = catalog.laws["ct-ctdpa"]
    assert law.appeal is not None
    limited = Catalog(catalog.brokers, catalog.laws | {
        law.id: law.model_copy(update={"appeal": law.appeal.model_copy(update={"window_days": 30})})})
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry("acxiom", "CT")
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        mark(ledger, request.reference, Mark(kind=EventKind.DENIED, on=dt.date(2026, 2, 2)), TODAY)
        found = view(ledger.request(request.reference), ledger.events()[request.reference], limited, dt.date(2026, 2, 3))
    assert found.appeal_until == dt.date(2026, 3, 4)
    assert found.next_due == dt.date(2026, 3, 4)


def test_drop_cycle_after_a_completed_deletion(tmp_path):
    """A Californian's deletion letter to a California-registered broker points to DROP, whose brokers must delete
    again every 45 days: once completed, the request is due again 45 days later."""
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry("acxiom", "CA", day=dt.date(2026, 9, 1))
        assert request.renewal_law == "ca-delete-act"
        assert entry("acxiom", "VA", day=dt.date(2026, 9, 1)).renewal_law is None
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=dt.date(2026, 9, 1)), dt.date(2027, 1, 1))
        mark(ledger, request.reference, Mark(kind=EventKind.COMPLETED, on=dt.date(2026, 10, 1)), dt.date(2027, 1, 1))
        found = status(ledger, request.reference, dt.date(2026, 10, 2))
        assert found.renew_on == dt.date(2026, 11, 15)
        assert [kind for kind, _, _ in reminders(found)] == ["renew"]


def test_ics_export_reads_back_with_an_icalendar_parser(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        va, ca = entry("acxiom"), entry("spokeo", "CA", RequestKind.DELETE)
        ledger.add_requests([va, ca, entry("whitepages")])  # the third is never sent: no reminder
        mark(ledger, va.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        mark(ledger, ca.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        data = to_ics(views(ledger, default_catalog(), dt.date(2026, 1, 10)), dt.date(2026, 1, 10))
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # The Californian's deletion letter also invokes the opt-outs, which the CCPA regulations give 15 business days.
    assert set(events) == {f"{va.reference}-due@optout.ledger", f"{ca.reference}-due@optout.ledger",
                           f"{ca.reference}-opt-out-due@optout.ledger"}
    assert events[f"{ca.reference}-opt-out-due@optout.ledger"].decoded("DTSTART") == dt.date(2026, 1, 27)
    due = events[f"{va.reference}-due@optout.ledger"]
    assert due.decoded("DTSTART") == DAY0 + dt.timedelta(days=45)
    assert due.decoded("DTEND") == DAY0 + dt.timedelta(days=46)
    assert str(due["SUMMARY"]) == f"Answer due: Acxiom LLC ({va.reference})"
    assert due.decoded("DTSTAMP") == dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    alarm = due.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -dt.timedelta(days=1)
    assert data.count(b"\r\n") > 10, "RFC 5545 lines end in CRLF"


def test_csv_export_is_formula_safe(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry()
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0, note='=HYPERLINK("http://x.invalid","y")'), TODAY)
        mark(ledger, request.reference, Mark(kind=EventKind.ACKNOWLEDGED, on=DAY0, note="+1 call them"), TODAY)
        data = to_csv(views(ledger, default_catalog(), TODAY))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows[0]["last_note"] == "'+1 call them"
    assert rows[0]["status"] == "acknowledged" and rows[0]["overdue"] == "yes"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_attachments_are_copied_by_hash_and_links_are_refused(tmp_path):
    (tmp_path / "in").mkdir()
    reply = tmp_path / "in" / "../in/reply from broker.PDF"
    reply.write_bytes(b"%PDF-1.4 we deleted nothing")
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry()
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
        done = mark(ledger, request.reference, Mark(kind=EventKind.DENIED, on=DAY0), TODAY, attach=reply)
        digest = hashlib.sha256(reply.read_bytes()).hexdigest()
        assert done.attachment is not None and done.attachment.sha256 == digest
        stored = tmp_path / "l-files" / f"{digest}.pdf"
        assert stored.read_bytes() == reply.read_bytes()
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert done.attachment.original_name == "reply from broker.PDF"
        assert ledger.events()[request.reference][-1].attachment == done.attachment

        link = tmp_path / "link.pdf"
        link.symlink_to(reply)
        with pytest.raises(InputError, match="symbolic link"):
            mark(ledger, request.reference, Mark(kind=EventKind.COMPLETED, on=DAY0), TODAY, attach=link)
        (tmp_path / "l-files").rename(tmp_path / "elsewhere")
        (tmp_path / "l-files").symlink_to(tmp_path / "elsewhere")
        with pytest.raises(OutputError, match="symbolic link"):
            mark(ledger, request.reference, Mark(kind=EventKind.COMPLETED, on=DAY0), TODAY, attach=reply)
        assert status(ledger, request.reference).status is EventKind.DENIED, "nothing recorded when the copy failed"


def test_chronology_lists_every_dated_event_with_notes_and_hashes(tmp_path):
    reply = tmp_path / "reply.txt"
    reply.write_text("We decline.")
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        request = entry()
        ledger.add_requests([request])
        mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0, channel="postal", tracking="9407 1000"), TODAY)
        mark(ledger, request.reference, Mark(kind=EventKind.DENIED, on=dt.date(2026, 2, 1), note="Said the\nlaw is unclear"),
             TODAY, attach=reply)
        context = chronology_context(views(ledger, default_catalog(), TODAY), request.reference, default_catalog(), TODAY)
    text = chronology_text(context).decode()
    assert f"2026-01-05  sent  request {request.reference}  by postal  (9407 1000)" in text
    assert "Said the\n" in text and "law is unclear" in text
    assert "SHA-256 " + hashlib.sha256(b"We decline.").hexdigest() in text
    assert "Va. Code Ann. § 59.1-577(B)(1)" in text


def test_stats_by_status_overdue_and_median_days_by_broker_and_client(tmp_path):
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        requests = [synthetic(f"OPT-{i}").model_copy(update={"client_id": f"C-{i % 2}"}) for i in range(4)]
        ledger.add_requests(requests)
        for i, request in enumerate(requests):
            mark(ledger, request.reference, Mark(kind=EventKind.SENT, on=DAY0), TODAY)
            if i < 3:
                mark(ledger, request.reference, Mark(kind=EventKind.COMPLETED, on=DAY0 + dt.timedelta(days=10 * (i + 1))), TODAY)
        result = stats(views(ledger, default_catalog(), TODAY))
    assert result["by_status"] == {"completed": 3, "sent": 1}
    assert result["overdue"] == 1
    assert result["median_days_to_answer_by_broker"] == {"acxiom": 20}
    assert result["by_client"]["C-0"]["median_days_to_answer_by_broker"] == {"acxiom": 20}
    assert result["by_client"]["C-1"]["overdue"] == 1


def test_letter_record_keeps_the_profile_path_and_no_personal_data(cli, tmp_path, write_profile):
    profile = write_profile()
    ledger_path = tmp_path / "mine.sqlite"
    result = cli("letter", "-p", profile, "-b", "acxiom,spokeo", "-f", "txt", "-o", tmp_path / "out", "--date", "2026-01-05",
                 "--record", "--ledger", ledger_path)
    assert result.exit_code == 0, result.output
    listed = cli("ledger", "list", "--ledger", ledger_path, "--today", "2026-01-06", "--json")
    rows = json.loads(listed.stdout)
    assert {r["broker_id"] for r in rows} == {"acxiom", "spokeo"}
    assert {r["due_on"] for r in rows} == {"2026-02-19"} and {r["status"] for r in rows} == {"drafted"}
    with open_ledger(ledger_path, create=False) as ledger:
        sources = {r.source for r in ledger.requests()}
    assert sources == {file_source("profile", profile)}
    raw = ledger_path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("mine.sqlite-*"))
    for personal in (b"Alex Rivera", b"alex@example.org", b"12 Elm St", b"804 555"):
        assert personal not in raw


def test_cli_mark_export_and_chronology_pdf(cli, tmp_path, write_profile):
    profile = write_profile()
    ledger_path = tmp_path / "mine.sqlite"
    cli("letter", "-p", profile, "-b", "acxiom", "-f", "txt", "-o", tmp_path / "out", "--date", "2026-01-05", "--record",
        "--ledger", ledger_path)
    listed = cli("ledger", "list", "--ledger", ledger_path, "--json", "--today", "2026-01-05")
    reference = json.loads(listed.stdout)[0]["reference"]
    ledger = ("--ledger", ledger_path, "--today", "2026-03-01")
    assert cli("ledger", "mark", reference, "sent", "--on", "2026-01-06", "--tracking", "9407", *ledger).exit_code == 0
    bad = cli("ledger", "mark", reference, "finished", *ledger)
    assert bad.exit_code == 2 and "'finished' is not an event" in bad.output
    bad = cli("ledger", "mark", reference, "denied", "--note", "a\x07b", *ledger)
    assert bad.exit_code == 2 and "--note" in bad.output
    overdue = json.loads(cli("ledger", "list", "--overdue", "--json", *ledger).stdout)
    assert [r["reference"] for r in overdue] == [reference]
    assert json.loads(cli("ledger", "list", "--due-within", "3", "--json", "--ledger", ledger_path, "--today", "2026-02-18")
                      .stdout)[0]["next_due"] == "2026-02-20"
    assert cli("ledger", "export", "--csv", "--out", tmp_path / "all.csv", *ledger).exit_code == 0
    assert (tmp_path / "all.csv").read_text().startswith("reference,stage,follows")
    assert stat.S_IMODE((tmp_path / "all.csv").stat().st_mode) == 0o600
    ics = cli("ledger", "export", "--ics", *ledger)
    assert "BEGIN:VCALENDAR" in ics.stdout
    result = cli("ledger", "export", "--chronology", reference, "--out", tmp_path / "chrono", *ledger)
    assert result.exit_code == 0, result.output
    text = words(pdf_text(tmp_path / "chrono" / f"chronology-{reference}.pdf"))
    assert reference in text and "2026-01-06 sent" in text and "OVERDUE" in text and "9407" in text
    assert (tmp_path / "chrono" / f"chronology-{reference}.txt").read_text().startswith("CHRONOLOGY")
    assert cli("ledger", "export", "--chronology", "../../etc/passwd", *ledger).exit_code == 2
    assert cli("ledger", "export", *ledger).exit_code == 2
    stats_out = json.loads(cli("ledger", "stats", "--json", *ledger).stdout)
    assert stats_out["overdue"] == 1 and stats_out["by_status"] == {"sent": 1}
    assert "1 request(s), 1 overdue" in cli("ledger", "stats", *ledger).stdout


def test_source_of_a_batch_letter_is_the_clients_csv_row(tmp_path):
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("x")
    source = file_source("clients", csv_path)
    assert source == Source(kind="clients", path=str(csv_path.resolve()),
                            sha256=hashlib.sha256(b"x").hexdigest())


def test_next_rereads_the_profile_says_when_it_changed_and_takes_a_moved_one(cli, tmp_path, write_profile):
    profile = write_profile()
    ledger_path = tmp_path / "mine.sqlite"
    assert cli("letter", "-p", profile, "-b", "acxiom", "-f", "txt", "-o", tmp_path / "out", "--date", "2026-01-05",
               "--record", "--ledger", ledger_path).exit_code == 0
    [row] = json.loads(cli("ledger", "list", "--ledger", ledger_path, "--json", "--today", "2026-01-05").stdout)
    marked = cli("ledger", "mark", row["reference"], "sent", "--on", "2026-01-05", "--ledger", ledger_path,
                 "--today", "2026-01-05", "--json")
    assert json.loads(marked.stdout)["kind"] == "sent"
    listed = cli("ledger", "list", "--ledger", ledger_path, "--today", "2026-03-01")
    assert row["reference"] in listed.stdout and "OVERDUE" in listed.stdout

    moved = tmp_path / "moved.yaml"
    profile.rename(moved)
    gone = cli("ledger", "next", "--ledger", ledger_path, "--today", "2026-03-01", "-o", tmp_path / "next")
    assert gone.exit_code == 2 and "is gone; give --profile FILE" in gone.output
    assert not (tmp_path / "next").exists()

    moved.write_text(moved.read_text().replace("Alex Rivera", "Alex Q. Rivera"))
    done = cli("ledger", "next", "--ledger", ledger_path, "--today", "2026-03-01", "-o", tmp_path / "next", "-f", "txt",
               "--profile", moved)
    assert done.exit_code == 0, done.output
    assert f"{row['reference']} -> follow-up" in done.stdout
    [letter] = [p for p in (tmp_path / "next").glob("*.txt") if not p.name.endswith("-notes.txt")]
    assert "Alex Q. Rivera" in letter.read_text()

    profile.write_text(moved.read_text())  # back where the ledger says, but not the file the letter was written from
    with open_ledger(ledger_path, create=False) as ledger:
        ledger.connection.execute(
            "DELETE FROM events WHERE reference IN (SELECT reference FROM requests WHERE parent IS NOT NULL)")
        ledger.connection.execute("DELETE FROM requests WHERE parent IS NOT NULL")
    again = cli("ledger", "next", "--ledger", ledger_path, "--today", "2026-03-02", "-o", tmp_path / "next2", "-f", "txt")
    assert again.exit_code == 0, again.output
    assert "changed since the letter was written" in again.output


def test_next_needs_the_facts_file_when_the_ledger_has_none(tmp_path):
    from optout.ledger.nextstep import Overrides, facts_for

    with pytest.raises(InputError, match="give --profile FILE"):
        facts_for(None, None, Overrides())
    with pytest.raises(InputError, match="give --clients CLIENTS.csv"):
        facts_for(None, "C-1", Overrides())


def test_ledger_help_names_every_command(cli):
    result = cli("ledger", "--help")
    for command in ("list", "mark", "next", "export", "stats"):
        assert command in result.output
    assert "--record" in cli("letter", "--help").output
    assert "--ledger" in cli("batch", "--help").output


def test_a_refused_event_copies_no_attachment(tmp_path):
    reply = tmp_path / "reply.txt"
    reply.write_text("done")
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        ledger.add_requests([synthetic("OPT-A")])
        with pytest.raises(InputError, match="cannot mark it completed: it is drafted; next can come sent"):
            mark(ledger, "OPT-A", Mark(kind=EventKind.COMPLETED, on=DAY0), TODAY, attach=reply)
    assert not (tmp_path / "l-files").exists()


def test_when_no_appeal_can_be_written_the_complaint_is_and_the_reason_is_shown(cli, tmp_path, write_profile, monkeypatch):
    import optout.lifecycle

    def refuse(*args, **kwargs):
        raise InputError("this appeal is not available")

    monkeypatch.setattr(optout.lifecycle, "compose_appeal", refuse)
    profile = write_profile()
    ledger = tmp_path / "l.sqlite"
    cli("letter", "-p", profile, "-b", "acxiom", "-f", "txt", "-o", tmp_path / "out", "--date", "2026-01-05", "--record",
        "--ledger", ledger)
    [row] = json.loads(cli("ledger", "list", "--ledger", ledger, "--json", "--today", "2026-01-05").stdout)
    cli("ledger", "mark", row["reference"], "sent", "--on", "2026-01-05", "--ledger", ledger, "--today", "2026-01-05")
    cli("ledger", "mark", row["reference"], "denied", "--on", "2026-01-20", "--ledger", ledger, "--today", "2026-01-20")
    result = cli("ledger", "next", "--ledger", ledger, "--today", "2026-01-21", "-o", tmp_path / "next", "-f", "txt")
    assert result.exit_code == 0, result.output
    assert "this appeal is not available; writing a complaint instead" in result.output
    with open_ledger(ledger, create=False) as opened:
        assert [r.stage for r in opened.requests() if r.parent == row["reference"]] == [Stage.COMPLAINT]
