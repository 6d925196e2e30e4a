"""Input rules that match SECURITY.md: one text validator for every field, duplicates refused, safe client ids."""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import pytest
import yaml
from conftest import profile_data

DATE = "2026-11-27"
HEADER = ["client_id", "full_name", "residence_state", "street", "city", "state", "postal_code"]
GOOD = ["C-1", "Client One", "CA", "1 Main St", "Los Angeles", "CA", "90012"]

REFUSED = {
    "newline": "\n", "carriage return": "\r", "NUL": "\x00", "ESC": "\x1b[31m", "BEL": "\x07", "tab": "\t", "DEL": "\x7f",
    "NEL": "\x85", "RLO U+202E": "\u202e", "LRI U+2066": "\u2066", "zero-width space": "\u200b", "zero-width joiner": "\u200d",
    "word joiner": "\u2060", "BOM": "\ufeff", "line separator U+2028": "\u2028", "paragraph separator U+2029": "\u2029",
}


def write_rows(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_batch(cli, csv_path: Path, out: Path):
    return cli(
        "batch", csv_path, "--brokers", "penlink", "--out", out, "--date", DATE, "--format", "txt,eml", "--quiet", "--jobs", "1"
    )


def read_errors(out: Path) -> list[dict]:
    with open(out / "errors.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------
# Profiles and agent files


def test_street_with_a_newline_cannot_add_lines_to_the_sender_block(cli, write_profile, tmp_path):
    street = "12 Elm St\nBcc: evil@example.org\nI withdraw this request."
    profile = write_profile(addresses=[{"street": street, "city": "Richmond", "state": "VA", "postal_code": "23220"}])
    out = tmp_path / "out"
    result = cli("letter", "--profile", profile, "--broker", "penlink", "--out", out, "--format", "txt,eml", "--date", DATE)
    assert result.exit_code == 2, result.output
    assert "addresses.0.street" in result.output and "U+000A" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


PROFILE_FIELDS = {
    "full_name": lambda bad: {"full_name": f"Alex{bad}Rivera"},
    "aliases": lambda bad: {"aliases": [f"Al{bad}ex"]},
    "street": lambda bad: {
        "addresses": [{"street": f"12 Elm{bad} St", "city": "Richmond", "state": "VA", "postal_code": "23220"}]
    },
    "street2": lambda bad: {
        "addresses": [{"street": "12 Elm St", "street2": f"Apt{bad}4", "city": "Richmond", "state": "VA", "postal_code": "23220"}]
    },
    "city": lambda bad: {"addresses": [{"street": "12 Elm St", "city": f"Rich{bad}mond", "state": "VA", "postal_code": "23220"}]},
    "previous street": lambda bad: {
        "previous_addresses": [{"street": f"9 {bad}Oak", "city": "Norfolk", "state": "VA", "postal_code": "23510"}]
    },
    "phones": lambda bad: {"phones": [f"+1 804 555{bad} 0100"]},
    "emails": lambda bad: {"emails": [f"alex{bad}@example.org"]},
}


@pytest.mark.parametrize("char", sorted(REFUSED))
@pytest.mark.parametrize("field", sorted(PROFILE_FIELDS))
def test_every_profile_text_field_refuses_control_and_invisible_characters(field, char):
    from pydantic import ValidationError

    from optout.models import Profile

    data = profile_data(**PROFILE_FIELDS[field](REFUSED[char]))
    with pytest.raises(ValidationError):
        Profile.model_validate(data)


AGENT = {
    "organization": "Example Legal Clinic",
    "contact_name": "Sam Lee",
    "email": "clinic@example.org",
    "phone": "+1 510 555 0199",
    "registered_with": "CA SOS",
    "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
}


@pytest.mark.parametrize(
    "field", ["organization", "contact_name", "email", "phone", "registered_with", "address.street", "address.city"]
)
@pytest.mark.parametrize("char", ["\n", "\x00", "\x1b", "\u202e", "\u200b", "\u2028", "\x85"])
def test_every_agent_field_refuses_control_and_invisible_characters(cli, write_profile, tmp_path, field, char):
    agent = yaml.safe_load(yaml.safe_dump(AGENT))
    if "." in field:
        outer, inner = field.split(".")
        agent[outer][inner] = agent[outer][inner][:3] + char + agent[outer][inner][3:]
    else:
        agent[field] = agent[field][:3] + char + agent[field][3:]
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(agent), encoding="utf-8")  # escaped, so YAML keeps NEL and U+2028 as they are
    out = tmp_path / "out"
    result = cli(
        "letter",
        "--profile",
        write_profile(residence_state="CA", addresses=[AGENT["address"]]),
        "--broker",
        "penlink",
        "--agent",
        path,
        "--out",
        out,
        "--format",
        "txt",
        "--date",
        DATE,
    )
    assert result.exit_code == 2, result.output
    assert field.split(".")[-1] in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_ordinary_names_in_many_scripts_still_pass():
    from optout.models import Profile

    for name in ("José Núñez-O'Brien", "Nguyễn Thị Minh Khai", "محمد عبد الله", "李小龍", "Zoë Ångström"):
        Profile.model_validate(profile_data(full_name=name, aliases=[name]))


def test_a_megabyte_street_is_refused_quickly(cli, write_profile, tmp_path):
    profile = write_profile(
        addresses=[{"street": "1" + "x" * 1_000_000, "city": "Richmond", "state": "VA", "postal_code": "23220"}]
    )
    started = time.monotonic()
    result = cli(
        "letter", "--profile", profile, "--broker", "penlink", "--out", tmp_path / "o", "--format", "txt", "--date", DATE
    )
    assert result.exit_code == 2 and "addresses.0.street" in result.output
    assert time.monotonic() - started < 5


def test_profile_with_a_repeated_key_is_refused(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "full_name: Alex Rivera\nresidence_state: VA\nresidence_state: CA\n"
        "addresses: [{street: 12 Elm St, city: Richmond, state: VA, postal_code: '23220'}]\n"
    )
    result = cli("profile", "check", path)
    assert result.exit_code == 2
    assert "residence_state" in result.output and "more than once" in result.output


def test_agent_with_a_repeated_nested_key_is_refused(cli, write_profile, tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(
        "organization: Clinic\ncontact_name: Sam\n"
        "address: {street: 1 Court St, street: 9 Evil Rd, city: Oakland, state: CA, postal_code: '94612'}\n"
    )
    result = cli("explain", "--profile", write_profile(), "--broker", "penlink")  # sanity: the profile is fine
    assert result.exit_code == 0
    result = cli(
        "letter", "--profile", write_profile(), "--broker", "penlink", "--agent", path, "--out", tmp_path / "o", "--date", DATE
    )
    assert result.exit_code == 2 and "street" in result.output and "more than once" in result.output


# ---------------------------------------------------------------------------
# CSV rows


@pytest.mark.parametrize("column", ["full_name", "street", "city"])
@pytest.mark.parametrize("char", ["\n", "\x00", "\x1b[2J", "\x07", "\u202e", "\u200b", "\u2028", "\x85"])
def test_csv_cells_refuse_control_and_invisible_characters(cli, tmp_path, column, char):
    bad = dict(zip(HEADER, GOOD, strict=True)) | {"client_id": "C-2"}
    bad[column] = bad[column][:2] + char + bad[column][2:]
    out = tmp_path / "out"
    result = run_batch(cli, write_rows(tmp_path / "c.csv", [GOOD, [bad[h] for h in HEADER]]), out)
    assert result.exit_code == 1, result.output
    errors = read_errors(out)
    assert [(e["row"], e["column"]) for e in errors] == [("3", column)]
    assert not (out / "C-2").exists()
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert bad[column].encode() not in data, f"{path.name} holds the refused cell"
            if char not in "\n" and ".optout-ledger" not in path.parts:  # the ledger is a binary SQLite file
                assert char.encode() not in data, f"{path.name} holds the refused character"


def test_errors_csv_and_screen_never_hold_raw_control_characters(cli, tmp_path):
    out = tmp_path / "out"
    result = run_batch(
        cli, write_rows(tmp_path / "c.csv", [GOOD, ["C\x1b[31m-2\x07", "Two", "CA", "1 A St", "LA", "CA", "90012"]]), out
    )
    assert result.exit_code == 1
    raw = (out / "errors.csv").read_bytes()
    assert b"\x1b" not in raw and b"\x07" not in raw
    assert "\\u001b" in raw.decode()
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_duplicate_csv_column_is_refused(cli, tmp_path):
    path = write_rows(tmp_path / "c.csv", [GOOD + ["Mallory"]], header=HEADER + ["full_name"])
    out = tmp_path / "out"
    result = run_batch(cli, path, out)
    assert result.exit_code == 2
    assert "full_name appear more than once" in result.output and "line 1" in result.output
    assert not out.exists()


@pytest.mark.parametrize("client_id", ["CON", "nul", "Com1", "LPT9", "aux", "PRN"])
def test_windows_reserved_client_ids_are_refused(cli, tmp_path, client_id):
    out = tmp_path / "out"
    result = run_batch(cli, write_rows(tmp_path / "c.csv", [GOOD, [client_id] + GOOD[1:]]), out)
    assert result.exit_code == 1
    assert [(e["row"], e["column"]) for e in read_errors(out)] == [("3", "client_id")]
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".optout-ledger") == ["C-1"]


def test_client_ids_differing_only_in_case_are_refused(cli, tmp_path):
    out = tmp_path / "out"
    result = run_batch(cli, write_rows(tmp_path / "c.csv", [GOOD, ["c-1"] + GOOD[1:]]), out)
    assert result.exit_code == 1
    errors = read_errors(out)
    assert [(e["row"], e["column"]) for e in errors] == [("3", "client_id")] and "line 2" in errors[0]["reason"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".optout-ledger") == ["C-1"]


def test_a_huge_cell_is_an_error_on_its_own_row_not_line_1(cli, tmp_path):
    out = tmp_path / "out"
    huge = "1" + "x" * (200 * 1024)
    result = run_batch(
        cli, write_rows(tmp_path / "c.csv", [GOOD, ["C-2", "Two", "CA", huge, "LA", "CA", "90012"], ["C-3"] + GOOD[1:]]), out
    )
    assert result.exit_code == 1, result.output
    assert [(e["row"], e["column"]) for e in read_errors(out)] == [("3", "street")]
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".optout-ledger") == ["C-1", "C-3"]


