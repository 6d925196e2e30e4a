"""First requests through the real CLI and batch: every kind in every format and both signer modes, `explain` for
each kind, refusals with their exit code, an ACP letter that never carries the real address in any file (batch
manifest and .eml headers included), and a Daniel's Law notice whose subject names the statute."""

from __future__ import annotations

import csv
import email
import json
import re
from email import policy
from pathlib import Path

import pytest
import yaml
from conftest import pdf_text, words
from test_batch import client_rows, write_csv

from optout.models import RequestKind

DATE = "2026-11-30"
DETAIL = "Address: lists 9 Oak St, Reno as my home; I never lived there. Delete it."
# The real address of the program participant: none of these may appear in any file an acp letter writes.
REAL = {"street": "77 Hidden Ln", "city": "Fresnoville", "state": "CA", "postal_code": "93650"}
REAL_MARKS = ("Hidden", "Fresnoville", "93650")
SUBSTITUTE = {"street": "PO Box 1679", "city": "Sacramento", "state": "CA", "postal_code": "95812"}

# kind -> (profile overrides, broker); the broker has an email channel, so the .eml has a To: header.
KIND_CASES = {
    RequestKind.CORRECT: ({"residence_state": "CA"}, "acxiom"),
    RequestKind.LIMIT_SENSITIVE: ({"residence_state": "CA"}, "acxiom"),
    RequestKind.NEVADA_OPT_OUT: ({"residence_state": "NV"}, "acxiom"),
    RequestKind.DANIELS_LAW: ({"residence_state": "NJ", "statuses": ["daniels-law"]}, "spokeo"),
    RequestKind.ACP: (
        {"residence_state": "CA", "addresses": [REAL], "statuses": ["acp"], "acp_substitute_address": SUBSTITUTE},
        "spokeo",
    ),
    RequestKind.FCRA_DISCLOSURE: ({"residence_state": "VA"}, "equifax"),
    RequestKind.FCRA_DISPUTE: ({"residence_state": "VA"}, "equifax"),
    RequestKind.GDPR_ERASURE: (
        {
            "residence_state": None,
            "residence_country": "DE",
            "phones": [],
            "addresses": [{"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"}],
        },
        "acxiom",
    ),
    RequestKind.GDPR_ACCESS: (
        {
            "residence_state": None,
            "residence_country": "GB",
            "phones": [],
            "addresses": [{"country": "GB", "street": "1 Example Road", "city": "London", "postal_code": "SW1A 1AA"}],
        },
        "acxiom",
    ),
    RequestKind.GDPR_OBJECTION: (
        {
            "residence_state": None,
            "residence_country": "FR",
            "phones": [],
            "addresses": [{"country": "FR", "street": "1 rue de l'Exemple", "city": "Paris", "postal_code": "75001"}],
        },
        "acxiom",
    ),
}
SECTION = {
    RequestKind.CORRECT: "Cal. Civ. Code § 1798.106",
    RequestKind.LIMIT_SENSITIVE: "Cal. Civ. Code § 1798.121(a)",
    RequestKind.NEVADA_OPT_OUT: "NRS 603A.345(2)-(3), 603A.346(2)-(3)",
    RequestKind.DANIELS_LAW: "N.J.S.A. 56:8-166.1",
    RequestKind.ACP: "Cal. Gov. Code § 6208.1(b)(1)",
    RequestKind.FCRA_DISCLOSURE: "15 U.S.C. § 1681g(a)(1), (2), (3)",
    RequestKind.FCRA_DISPUTE: "15 U.S.C. § 1681i(a)(1)",
    RequestKind.GDPR_ERASURE: "GDPR Art. 17(1)",
    RequestKind.GDPR_ACCESS: "UK GDPR Art. 15",
    RequestKind.GDPR_OBJECTION: "GDPR Art. 21(1)",
}
NEW_KINDS = list(KIND_CASES)


def test_every_new_kind_is_covered_here():
    assert set(NEW_KINDS) == set(RequestKind) - {RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS}


@pytest.fixture
def agent_file(tmp_path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organization": "Example Legal Clinic",
                "contact_name": "Sam Lee",
                "email": "clinic@example.org",
                "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
            }
        )
    )
    return path


def profile_for(write_profile, kind: RequestKind) -> Path:
    overrides, _ = KIND_CASES[kind]
    return write_profile(f"{kind.value}.yaml", **overrides)


