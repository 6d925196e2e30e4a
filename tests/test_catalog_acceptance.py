"""The shipped catalog against the registry files it was built from (skipped where shared/ is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from optout.build.names import normalize_legal_name, split_dba
from optout.catalog import default_catalog

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "registries" / "california" / "2026.csv"
CATALOG = default_catalog()


def ca2026_rows() -> list[dict]:
    if not REGISTRY.exists():
        pytest.skip("shared/registries is not beside this checkout")
    with open(REGISTRY, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [h.replace("\xa0", " ").strip().rstrip(":").lower() for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def column(rows: list[dict], *words: str) -> str:
    return next(h for h in rows[0] if all(w in h for w in words))


def normalize_name(name: str) -> str:
    return normalize_legal_name(split_dba(name)[0])


def ca2026_ids() -> dict[str, str]:
    """Registered name -> catalog id, through each record's CA 2026 registration (and its aliases)."""
    found = {}
    for broker in CATALOG.brokers.values():
        for registration in broker.registrations:
            if registration.state == "CA" and registration.year == 2026:
                found[normalize_name(registration.name or broker.name)] = broker.id
                # Two CA 2026 rows of one entity (a misspelt second filing) are one record; the other spelling is an alias.
                found.update({normalize_name(alias): broker.id for alias in broker.aliases})
    return found


def test_every_ca_2026_registrant_is_in_the_catalog():
    rows = ca2026_rows()
    name = column(rows, "data broker name")
    ids = ca2026_ids()
    missing = [row[name] for row in rows if normalize_name(row[name]) not in ids]
    assert missing == []


@pytest.mark.parametrize(
    ("question", "recipient"), [(("federal government",), "federal_government"), (("law enforcement",), "law_enforcement")]
)
def test_sold_to_filter_is_exactly_the_ca_2026_yes_answers_plus_cited_curated_records(cli, question, recipient):
    rows = ca2026_rows()
    name, answer = column(rows, "data broker name"), column(rows, "shared or sold", *question)
    ids = ca2026_ids()
    said_yes = {ids[normalize_name(row[name])] for row in rows if row[answer].strip().lower() == "yes"}

    result = cli("brokers", "list", "--sold-to", recipient.replace("_", "-"), "--json")
    listed = {b["id"] for b in json.loads(result.output)}
    assert said_yes <= listed
    for broker_id in listed - said_yes:
        broker = CATALOG.brokers[broker_id]
        source = broker.sources[broker.sold_to[recipient]]
        assert broker.curated and source.url and "2026" not in source.title, broker_id


def test_union_of_registries_has_enough_brokers_each_reachable_or_explained():
    assert len(CATALOG.brokers) >= 850
    for broker in CATALOG.brokers.values():
        assert broker.usable_channels() or broker.no_channel_reason, broker.id