# ---------------------------------------------------------------------------
# Catalog records


@pytest.fixture
def catalog_copy(tmp_path):
    from optout.paths import catalog_dir

    root = tmp_path / "catalog"
    (root / "brokers").mkdir(parents=True)
    (root / "laws").mkdir()
    shutil.copy(catalog_dir() / "brokers" / "penlink.yaml", root / "brokers")
    shutil.copy(catalog_dir() / "laws" / "va-vcdpa.yaml", root / "laws")
    return root


def _broker_with_channel(root: Path, kind: str, value: str) -> None:
    path = root / "brokers" / "penlink.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["channels"].append({"kind": kind, "value": value, "source": "ca-2026"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("email", "not-an-email", "malformed email"),
        ("email", "privacy@penlink.com\r\n", "U+000D"),
        ("email", "privacy@penlink.com\nBcc: x@evil.example", "one line"),
        ("webform", "javascript:alert(1)", "not a web address"),
        ("webform", "file:///etc/passwd", "not a web address"),
        ("postal", "Pen-Link <script>x</script>\n3400 Plantation Drive\nLincoln, NE 68516", "markup"),
        ("phone", "call us", "not a valid phone number"),
    ],
)
def test_catalog_validate_applies_the_importers_contact_rules(cli, catalog_copy, kind, value, words):
    assert cli("catalog", "validate", "--catalog", catalog_copy).exit_code == 0
    _broker_with_channel(catalog_copy, kind, value)
    result = cli("catalog", "validate", "--catalog", catalog_copy)
    assert result.exit_code == 1, result.output
    assert "penlink.yaml" in result.output and words in result.output


