"""Merging registry entries into a catalog directory: identity, provenance, idempotence, curated records, reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from optout.build.importers import california, read_registry
from optout.build.merge import broker_yaml, merge
from optout.build.names import normalize_legal_name, slugify, split_dba
from optout.catalog import validate_catalog
from optout.models import Broker, ChannelKind, Recipient, RequestKind

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRIES = FIXTURES / "registries"
CA_2025 = REGISTRIES / "california" / "2025.csv"
CA_2026 = REGISTRIES / "california" / "2026.csv"
CURATED = FIXTURES / "catalog" / "brokers" / "zeta-curated-data.yaml"


@pytest.fixture
def catalog(tmp_path) -> Path:
    root = tmp_path / "catalog"
    (root / "brokers").mkdir(parents=True)
    (root / "laws").mkdir()
    shutil.copy(CURATED, root / "brokers" / CURATED.name)
    return root


def load(catalog: Path, rid: str) -> Broker:
    return Broker.model_validate(yaml.safe_load((catalog / "brokers" / f"{rid}.yaml").read_text(encoding="utf-8")))


def snapshot(catalog: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((catalog / "brokers").iterdir())}


def import_file(catalog: Path, registry: str, path: Path, **kwargs):
    return merge(read_registry(registry, path), catalog, **kwargs)


# ---------------------------------------------------------------------------
# First import


def test_first_import_writes_valid_records_with_provenance(catalog):
    report = import_file(catalog, "ca", CA_2026)
    assert validate_catalog(catalog) == []
    assert report.baseline == {"ca-2026": None}
    assert set(report.created) == {
        "acme-data-brokers", "beta-analytics", "gamma-credit-information-services", "gamma-credit-solutions",
        "delta-people-finder", "iota-nothing",
    }
    acme = load(catalog, "acme-data-brokers")
    assert acme.name == "Acme Data Brokers, Inc."
    assert acme.brands == ["Acme People Search", "AcmeLookup"]
    assert acme.website == "https://www.acmedata.example.com"
    assert acme.sources["ca-2026"].retrieved == dt.date(2026, 6, 4)
    assert acme.sources["ca-2026"].url == "https://cppa.ca.gov/data_broker_registry/"
    assert "2026" in acme.sources["ca-2026"].title and "California" in acme.sources["ca-2026"].title
    assert [(r.state, r.year, r.source) for r in acme.registrations] == [("CA", 2026, "ca-2026")]
    assert acme.sold_to == {Recipient.FEDERAL_GOVERNMENT: "ca-2026", Recipient.LAW_ENFORCEMENT: "ca-2026"}
    assert {c.source for c in acme.channels} == {"ca-2026"}
    values = {(c.kind, c.value) for c in acme.channels}
    assert (ChannelKind.EMAIL, "privacy@acmedata.example.com") in values
    assert (ChannelKind.PHONE, "+1 212-555-0100") in values
    assert (ChannelKind.POSTAL, "100 Main St\nSpringfield, IL 62701") in values
    portal = next(c for c in acme.channels if "onetrust" in c.value)
    assert portal.kind == ChannelKind.WEBFORM and portal.third_party_portal and portal.usable


def test_malformed_contacts_are_kept_unusable(catalog):
    import_file(catalog, "ca", CA_2026)
    beta = load(catalog, "beta-analytics")
    email = next(c for c in beta.channels if c.kind == ChannelKind.EMAIL)
    assert (email.value, email.usable) == ("not-an-email", False)
    assert "malformed email" in email.notes
    assert email not in beta.usable_channels()
    delta = load(catalog, "delta-people-finder")
    ftp = next(c for c in delta.channels if c.kind == ChannelKind.WEBFORM)
    assert ftp.usable is False and "ftp" in ftp.notes


def test_record_without_usable_channel_gets_a_reason(catalog):
    import_file(catalog, "ca", CA_2026)
    iota = load(catalog, "iota-nothing")
    assert iota.usable_channels() == []
    assert "ca-2026" in iota.no_channel_reason
    assert load(catalog, "acme-data-brokers").no_channel_reason is None


def test_family_links_distinct_entities_sharing_a_mailbox(catalog):
    import_file(catalog, "ca", CA_2026)
    services = load(catalog, "gamma-credit-information-services")
    solutions = load(catalog, "gamma-credit-solutions")
    assert services.id != solutions.id
    assert services.family == solutions.family == "gammacredit"
    assert load(catalog, "acme-data-brokers").family is None


def test_reimport_is_byte_identical(catalog):
    import_file(catalog, "ca", CA_2026)
    import_file(catalog, "ca", CA_2025)
    before = snapshot(catalog)
    report = import_file(catalog, "ca", CA_2026)
    assert snapshot(catalog) == before
    assert report.written == [] and report.created == [] and report.deleted == []
    assert (report.added, report.removed, report.changed) == ([], [], {})
    assert not list((catalog / "brokers").glob(".*"))  # no temp files left behind


def test_yaml_is_deterministic_and_compact(catalog):
    import_file(catalog, "ca", CA_2026)
    text = (catalog / "brokers" / "acme-data-brokers.yaml").read_text(encoding="utf-8")
    assert text == broker_yaml(load(catalog, "acme-data-brokers"))
    assert "curated" not in text and "usable: true" not in text  # defaults left out
    assert "- {state: CA, year: 2026" in text
    assert "retrieved: 2026-06-04\n" in text  # a date, not a quoted string


# ---------------------------------------------------------------------------
# Curated records


def test_curated_record_is_never_modified(catalog):
    original = CURATED.read_bytes()
    report = import_file(catalog, "ca", CA_2026)
    import_file(catalog, "ca", CA_2025)
    assert (catalog / "brokers" / CURATED.name).read_bytes() == original
    assert report.kept_curated == ["zeta-curated-data"]
    assert not (catalog / "brokers" / "zeta-curated-data-2.yaml").exists()
    assert len(list((catalog / "brokers").glob("zeta*"))) == 1


def test_curated_match_by_brand_and_registration_name(catalog):
    curated = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    curated["id"] = "zeta-by-brand"
    curated["name"] = "Zeta Holdings Inc."
    curated["brands"] = ["Acme People Search Holdings"]
    curated["registrations"][0]["name"] = "Acme Data Brokers, Inc."
    (catalog / "brokers" / "zeta-by-brand.yaml").write_text(yaml.safe_dump(curated), encoding="utf-8")
    report = import_file(catalog, "ca", CA_2026)
    assert "zeta-by-brand" in report.kept_curated
    assert not (catalog / "brokers" / "acme-data-brokers.yaml").exists()


def test_importer_record_superseded_by_a_new_curated_record_is_removed(catalog):
    import_file(catalog, "ca", CA_2026)
    curated = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    curated.update(id="delta-curated", name="Delta People Finder Corp.")
    (catalog / "brokers" / "delta-curated.yaml").write_text(yaml.safe_dump(curated), encoding="utf-8")
    report = import_file(catalog, "ca", CA_2026)
    assert report.superseded == {"delta-people-finder": "delta-curated"}
    assert report.deleted == ["delta-people-finder"]
    assert "delta-people-finder" not in report.removed
    assert not (catalog / "brokers" / "delta-people-finder.yaml").exists()


def test_unloadable_file_is_left_alone(catalog):
    broken = catalog / "brokers" / "half-written.yaml"
    broken.write_text("id: half-written\nname: [oops\n", encoding="utf-8")
    report = import_file(catalog, "ca", CA_2026)
    assert broken.read_text(encoding="utf-8") == "id: half-written\nname: [oops\n"
    assert any("half-written.yaml" in item for item in report.skipped)


# ---------------------------------------------------------------------------
# Year over year


def test_2025_after_2026_reports_the_differences(catalog):
    import_file(catalog, "ca", CA_2026)
    report = import_file(catalog, "ca", CA_2025)
    assert report.baseline == {"ca-2025": "ca-2026"}
    assert report.added == ["epsilon-lists"]
    assert report.removed == ["delta-people-finder", "gamma-credit-solutions", "iota-nothing"]
    acme = report.changed["acme-data-brokers"]
    assert "email +legal@acmedata.example.com" in acme
    assert "email -privacy@acmedata.example.com" in acme
    assert "webform +https://acmedata.example.com/ccpa" in acme
    assert "phone -+1 212-555-0100" in acme and "phone ++1 212-555-0101" in acme
    # The 2025 form never asked about recipients or biometrics: no bogus "dropped" facts.
    assert not any(c.startswith(("sold_to", "collects -biometric")) for c in acme)
    assert not any(c.startswith("postal") for c in acme)  # "100 Main Street" == "100 Main St"
    assert "gamma-credit-information-services" not in report.changed  # same facts both years
    assert report.changed["beta-analytics"] == ["phone -+1 503-555-0111", "webform -https://betaanalytics.example.org/privacy"]


def test_facts_from_other_sources_are_kept(catalog):
    import_file(catalog, "ca", CA_2026)
    import_file(catalog, "ca", CA_2025)
    acme = load(catalog, "acme-data-brokers")
    assert acme.sold_to[Recipient.FEDERAL_GOVERNMENT] == "ca-2026"
    assert {"ca-2026", "ca-2025"} <= set(acme.sources)
    assert acme.sources["ca-2025"].retrieved == dt.date(2025, 12, 3)
    assert "commit" in acme.sources["ca-2025"].note
    emails = {c.value: c.source for c in acme.channels if c.kind == ChannelKind.EMAIL}
    assert emails == {"privacy@acmedata.example.com": "ca-2026", "legal@acmedata.example.com": "ca-2025"}
    assert acme.name == "Acme Data Brokers, Inc."  # the newest registration's spelling
    assert load(catalog, "delta-people-finder").registrations[0].source == "ca-2026"  # not deleted by the 2025 import


def test_reimport_replaces_facts_of_the_same_source(catalog, tmp_path):
    import_file(catalog, "ca", CA_2026)
    import_file(catalog, "ca", CA_2025)
    lines = CA_2026.read_text(encoding="utf-8").splitlines(keepends=True)
    trimmed = tmp_path / "2026-without-delta.csv"
    trimmed.write_text("".join(line for line in lines if not line.lstrip('"').startswith(("Delta", "Acme"))), encoding="utf-8")
    report = import_file(catalog, "ca", trimmed)
    assert report.baseline == {"ca-2026": "ca-2026"}
    assert report.removed == ["acme-data-brokers", "delta-people-finder"]
    assert report.deleted == ["delta-people-finder"]  # nothing but ca-2026 said it exists
    acme = load(catalog, "acme-data-brokers")  # still registered in 2025
    assert {r.source for r in acme.registrations} == {"ca-2025"}
    assert "ca-2026" not in acme.sources and acme.sold_to == {}
    assert validate_catalog(catalog) == []


# ---------------------------------------------------------------------------
# Across registries


def test_one_record_per_entity_across_registries(catalog):
    for registry, path in [
        ("ca", CA_2026), ("ca", CA_2025), ("vt", REGISTRIES / "vermont" / "2025_from_consolidated.csv"),
        ("vt", REGISTRIES / "vermont" / "2020.csv"), ("tx", REGISTRIES / "texas" / "2025_from_consolidated.csv"),
        ("or", REGISTRIES / "oregon" / "2025_from_consolidated.csv"),
    ]:
        import_file(catalog, registry, path)
    assert validate_catalog(catalog) == []
    acme = load(catalog, "acme-data-brokers")
    assert [r.source for r in acme.registrations] == ["ca-2026", "ca-2025", "vt-2025", "tx-2025", "vt-2020"]
    # Rows that came through the third-party workbook say so, with its address and the date the copy was taken.
    merged_source = acme.sources["vt-2025"]
    assert "as merged in the Privacy Rights Clearinghouse" in merged_source.title
    assert merged_source.url == "https://privacyrights.org/data-brokers"
    assert "no filing-year column" in merged_source.note
    assert merged_source.retrieved == dt.date(2025, 12, 3)
    opt_out = next(c for c in acme.channels if c.value == "https://acmedata.example.com/opt-out")
    assert opt_out.accepts == [RequestKind.OPT_OUT] and opt_out.source == "vt-2025"
    postal = [c for c in acme.channels if c.kind == ChannelKind.POSTAL]
    assert len(postal) == 2 and postal[0].source == "ca-2026"  # "100 Main St" once, plus VT 2020's "Suite 5"
    assert "vt-2020: Opt-out method" in acme.notes
    omega = load(catalog, "omega-data")
    assert len(omega.registrations) == 1 and omega.sources["or-2025"].retrieved == dt.date(2025, 12, 3)
    kappa, lambda_ = load(catalog, "kappa-leads"), load(catalog, "lambda-remodel")
    assert kappa.family == lambda_.family == "kappamedia"
    assert not (catalog / "brokers" / "theta-data.yaml").read_text().count("email")


def test_dry_run_writes_nothing(catalog):
    report = import_file(catalog, "ca", CA_2026, dry_run=True)
    assert len(report.written) == 6 and report.dry_run
    assert [p.name for p in (catalog / "brokers").iterdir()] == [CURATED.name]


# ---------------------------------------------------------------------------
# Names and slugs


@pytest.mark.parametrize(
    "names",
    [
        ["Acxiom LLC", "ACXIOM LLC", "Acxiom, L.L.C.", "acxiom llc."],
        ["Dun & Bradstreet, Inc.", "DUN AND BRADSTREET INC"],
        ["The Lifetime Value Co.", "Lifetime Value Company"],
        ["WINR Data Pty Ltd.", "Winr Data"],
    ],
)
def test_legal_name_normalisation(names):
    assert len({normalize_legal_name(n) for n in names}) == 1


def test_slug_rule():
    assert slugify("Acme Data Brokers, Inc.") == "acme-data-brokers"
    assert slugify("Equifax Information Services LLC") != slugify("Equifax Inc.")
    assert split_dba("Foo LLC dba Bar Search") == ("Foo LLC", ["Bar Search"])


def test_slug_collision_gets_a_deterministic_suffix(tmp_path):
    ids = []
    for attempt in range(2):
        root = tmp_path / f"c{attempt}"
        (root / "brokers").mkdir(parents=True)
        curated = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
        curated.update(id="acme-data-brokers", name="Acme Data Brokers of Ohio LLC", brands=[], registrations=[])
        (root / "brokers" / "acme-data-brokers.yaml").write_text(yaml.safe_dump(curated), encoding="utf-8")
        report = merge(california.read(CA_2026), root)
        ids.append(next(p.broker_id for p in report.placements if p.name.startswith("Acme")))
    assert ids[0] == ids[1]
    assert ids[0].startswith("acme-data-brokers-") and len(ids[0]) == len("acme-data-brokers-") + 6
