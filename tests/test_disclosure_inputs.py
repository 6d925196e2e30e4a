"""The new identifiers as input: profile validation, CSV columns (bad values in errors.csv), catalog data, guidance."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from conftest import profile_data
from pydantic import ValidationError

from optout.catalog import Catalog, default_catalog, validate_catalog
from optout.clients import COLUMNS, EXAMPLE_ROW, read_clients, template_csv
from optout.disclosure import broker_domains, check_listing_urls, listing_problems, listing_urls_for
from optout.errors import InputError
from optout.models import Broker, Profile

CATALOG = default_catalog()
IDFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
AAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
ZERO = "00000000-0000-0000-0000-000000000000"


def profile(**extra) -> Profile:
    return Profile.model_validate(profile_data(**extra))


def refused(match: str, **extra) -> None:
    with pytest.raises(ValidationError, match=match):
        profile(**extra)


# ---------------------------------------------------------------------------
# Advertising IDs


def test_advertising_ids_are_shown_as_the_phone_shows_them():
    person = profile(advertising_ids=[{"platform": "iPhone", "id": IDFA.lower()}, {"platform": "AAID", "id": AAID.upper()}])
    assert [(a.platform.value, a.id) for a in person.advertising_ids] == [("ios", IDFA), ("android", AAID)]


@pytest.mark.parametrize(
    "bad",
    ["6D92078A82464BA4AE5B76104861E7DC", "6D92078A-8246-4BA4-AE5B-76104861E7D", "GD92078A-8246-4BA4-AE5B-76104861E7DC",
     "{6D92078A-8246-4BA4-AE5B-76104861E7DC}", "", "6D92078A-8246-4BA4\x00AE5B-76104861E7DC"],
)
def test_a_malformed_advertising_id_is_refused(bad):
    refused("8-4-4-4-12", advertising_ids=[{"platform": "ios", "id": bad}])


def test_the_all_zero_id_is_refused_with_an_explanation():
    with pytest.raises(ValidationError) as caught:
        profile(advertising_ids=[{"platform": "android", "id": ZERO}])
    message = str(caught.value)
    assert "all zeros" in message and "no company keys records on it" in message


def test_the_platform_must_be_known():
    refused("must be ios .* or android", advertising_ids=[{"platform": "windows", "id": IDFA}])


# ---------------------------------------------------------------------------
# Plates


@pytest.mark.parametrize(("given", "kept"), [("7abc123", "7ABC123"), ("ABC-123", "ABC-123"), (" ab  12.3 ", "AB 12.3"),
                                             (4567, "4567"), ("ÑANDÚ 1", "ÑANDÚ 1")])
def test_plate_formats_are_loose(given, kept):
    assert profile(vehicle_plates=[{"plate": given, "state": "tx"}]).vehicle_plates[0].plate == kept


@pytest.mark.parametrize("bad", ["", "ABC\x001", "AB\u202e12", "<b>AB12</b>", "ABCDEFGHIJ123", "-AB1", "AB;12"])
def test_plates_refuse_control_characters_markup_and_length(bad):
    with pytest.raises(ValidationError):
        profile(vehicle_plates=[{"plate": bad, "state": "VA"}])


def test_a_plate_needs_its_state():
    refused("state that issued the plate", vehicle_plates=[{"plate": "ABC1234", "state": "XX"}])
    refused("state", vehicle_plates=[{"plate": "ABC1234"}])


# ---------------------------------------------------------------------------
# Listing addresses


@pytest.mark.parametrize("bad", ["www.spokeo.com/x", "ftp://spokeo.com/x", "https://spokeo/x", "https://a b.com/x",
                                 "https://user:pw@spokeo.com/x", "javascript:alert(1)", "https://" + "a" * 500 + ".com"])
def test_a_listing_must_be_a_web_address(bad):
    refused("listing's web address", listing_urls=[bad])


def test_a_listing_must_be_on_the_brokers_own_website():
    good = profile(listing_urls=["https://www.spokeo.com/Alex-Rivera/p1", {"broker": "whitepages", "url": "https://www.whitepages.com/name/x"}])
    check_listing_urls(good, CATALOG)
    assert listing_urls_for(good, CATALOG.broker("spokeo")) == ["https://www.spokeo.com/Alex-Rivera/p1"]
    assert listing_urls_for(good, CATALOG.broker("whitepages")) == ["https://www.whitepages.com/name/x"]
    assert listing_urls_for(good, CATALOG.broker("acxiom")) == []
    # A brand's own domain counts (Spokeo's Thatsthem.com); a look-alike host does not.
    assert "thatsthem.com" in broker_domains(CATALOG.broker("spokeo"))
    wrong = profile(listing_urls=[{"broker": "spokeo", "url": "https://www.whitepages.com/name/x"},
                                  "https://spokeo.com.evil.example/x", {"broker": "no-such-broker", "url": "https://x.example.com/"}])
    problems = dict(listing_problems(wrong, CATALOG))
    assert "is not on Spokeo, Inc.'s own website" in problems["listing_urls.0"]
    assert "not on the website of a broker optout knows" in problems["listing_urls.1"]
    assert "unknown broker 'no-such-broker'" in problems["listing_urls.2"]
    with pytest.raises(InputError, match="listing_urls.0"):
        check_listing_urls(wrong, CATALOG)


def test_face_image_consent_is_never_required():
    assert profile().face_image_consent is False
    refused("valid boolean", face_image_consent="perhaps")


def test_profile_check_names_the_field(cli, tmp_path):
    path = tmp_path / "me.yaml"
    path.write_text(yaml.safe_dump(profile_data(advertising_ids=[{"platform": "ios", "id": ZERO}])), encoding="utf-8")
    result = cli("profile", "check", path)
    assert result.exit_code == 2 and "advertising_ids.0.id" in result.output and "all zeros" in result.output


def test_a_letter_refuses_a_listing_on_another_site(cli, tmp_path):
    path = tmp_path / "me.yaml"
    path.write_text(yaml.safe_dump(profile_data(listing_urls=[{"broker": "spokeo", "url": "https://example.com/x"}])))
    result = cli("letter", "-p", path, "-b", "acxiom", "-o", tmp_path / "out", "-f", "txt")
    assert result.exit_code == 2 and "listing_urls.0" in result.output
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# The clinic CSV


def write_rows(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(EXAMPLE_ROW) | row)
    return path


def test_the_template_has_the_identifier_columns():
    header = template_csv().splitlines()[0].split(",")
    assert header[-4:] == ["advertising_ids", "vehicle_plates", "listing_urls", "face_image_consent"]


def test_identifier_columns_become_profile_fields(tmp_path):
    path = write_rows(tmp_path / "c.csv", [{
        "client_id": "C1",
        "advertising_ids": f"ios:{IDFA}; android:{AAID}",
        "vehicle_plates": "CA:7ABC123;NV:XYZ 9",
        "listing_urls": "https://www.spokeo.com/Maria-Example/p1;whitepages=https://www.whitepages.com/name/Maria",
        "face_image_consent": "Sí",
    }])
    intake = read_clients(path)
    assert not intake.errors, intake.errors
    person = intake.clients[0].profile
    assert [a.id for a in person.advertising_ids] == [IDFA, AAID]
    assert [(p.state, p.plate) for p in person.vehicle_plates] == [("CA", "7ABC123"), ("NV", "XYZ 9")]
    assert [(u.broker, u.url) for u in person.listing_urls] == [
        (None, "https://www.spokeo.com/Maria-Example/p1"), ("whitepages", "https://www.whitepages.com/name/Maria")]
    assert person.face_image_consent is True


def test_bad_identifiers_go_to_errors_csv_naming_row_and_column(cli, tmp_path):
    path = write_rows(tmp_path / "c.csv", [
        {"client_id": "C1", "advertising_ids": f"ios:{IDFA}"},
        {"client_id": "C2", "advertising_ids": f"android:{ZERO}"},
        {"client_id": "C3", "advertising_ids": f"ios:{IDFA};{AAID}"},
        {"client_id": "C4", "vehicle_plates": "ABC123"},
        {"client_id": "C5", "listing_urls": "spokeo=https://www.whitepages.com/x"},
        {"client_id": "C6", "face_image_consent": "maybe"},
    ])
    out = tmp_path / "out"
    result = cli("batch", path, "--brokers", "venntel", "--out", out, "--format", "txt", "--date", "2026-11-27", "--quiet")
    assert result.exit_code == 1
    errors = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text(encoding="utf-8"))))
    found = {(e["row"], e["client_id"], e["column"]): e["reason"] for e in errors}
    assert "all zeros" in found[("3", "C2", "advertising_ids")] and found[("3", "C2", "advertising_ids")].startswith("item 1:")
    assert found[("4", "C3", "advertising_ids")].startswith("item 2: must be ios")
    assert "item 1:" in found[("5", "C4", "vehicle_plates")]
    assert "not on Spokeo, Inc.'s own website" in found[("6", "C5", "listing_urls")]
    assert found[("7", "C6", "face_image_consent")] == "must be yes or no (empty: no)"
    assert (out / "C1").is_dir() and not (out / "C2").exists()


# ---------------------------------------------------------------------------
# Batches: the manifest, the summary and the cover sheet say what each letter discloses


def test_batch_counts_per_identifier_and_manifest_and_cover_list_it(cli, tmp_path):
    path = write_rows(tmp_path / "c.csv", [
        {"client_id": "C1", "language": "en", "advertising_ids": f"ios:{IDFA}",
         "listing_urls": "https://www.spokeo.com/Maria-Example/p1"},
        {"client_id": "C2", "language": "es"},
    ])
    out = tmp_path / "out"
    result = cli("batch", path, "--brokers", "venntel,spokeo,acxiom", "--out", out, "--format", "pdf,txt",
                 "--date", "2026-11-27", "--quiet", "--json")
    assert result.exit_code == 0, result.output
    disclosed = json.loads(result.output)["disclosed"]
    assert disclosed["advertising_id"] == {"brokers": 1, "letters": 1}
    assert disclosed["listing_url"] == {"brokers": 1, "letters": 1}
    assert disclosed["name"] == {"brokers": 3, "letters": 6}
    assert disclosed["address"] == {"brokers": 1, "letters": 2}  # acxiom: a marketing list
    manifest = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    venntel = next(r for r in manifest if r["client_id"] == "C1" and r["broker_id"] == "venntel")
    assert venntel["discloses"] == "residence;name;email;advertising_id"
    from conftest import pdf_text, words

    english = words(pdf_text(out / "C1" / "00-print-packet.pdf"))
    assert "Gets: email, mobile advertising ID" in english and "optout help identifiers" in english
    spanish = words(pdf_text(out / "C2" / "00-print-packet.pdf"))
    assert "Recibe: dirección postal, correo electrónico" in spanish and "optout help identifiers --lang es" in spanish
    text = cli("batch", path, "--brokers", "venntel", "--out", tmp_path / "out2", "--format", "txt", "--quiet",
               "--date", "2026-11-27")
    assert "What the letters disclose:" in text.output and "mobile advertising ID: 1 broker (1 letter)" in text.output


def test_resume_refuses_another_disclose(cli, tmp_path):
    path = write_rows(tmp_path / "c.csv", [{"client_id": "C1"}])
    out = tmp_path / "out"
    first = cli("batch", path, "--brokers", "acxiom", "--out", out, "--format", "txt", "--date", "2026-11-27", "--quiet")
    assert first.exit_code == 0, first.output
    again = cli("batch", path, "--brokers", "acxiom", "--out", out, "--format", "txt", "--date", "2026-11-27", "--quiet",
                "--resume", "--disclose", "all")
    assert again.exit_code == 3 and "--disclose was minimal, now all" in again.output


# ---------------------------------------------------------------------------
# Catalog data


def test_a_broker_override_must_cite_one_of_its_sources():
    data = yaml.safe_load((Path(__file__).parent / "fixtures/catalog/brokers/zeta-curated-data.yaml").read_text())
    data["disclosure"] = {"needs": ["advertising_id"], "why": "its page says so", "source": "nowhere"}
    with pytest.raises(ValidationError, match="disclosure.source: source 'nowhere' is not a key of sources"):
        Broker.model_validate(data)
    data["disclosure"]["source"] = "company-page"
    assert Broker.model_validate(data).disclosure is not None


def test_curated_location_plate_face_and_people_search_records_say_what_they_need():
    expected = {"venntel": ["advertising_id"], "gravy-analytics": ["advertising_id"], "outlogic": ["advertising_id"],
                "vigilant-solutions": ["vehicle_plate"], "drn-data": ["vehicle_plate"],
                "clearview-ai": ["face_image"], "pimeyes": ["face_image"], "spokeo": ["name", "city_state", "listing_url"],
                "peopleconnect": ["name", "city_state", "listing_url"]}
    for broker_id, needs in expected.items():
        broker = CATALOG.broker(broker_id)
        assert broker.disclosure is not None, broker_id
        assert [n.value for n in broker.disclosure.needs] == needs
        assert broker.sources[broker.disclosure.source].url, broker_id


def test_catalog_validate_checks_the_table_and_categories(tmp_path):
    root = tmp_path / "catalog"
    (root / "brokers").mkdir(parents=True)
    (root / "laws").mkdir()
    record = yaml.safe_load((Path(__file__).parent / "fixtures/catalog/brokers/zeta-curated-data.yaml").read_text())
    record["categories"] = ["people-serach"]
    (root / "brokers" / "zeta-curated-data.yaml").write_text(yaml.safe_dump(record))
    table = yaml.safe_load((Path(default_catalog.__module__.replace(".", "/")).parent.parent / "broker_catalog/disclosure.yaml")
                           .read_text(encoding="utf-8"))
    (root / "disclosure.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    problems = [str(p) for p in validate_catalog(root)]
    # A misspelt category is refused by the model's category list before the table is consulted.
    assert any("zeta-curated-data.yaml: categories.0" in p and "'other'" in p for p in problems), problems
    del table["reasons"]["residence"]
    (root / "disclosure.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    assert any("reasons: missing residence" in str(p) for p in validate_catalog(root))


def test_a_catalog_without_a_table_uses_the_packaged_one():
    bare = Catalog(brokers=CATALOG.brokers, laws=CATALOG.laws)
    from optout.disclosure import table_for

    assert table_for(bare) == CATALOG.disclosure


# ---------------------------------------------------------------------------
# Guidance


def test_help_identifiers_in_english_and_spanish(cli):
    english = cli("help", "identifiers")
    assert english.exit_code == 0
    for phrase in ("Settings, then Google, then Ads", "Privacy & Security, Tracking", "Allow Apps to Request to Track",
                   "Reset advertising ID", "OLD ID", "license plates".upper()[:7], "listing"):
        assert phrase.lower() in english.output.lower(), phrase
    spanish = cli("help", "identifiers", "--lang", "es")
    assert spanish.exit_code == 0
    for phrase in ("Ajustes", "Privacidad y seguridad, Rastreo", "ANTERIOR", "PLACAS", "páginas sobre usted"):
        assert phrase.lower() in spanish.output.lower(), phrase
    assert cli("help", "identifiers", "--lang", "fr").exit_code == 2
