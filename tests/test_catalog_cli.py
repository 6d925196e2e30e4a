"""`optout catalog ...` through typer's CliRunner, with catalog_app mounted as the main app will mount it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optout.catalog_cli import catalog_app

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRIES = FIXTURES / "registries"
CA_2025 = REGISTRIES / "california" / "2025.csv"
CA_2026 = REGISTRIES / "california" / "2026.csv"
BAD_CATALOG = FIXTURES / "bad_catalog"

app = typer.Typer()
app.add_typer(catalog_app, name="catalog")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["catalog", *[str(a) for a in args]])


@pytest.fixture
def catalog(tmp_path) -> Path:
    root = tmp_path / "catalog"
    (root / "brokers").mkdir(parents=True)
    shutil.copy(FIXTURES / "catalog" / "brokers" / "zeta-curated-data.yaml", root / "brokers")
    return root


@pytest.mark.parametrize("command", ["import", "diff", "stats", "schema", "validate"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 5


def test_import_reports_counts(catalog):
    result = run("import", "ca", CA_2026, "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert "ca-2026: 7 entries" in result.stdout
    assert "added 7, removed 0, changed 0, kept curated 1" in result.stdout
    assert (catalog / "brokers" / "acme-data-brokers.yaml").is_file()


def test_import_json_and_year_diff(catalog):
    run("import", "ca", CA_2026, "--catalog", catalog)
    result = run("import", "ca", CA_2025, "--catalog", catalog, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["baseline"] == {"ca-2025": "ca-2026"}
    assert report["added"] == ["epsilon-lists"]
    assert "delta-people-finder" in report["removed"]
    assert "email +legal@acmedata.example.com" in report["changed"]["acme-data-brokers"]
    assert report["kept_curated"] == ["zeta-curated-data"]


def test_import_text_lists_year_differences(catalog):
    run("import", "ca", CA_2026, "--catalog", catalog)
    result = run("import", "ca", CA_2025, "--catalog", catalog)
    assert "removed (in the compared import, not in this one): delta-people-finder" in result.stdout
    assert "changed acme-data-brokers: " in result.stdout


def test_import_dry_run_writes_nothing(catalog):
    result = run("import", "ca", CA_2026, "--catalog", catalog, "--dry-run")
    assert result.exit_code == 0
    assert "dry run: nothing written" in result.stdout
    assert sorted(p.name for p in (catalog / "brokers").iterdir()) == ["zeta-curated-data.yaml"]


def test_import_consolidated_and_year_option(catalog):
    result = run(
        "import", "tx", REGISTRIES / "texas" / "2025_from_consolidated.csv", "--catalog", catalog, "--year", "2024", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source_keys"] == ["tx-2024"]


def test_malformed_file_is_one_line_on_stderr_exit_2(catalog, tmp_path):
    broken = tmp_path / "broken.csv"
    text = CA_2026.read_text(encoding="utf-8").replace(",Yes,", ",Perhaps,", 1)
    broken.write_text(text, encoding="utf-8")
    result = run("import", "ca", broken, "--catalog", catalog)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert (
        result.stderr.startswith("optout: error: ")
        and "broken.csv" in result.stderr
        and "row 2" in result.stderr
        and "Perhaps" in result.stderr
    )


def test_missing_file_and_unknown_registry_exit_2(catalog, tmp_path):
    missing = run("import", "ca", tmp_path / "nope.csv", "--catalog", catalog)
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert run("import", "xx", CA_2026, "--catalog", catalog).exit_code == 2


def test_diff_between_catalogs(catalog, tmp_path):
    run("import", "ca", CA_2026, "--catalog", catalog)
    before = tmp_path / "before"
    shutil.copytree(catalog, before)
    run("import", "ca", CA_2025, "--catalog", catalog)
    result = run("diff", before, catalog, "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)
    assert diff["added"] == ["epsilon-lists"]
    assert diff["removed"] == []
    assert "channels: +email legal@acmedata.example.com" in diff["changed"]["acme-data-brokers"]
    assert "registrations" in diff["changed"]["acme-data-brokers"]
    text = run("diff", before, catalog).stdout
    assert text.startswith("added 1, removed 0, changed")


def test_stats(catalog):
    run("import", "ca", CA_2026, "--catalog", catalog)
    result = run("stats", "--catalog", catalog, "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["brokers"] == 7 and stats["curated"] == 1
    assert stats["by_registry"] == {"CA": 7}
    assert stats["channels"]["email"] == 5  # beta's malformed address and iota's placeholder do not count
    assert stats["channels"]["any_usable"] == 6  # iota has none
    # Acme only: the registry also says it of Zeta, but Zeta's curated record is not changed by imports.
    assert stats["sold_to"] == {"federal_government": 1, "foreign_actor": 1, "law_enforcement": 1}
    assert "sold_to: " in run("stats", "--catalog", catalog).stdout


@pytest.mark.parametrize("kind, title", [("broker", "Broker"), ("law", "Law")])
def test_schema(kind, title):
    result = run("schema", "--kind", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == title and "properties" in schema


def test_validate_good_catalog(catalog):
    run("import", "ca", CA_2026, "--catalog", catalog)
    result = run("validate", "--catalog", catalog)
    assert result.exit_code == 0
    assert "catalog is valid" in result.stdout


@pytest.mark.parametrize(
    "file, field",
    [
        ("bad-enum.yaml", "channels.0.kind"),
        ("missing-sources.yaml", "sources"),
        ("dangling-source.yaml", "channels[0].source"),
        ("id-mismatch.yaml", "id"),
        ("invalid-yaml.yaml", "(file)"),
    ],
)
def test_validate_bad_catalog_names_file_and_field(file, field):
    result = run("validate", "--catalog", BAD_CATALOG)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if f"brokers/{file}: " in line]
    assert lines, result.stdout
    assert any(field in line for line in lines)


def test_validate_json(tmp_path):
    result = run("validate", "--catalog", BAD_CATALOG, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {Path(p["file"]).name for p in problems} == {
        "bad-enum.yaml",
        "missing-sources.yaml",
        "dangling-source.yaml",
        "id-mismatch.yaml",
        "invalid-yaml.yaml",
    }


def test_validate_missing_folder_exit_2(tmp_path):
    result = run("validate", "--catalog", tmp_path / "nowhere")
    assert result.exit_code == 2 and result.stderr.startswith("optout: error: ")


def test_import_without_catalog_writes_the_checkouts_broker_catalog(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    (checkout / "broker_catalog" / "brokers").mkdir(parents=True)
    monkeypatch.chdir(checkout)
    result = run("import", "ca", CA_2026)
    assert result.exit_code == 0, result.output
    assert (checkout / "broker_catalog" / "brokers" / "acme-data-brokers.yaml").is_file()


def test_import_without_catalog_elsewhere_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("import", "ca", CA_2026)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--catalog" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_import_never_writes_the_installed_packages_catalog(tmp_path, monkeypatch):
    # An installed wheel keeps the catalog at optout/broker_catalog: running from the package folder must not pick it.
    from optout import catalog_cli

    package = tmp_path / "site-packages" / "optout"
    (package / "broker_catalog" / "brokers").mkdir(parents=True)
    monkeypatch.setattr(catalog_cli, "PACKAGE_DIR", package)
    monkeypatch.chdir(package)
    result = run("import", "ca", CA_2026)
    assert result.exit_code == 2 and "--catalog" in result.stderr
    assert list((package / "broker_catalog" / "brokers").iterdir()) == []


def test_unknown_registry_names_the_choices_from_the_registry_table(catalog):
    result = run("import", "xx", CA_2026, "--catalog", catalog)
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert "'xx' is not a registry (choose from ca, vt, tx, or, consolidated, ca-ag)" in text
