"""Each letter carries what that broker finds people by, and nothing more (issue 16).

Golden letters to real catalog records (Venntel, Spokeo, a marketing list), `--disclose all`, and a sweep over every
category of broker_catalog/disclosure.yaml checking that what `discloses` lists is in the letter and that no other
detail of the profile is.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import profile_data, words
from pypdf import PdfReader

from optout.catalog import Catalog, default_catalog
from optout.disclosure import (
    EVERYTHING,
    MINIMAL,
    DiscloseChoice,
    broker_needs,
    disclosure_summary,
    plan_disclosure,
    table_for,
)
from optout.legal import decide
from optout.letters import compose
from optout.models import Agent, Broker, Identifier, Profile, RequestKind
from optout.render import pdf, txt

CATALOG = default_catalog()
NOV27 = dt.date(2026, 11, 27)
D, O, A = RequestKind.DELETE, RequestKind.OPT_OUT, RequestKind.ACCESS
IDFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
SPOKEO_LISTING = "https://www.spokeo.com/Alex-Rivera/Virginia/Richmond/p123456789"
CATEGORIES = [
    "people-search", "location", "risk-data", "identity-verification", "marketing", "b2b-contact", "consumer-reporting",
    "nationwide-consumer-reporting", "financial", "health", "license-plate", "vehicles", "biometric", "recruiting",
    "open-source-intelligence", "analytics-platform", "other",
]


def full_profile(**extra) -> Profile:
    """Someone who gave every detail optout knows."""
    data = profile_data(
        aliases=["Alexandra Q. Rivera"],
        emails=["alex@example.org", "alex.r@example.org"],
        previous_addresses=[{"street": "9 Oak Ave", "city": "Norfolk", "state": "VA", "postal_code": "23510"}],
        birth_date="1990-04-01",
        advertising_ids=[{"platform": "ios", "id": IDFA.lower()}],
        vehicle_plates=[{"plate": "abc 1234", "state": "va"}],
        listing_urls=[SPOKEO_LISTING],
        face_image_consent=True,
    )
    data.update(extra)
    return Profile.model_validate(data)


def letter_text(letter) -> str:
    return words(txt.render(letter).decode("utf-8"))


# ---------------------------------------------------------------------------
# Golden letters


def test_venntel_delete_letter_carries_the_advertising_id_and_not_the_birth_date_or_phones():
    letter = compose(full_profile(), CATALOG.broker("venntel"), D, NOV27, CATALOG)
    text = letter_text(letter)
    assert f"Mobile advertising ID: {IDFA} (Apple IDFA)" in text
    assert "Your records are keyed by mobile advertising ID, not by name" in text
    assert "Please delete all data tied to it" in text and "suppress the ID" in text
    for absent in ("Date of birth", "April 1, 1990", "Phone:", "555 0100", "12 Elm St", "ABC 1234", SPOKEO_LISTING, "Norfolk"):
        assert absent not in text, absent
    assert [d.field.value for d in letter.discloses] == ["residence", "name", "email", "advertising_id"]
    # Sourced: Venntel's own Vermont filing says the advertising ID is what it keys on.
    assert "Venntel utilizes" in letter.discloses[-1].why and "Vermont" in letter.discloses[-1].why


def test_venntel_pdf_says_the_same():
    letter = compose(full_profile(), CATALOG.broker("venntel"), D, NOV27, CATALOG)
    text = words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.render(letter))).pages))
    assert IDFA in text and "suppress the ID" in text
    for absent in ("Date of birth", "555 0100", "12 Elm St", "23220", "ABC 1234"):
        assert absent not in text, absent


def test_spokeo_letter_carries_the_listing_and_not_the_advertising_id():
    letter = compose(full_profile(), CATALOG.broker("spokeo"), D, NOV27, CATALOG)
    text = letter_text(letter)
    assert f"Listing: {SPOKEO_LISTING}" in text
    assert "City and state: Richmond, Virginia" in text
    assert "The listing above is the page of your website that shows me" in text
    for absent in (IDFA, "advertising ID", "ABC 1234", "12 Elm St", "555 0100", "1990"):
        assert absent not in text, absent


def test_a_marketing_list_letter_omits_the_advertising_id_and_plates():
    acxiom = CATALOG.broker("acxiom")
    assert "marketing" in acxiom.categories
    text = letter_text(compose(full_profile(), acxiom, D, NOV27, CATALOG))
    assert "Address: 12 Elm St, Richmond, VA 23220" in text and "Email: alex@example.org; alex.r@example.org" in text
    for absent in (IDFA, "advertising ID", "ABC 1234", "License plate", SPOKEO_LISTING, "555 0100", "1990", "Norfolk"):
        assert absent not in text, absent


def test_disclose_all_restores_the_full_block(cli, tmp_path):
    path = tmp_path / "me.yaml"
    path.write_text(json.dumps(full_profile().model_dump(mode="json")), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("letter", "-p", path, "-b", "venntel", "-f", "txt", "-o", out, "--date", "2026-11-27", "--disclose", "all")
    assert result.exit_code == 0, result.output
    (found,) = [p for p in out.glob("*.txt") if not p.name.endswith(("-notes.txt", "-webform.txt"))]
    text = words(found.read_text(encoding="utf-8"))
    for present in ("Also known as: Alexandra Q. Rivera", "Address: 12 Elm St, Richmond, VA 23220",
                    "Previous address: 9 Oak Ave, Norfolk, VA 23510", "Email: alex@example.org; alex.r@example.org",
                    "Phone: +1 804 555 0100", "Date of birth: April 1, 1990", IDFA, "License plate: ABC 1234 (Virginia)"):
        assert present in text, present
    # A listing address goes only to the site it is on, even with --disclose all.
    assert SPOKEO_LISTING not in text


def test_disclose_adds_named_fields_only():
    letter = compose(full_profile(), CATALOG.broker("venntel"), D, NOV27, CATALOG, disclose=DiscloseChoice.parse("phone"))
    text = letter_text(letter)
    assert "Phone: +1 804 555 0100" in text and "1990" not in text
    phone = next(d for d in letter.discloses if d.field is Identifier.PHONE)
    assert "--disclose" in phone.why
    with pytest.raises(Exception, match="unknown detail 'ssn'"):
        DiscloseChoice.parse("phone,ssn")
    assert DiscloseChoice.parse("").label == "minimal" and DiscloseChoice.parse("all") == EVERYTHING


# ---------------------------------------------------------------------------
# Every category: what `discloses` lists is in the letter, and nothing else of the profile is


MARKERS = {
    Identifier.ALIASES: ["Alexandra Q. Rivera"],
    Identifier.CITY_STATE: ["Richmond"],
    Identifier.ADDRESS: ["12 Elm St", "23220"],
    Identifier.PREVIOUS_ADDRESSES: ["9 Oak Ave", "23510"],
    Identifier.EMAIL: ["alex@example.org"],
    Identifier.PHONE: ["555 0100"],
    Identifier.BIRTH_DATE: ["1990"],
    Identifier.ADVERTISING_ID: [IDFA],
    Identifier.VEHICLE_PLATE: ["ABC 1234"],
    Identifier.FACE_IMAGE: ["can provide one"],
}


def fixture_broker(broker_id: str, categories: list[str]) -> Broker:
    return Broker.model_validate({
        "id": broker_id,
        "name": f"{broker_id.title()} Inc.",
        "categories": categories,
        "website": f"https://www.{broker_id}.example.com",
        "channels": [{"kind": "email", "value": f"privacy@{broker_id}.example.com", "source": "s"}],
        "sources": {"s": {"title": "test fixture"}},
    })


FIXTURE_BROKERS = {f"cat-{c}": fixture_broker(f"cat-{c}", [c]) for c in CATEGORIES}
FIXTURE_BROKERS["cat-none"] = fixture_broker("cat-none", [])
FIXTURE_BROKERS["cat-several"] = fixture_broker("cat-several", ["location", "people-search"])
FIXTURE = Catalog(brokers=FIXTURE_BROKERS, laws=CATALOG.laws, disclosure=CATALOG.disclosure)
LISTINGS = {b: f"https://www.{b}.example.com/people/alex-rivera-1" for b in FIXTURE_BROKERS}


def test_the_table_covers_every_category_and_a_default():
    table = table_for(CATALOG)
    assert sorted(table.categories) == sorted(CATEGORIES)
    needs, source, _ = broker_needs(FIXTURE_BROKERS["cat-none"], table)
    assert source == "default" and needs == [Identifier.NAME, Identifier.ADDRESS, Identifier.EMAIL]
    # Several categories: the union of their needs.
    needs, source, _ = broker_needs(FIXTURE_BROKERS["cat-several"], table)
    assert source == "category:location,people-search"
    assert set(needs) == {Identifier.ADVERTISING_ID, Identifier.NAME, Identifier.CITY_STATE, Identifier.LISTING_URL}
    # The defaults.
    assert table.categories["location"].needs == [Identifier.ADVERTISING_ID]
    assert table.categories["license-plate"].needs == [Identifier.VEHICLE_PLATE]
    assert set(table.categories["marketing"].needs) == {Identifier.NAME, Identifier.ADDRESS, Identifier.EMAIL}
    for kind in ("risk-data", "identity-verification"):
        assert {Identifier.NAME, Identifier.ADDRESS, Identifier.BIRTH_DATE} <= set(table.categories[kind].needs)


CASES = [(b, r, s) for b in FIXTURE_BROKERS for r in (D, O, A) for s in ("person", "agent")]


@pytest.mark.parametrize(("broker_id", "request_kind", "signer"), CASES, ids=[f"{b}-{r.value}-{s}" for b, r, s in CASES])
def test_discloses_matches_the_letter_text(broker_id, request_kind, signer):
    broker = FIXTURE_BROKERS[broker_id]
    person = full_profile(residence_state="CA", listing_urls=[{"broker": b, "url": u} for b, u in LISTINGS.items()])
    agent = Agent.model_validate({"organization": "Example Legal Clinic", "contact_name": "Sam Lee",
                                  "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"}})
    letter = compose(person, broker, request_kind, NOV27, FIXTURE, agent=agent if signer == "agent" else None)
    text = letter_text(letter)
    listed = {d.field: d for d in letter.discloses}
    # What explain --json shows is what the letter carries.
    decision = decide(person, broker, request_kind, NOV27, FIXTURE, agent=agent if signer == "agent" else None)
    explained = disclosure_summary(plan_disclosure(person, broker, decision, FIXTURE).items, FIXTURE)
    assert [d["field"] for d in explained] == [d.field.value for d in letter.discloses]

    assert "Alex Rivera" in text and Identifier.NAME in listed and Identifier.RESIDENCE in listed
    for field, markers in MARKERS.items():
        if field is Identifier.CITY_STATE and Identifier.ADDRESS in listed:
            continue  # the address names the town
        if field is Identifier.CITY_STATE and listed.get(field) and listed[field].place == "enclosure":
            assert "Richmond" not in text  # only in the authorization the agent encloses
            assert letter.person_place == "Richmond, California" or "Richmond" in letter.person_place
            continue
        for marker in markers:
            assert (marker in text) == (field in listed), (field, marker, [d.field.value for d in letter.discloses])
    for item in letter.discloses:
        if item.place == "details":
            assert "; ".join(item.values) in text, item
    own = LISTINGS[broker_id]
    assert (own in text) == (Identifier.LISTING_URL in listed)
    for other, url in LISTINGS.items():
        if other != broker_id:
            assert url not in text
    assert SPOKEO_LISTING not in text
    if Identifier.ADVERTISING_ID in listed:
        assert "suppress the ID" in text or "search your records by it" in text


def test_every_category_in_a_pdf():
    person = full_profile(residence_state="CA", listing_urls=[{"broker": b, "url": u} for b, u in LISTINGS.items()])
    for broker_id in ("cat-location", "cat-license-plate", "cat-people-search", "cat-marketing"):
        letter = compose(person, FIXTURE_BROKERS[broker_id], D, NOV27, FIXTURE)
        text = words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.render(letter))).pages))
        listed = {d.field for d in letter.discloses}
        for field, markers in MARKERS.items():
            if field is Identifier.CITY_STATE and Identifier.ADDRESS in listed:
                continue
            for marker in markers:
                assert (marker in text) == (field in listed), (broker_id, field, marker)


def test_a_broker_without_its_identifier_in_the_profile_gets_a_note_and_a_question():
    letter = compose(Profile.model_validate(profile_data()), CATALOG.broker("venntel"), D, NOV27, CATALOG)
    text = letter_text(letter)
    assert "such as a mobile advertising ID, say so" in text
    assert any("finds people by their mobile advertising ID" in n and "optout help identifiers" in n for n in letter.notes)


def test_plate_reader_letters_name_the_plates():
    letter = compose(full_profile(), CATALOG.broker("vigilant-solutions"), A, NOV27, CATALOG)
    text = letter_text(letter)
    assert "License plate: ABC 1234 (Virginia)" in text and "Include every read of it" in text
    assert IDFA not in text


def test_face_search_without_consent_says_so_and_sends_nothing():
    letter = compose(full_profile(face_image_consent=False), CATALOG.broker("clearview-ai"), D, NOV27, CATALOG)
    text = letter_text(letter)
    assert "I do not consent to sending an image of my face" in text
    assert Identifier.FACE_IMAGE not in [d.field for d in letter.discloses]
    consenting = letter_text(compose(full_profile(), CATALOG.broker("clearview-ai"), D, NOV27, CATALOG))
    assert "I can provide one" in consenting


def test_a_program_participants_real_address_is_never_disclosed():
    # (No listing address here: the one in full_profile names the town in its own path.)
    person = full_profile(statuses=["acp"], listing_urls=[],
                          acp_substitute_address={"street": "PO Box 1000", "city": "Sacramento", "state": "CA",
                                                  "postal_code": "95812"})
    for broker_id in ("acxiom", "spokeo", "lexisnexis-risk-solutions", "venntel"):
        for disclose in (MINIMAL, EVERYTHING):
            letter = compose(person, CATALOG.broker(broker_id), D, NOV27, CATALOG, disclose=disclose)
            text = letter_text(letter)
            for real in ("12 Elm St", "23220", "Richmond", "9 Oak Ave", "Norfolk"):
                assert real not in text, (broker_id, disclose, real)


def test_daniels_law_notice_names_the_home_address_and_phone():
    person = full_profile(residence_state="NJ", statuses=["daniels-law"],
                          addresses=[{"street": "25 Hamilton Ave", "city": "Trenton", "state": "NJ", "postal_code": "08611"}])
    text = letter_text(compose(person, CATALOG.broker("venntel"), D, NOV27, CATALOG))
    assert "25 Hamilton Ave" in text and "555 0100" in text


def test_explain_json_lists_what_the_letter_discloses(cli, tmp_path):
    path = tmp_path / "me.yaml"
    path.write_text(json.dumps(full_profile().model_dump(mode="json")), encoding="utf-8")
    result = cli("explain", "-p", path, "-b", "spokeo", "--json", "--date", "2026-11-27")
    assert result.exit_code == 0, result.output
    discloses = json.loads(result.output)["discloses"]
    assert [d["field"] for d in discloses] == ["residence", "name", "city_state", "email", "listing_url"]
    assert all(d["why"] for d in discloses)
    shown = cli("explain", "-p", path, "-b", "spokeo", "--date", "2026-11-27")
    assert "The letter discloses:" in shown.output and SPOKEO_LISTING in shown.output
