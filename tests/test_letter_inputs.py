"""Input the letters issue found mishandled: each case failed (wrong letter, traceback or silent loss) before."""

from __future__ import annotations

import csv
import email
import json
from email import policy

import yaml
from conftest import pdf_text, words

DATE = "2026-11-27"


def test_an_unknown_residence_is_refused_not_turned_into_a_no_law_letter(cli, write_profile, tmp_path):
    result = cli("letter", "--profile", write_profile(residence_state="ZZ"), "--broker", "spokeo", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "residence_state" in result.output and "'ZZ' is not one" in result.output
    assert not (tmp_path / "out").exists()


def test_a_us_resident_must_name_a_state(cli, write_profile):
    result = cli("profile", "check", write_profile(residence_state=None))
    assert result.exit_code == 2 and "residence_state" in result.output


def test_a_batch_row_with_an_empty_residence_is_an_error_row(cli, tmp_path):
    from optout.clients import COLUMNS, EXAMPLE_ROW

    path = tmp_path / "c.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(EXAMPLE_ROW)
        writer.writerow(dict(EXAMPLE_ROW, client_id="C-0002", residence_state=""))
    out = tmp_path / "out"
    result = cli("batch", path, "--brokers", "spokeo", "--format", "txt", "--out", out, "--date", DATE, "--quiet")
    assert result.exit_code == 1
    with open(out / "errors.csv", newline="", encoding="utf-8") as handle:
        errors = list(csv.DictReader(handle))
    assert [(e["row"], e["column"]) for e in errors] == [("3", "residence_state")]


def test_zip_codes_written_as_numbers_are_accepted_and_keep_their_leading_zero(cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("full_name: Alex Rivera\nresidence_state: MA\naddresses:\n"
                       "  - {street: 1 Beacon St, city: Boston, state: MA, postal_code: 02134}\n"
                       "previous_addresses:\n  - {street: 2 Main St, city: Los Angeles, state: CA, postal_code: 90001}\n",
                       encoding="utf-8")
    out = tmp_path / "out"
    result = cli("letter", "--profile", profile, "--broker", "spokeo", "--format", "txt", "--out", out, "--date", DATE,
                 "--disclose", "all")
    assert result.exit_code == 0, result.output
    text = words(next(p for p in out.glob("*.txt") if not p.name.endswith(("-notes.txt", "-webform.txt"))).read_text())
    assert "Boston, MA 02134" in text and "Los Angeles, CA 90001" in text


def test_a_non_ascii_email_works_in_the_draft_and_in_a_batch(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    profile = write_profile(full_name="José Núñez", emails=["josé@example.org"])
    result = cli("letter", "--profile", profile, "--broker", "acxiom", "--format", "eml", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    draft = email.message_from_bytes(next(out.glob("*.eml")).read_bytes(), policy=policy.default)
    assert draft["From"] == "josé@example.org"
    assert "José Núñez" in draft.get_content()

    from optout.clients import COLUMNS, EXAMPLE_ROW

    path = tmp_path / "c.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(dict(EXAMPLE_ROW, email="josé@example.org"))
    result = cli("batch", path, "--brokers", "acxiom", "--format", "eml", "--out", tmp_path / "batch", "--date", DATE, "--quiet")
    assert result.exit_code == 0, result.output
    drafts = list((tmp_path / "batch").rglob("*.eml"))
    assert len(drafts) == 1
    assert email.message_from_bytes(drafts[0].read_bytes(), policy=policy.default)["From"] == "josé@example.org"


def test_one_letter_run_writes_to_every_broker_named(cli, write_profile, tmp_path):
    out = tmp_path / "out"
    result = cli("letter", "--profile", write_profile(), "-b", "spokeo", "-b", "whitepages,acxiom", "--format", "txt",
                 "--out", out, "--date", DATE, "--json")
    assert result.exit_code == 0, result.output
    assert sorted(item["broker_id"] for item in json.loads(result.output)) == ["acxiom", "spokeo", "whitepages"]
    for broker in ("spokeo", "whitepages", "acxiom"):
        assert list(out.glob(f"{broker}-delete-*.txt")), broker


def test_a_selector_names_brokers_for_one_person_too(cli, write_profile, tmp_path):
    result = cli("letter", "--profile", write_profile(), "-b", "sold-to:federal-government+collects:precise-geolocation",
                 "--format", "txt", "--out", tmp_path / "out", "--date", DATE, "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) >= 2


def test_eu_and_uk_residents_give_their_own_address(cli, tmp_path):
    germany = tmp_path / "de.yaml"
    germany.write_text(
        yaml.safe_dump(
            {
                "full_name": "Lena Beispiel",
                "residence_country": "DE",
                "emails": ["lena@example.org"],
                "addresses": [{"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"}],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "de"
    result = cli("letter", "--profile", germany, "--broker", "acxiom", "--format", "pdf", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    text = words(pdf_text(next(out.glob("*.pdf"))))
    assert "I live in Germany." in text and "Musterstraße 1, 10115 Berlin, Germany" in text
    assert "General Data Protection Regulation" in text

    britain = tmp_path / "gb.yaml"
    britain.write_text(
        yaml.safe_dump(
            {
                "full_name": "Sam Example",
                "residence_country": "GB",
                "addresses": [{"country": "GB", "street": "1 High Street", "city": "London", "postal_code": "SW1A 1AA"}],
            }
        ),
        encoding="utf-8",
    )
    result = cli("explain", "--profile", britain, "--broker", "acxiom", "--date", DATE, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["laws"] == ["uk-gdpr"]

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "full_name": "Sam Example",
                "residence_country": "GB",
                "addresses": [{"country": "GB", "street": "1 High Street", "city": "London", "postal_code": "12345"}],
            }
        )
    )
    result = cli("profile", "check", bad)
    assert result.exit_code == 2 and "postal_code" in result.output and "UK postcode" in result.output


def test_delaware_is_a_state_and_germany_is_a_country(cli, write_profile, tmp_path):
    delaware = write_profile(
        "de-state.yaml",
        residence_state="DE",
        addresses=[{"street": "1 Main St", "city": "Dover", "state": "DE", "postal_code": "19901"}],
    )
    result = cli("explain", "--profile", delaware, "--broker", "acxiom", "--date", DATE, "--json")
    assert json.loads(result.output)["laws"] == ["de-dpdpa"]
    confused = write_profile("confused.yaml", residence_state="DE", residence_country="DE")
    result = cli("profile", "check", confused)
    assert result.exit_code == 2 and "Germany is residence_country DE" in result.output


def test_cli_lines_print_units_a_person_can_read(cli, tmp_path):
    result = cli("laws", "show", "eu-gdpr")
    assert result.exit_code == 0
    assert "one month" in result.output and "month days" not in result.output and "extension 2" not in result.output
    profile = tmp_path / "de.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "full_name": "Lena Beispiel",
                "residence_country": "DE",
                "addresses": [{"country": "DE", "street": "Musterstraße 1", "city": "Berlin", "postal_code": "10115"}],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    result = cli("explain", "--profile", profile, "--broker", "acxiom", "--date", DATE)
    assert "(one month, GDPR Art. 12(3)" in result.output or "(one month, " in result.output
    assert "month days" not in result.output


def test_brokers_list_takes_the_same_selector_grammar_as_letter_and_batch(cli):
    from optout.catalog import default_catalog
    from optout.query import select_brokers

    spec = "sold-to:federal-government,sold-to:law-enforcement"
    result = cli("brokers", "list", spec, "--json")
    assert result.exit_code == 0, result.output
    listed = [b["id"] for b in json.loads(result.output)]
    assert listed == [b.id for b in select_brokers(spec, default_catalog())]
    narrowed = json.loads(cli("brokers", "list", spec, "--collects", "precise-geolocation", "--json").output)
    assert narrowed and {b["id"] for b in narrowed} < set(listed)
