"""Categories: derived from registry answers and names, each with a checkable basis; the filter and the stats."""

from __future__ import annotations

import json

import pytest

from optout.build.categories import derive_categories
from optout.catalog import default_catalog
from optout.models import Broker, Category


def broker(**fields) -> Broker:
    data = {"id": "acme", "name": "Acme LLC", "no_channel_reason": "none", "sources": {"ca-2026": {"title": "CA 2026"}}}
    data.update(fields)
    return Broker.model_validate(data)


@pytest.mark.parametrize(
    ("fields", "category", "basis"),
    [
        (
            {"collects": {"precise_geolocation": "ca-2026"}},
            Category.LOCATION,
            "ca-2026: the registry filing says it collects precise geolocation",
        ),
        ({"collects": {"biometric": "ca-2026"}}, Category.BIOMETRIC, "ca-2026:"),
        ({"regulated_by": {"fcra": "ca-2026"}}, Category.CONSUMER_REPORTING, "regulated by the FCRA"),
        ({"regulated_by": {"hipaa": "ca-2026"}}, Category.HEALTH, "HIPAA"),
        ({"regulated_by": {"dppa": "ca-2026"}}, Category.VEHICLES, "DPPA"),
        ({"brands": ["TruePeopleSearch"]}, Category.PEOPLE_SEARCH, "DBA 'TruePeopleSearch' says 'PeopleSearch'"),
        ({"website": "https://www.backgroundchecks.com"}, Category.PEOPLE_SEARCH, "website 'backgroundchecks.com'"),
        ({"name": "Acme Background Screening, Inc."}, Category.RISK_DATA, "background screening"),
        ({"name": "Acme Recruiting LLC"}, Category.RECRUITING, "Recruit"),
        ({"name": "Acme B2B Contacts LLC"}, Category.B2B_CONTACT, "B2B"),
        ({"name": "Acme Direct Marketing LLC"}, Category.MARKETING, "Marketing"),
        ({"name": "Acme Identity Verification LLC"}, Category.IDENTITY_VERIFICATION, "Identity"),
    ],
)
def test_category_rules(fields, category, basis):
    categories, bases = derive_categories(broker(**fields))
    assert category in categories
    assert basis.casefold() in bases[category].casefold()


def test_background_screening_is_not_people_search():
    categories, _ = derive_categories(broker(name="ACUTRAQ Background Screening, Inc."))
    assert Category.PEOPLE_SEARCH not in categories


def test_nothing_known_is_other_and_says_so():
    assert derive_categories(broker(name="Zyxw LLC")) == (
        [Category.OTHER],
        {Category.OTHER: "nothing in the registry answers, name, DBAs or website names a category"},
    )


def test_categories_are_a_closed_list():
    with pytest.raises(ValueError):
        broker(categories=["background-check"])
    with pytest.raises(ValueError, match="not in categories"):
        broker(categories=["marketing"], category_basis={"location": "x"})


def test_every_shipped_record_has_a_category_and_importer_records_a_basis():
    for record in default_catalog().brokers.values():
        assert record.categories, record.id
        if not record.curated:
            assert set(record.category_basis) == set(record.categories), record.id


def test_category_filter_and_stats(cli):
    listed = cli("brokers", "list", "--category", "people-search", "--json")
    found = json.loads(listed.output)
    assert found and all("people-search" in b["categories"] for b in found)
    assert {"beenverified", "spokeo", "whitepages"} <= {b["id"] for b in found}
    assert "insightbridge" in {b["id"] for b in found}  # MyLife, by its DBA
    bad = cli("brokers", "list", "--category", "background-check")
    assert bad.exit_code == 2 and "people-search" in bad.output
    stats = json.loads(cli("catalog", "stats", "--json").output)
    assert stats["categories"]["people-search"] == len(found)
    assert "(none)" not in stats["categories"]
