"""Entity resolution: records of one legal entity merge, keep both spellings and redirect the old id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from optout.build.merge import merge
from optout.build.registries import Registry, RegistryEntry
from optout.build.resolve import names_close, same_entity
from optout.catalog import load_catalog, validate_catalog
from optout.models import Broker

FIXTURES = Path(__file__).parent / "fixtures"
CURATED = FIXTURES / "catalog" / "brokers" / "zeta-curated-data.yaml"


@pytest.fixture
def catalog(tmp_path) -> Path:
    root = tmp_path / "catalog"
    (root / "brokers").mkdir(parents=True)
    (root / "laws").mkdir()
    shutil.copy(CURATED, root / "brokers" / CURATED.name)
    return root


def entry(name: str, registry: Registry = Registry.CA, year: int = 2026, row: int = 2, **fields) -> RegistryEntry:
    fields.setdefault("address_lines", ["1 Main St", "Springfield, IL 62701"])
    return RegistryEntry(registry=registry, year=year, source_file="fixture", row=row, name=name, **fields)


def load(catalog: Path, rid: str) -> Broker:
    return Broker.model_validate(yaml.safe_load((catalog / "brokers" / f"{rid}.yaml").read_text(encoding="utf-8")))


def ids(catalog: Path) -> set[str]:
    return {p.stem for p in (catalog / "brokers").glob("*.yaml")}


def test_typo_split_merges_into_the_right_spelling_with_alias_and_redirect(catalog):
    merge(
        [entry("Melissa Data Corporation", website="https://www.melissa.example.com", emails=["a@melissa.example.com"])], catalog
    )
    report = merge(
        [
            entry(
                "Melissa Data Corpoation",
                registry=Registry.VT,
                year=2025,
                website="melissa.example.com",
                emails=["b@melissa.example.com"],
            )
        ],
        catalog,
    )
    assert [(m["old"], m["into"]) for m in report.merged] == [("melissa-data-corpoation", "melissa-data")]
    assert "typing slips" in report.merged[0]["reason"]
    assert ids(catalog) == {"melissa-data", "zeta-curated-data"}
    record = load(catalog, "melissa-data")
    assert record.name == "Melissa Data Corporation"
    assert record.aliases == ["Melissa Data Corpoation"]
    assert record.former_ids == ["melissa-data-corpoation"]
    assert {r.source for r in record.registrations} == {"ca-2026", "vt-2025"}
    assert validate_catalog(catalog) == []


def test_merge_is_stable_on_reimport(catalog):
    rows = [entry("NC Ventures LLC", website="https://ncs.example.com", emails=["p@ncs.example.com"])]
    vt = [entry("NC Vnetures, LLC", registry=Registry.VT, year=2025, website="https://ncs.example.com")]
    merge(rows, catalog)
    merge(vt, catalog)
    before = {p.name: p.read_bytes() for p in (catalog / "brokers").glob("*.yaml")}
    merge(vt, catalog)
    merge(rows, catalog)
    assert {p.name: p.read_bytes() for p in (catalog / "brokers").glob("*.yaml")} == before
    assert load(catalog, "nc-ventures").aliases == ["NC Vnetures, LLC"]


def test_brand_listed_trade_name_merges_into_the_legal_entity(catalog):
    report = merge(
        [
            entry("Datamentors LLC", dbas=["V12"], website="https://v12.example.com", emails=["privacy@v12.example.com"], row=2),
            entry("V12", website="https://www.v12.example.com", emails=["ops@v12.example.com"], row=3),
        ],
        catalog,
    )
    assert [(m["old"], m["into"]) for m in report.merged] == [("v12", "datamentors")]
    assert "brand" in report.merged[0]["reason"]


def test_brand_with_a_corporate_suffix_stays_a_distinct_entity_and_is_marked(catalog):
    merge(
        [
            entry("Viant US LLC", dbas=["Viant Technology LLC"], website="https://viant.example.com", row=2),
            entry("Viant Technology LLC", website="https://viant.example.com", row=3),
        ],
        catalog,
    )
    assert {"viant-us", "viant-technology"} <= ids(catalog)
    assert "viant.example.com" in load(catalog, "viant-us").distinct_entity_reason
    assert load(catalog, "viant-technology").family == load(catalog, "viant-us").family


def test_spacing_only_difference_merges_without_a_shared_domain_unless_websites_disagree(catalog):
    merge([entry("R. L. Polk & Co.", website="https://polk.example.com", row=2), entry("R.L. Polk & Co.", row=3)], catalog)
    assert "r-l-polk" not in ids(catalog) or "rl-polk" not in ids(catalog)
    merge(
        [
            entry("Data Axle Inc", website="https://a.example.com", row=4),
            entry("DataAxle LLC", website="https://b.example.com", row=5),
        ],
        catalog,
    )
    assert {"data-axle", "dataaxle"} <= ids(catalog)


def test_record_merged_into_a_curated_one_redirects_there_without_touching_its_facts(catalog):
    original = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    report = merge([entry("Zeta Curated Dta, Inc.", website="https://zetacurated.example.com")], catalog)
    assert [(m["old"], m["into"]) for m in report.merged] == [("zeta-curated-dta", "zeta-curated-data")]
    after = yaml.safe_load((catalog / "brokers" / CURATED.name).read_text(encoding="utf-8"))
    assert after.pop("former_ids") == ["zeta-curated-dta"]
    assert after.pop("aliases") == ["Zeta Curated Dta, Inc."]
    assert after == original
    assert validate_catalog(catalog) == []
    catalog_obj = load_catalog(catalog)
    assert catalog_obj.broker("zeta-curated-dta").id == "zeta-curated-data"
    assert catalog_obj.merged_into("zeta-curated-dta") == "zeta-curated-data"


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("Crisil Irevna US LLC", "CRISIL Irvena US LLC", True),
        ("Skipmasher, Inc.", "Skipsmasher, Inc.", True),
        ('General Information Solutions LLC ("GIS")', "General Information Solutions LLC", True),
        ("Oracle America, Inc. (Oracle Data Cloud)", "Oracle America Inc", True),
        ("ModFx Labs Private Limited", "MODFX LABS PVT LTD", True),
        ("Equifax Inc.", "Equifax Workforce Solutions LLC", False),
        ("V12", "V1", False),  # short names: no typo rule
    ],
)
def test_names_close(a, b, close):
    assert bool(names_close([a], [b])) is close


def test_close_names_on_different_domains_stay_apart():
    from optout.build.resolve import Node

    a = Node("acme-data", "Acme Data LLC", False, ["Acme Data LLC"], [], {"acme.com"}, "acme.com")
    b = Node("acme-datas", "Acme Datas LLC", False, ["Acme Datas LLC"], [], {"other.com"}, "other.com")
    assert same_entity(a, b) is None


def test_brokers_show_and_letter_find_the_merged_record_by_its_old_id(cli, write_profile, tmp_path):
    catalog = load_catalog()
    old, new = next((f, b.id) for b in catalog.brokers.values() for f in b.former_ids)
    shown = cli("brokers", "show", old)
    assert shown.exit_code == 0 and f"({new})" in shown.output and f"'{old}' was merged into this record" in shown.output
    explained = cli("explain", "-p", write_profile(), "-b", old, "--json")
    assert explained.exit_code == 0
    listed = cli("brokers", "list", old, "--json")
    assert [b["id"] for b in yaml.safe_load(listed.output)] == [new]
    out = tmp_path / "letters"
    written = cli("letter", "-p", write_profile(), "-b", old, "-f", "txt", "-o", out)
    assert written.exit_code == 0 and f"'{old}' was merged into '{new}'" in written.output
    assert all(p.name.startswith(new) for p in out.iterdir())


# ---------------------------------------------------------------------------
# Former registrants (California Attorney General, 2020-2022) and the import report


AG_FIXTURE = FIXTURES / "registries" / "consolidated" / "california_ag.csv"
CA_2026 = FIXTURES / "registries" / "california" / "2026.csv"


def test_attorney_general_rows_become_history_never_registrations(cli, catalog):
    from optout.build.importers import read_registry

    merge(read_registry("ca", CA_2026), catalog)
    result = cli("catalog", "import", "ca-ag", AG_FIXTURE, "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert "kept curated: zeta-curated-data" in result.output
    acme = load(catalog, "acme-data-brokers")
    assert [r.source for r in acme.former_registrations] == ["ca-ag"]
    assert "ca-ag" not in {r.source for r in acme.registrations}
    assert not any(c.source == "ca-ag" for c in acme.channels)  # a current registrant keeps its current contacts
    old = load(catalog, "old-mode-social")
    assert old.registrations == [] and old.former_registrations[0].name == "Old Mode Social, Inc."
    assert old.sources["ca-ag"].retrieved and "no filing year" in old.sources["ca-ag"].note
    assert all("Attorney General filing" in c.notes for c in old.channels)
    before = {p.name: p.read_bytes() for p in (catalog / "brokers").glob("*.yaml")}
    again = cli("catalog", "import", "ca-ag", AG_FIXTURE, "--catalog", catalog)
    assert "written 0" in again.output
    assert {p.name: p.read_bytes() for p in (catalog / "brokers").glob("*.yaml")} == before
    assert validate_catalog(catalog) == []


def test_import_report_lists_each_merge(cli, catalog, tmp_path):
    from optout.build.report import format_report

    merge([entry("Skipsmasher, Inc.", website="https://skipsmasher.example.com", row=2)], catalog)
    report = merge(
        [entry("Skipmasher, Inc.", registry=Registry.VT, year=2025, website="https://skipsmasher.example.com")], catalog
    )
    text = format_report(report)
    assert "merged 1 record(s)" in text and "merged skipmasher -> skipsmasher (names one or two typing slips" in text
    assert report.to_dict()["merged"] == [{"old": "skipmasher", "into": "skipsmasher", "reason": report.merged[0]["reason"]}]


def test_survivor_is_the_legal_name_spelled_right():
    from optout.build.resolve import misspelt_words

    assert misspelt_words("NC Vnetures, LLC") == 1 and misspelt_words("Boardrooom Insiders") == 1
    assert misspelt_words("Compact Information Systems, LLC") == 0  # "compact" is a word, not a misspelt "company"
