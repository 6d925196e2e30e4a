"""Bad input: one clear line naming the problem, exit code 2, nothing written."""

from __future__ import annotations

import pytest


def test_missing_profile_file(cli, tmp_path):
    result = cli("letter", "--profile", tmp_path / "nope.yaml", "--broker", "penlink", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.output


def test_invalid_yaml(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("full_name: [unclosed\n")
    result = cli("explain", "--profile", path, "--broker", "penlink")
    assert result.exit_code == 2
    assert "p.yaml: not valid YAML" in result.output


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"residence_state": "Virginia"}, "residence_state"),
        ({"addresses": [{"street": "1 A St", "city": "X", "state": "VA", "postal_code": "ABCDE"}]}, "addresses.0.postal_code"),
        ({"addresses": []}, "addresses"),
        ({"emails": ["not-an-email"]}, "emails.0"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"statuses": ["acp"]}, "acp_substitute_address"),
    ],
)
def test_bad_profile_field_is_named(cli, write_profile, tmp_path, override, field):
    out = tmp_path / "out"
    result = cli("letter", "--profile", write_profile(**override), "--broker", "penlink", "--out", out)
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_broker(cli, write_profile):
    result = cli("explain", "--profile", write_profile(), "--broker", "no-such-broker")
    assert result.exit_code == 2
    assert "unknown broker 'no-such-broker'" in result.output


def test_unknown_state_for_laws_show(cli):
    result = cli("laws", "show", "ZZ")
    assert result.exit_code == 2
    assert "ZZ" in result.output


def test_unknown_format_and_bad_date(cli, write_profile, tmp_path):
    result = cli("letter", "--profile", write_profile(), "--broker", "penlink", "--format", "docx", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "docx" in result.output
    result = cli("letter", "--profile", write_profile(), "--broker", "penlink", "--date", "27/11/2026", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    assert not (tmp_path / "o").exists()


def test_unknown_request_kind_is_rejected_by_the_parser(cli, write_profile):
    from typer.testing import CliRunner

    from optout.cli import app

    result = CliRunner().invoke(app, ["explain", "--profile", str(write_profile()), "--broker", "penlink", "--request", "erase"])
    assert result.exit_code == 2
    assert "erase" in result.output


def test_bad_filter_value(cli):
    result = cli("brokers", "list", "--sold-to", "aliens")
    assert result.exit_code == 2
    assert "federal-government" in result.output


@pytest.mark.parametrize(
    "args",
    [["--help"], ["letter", "--help"], ["explain", "--help"], ["brokers", "list", "--help"], ["brokers", "show", "--help"],
     ["laws", "list", "--help"], ["laws", "show", "--help"], ["profile", "example", "--help"], ["example", "--help"],
     ["catalog", "validate", "--help"], ["catalog", "schema", "--help"]],
)
def test_every_command_has_help(cli, args):
    result = cli(*args)
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_laws_list_json_marks_in_force_and_future_laws(cli):
    import json

    result = cli("laws", "list", "--on", "2026-11-27", "--json")
    assert result.exit_code == 0
    laws = {law["id"]: law for law in json.loads(result.output)}
    assert laws["va-vcdpa"]["in_force"] and laws["va-vcdpa"]["status"] == "in_force"
    assert laws["ok-ocdpa"]["status"] == "not_yet_effective" and not laws["ok-ocdpa"]["in_force"]
    for law in laws.values():
        assert law["sources"], law["id"]
        assert {
            "id",
            "jurisdiction",
            "name",
            "citation",
            "effective",
            "in_force",
            "rights",
            "response",
            "appeal",
            "regulator",
        } <= set(law)
    comprehensive = [law for law in laws.values() if law["kind"] == "comprehensive" and law["in_force"]]
    assert len(comprehensive) >= 19
    assert laws["va-vcdpa"]["rights"]["delete"] == {
        "section": "Va. Code Ann. § 59.1-577(A)(3)",
        "scope": laws["va-vcdpa"]["rights"]["delete"]["scope"],
        "deletion_scope": "provided_or_obtained",
        "agent_allowed": False,
        "terms": None,
    }
    assert laws["va-vcdpa"]["response"]["days"] == 45 and laws["va-vcdpa"]["response"]["day_kind"] == "calendar"
