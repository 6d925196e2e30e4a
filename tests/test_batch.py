"""Clinic batches: real CSVs, real PDFs, real processes."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import pdf_text, words
from pypdf import PdfReader

from optout.batch import safe_cell
from optout.clients import COLUMNS, EXAMPLE_ROW

BROKERS = "penlink,acxiom,spokeo"
DATE = "2026-11-27"


def client_rows(count: int, **overrides) -> list[dict]:
    rows = []
    for index in range(count):
        row = dict(EXAMPLE_ROW)
        row |= {"client_id": f"C-{index:04d}", "full_name": f"Client {index} Example", "language": "es" if index % 2 else "en",
                "residence_state": ["CA", "VA", "FL"][index % 3], "email": f"client{index}@example.org"}
        rows.append(row | overrides)
    return rows


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_manifest(out: Path) -> list[dict]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_template_prints_header_and_example(cli):
    result = cli("batch", "template")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split(",") == COLUMNS
    assert "example.org" in lines[1] and "555" in lines[1]


def test_good_rows_are_processed_and_every_bad_row_is_reported(cli, tmp_path):
    rows = client_rows(3)
    rows.append(dict(rows[0], client_id="C-bad1", postal_code="ABCDE"))
    rows.append(dict(rows[0], client_id="C-bad2", residence_state="Virginia", email="not-an-email"))
    rows.append(dict(rows[0], client_id="C-0000"))  # duplicate id
    rows.append(dict(rows[0], client_id="=HYPERLINK(1)"))
    out = tmp_path / "out"
    result = cli("batch", write_csv(tmp_path / "c.csv", rows), "--brokers", BROKERS, "--out", out, "--date", DATE,
                 "--format", "txt,eml", "--quiet")
    assert result.exit_code == 1
    with open(out / "errors.csv", newline="") as handle:
        errors = list(csv.DictReader(handle))
    found = {(e["row"], e["column"]) for e in errors}
    assert {("5", "postal_code"), ("6", "residence_state"), ("6", "email"), ("7", "client_id"), ("8", "client_id")} <= found
    assert "'=HYPERLINK(1)" in {e["client_id"] for e in errors}, "formula cell was not neutralised"
    assert "line 5: postal_code" in result.output
    manifest = read_manifest(out)
    assert {row["client_id"] for row in manifest} == {"C-0000", "C-0001", "C-0002"}
    assert (
        len([r for r in manifest if r["file"].endswith(".txt") and not r["file"].endswith(("-webform.txt", "-notes.txt"))]) == 9
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"client_id,full_name\nC1,A\n", "missing column"),
        (
            "client_id,full_name,residence_state,street,city,state,postal_code\nC1,Jos\xe9,CA,1 A St,LA,CA,90012\n".encode(
                "latin-1"
            ),
            "not UTF-8",
        ),
        (b"client_id,full_name,residence_state,street,city,state,postal_code,ssn\n", "unknown column"),
    ],
)
def test_malformed_csv_fails_before_any_output(cli, tmp_path, content, message):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    out = tmp_path / "out"
    result = cli("batch", path, "--brokers", BROKERS, "--out", out)
    assert result.exit_code == 2
    assert message in result.output and "c.csv" in result.output
    assert not out.exists()


def test_packet_pdf_has_cover_in_client_language_and_letters(cli, tmp_path):
    out = tmp_path / "out"
    result = cli(
        "batch", write_csv(tmp_path / "c.csv", client_rows(2)), "--brokers", BROKERS, "--out", out, "--date", DATE, "--quiet"
    )
    assert result.exit_code == 0, result.output
    english = words(pdf_text(out / "C-0000" / "00-print-packet.pdf"))
    spanish = words(pdf_text(out / "C-0001" / "00-print-packet.pdf"))
    assert "What to do" in english and "not a lawyer" in english
    assert "Qué hacer" in spanish and "no es un abogado" in spanish and "27 de noviembre de 2026" in spanish
    packet_pages = len(PdfReader(out / "C-0000" / "00-print-packet.pdf").pages)
    letter_pages = sum(len(PdfReader(p).pages) for p in (out / "C-0000").glob("*-delete-*.pdf"))
    assert packet_pages == letter_pages + 1  # the cover sheet
    assert "California Consumer Privacy Act" in english
    for letter in (out / "C-0000").glob("*-delete-*.pdf"):
        text = words(pdf_text(letter))
        assert text.count("Dear ") == 1 and "Qué hacer" not in text
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    assert oct((out / "C-0000").stat().st_mode & 0o777) == "0o700"
    for path in (out / "C-0000").iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_manifest_lists_every_file_with_its_hash(cli, tmp_path):
    import hashlib

    out = tmp_path / "out"
    cli("batch", write_csv(tmp_path / "c.csv", client_rows(2)), "--brokers", BROKERS, "--out", out, "--date", DATE, "--quiet")
    manifest = read_manifest(out)
    files = {str(p.relative_to(out)) for p in out.rglob("*")
             if p.is_file() and p.parent != out and p.parent.name != ".optout-ledger"}
    assert {row["file"] for row in manifest} == files
    for row in manifest:
        assert hashlib.sha256((out / row["file"]).read_bytes()).hexdigest() == row["sha256"]
    letter_rows = [r for r in manifest if r["reference"]]
    assert all(r["legal_basis"] and r["due_date"] or r["legal_basis"] == "no-law" for r in letter_rows)


def test_same_inputs_give_byte_identical_batches_whatever_the_jobs(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", client_rows(4))
    snapshots = []
    for name, jobs in (("a", "1"), ("b", "2")):
        out = tmp_path / name
        cli("batch", csv_path, "--brokers", BROKERS, "--out", out, "--date", DATE, "--jobs", jobs, "--quiet")
        snapshots.append(
            {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")
             and ".optout-ledger" not in p.parts}
        )
    assert snapshots[0] == snapshots[1]


def test_agent_batch_gives_every_client_a_packet_and_says_who_signs(cli, tmp_path):
    agent = tmp_path / "agent.yaml"
    agent.write_text(
        yaml.safe_dump(
            {
                "organization": "Example Legal Clinic",
                "contact_name": "Sam Lee",
                "email": "clinic@example.org",
                "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
            }
        )
    )
    out = tmp_path / "out"
    places = {
        "C-0000": ("CA", "90012", []),
        "C-0001": ("VA", "23220", []),
        "C-0002": ("TX", "73301", []),
        "C-0003": ("NJ", "07102", ["daniels-law"]),
    }
    rows = []
    for row, (client_id, (state, zip_code, statuses)) in zip(client_rows(4), places.items(), strict=True):
        rows.append(
            dict(row, client_id=client_id, residence_state=state, state=state, postal_code=zip_code, statuses=";".join(statuses))
        )
    result = cli(
        "batch",
        write_csv(tmp_path / "c.csv", rows),
        "--brokers",
        BROKERS,
        "--out",
        out,
        "--date",
        DATE,
        "--agent",
        agent,
        "--quiet",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    person_signs = {(r["client_id"], r["broker_id"]) for r in report["refused"]}
    # Virginia and Texas allow no agent for deletion: those letters are the client's to sign, never dropped.
    assert {("C-0001", b) for b in BROKERS.split(",")} <= person_signs
    assert {("C-0002", b) for b in BROKERS.split(",")} <= person_signs
    assert not any(client == "C-0000" for client, _ in person_signs)
    manifest = read_manifest(out)
    letters = [r for r in manifest if r["file"].endswith(".pdf") and "authorization" not in r["file"] and r["reference"]]
    assert {r["client_id"] for r in letters} == set(places)
    for row in letters:
        expected = "agent" if row["client_id"] == "C-0000" else row["signer"]
        assert row["signer"] == expected
        assert (row["signer"] == "person") == bool(row["signer_reason"])
    assert {r["signer"] for r in letters if r["client_id"] in ("C-0001", "C-0002")} == {"person"}
    for client_id in places:
        packet = words(pdf_text(out / client_id / "00-print-packet.pdf"))
        assert "This packet holds 3 letters" in packet or "Este paquete contiene 3 cartas" in packet, client_id
    ca = words(pdf_text(out / "C-0000" / "00-print-packet.pdf"))
    assert "Authorization of an authorized agent" in ca
    assert "Example Legal Clinic writes as the authorized agent of Client 0 Example" in ca
    va = words(pdf_text(out / "C-0001" / "00-print-packet.pdf"))
    assert "You must sign and send 3 of these letters yourself" in va or "Usted debe firmar y enviar 3 de estas cartas" in va
    assert "Authorization of an authorized agent" not in va and "I live in Virginia" in va
    # A Daniel's Law client keeps her NJDPA deletion right: the letter asks for both.
    nj = words(pdf_text(next(p for p in (out / "C-0003").glob("acxiom-delete-*.pdf") if "authorization" not in p.name)))
    assert "N.J.S.A. 56:8-166.10" in nj or "56:8-166.1" in nj
    assert "delete the personal information you hold" in nj


def test_resume_after_kill_gives_the_same_manifest(tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", client_rows(40))
    command = [
        sys.executable,
        "-m",
        "optout",
        "batch",
        str(csv_path),
        "--brokers",
        BROKERS,
        "--date",
        DATE,
        "--quiet",
        "--format",
        "pdf,txt",
        "--jobs",
        "1",
    ]
    subprocess.run(command + ["--out", str(tmp_path / "full")], check=True, capture_output=True)
    expected = (tmp_path / "full" / "manifest.csv").read_bytes()

    partial = tmp_path / "partial"
    process = subprocess.Popen(command + ["--out", str(partial)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = partial / ".optout-batch-journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 1):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (partial / "manifest.csv").exists(), "the batch finished before it could be killed"
    done_before = journal.read_text().count("\n")

    result = subprocess.run(command + ["--out", str(partial), "--resume", "--json"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["resumed_chunks"] >= done_before >= 1
    assert (partial / "manifest.csv").read_bytes() == expected
    assert not list(partial.rglob("*.part"))


def test_safe_cell_neutralises_formulas():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+1") == "'+1" and safe_cell("-2") == "'-2" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("plain") == "plain"


def test_selectors(cli, tmp_path):
    from optout.batch import select_brokers
    from optout.catalog import default_catalog

    catalog = default_catalog()
    federal = {b.id for b in select_brokers("sold-to:federal-government", catalog)}
    assert "penlink" in federal
    both = {b.id for b in select_brokers("sold-to:federal-government+collects:precise-geolocation", catalog)}
    assert both <= federal and "penlink" in both
    union = {b.id for b in select_brokers("penlink,spokeo", catalog)}
    assert union == {"penlink", "spokeo"}
    with pytest.raises(ValueError):
        select_brokers("colour:red", catalog)
