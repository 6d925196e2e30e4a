"""End-to-end letters through the CLI, read back from real PDFs."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

from conftest import pdf_text, sentences, words

LETTER_DATE = "2026-11-27"


def only(out, suffix):
    found = [p for p in out.iterdir() if p.name.endswith(suffix) and not p.name.endswith(("-webform.txt", "-notes.txt"))]
    assert len(found) == 1, found
    return found[0]


def test_virginia_delete_to_lexisnexis_cites_vcdpa_and_45_day_deadline(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    result = cli("letter", "--profile", write_profile(), "--broker", "lexisnexis-risk-solutions", "--request", "delete",
                 "--format", "pdf,txt,eml,html", "--out", out, "--date", LETTER_DATE)
    assert result.exit_code == 0, result.output
    # Page footers ("Reference OPT-... Page 1 of 2") may fall mid-sentence at a page break.
    pdf = re.sub(r"Reference OPT-\S+(?: Page \d+ of \d+)? ?", "", words(pdf_text(only(out, ".pdf"))))
    assert "Virginia Consumer Data Protection Act" in pdf
    assert "§ 59.1-577(A)(3)" in pdf
    due = dt.date(2026, 11, 27) + dt.timedelta(days=45)
    assert due == dt.date(2027, 1, 11)
    assert "45 calendar days" in pdf and "January 11, 2027" in pdf

    txt = only(out, ".txt").read_text(encoding="utf-8")
    letter_sentences = sentences(txt.split("Subject:", 1)[1])
    assert len(letter_sentences) > 10
    position = 0
    for sentence in letter_sentences:
        found = pdf.find(sentence, position)
        assert found >= 0, f"PDF lacks, in order, the txt sentence: {sentence!r}"
        position = found + len(sentence)


def test_florida_letter_is_honest_and_cites_no_state_law(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    profile = write_profile(
        residence_state="FL", addresses=[{"street": "4 Palm Way", "city": "Tampa", "state": "FL", "postal_code": "33602"}]
    )
    result = cli(
        "letter",
        "--profile",
        profile,
        "--broker",
        "lexisnexis-risk-solutions",
        "--request",
        "delete",
        "--format",
        "pdf,txt",
        "--out",
        out,
        "--date",
        LETTER_DATE,
    )
    assert result.exit_code == 0, result.output
    pdf = words(pdf_text(only(out, ".pdf")))
    assert "not aware of a privacy law" in pdf
    assert "voluntarily" in pdf
    for forbidden in ("Act (", "§", "requires you to respond", "Fla. Stat"):
        assert forbidden not in pdf, forbidden


def test_explain_json_matches_the_letter(cli, write_profile, tmp_path):
    import json

    profile = write_profile()
    result = cli(
        "explain",
        "--profile",
        profile,
        "--broker",
        "lexisnexis-risk-solutions",
        "--request",
        "delete",
        "--date",
        LETTER_DATE,
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["laws"] == ["va-vcdpa"]
    assert data["rights"]["delete"] == "Va. Code Ann. § 59.1-577(A)(3)"
    assert data["due_date"] == "2027-01-11"
    assert data["channel"]["kind"] in {"email", "webform", "postal"} and data["channel"]["value"]
    assert isinstance(data["notes"], list) and data["signer"] == "person" and data["clock_applies"]

    out = tmp_path / "out"
    cli(
        "letter",
        "--profile",
        profile,
        "--broker",
        "lexisnexis-risk-solutions",
        "--format",
        "txt",
        "--out",
        out,
        "--date",
        LETTER_DATE,
    )
    text = words(only(out, ".txt").read_text(encoding="utf-8"))
    assert data["rights"]["delete"] in text


def test_eml_is_a_complete_draft_addressed_to_the_broker_email(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    result = cli(
        "letter", "--profile", write_profile(), "--broker", "penlink", "--format", "eml,txt", "--out", out, "--date", LETTER_DATE
    )
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(only(out, ".eml").read_bytes(), policy=policy.default)
    assert message["To"] == "privacy@penlink.com"
    assert message["From"] == "alex@example.org"
    assert message["Subject"].startswith("Request to delete personal information")
    assert message["Date"] and message["Message-ID"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    txt = only(out, ".txt").read_text(encoding="utf-8")
    assert words(body) in words(txt)


def test_webform_only_broker_gets_paste_text_with_the_form_url(tmp_path):
    from conftest import profile_data

    from optout.catalog import default_catalog
    from optout.letters import compose
    from optout.models import Broker, Profile, RequestKind
    from optout.output import write_letter

    broker = Broker.model_validate(
        {
            "id": "formonly-example",
            "name": "Formonly Example Inc.",
            "channels": [{"kind": "webform", "value": "https://privacy.example.com/request", "source": "s"}],
            "sources": {"s": {"title": "fixture"}},
        }
    )
    letter = compose(Profile.model_validate(profile_data()), broker, RequestKind.DELETE, dt.date(2026, 11, 27), default_catalog())
    paths = write_letter(letter, ["txt"], tmp_path / "out")
    paste = next(p for p in paths if p.name.endswith("-webform.txt")).read_text(encoding="utf-8")
    assert paste.splitlines()[0].endswith("https://privacy.example.com/request")
    assert "Dear Formonly Example Inc. privacy team," in paste
    assert "Reference:" not in paste.split("-" * 20)[1]


def test_outputs_are_private_and_named_from_slugs(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    cli("letter", "--profile", write_profile(), "--broker", "penlink", "--format", "pdf,txt", "--out", out, "--date", LETTER_DATE)
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    for path in out.iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert path.name.startswith("penlink-delete-OPT-20261127-")
        assert "Alex" not in path.name


def test_same_inputs_give_byte_identical_files(cli, write_profile, tmp_path):
    profile = write_profile()
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        cli(
            "letter",
            "--profile",
            profile,
            "--broker",
            "penlink",
            "--format",
            "pdf,eml,txt,html",
            "--out",
            out,
            "--date",
            LETTER_DATE,
        )
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]


def test_agent_letter_comes_with_an_authorization_form(cli, write_profile, tmp_path):
    import yaml

    agent = tmp_path / "agent.yaml"
    agent.write_text(
        yaml.safe_dump(
            {
                "organization": "Example Legal Clinic",
                "contact_name": "Sam Lee",
                "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
            }
        )
    )
    out = tmp_path / "out"
    profile = write_profile(residence_state="CA")
    result = cli(
        "letter",
        "--profile",
        profile,
        "--broker",
        "penlink",
        "--agent",
        agent,
        "--format",
        "pdf",
        "--out",
        out,
        "--date",
        LETTER_DATE,
    )
    assert result.exit_code == 0, result.output
    form = words(pdf_text(next(out.glob("*-authorization.pdf"))))
    assert "I, Alex Rivera, of Richmond, Virginia, authorize Example Legal Clinic" in form and "Signature" in form
    letter_pdf = next(p for p in out.glob("*.pdf") if not p.name.endswith("-authorization.pdf"))
    letter = words(pdf_text(letter_pdf))
    assert "writes as the authorized agent of Alex Rivera" in letter
    assert "Enclosure: Authorization signed by Alex Rivera" in letter
    assert "by post to 1 Court St, Oakland, CA 94612" in letter  # the agent's address, not "the address above"
    assert "Before sending: Alex Rivera signs and dates the authorization" in words(result.output)

    # Virginia allows no authorized agent: the letter is written for the person to sign, with every right.
    person_out = tmp_path / "person"
    result = cli(
        "letter",
        "--profile",
        write_profile("va.yaml"),
        "--broker",
        "penlink",
        "--agent",
        agent,
        "--format",
        "pdf",
        "--out",
        person_out,
        "--date",
        LETTER_DATE,
    )
    assert result.exit_code == 0, result.output
    assert "sign and send yourself" in result.output
    assert "Before sending" not in result.output  # no authorization when the person signs
    assert not list(person_out.glob("*-authorization.pdf"))
    letter = words(pdf_text(only(person_out, ".pdf")))
    assert "authorized agent" not in letter and "I live in Virginia" in letter
    assert "Sincerely, Alex Rivera Date: ______________________" in letter
