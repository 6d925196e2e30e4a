"""optout/build/registries.yaml is the one registry table: registries, sources, snapshot dates, build order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from optout.build.importers import read_registry
from optout.build.registries import (
    KEY_PATTERN,
    Registry,
    key_priority,
    parse_key,
    reader_choices,
    registry_by_state,
    registry_source,
    source_key,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
REGISTRIES = Path(__file__).parent / "fixtures" / "registries"


def test_table_is_consistent():
    codes = [r.code for r in table().registries]
    assert len(set(codes)) == len(codes) and [r.value for r in Registry] == codes
    keys = [s.key for s in table().snapshots]
    assert len(set(keys)) == len(keys)
    assert all(parse_key(key) for key in keys), keys
    assert reader_choices() == [c.lower() for c in codes] + ["consolidated"] + [f.key for f in table().former]


def test_priority_is_newer_year_then_table_order():
    ordered = sorted(["or-2025", "ca-2025", "tx-2025", "vt-2025", "vt-2020", "ca-2026", "page"], key=key_priority, reverse=True)
    assert ordered == ["ca-2026", "ca-2025", "vt-2025", "tx-2025", "or-2025", "vt-2020", "page"]
    assert KEY_PATTERN.match("tx-2031") and not KEY_PATTERN.match("xx-2025")


def test_registry_source_of_a_snapshot_and_of_an_unknown_year():
    known = registry_source(Registry.CA, 2026)
    assert known.retrieved == dt.date(2026, 6, 4) and known.url == "https://cppa.ca.gov/data_broker_registry/"
    unknown = registry_source(Registry.TX, 2031)
    assert unknown.title == "Texas Secretary of State, Data Broker Registry 2031"
    assert unknown.retrieved is None and unknown.note == "retrieval date not recorded"


def test_consolidated_states_and_year_come_from_the_table():
    assert registry_by_state(" texas ") == Registry.TX and registry_by_state("Narnia") is None
    entries = read_registry("tx", REGISTRIES / "texas" / "2025_from_consolidated.csv")
    assert {source_key(e.registry, e.year) for e in entries} == {f"tx-{table().consolidated.year}"}


def test_shipped_catalog_cites_the_table():
    """Every importer-made record's registry sources are exactly what the table says of that key."""
    checked = 0
    for path in sorted((ROOT / "broker_catalog" / "brokers").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("curated"):
            continue
        for key, source in data["sources"].items():
            if key in {f.key for f in table().former}:
                from optout.build.former import former_source

                assert source == former_source().model_dump(exclude_none=True), (path.name, key)
                continue
            registry, year = parse_key(key)
            assert source == registry_source(registry, year).model_dump(exclude_none=True), (path.name, key)
            checked += 1
    assert checked > 900
