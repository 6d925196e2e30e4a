"""The clinic's month, scripted with the real CLI: a batch of 20 letters, 5 sent on day 0, one extended, one
denied; with the clock advanced past the deadlines (--today) the overdue set is right, and `ledger next` writes
the follow-ups and the appeal, once, from the clients CSV the batch was made from."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from optout.clients import COLUMNS, EXAMPLE_ROW
from optout.ledger import open_ledger

BROKERS = "acxiom,spokeo,whitepages,intelius,beenverified"
DAY0 = dt.date(2026, 1, 5)


def write_clients(path: Path, count: int, state: str = "VA") -> Path:
    places = {"VA": ("Richmond", "23220"), "UT": ("Provo", "84601")}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for index in range(count):
            city, postal = places[state]
            writer.writerow(EXAMPLE_ROW | {"client_id": f"C-{index:02d}", "full_name": f"Client{index} Example",
                                           "residence_state": state, "state": state, "city": city, "postal_code": postal,
                                           "email": f"client{index}@example.org", "language": "en"})
    return path


def day(offset: int) -> str:
    return (DAY0 + dt.timedelta(days=offset)).isoformat()


def listing(cli, ledger: Path, today: str, *flags: str) -> list[dict]:
    result = cli("ledger", "list", "--ledger", ledger, "--today", today, "--json", *flags)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_batch_of_20_five_sent_one_extended_one_denied_then_next(cli, tmp_path):
    out = tmp_path / "batch"
    clients = write_clients(tmp_path / "clients.csv", 4)
    result = cli("batch", clients, "--brokers", BROKERS, "--out", out, "--date", day(0), "--format", "txt", "--jobs", "1",
                 "--quiet")
    assert result.exit_code == 0, result.output
    ledger = out / ".optout-ledger" / "ledger.sqlite"
    rows = listing(cli, ledger, day(0))
    assert len(rows) == 20 and {r["status"] for r in rows} == {"drafted"}
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        manifest_due = {r["reference"]: r["due_date"] for r in csv.DictReader(handle)}
    assert {r["reference"]: r["due_on"] for r in rows} == manifest_due, "the ledger's clock is the engine's"

    sent = [r["reference"] for r in rows[:5]]
    for reference in sent:
        done = cli("ledger", "mark", reference, "sent", "--on", day(0), "--channel", "email", "--ledger", ledger,
                   "--today", day(0))
        assert done.exit_code == 0, done.output
    extended, denied, waiting = sent[0], sent[1], sent[2:]
    assert cli("ledger", "mark", extended, "extended", "--on", day(20), "--ledger", ledger, "--today", day(20)).exit_code == 0
    assert cli("ledger", "mark", denied, "denied", "--on", day(30), "--note", "Says no law applies", "--ledger", ledger,
               "--today", day(30)).exit_code == 0

    before = listing(cli, ledger, day(45), "--overdue")
    assert before == [], "the VCDPA's 45 days end on day 45"
    overdue = listing(cli, ledger, day(50), "--overdue")
    assert {r["reference"] for r in overdue} == set(waiting)
    extended_row = next(r for r in listing(cli, ledger, day(50)) if r["reference"] == extended)
    assert extended_row["due_on"] == day(90) and not extended_row["overdue"]
    assert listing(cli, ledger, day(91), "--overdue", "--client", "C-00") != []

    dry = cli("ledger", "next", "--ledger", ledger, "--today", day(50), "--dry-run", "--json")
    assert sorted((s["follows"], s["stage"]) for s in json.loads(dry.stdout)) == sorted(
        [(r, "follow-up") for r in waiting] + [(denied, "appeal")])

    letters = tmp_path / "next"
    result = cli("ledger", "next", "--ledger", ledger, "--today", day(50), "--out", letters, "--format", "txt", "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert sorted((w["follows"], w["kind"]) for w in written) == sorted(
        [(r, "follow-up") for r in waiting] + [(denied, "appeal")])
    by_reference = {r["reference"]: r for r in rows}
    for item in written:
        origin = by_reference[item["follows"]]
        assert item["broker_id"] == origin["broker_id"] and item["client_id"] == origin["client_id"]
        [path] = [Path(p) for p in item["files"] if p.endswith(f"{item['reference']}.txt")]
        assert path.parent == letters / origin["client_id"]
        text = path.read_text()
        number = int(origin["client_id"].split("-")[1])
        assert f"Client{number} Example" in text, "the letter is written from the client's row of the CSV"
        assert origin["broker_name"] in text

    after = {r["reference"]: r for r in listing(cli, ledger, day(50))}
    assert len(after) == 24
    children = {r["follows"]: r for r in after.values() if r["follows"]}
    assert {children[r]["stage"] for r in waiting} == {"follow-up"} and children[denied]["stage"] == "appeal"
    again = cli("ledger", "next", "--ledger", ledger, "--today", day(50), "--out", letters, "--format", "txt", "--json")
    assert json.loads(again.stdout) == [], "each next letter is written once"

    # The follow-up went out and still nothing: marked no-response, the next step is a complaint.
    follow_up = children[waiting[0]]["reference"]
    cli("ledger", "mark", follow_up, "sent", "--on", day(51), "--ledger", ledger, "--today", day(51))
    cli("ledger", "mark", waiting[0], "no-response", "--on", day(70), "--ledger", ledger, "--today", day(70))
    last = cli("ledger", "next", "--ledger", ledger, "--today", day(70), "--out", letters, "--format", "txt", "--json")
    assert [(w["follows"], w["kind"]) for w in json.loads(last.stdout)] == [(waiting[0], "complaint")]

    stats = json.loads(cli("ledger", "stats", "--ledger", ledger, "--today", day(50), "--json").stdout)
    assert stats["requests"] == 20 and stats["overdue"] == 3
    assert stats["by_status"] == {"denied": 1, "drafted": 15, "extended": 1, "sent": 3}
    assert set(stats["by_client"]) == {"C-00", "C-01", "C-02", "C-03"}


def test_no_appeal_in_utah_so_a_denial_leads_to_a_complaint(cli, tmp_path):
    out = tmp_path / "batch"
    clients = write_clients(tmp_path / "clients.csv", 1, "UT")
    assert cli("batch", clients, "--brokers", "acxiom", "--out", out, "--date", day(0), "--format", "txt", "--jobs", "1",
               "--quiet").exit_code == 0
    ledger = out / ".optout-ledger" / "ledger.sqlite"
    [row] = listing(cli, ledger, day(0))
    cli("ledger", "mark", row["reference"], "sent", "--on", day(0), "--ledger", ledger, "--today", day(0))
    cli("ledger", "mark", row["reference"], "denied", "--on", day(10), "--ledger", ledger, "--today", day(10))
    result = cli("ledger", "next", "--ledger", ledger, "--today", day(11), "--out", tmp_path / "next", "-f", "txt", "--json")
    assert [w["kind"] for w in json.loads(result.stdout)] == ["complaint"]


def test_a_clinic_shares_one_ledger_across_batches(cli, tmp_path):
    shared = tmp_path / "clinic.sqlite"
    for name, count in (("one", 2), ("two", 3)):
        clients = write_clients(tmp_path / f"{name}.csv", count)
        result = cli("batch", clients, "--brokers", "acxiom", "--out", tmp_path / name, "--date", day(0), "--format", "txt",
                     "--jobs", "1", "--quiet", "--ledger", shared)
        assert result.exit_code == 0, result.output
        assert not (tmp_path / name / ".optout-ledger").exists()
    with open_ledger(shared, create=False) as ledger:
        requests = ledger.requests()
    # Same client ids and dates in both CSVs give the same references for the same people: recorded once.
    assert len(requests) == 3
    assert {r.source.path for r in requests if r.source} == {str((tmp_path / "one.csv").resolve()),
                                                             str((tmp_path / "two.csv").resolve())}


def test_the_batch_ledger_survives_force_and_resume_records_once(cli, tmp_path):
    out = tmp_path / "batch"
    clients = write_clients(tmp_path / "clients.csv", 2)
    base = ("batch", clients, "--brokers", "acxiom", "--out", out, "--date", day(0), "--format", "txt", "--jobs", "1", "--quiet")
    assert cli(*base).exit_code == 0
    ledger = out / ".optout-ledger" / "ledger.sqlite"
    reference = listing(cli, ledger, day(0))[0]["reference"]
    cli("ledger", "mark", reference, "sent", "--on", day(0), "--ledger", ledger, "--today", day(0))
    assert cli(*base, "--force").exit_code == 0
    rows = listing(cli, ledger, day(1))
    assert len(rows) == 2 and next(r for r in rows if r["reference"] == reference)["status"] == "sent"
