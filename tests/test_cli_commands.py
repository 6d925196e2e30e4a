"""The look-up commands and the whole-program error handling, run as a user runs them."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import pdf_text, words

from optout import __version__
from optout import cli as cli_module
from optout.catalog import default_catalog
from optout.errors import InputError
from optout.examples import example_profile, government_facing_brokers

DATE = "2026-11-27"


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.output == f"optout {__version__}\n"


def test_brokers_show_lists_names_channels_registrations_and_sources(cli):
    broker = default_catalog().broker("acxiom")
    result = cli("brokers", "show", "acxiom")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{broker.name} (acxiom)"
    assert "Registrations: " in result.output and "CA " in result.output
    for channel in broker.channels:
        assert channel.value.replace("\n", ", ") in result.output
    for key in broker.sources:
        assert f"  [{key}] " in result.output
    as_json = json.loads(cli("brokers", "show", "acxiom", "--json").output)
    assert as_json["id"] == "acxiom" and as_json["name"] == broker.name


def test_brokers_show_unknown_id_is_one_line_exit_2(cli):
    result = cli("brokers", "show", "no-such-broker")
    assert result.exit_code == 2 and "unknown broker 'no-such-broker'" in result.output


def test_brokers_list_text_and_filters(cli):
    result = cli("brokers", "list", "--sold-to", "federal-government")
    assert result.exit_code == 0
    assert any(line.startswith("penlink ") for line in result.output.splitlines())
    assert "broker(s)" in result.output
    searched = json.loads(cli("brokers", "list", "--search", "acxiom", "--json").output)
    assert "acxiom" in {b["id"] for b in searched}


def test_laws_show_a_state_prints_rights_response_opt_outs_and_appeal(cli):
    result = cli("laws", "show", "CA", "--on", DATE)
    assert result.exit_code == 0, result.output
    assert "California Consumer Privacy Act" in result.output
    assert "In force on 2026-11-27" in result.output
    assert "  delete: Cal. Civ. Code § 1798.105(a), (c)(1)" in result.output
    assert "  Response: 45 calendar days, extendable by 45 calendar days" in result.output
    assert "  Opt-outs: 15 business days" in result.output
    virginia = cli("laws", "show", "va-vcdpa", "--on", DATE)
    assert "  Appeal: yes" in virginia.output


def test_laws_show_json_is_one_object_for_one_law_and_a_list_for_a_state(cli):
    one = json.loads(cli("laws", "show", "va-vcdpa", "--on", DATE, "--json").output)
    assert one["id"] == "va-vcdpa" and one["in_force"] is True
    state = json.loads(cli("laws", "show", "CA", "--on", DATE, "--json").output)
    assert isinstance(state, list) and len(state) > 1


def test_laws_list_text_names_future_laws_with_their_date(cli):
    result = cli("laws", "list", "--on", DATE)
    assert result.exit_code == 0
    oklahoma = next(line for line in result.output.splitlines() if "ok-ocdpa" in line)
    assert "takes effect 2027-01-01" in oklahoma


def test_profile_example_is_a_valid_profile(cli, tmp_path):
    result = cli("profile", "example")
    assert result.exit_code == 0
    path = tmp_path / "profile.yaml"
    path.write_text(result.output, encoding="utf-8")
    checked = cli("profile", "check", path)
    assert checked.exit_code == 0 and checked.output.startswith(f"{path}: OK (")


def test_profile_check_errors_name_the_file_and_field(cli, write_profile, tmp_path):
    missing = cli("profile", "check", tmp_path / "missing.yaml")
    assert missing.exit_code == 2 and "missing.yaml: file not found" in missing.output
    bad = cli("profile", "check", write_profile(emails=["not-an-email"]))
    assert bad.exit_code == 2 and "emails.0" in bad.output and len(bad.output.strip().splitlines()) == 1
    folder = cli("profile", "check", tmp_path)
    assert folder.exit_code in (2, 3) and len(folder.output.strip().splitlines()) == 1


def test_explain_a_service_provider_says_whose_clock_it_is(cli, write_profile):
    result = cli("explain", "--profile", write_profile(), "--broker", "palantir-technologies", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert "(binds the business it serves, not this service provider)" in result.output
    assert "Note: " in result.output


def test_letter_text_output_lists_files_and_next_steps(cli, write_profile, tmp_path):
    out = tmp_path / "letters"
    # With the advertising ID Pen-Link finds people by, the letter needs no note (and no -notes.txt).
    profile = write_profile(advertising_ids=[{"platform": "android", "id": "38400000-8cf0-11bd-b23e-10b96e40000d"}])
    result = cli("letter", "--profile", profile, "--broker", "penlink", "--format", "txt", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    assert "Wrote 1 file(s) for" in result.output and str(out) in result.output
    written = json.loads(cli("letter", "--profile", write_profile(), "--broker", "penlink", "--format", "txt", "--out",
                             tmp_path / "json", "--date", DATE, "--json").output)
    assert written[0]["broker_id"] == "penlink" and written[0]["files"][0].endswith(".txt")


def test_example_writes_real_letters(cli, tmp_path):
    out = tmp_path / "example"
    result = cli("example", "--out", out, "--date", DATE)
    assert result.exit_code == 0, result.output
    person = example_profile()
    assert result.output.startswith(f"Example person: {person.full_name} (fictional)")
    brokers = government_facing_brokers()
    assert f"files for {len(brokers)} brokers to {out}/" in result.output
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == len(brokers)
    assert all(words(person.full_name) in words(pdf_text(pdf)) for pdf in pdfs)


# ---------------------------------------------------------------------------
# main(): what escapes a command


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["optout", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    return exit_info.value.code, capsys.readouterr().err


def test_main_turns_an_unexpected_error_into_one_line_and_exit_4(monkeypatch, capsys, write_profile):
    monkeypatch.delenv("OPTOUT_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("Alex Rivera, 12 Elm St")  # local data must never reach the terminal

    monkeypatch.setattr("optout.legal.decide", broken)  # the command imports it when it runs
    code, err = run_main(monkeypatch, capsys, "explain", "--profile", str(write_profile()), "--broker", "penlink")
    assert code == 4
    assert "internal error (RuntimeError); this is a bug in optout" in err and "Elm" not in err
    monkeypatch.setenv("OPTOUT_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", ["optout", "explain", "--profile", str(write_profile()), "--broker", "penlink"])
    with pytest.raises(RuntimeError):
        cli_module.main()


# An InputError is the user's to fix (2); a bare ValueError is a bug in optout (4), never shown as the user's mistake.
@pytest.mark.parametrize(("error", "code"), [(OSError(28, "No space left on device"), 3), (InputError("a bad value"), 2),
                                             (ValueError("a bad value"), 4)])
def test_main_maps_errors_outside_the_commands_to_exit_codes(monkeypatch, capsys, error, code):
    def app():
        raise error

    monkeypatch.setattr(cli_module, "app", app)
    got, err = run_main(monkeypatch, capsys)
    assert got == code and len(err.strip().splitlines()) == 1
