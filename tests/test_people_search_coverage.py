"""The shipped catalog covers the sites on the public people-search opt-out lists (issue 9), through the real CLI."""

from __future__ import annotations

import json

import pytest

# Sites named in issue 9, as a person would type them, with the record each must lead to.
NAMED_SITES = {
    "Radaris": "radaris",
    "PeopleLooker": "beenverified",
    "PeopleSmart": "beenverified",
    "Ownerly": "beenverified",
    "BeenVerified": "beenverified",
    "ClustrMaps": "clustrmaps",
    "Classmates": "peopleconnect",
    "Ancestry": "ancestry",
    "Archives.com": "ancestry",
    "VoterRecords": "voterrecords",
    "Veripages": "veripages",
    "OfficialUSA": "officialusa",
    "PublicRecordsNow": "publicrecordsnow",
    "CocoFinder": "cocofinder",
    "GoLookup": "golookup",
    "IDCrawl": "idcrawl",
    "SearchQuarry": "searchquarry",
    "PeopleByName": "peoplebyname",
    "OpenDataUSA": "opendatausa",
    "Rehold": "rehold",
    "UnitedStatesPhoneBook": "unitedstatesphonebook",
    "PimEyes": "pimeyes",
    "FaceCheck.id": "facecheck-id",
    "PeopleFinders": "peoplefinders",
    "MyLife": "insightbridge",
    "Intelius": "intelius",
    "TruthFinder": "truthfinder",
    "Instant Checkmate": "instant-checkmate",
    "US Search": "intelius",
    "FastPeopleSearch": "mississippi-tornado-alley",
    "TruePeopleSearch": "free-data-services",
    "Whitepages": "whitepages",
    "Spokeo": "spokeo",
}

# Opt-out pages the people-search lists give for sites whose record existed before as a privacy page or homepage.
OPT_OUT_PAGES = {
    "mississippi-tornado-alley": "https://www.fastpeoplesearch.com/optout",
    "free-data-services": "https://www.truepeoplesearch.com/removal",
    "insightbridge": "https://www.mylife.com/privacyrequest",
    "beenverified": "https://www.beenverified.com/app/optout/search",
    "radaris": "https://radaris.com/control-privacy",
    "pimeyes": "https://pimeyes.com/en/opt-out-request-form",
}


def listed(cli, *args: str) -> list[dict]:
    result = cli("brokers", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(("site", "broker_id"), sorted(NAMED_SITES.items()))
def test_named_site_is_found_by_search(cli, site, broker_id):
    found = {b["id"] for b in listed(cli, "--search", site)}
    assert broker_id in found


def test_at_least_sixty_people_search_brokers(cli):
    brokers = listed(cli, "--category", "people-search")
    assert len(brokers) >= 60
    assert {"radaris", "beenverified", "peoplefinders", "insightbridge", "pimeyes"} <= {b["id"] for b in brokers}


@pytest.mark.parametrize(("broker_id", "page"), sorted(OPT_OUT_PAGES.items()))
def test_record_points_to_its_opt_out_page(cli, broker_id, page):
    result = cli("brokers", "show", broker_id, "--json")
    assert result.exit_code == 0, result.output
    webforms = [c for c in json.loads(result.output)["channels"] if c["kind"] == "webform"]
    assert any(c["value"] == page and "delete" in c["accepts"] for c in webforms)


def test_face_search_engines_are_biometric(cli):
    ids = {b["id"] for b in listed(cli, "--category", "biometric")}
    assert {"pimeyes", "facecheck-id"} <= ids
