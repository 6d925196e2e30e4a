"""Batch output folders: --resume, --force, --json and the refusals, on real CSVs and real folders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_batch import DATE, client_rows, read_manifest, write_csv

from optout.batch import CHUNK_LETTERS, JOURNAL, BatchSettings, run_batch
from optout.batch.folder import RUN_RECORD
from optout.catalog import default_catalog
from optout.clients import read_clients
from optout.models import RequestKind

BROKERS = "penlink,acxiom"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != JOURNAL
            and not p.name.endswith(".lock") and ".optout-ledger" not in p.parts}


def batch(cli, csv_path: Path, out: Path, *extra):
    return cli("batch", csv_path, "--brokers", BROKERS, "--out", out, "--date", DATE, "--format", "txt,eml", "--jobs", "1",
               *extra)


@pytest.fixture
def finished(cli, tmp_path):
    """A finished two-client batch and its CSV."""
    csv_path = write_csv(tmp_path / "clients.csv", client_rows(2))
    out = tmp_path / "out"
    result = batch(cli, csv_path, out, "--json")
    assert result.exit_code == 0, result.output
    return csv_path, out, json.loads(result.stdout)


def test_json_summary_describes_the_run(finished):
    _, out, summary = finished
    assert summary["out"] == str(out) and summary["manifest"] == str(out / "manifest.csv")
    assert (summary["clients"], summary["letters"], summary["resumed_chunks"]) == (2, 4, 0)
    assert summary["files"] == len(read_manifest(out))
    assert summary["errors"] == [] and summary["errors_file"] is None and summary["removed"] == []


def test_text_summary_and_progress_bar(cli, tmp_path):
    csv_path = write_csv(tmp_path / "clients.csv", client_rows(2))
    result = batch(cli, csv_path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"4 letters for 2 clients in {tmp_path / 'out'}/" in result.output
    assert "letters" in result.output and "4/4" in result.output  # the progress bar, on stderr


def test_resume_of_a_finished_batch_reuses_every_chunk_and_changes_nothing(cli, finished):
    csv_path, out, _ = finished
    before = snapshot(out)
    result = batch(cli, csv_path, out, "--resume", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["resumed_chunks"] == 1
    assert snapshot(out) == before


def test_resume_redoes_a_chunk_whose_files_were_changed_or_whose_journal_line_is_cut(cli, finished):
    csv_path, out, _ = finished
    before = snapshot(out)
    letter = next(p for p in out.rglob("*.txt"))
    letter.write_text("tampered")
    result = batch(cli, csv_path, out, "--resume", "--json")
    assert json.loads(result.stdout)["resumed_chunks"] == 0
    assert snapshot(out) == before
    journal = out / JOURNAL
    journal.write_bytes(journal.read_bytes()[:40])
    result = batch(cli, csv_path, out, "--resume", "--json")
    assert json.loads(result.stdout)["resumed_chunks"] == 0
    assert snapshot(out) == before


def test_resume_removes_files_a_killed_chunk_left_behind(cli, finished):
    csv_path, out, _ = finished
    before = snapshot(out)
    stray = out / "C-0000" / "left-by-a-killed-chunk.txt"
    stray.write_text("half a letter")
    result = batch(cli, csv_path, out, "--resume", "--json")
    assert result.exit_code == 0, result.output
    assert not stray.exists() and snapshot(out) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda out: (out / RUN_RECORD).unlink(), "has no record of an optout batch run"),
        (lambda out: (out / RUN_RECORD).write_text("{not json"), "the run record is damaged"),
        (lambda out: (out / "notes.docx").write_text("mine"), "holds files this batch did not write: notes.docx"),
        (lambda out: (out / "C-0000" / "scan.jpg").write_bytes(b"\xff\xd8"), "C-0000/scan.jpg"),
    ],
)
def test_resume_refuses_a_folder_it_cannot_trust(cli, finished, damage, message):
    csv_path, out, _ = finished
    damage(out)
    result = batch(cli, csv_path, out, "--resume")
    assert result.exit_code == 3, result.output
    assert message in result.output and "--resume" in result.output


def test_resume_with_other_inputs_names_what_changed(cli, finished, tmp_path):
    csv_path, out, _ = finished
    result = cli("batch", csv_path, "--brokers", "penlink", "--out", out, "--date", "2026-11-28", "--format", "txt,eml",
                 "--jobs", "1", "--resume")
    assert result.exit_code == 3
    assert "made by a different run: --date was 2026-11-27, now 2026-11-28; --brokers was penlink,acxiom" in result.output
    other = write_csv(tmp_path / "other.csv", client_rows(3))
    result = batch(cli, other, out, "--resume")
    assert result.exit_code == 3 and "made by a different run" in result.output


def test_a_new_run_refuses_a_folder_that_is_not_empty(cli, finished, tmp_path):
    csv_path, out, _ = finished
    result = batch(cli, csv_path, out)
    assert result.exit_code == 3 and "the folder is not empty" in result.output and "C-0000/" in result.output
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.pdf").write_text("years of work")
    result = batch(cli, csv_path, mine, "--force")
    assert result.exit_code == 3 and "holds files optout did not make" in result.output
    assert (mine / "thesis.pdf").read_text() == "years of work"


def test_force_replaces_an_earlier_batch_and_says_what_it_removed(cli, finished, tmp_path):
    _, out, _ = finished
    fewer = write_csv(tmp_path / "fewer.csv", client_rows(1))
    result = batch(cli, fewer, out, "--force", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"C-0000", "C-0001", "manifest.csv", RUN_RECORD} <= set(summary["removed"])
    assert not (out / "C-0001").exists() and summary["clients"] == 1
    assert {row["client_id"] for row in read_manifest(out)} == {"C-0000"}


def test_resume_and_force_together_are_refused(cli, finished):
    csv_path, out, _ = finished
    result = batch(cli, csv_path, out, "--resume", "--force")
    assert result.exit_code == 2 and "--resume and --force: choose one" in result.output


def test_rows_with_errors_are_listed_and_exit_1(cli, tmp_path):
    rows = client_rows(2)
    rows[1]["postal_code"] = "ABCDE"
    out = tmp_path / "out"
    result = batch(cli, write_csv(tmp_path / "clients.csv", rows), out)
    assert result.exit_code == 1
    assert "row(s) had errors and were skipped" in result.output and (out / "errors.csv").exists()
    summary = json.loads(batch(cli, write_csv(tmp_path / "clients.csv", rows), tmp_path / "json", "--json").stdout)
    assert summary["errors_file"] == str(tmp_path / "json" / "errors.csv") and summary["errors"][0]["column"] == "postal_code"


def test_library_batch_with_two_workers_matches_one_worker(tmp_path):
    """run_batch called directly (no CLI inputs record): several txt chunks through the process pool."""
    clients = CHUNK_LETTERS // 2 + 2  # x 2 brokers: two chunks
    intake = read_clients(write_csv(tmp_path / "clients.csv", client_rows(clients)))
    catalog = default_catalog()
    brokers = [catalog.broker(b) for b in BROKERS.split(",")]
    settings = BatchSettings(request=RequestKind.DELETE, letter_date=dt.date(2026, 11, 27), formats=("txt",))
    one = run_batch(intake, brokers, settings, tmp_path / "one", jobs=1)
    two = run_batch(intake, brokers, settings, tmp_path / "two", jobs=2)
    assert one.letters == two.letters == clients * 2
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert len((tmp_path / "two" / JOURNAL).read_text().splitlines()) == 2