def all_text(paths: list[Path]) -> str:
    """Every written file as text: PDFs read back with pypdf, the rest decoded."""
    return "\n".join(pdf_text(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8") for p in paths)


@pytest.mark.parametrize("signer", ["person", "agent"])
@pytest.mark.parametrize("kind", NEW_KINDS, ids=[k.value for k in NEW_KINDS])
def test_letter_writes_every_format_in_both_signer_modes(cli, write_profile, agent_file, tmp_path, kind, signer):
    _, broker = KIND_CASES[kind]
    out = tmp_path / "out"
    args = [
        "letter",
        "-p",
        profile_for(write_profile, kind),
        "-b",
        broker,
        "--request",
        kind.value,
        "--format",
        "pdf,eml,txt,html",
        "--out",
        out,
        "--date",
        DATE,
        "--detail",
        DETAIL,
        "--json",
    ]
    if signer == "agent":
        args += ["--agent", agent_file]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    [written] = json.loads(result.output)
    paths = [Path(p) for p in written["files"]]
    assert {p.suffix for p in paths} >= {".pdf", ".eml", ".txt", ".html"}
    text = words(all_text(paths))
    assert SECTION[kind] in text
    message = email.message_from_bytes(next(p for p in paths if p.suffix == ".eml").read_bytes(), policy=policy.default)
    assert f"Subject: {message['Subject']}" in text  # the draft's subject is the printed one
    assert written["requested"] == kind.value and written["signer"] in ("person", "agent")
    if signer == "agent" and written["signer"] == "agent":
        assert any(p.name.endswith("authorization.pdf") for p in paths), paths


@pytest.mark.parametrize("kind", NEW_KINDS, ids=[k.value for k in NEW_KINDS])
def test_explain_names_the_basis_and_what_the_request_is_for(cli, write_profile, kind):
    _, broker = KIND_CASES[kind]
    profile = profile_for(write_profile, kind)
    result = cli("explain", "-p", profile, "-b", broker, "--request", kind.value, "--date", DATE)
    assert result.exit_code == 0, result.output
    assert SECTION[kind] in result.output
    assert re.search(r"^Laws: [a-z0-9-]+ \(.+, .+\)", result.output, re.MULTILINE), result.output  # named, with its citation
    for label in ("For: ", "When: ", "Attach: "):
        assert label in result.output
    as_json = json.loads(cli("explain", "-p", profile, "-b", broker, "--request", kind.value, "--date", DATE, "--json").output)
    assert set(as_json["guide"]) == {"for", "when", "attach"} and all(as_json["guide"].values())
    assert SECTION[kind] in as_json["rights"].values()


@pytest.mark.parametrize(
    ("kind", "overrides", "broker", "reason"),
    [
        (RequestKind.LIMIT_SENSITIVE, {"residence_state": "VA"}, "acxiom", "No law that optout knows gives people in Virginia"),
        (RequestKind.DANIELS_LAW, {"residence_state": "NJ"}, "spokeo", "statuses: [daniels-law]"),
        (RequestKind.FCRA_DISPUTE, {"residence_state": "VA"}, "spokeo", "only a consumer reporting agency must answer"),
        (RequestKind.GDPR_ACCESS, {"residence_state": "PA"}, "acxiom", "people in Pennsylvania"),
    ],
)
def test_letter_and_explain_refuse_with_the_reason_and_write_nothing(
    cli, write_profile, tmp_path, kind, overrides, broker, reason
):
    profile = write_profile("p.yaml", **overrides)
    out = tmp_path / "out"
    result = cli("letter", "-p", profile, "-b", broker, "--request", kind.value, "--out", out, "--detail", DETAIL)
    assert result.exit_code == 2 and reason in result.output
    assert not out.exists() or not any(out.iterdir())
    explained = cli("explain", "-p", profile, "-b", broker, "--request", kind.value)
    assert explained.exit_code == 2 and reason in explained.output


def test_a_correction_without_detail_is_refused_with_an_example(cli, write_profile):
    result = cli("letter", "-p", write_profile(residence_state="CA"), "-b", "acxiom", "--request", "correct")
    assert result.exit_code == 2 and "--detail: a correct letter must say what is wrong" in result.output


def test_daniels_law_notice_names_the_statute_in_its_subject_and_states_the_ten_business_days(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    result = cli(
        "letter",
        "-p",
        profile_for(write_profile, RequestKind.DANIELS_LAW),
        "-b",
        "spokeo",
        "-r",
        "daniels-law",
        "--format",
        "pdf,eml,txt",
        "--out",
        out,
        "--date",
        DATE,
        "--json",
    )
    paths = [Path(p) for p in json.loads(result.output)[0]["files"]]
    message = email.message_from_bytes(next(p for p in paths if p.suffix == ".eml").read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("Daniel's Law notice under N.J.S.A. 56:8-166.1:")
    pdf_words = words(pdf_text(next(p for p in paths if p.suffix == ".pdf")))
    assert "Subject: Daniel's Law notice under N.J.S.A. 56:8-166.1" in pdf_words
    assert "within 10 business days of receiving this notice (N.J.S.A. 56:8-166.1): by December 14, 2026" in pdf_words
    assert "I am a covered person under Daniel's Law (N.J.S.A. 56:8-166.1)" in pdf_words


@pytest.mark.parametrize("signer", ["person", "agent"])
def test_an_acp_letter_never_carries_the_real_address(cli, write_profile, agent_file, tmp_path, signer):
    out = tmp_path / "out"
    args = [
        "letter",
        "-p",
        profile_for(write_profile, RequestKind.ACP),
        "-b",
        "spokeo,acxiom,equifax",
        "-r",
        "acp",
        "--format",
        "pdf,eml,txt,html",
        "--out",
        out,
        "--date",
        DATE,
    ]
    result = cli(*(args + (["--agent", agent_file] if signer == "agent" else [])))
    assert result.exit_code == 0, result.output
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) >= 12
    text = all_text(files)
    assert "PO Box 1679" in text and "Sacramento" in text
    for mark in REAL_MARKS:
        assert mark not in text, mark
        assert mark not in result.output
    for eml in (p for p in files if p.suffix == ".eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        headers = " ".join(f"{k}: {v}" for k, v in message.items())
        assert not any(mark in headers for mark in REAL_MARKS), headers
        assert not any(mark in eml.read_bytes().decode("ascii", "replace") for mark in REAL_MARKS)


def test_an_acp_batch_never_carries_the_real_address_in_any_file_or_the_manifest(cli, agent_file, tmp_path):
    rows = [
        dict(
            row,
            residence_state="CA",
            street=REAL["street"],
            city=REAL["city"],
            state="CA",
            postal_code=REAL["postal_code"],
            statuses="acp",
            acp_street=SUBSTITUTE["street"],
            acp_city=SUBSTITUTE["city"],
            acp_state="CA",
            acp_postal_code=SUBSTITUTE["postal_code"],
        )
        for row in client_rows(2)
    ]
    out = tmp_path / "batch"
    result = cli(
        "batch",
        write_csv(tmp_path / "c.csv", rows),
        "--brokers",
        "spokeo,acxiom",
        "--request",
        "acp",
        "--out",
        out,
        "--date",
        DATE,
        "--agent",
        agent_file,
        "--format",
        "pdf,eml,txt",
        "--quiet",
        "--jobs",
        "1",
    )
    assert result.exit_code == 0, result.output
    files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".optout-batch.lock"))
    manifest = (out / "manifest.csv").read_text(encoding="utf-8")
    assert "acp" in manifest and len(list(csv.DictReader(manifest.splitlines()))) >= 4
    for path in files:
        text = pdf_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "replace")
        for mark in REAL_MARKS:
            assert mark not in text, (path.name, mark)


def test_batch_turns_clients_a_kind_is_not_for_into_row_errors(cli, tmp_path):
    rows = client_rows(2)
    rows[0] |= {"residence_state": "NJ", "state": "NJ", "postal_code": "07102", "statuses": "daniels-law"}
    rows[1] |= {"residence_state": "NJ", "state": "NJ", "postal_code": "07102", "statuses": ""}
    out = tmp_path / "batch"
    result = cli(
        "batch",
        write_csv(tmp_path / "c.csv", rows),
        "--brokers",
        "spokeo",
        "--request",
        "daniels-law",
        "--out",
        out,
        "--date",
        DATE,
        "--format",
        "txt",
        "--quiet",
        "--json",
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["letters"] == 1 and report["clients"] == 1
    [error] = report["errors"]
    assert error["client_id"] == rows[1]["client_id"] and error["column"] == "request"
    assert "statuses: [daniels-law]" in error["reason"]
    assert "statuses: [daniels-law]" in (out / "errors.csv").read_text(encoding="utf-8")


def test_batch_stops_before_writing_when_a_broker_cannot_take_the_kind(cli, tmp_path):
    out = tmp_path / "batch"
    result = cli(
        "batch",
        write_csv(tmp_path / "c.csv", client_rows(1)),
        "--brokers",
        "equifax,spokeo",
        "--request",
        "fcra-disclosure",
        "--out",
        out,
        "--date",
        DATE,
        "--format",
        "txt",
        "--quiet",
    )
    assert result.exit_code == 2 and "Not one: spokeo" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_profile_corrections_feed_a_correction_letter(cli, write_profile, tmp_path):
    profile = write_profile(residence_state="CA", corrections=["Phone: +1 804 555 0199 is not mine; delete it."])
    out = tmp_path / "out"
    result = cli("letter", "-p", profile, "-b", "acxiom", "-r", "correct", "--format", "txt", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    [letter] = [p for p in out.iterdir() if p.name.endswith(".txt") and "notes" not in p.name]
    assert "Correction: Phone: +1 804 555 0199 is not mine; delete it." in words(letter.read_text(encoding="utf-8"))