def test_catalog_validate_names_a_non_utf8_file_and_goes_on(cli, catalog_copy):
    (catalog_copy / "brokers" / "broken.yaml").write_bytes("id: broken\nname: Caf\xe9\n".encode("latin-1"))
    (catalog_copy / "brokers" / "zz-bad.yaml").write_text("id: zz-bad\n")
    result = cli("catalog", "validate", "--catalog", catalog_copy)
    assert result.exit_code == 1
    assert "broken.yaml: (file): not UTF-8" in result.output
    assert "zz-bad.yaml" in result.output, "validation stopped at the first unreadable file"


def test_catalog_record_with_a_bidi_override_is_refused(cli, catalog_copy):
    path = catalog_copy / "brokers" / "penlink.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: Pen-Link, Ltd.", 'name: "Pen-Link\u202e, Ltd."'), encoding="utf-8"
    )
    result = cli("catalog", "validate", "--catalog", catalog_copy)
    assert result.exit_code == 1 and "U+202E" in result.output


def test_catalog_record_with_a_repeated_key_is_refused(cli, catalog_copy):
    path = catalog_copy / "brokers" / "penlink.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "website: https://evil.example\n", encoding="utf-8")
    result = cli("catalog", "validate", "--catalog", catalog_copy)
    assert result.exit_code == 1 and "website" in result.output and "more than once" in result.output


# ---------------------------------------------------------------------------
# The packaged-file fetcher


def test_fetcher_never_resolves_a_file_url_host(monkeypatch):
    import socket

    from optout.paths import templates_dir
    from optout.render import pdf as pdf_renderer

    lookups: list = []
    monkeypatch.setattr(socket, "gethostbyname", lambda host: lookups.append(host) or "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: lookups.append(host) or [])
    fetcher = pdf_renderer.PackagedFilesOnly()
    inside = templates_dir() / "letter" / "letter.css"
    for url in (f"file://attacker.example{inside}", f"file://localhost{inside}"):
        with pytest.raises(pdf_renderer.FetchRefused):
            fetcher.fetch(url)
    assert lookups == []
