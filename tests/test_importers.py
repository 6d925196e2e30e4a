"""Registry readers and contact hygiene, against small fixtures in the registries' exact layouts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from optout.build import contacts
from optout.build.importers import RegistryFormatError, california, consolidated, read_registry, vermont
from optout.build.registries import Registry
from optout.models import ChannelKind, DataCollected, Recipient, Regulation

FIXTURES = Path(__file__).parent / "fixtures" / "registries"
CA_2025 = FIXTURES / "california" / "2025.csv"
CA_2026 = FIXTURES / "california" / "2026.csv"
VT_2020 = FIXTURES / "vermont" / "2020.csv"
VT_2025 = FIXTURES / "vermont" / "2025_from_consolidated.csv"
TX_2025 = FIXTURES / "texas" / "2025_from_consolidated.csv"
OR_2025 = FIXTURES / "oregon" / "2025_from_consolidated.csv"


def by_name(entries):
    return {e.name: e for e in entries}


def rewrite_cell(source: Path, target: Path, row: int, column: int, value: str, encoding: str = "utf-8") -> Path:
    with open(source, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][column] = value
    with open(target, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return target


# ---------------------------------------------------------------------------
# California


def test_ca_2025_layout_with_bom_and_notes_row():
    assert CA_2025.read_bytes().startswith(b"\xef\xbb\xbf")
    entries = california.read(CA_2025)
    assert {e.year for e in entries} == {2025}  # metrics "in 2023" -> registration year 2025
    acme = by_name(entries)["Acme Data Brokers, Inc."]
    assert acme.row == 3  # row 1 notes, row 2 header
    assert acme.collects == [DataCollected.PRECISE_GEOLOCATION]
    assert acme.regulated_by == [Regulation.FCRA]
    assert acme.sold_to == []  # the 2025 form has no recipient questions
    assert acme.address_lines == ["100 Main Street", "Springfield, IL 62701"]  # "Illinois" -> IL


def test_ca_2025_free_form_address_dbas_and_extra_websites():
    epsilon = by_name(california.read(CA_2025))["Epsilon Lists L.L.C."]
    assert epsilon.address_lines == ["PO Box 555", "Boston, MA 02101"]
    assert epsilon.dbas == ["Epsilon Mail", "Epsilon Leads, LLC"]  # the comma before LLC does not split
    assert epsilon.website == "https://www.epsilonlists.example.org"
    assert "epsilonleads.example.org" in epsilon.notes


def test_ca_2026_layout_nbsp_colon_headers_and_multi_url_cells():
    header = CA_2026.read_text(encoding="utf-8").splitlines()[0]
    assert "\u00a0" in header  # the fixture really has no-break spaces in header cells
    entries = california.read(CA_2026)
    assert {e.year for e in entries} == {2026}
    acme = by_name(entries)["Acme Data Brokers, Inc."]
    assert acme.rights_urls == [
        "https://acmedata.example.com/privacy",
        "https://privacyportal.onetrust.com/webform/00000000-0000-0000-0000-000000000000",
    ]
    assert set(acme.sold_to) == {Recipient.FEDERAL_GOVERNMENT, Recipient.LAW_ENFORCEMENT}
    assert set(acme.collects) == {DataCollected.PRECISE_GEOLOCATION, DataCollected.BIOMETRIC}
    assert acme.regulated_by == [Regulation.FCRA]
    assert acme.dbas == ["Acme People Search", "AcmeLookup"]
    beta = by_name(entries)["Beta Analytics LLC"]
    assert beta.rights_urls == ["www.betaanalytics.example.org/optout", "https://betaanalytics.example.org/privacy"]


def test_ca_year_option_overrides_detection():
    assert {e.year for e in california.read(CA_2026, year=2027)} == {2027}


def test_ca_unexpected_yes_no_value_names_file_row_and_column(tmp_path):
    broken = rewrite_cell(CA_2026, tmp_path / "registry.csv", row=2, column=22, value="Maybe")
    with pytest.raises(RegistryFormatError) as error:
        california.read(broken)
    message = str(error.value)
    assert "registry.csv" in message and "row 3" in message and "federal government" in message and "Maybe" in message


def test_ca_missing_column_is_reported(tmp_path):
    broken = rewrite_cell(CA_2026, tmp_path / "registry.csv", row=0, column=22, value="Something else entirely")
    with pytest.raises(RegistryFormatError, match=r"row 1.*federal government"):
        california.read(broken)


def test_ca_file_without_header_row(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just,some,notes\n1,2,3\n", encoding="utf-8")
    with pytest.raises(RegistryFormatError, match="no header row"):
        california.read(path)


# ---------------------------------------------------------------------------
# Vermont state layout


def test_vermont_reads_only_active_registrations():
    entries, skipped = vermont.read_with_skipped(VT_2020)
    assert [e.name for e in entries] == ["Acme Data Brokers, Inc.", "Theta Data Co"]
    assert {(s.name, s.status) for s in skipped} == {("OMEGA LISTS INC", "EXPIRED"), ("Sigma Records LLC", "CANCELLED")}
    assert {e.year for e in entries} == {2020}  # next renewal 1/1/2021 -> registered for 2020


def test_vermont_fields():
    acme, theta = vermont.read(VT_2020)
    assert acme.dbas == ["Acme People Search"]  # from "... d/b/a Acme People Search"
    assert acme.emails == ["privacy@acmedata.example.com"]  # "Jane Roe, privacy@..." -> the address only
    assert acme.address_lines == ["100 Main Street, Suite 5", "Springfield, IL 62701-1234"]
    assert acme.collects == [DataCollected.MINORS]
    assert "subject line Opt Out" in acme.notes
    assert theta.emails == []  # "NA" is a placeholder, not a malformed address
    assert "may not opt out" in theta.notes


def test_vermont_layout_detection_chooses_the_reader():
    assert vermont.is_state_layout(VT_2020)
    assert not vermont.is_state_layout(VT_2025)
    assert {e.year for e in read_registry("vt", VT_2020)} == {2020}
    assert {e.year for e in read_registry("vt", VT_2025)} == {2025}


# ---------------------------------------------------------------------------
# Consolidated workbook and extracts


def test_oregon_split_rows_become_one_entry_per_broker():
    entries = by_name(consolidated.read(OR_2025, Registry.OR))
    assert set(entries) == {"Omega Data LLC", "KAPPA LEADS LLC", "LAMBDA REMODEL LLC"}  # one group, two legal entities
    omega = entries["Omega Data LLC"]  # mixed-case spelling preferred over "OMEGA DATA LLC"
    assert omega.row == 2
    assert omega.emails == ["privacy@omegadata.example.com"]
    assert omega.phones == ["+1 503-555-0123", "+1 503-555-0124"]
    assert omega.address_lines == ["12 Omega Way, Suite 3", "Salem, OR 97301"]
    assert omega.rights_urls == ["https://www.omegadata.example.com/opt-out", "https://omegadata.example.com/privacy-choices"]
    assert omega.collects == [DataCollected.BIOMETRIC]  # 1 = yes; the 0 and 2 flags are not facts
    assert omega.website == "https://www.omegadata.example.com/"


def test_vermont_filing_years_collapse_to_one_entry():
    entries = by_name(consolidated.read(VT_2025, Registry.VT))
    acme = entries["Acme Data Brokers, Inc."]
    assert acme.emails == ["privacy@acmedata.example.com", "vt-privacy@acmedata.example.com"]  # most frequent first
    assert acme.address_lines == ["100 Main St", "Springfield, IL 62701"]  # the address two of three filings give
    assert acme.collects == [DataCollected.MINORS]  # one filing says it holds minors' data
    assert {e.year for e in entries.values()} == {2025}


def test_texas_extract_phones_and_mailto_links():
    entries = by_name(read_registry("tx", TX_2025))
    assert entries["Acme Data Brokers, Inc."].phones == ["+1 212-555-0100"]
    tau = entries["Tau Marketing Corp"]
    assert tau.emails == ["privacy@taumarketing.example.com", "optout@taumarketing.example.com"]
    assert tau.rights_urls == []
    assert tau.address_lines == ["77 Tau Blvd", "Suite 700", "Austin, TX 78701"]
    assert entries["Rho Insights LLC"].collects == [DataCollected.BIOMETRIC]


def test_consolidated_flag_outside_0_1_2_is_malformed(tmp_path):
    header = TX_2025.read_text(encoding="utf-8").splitlines()[0].split(",")
    broken = rewrite_cell(TX_2025, tmp_path / "texas.csv", row=1, column=header.index("CollectsMinorsData"), value="7")
    with pytest.raises(RegistryFormatError) as error:
        consolidated.read(broken, Registry.TX)
    assert "texas.csv" in str(error.value) and "row 2" in str(error.value) and "CollectsMinorsData" in str(error.value)


def test_consolidated_missing_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Name,RegistrySource\nAcme,Texas\n", encoding="utf-8")
    with pytest.raises(RegistryFormatError, match="GroupUUID_Combined"):
        consolidated.read(path)


def test_workbook_sheet_filtered_by_registry_source(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data Brokers"
    with open(TX_2025, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    sheet.append(header)
    for row in rows[1:]:
        sheet.append(row)
    with open(OR_2025, encoding="utf-8", newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            sheet.append(row)
    california_row = list(rows[1])
    california_row[header.index("RegistrySource")] = "California (California Privacy Protection Agency)"
    california_row[header.index("Name")] = "Only In California LLC"
    sheet.append(california_row)
    phone = list(rows[2])
    phone[header.index("Phone")] = 15125550177  # spreadsheets store numbers
    sheet.append(phone)
    path = tmp_path / "workbook.xlsx"
    workbook.save(path)

    texas = consolidated.read(path, Registry.TX)
    assert {e.registry for e in texas} == {Registry.TX}
    assert "Tau Marketing Corp" in {e.name for e in texas}
    everything = consolidated.read(path)
    assert {e.registry for e in everything} == {Registry.TX, Registry.OR}
    assert "Only In California LLC" not in {e.name for e in everything}
    with pytest.raises(RegistryFormatError, match="no rows"):
        consolidated.read(path, Registry.VT)


def test_workbook_without_the_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Other"
    workbook.save(tmp_path / "w.xlsx")
    with pytest.raises(RegistryFormatError, match="Data Brokers"):
        consolidated.read(tmp_path / "w.xlsx")


def test_unknown_registry_and_missing_file(tmp_path):
    with pytest.raises(RegistryFormatError, match="no such file"):
        read_registry("ca", tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="unknown registry"):
        read_registry("zz", CA_2026)


# ---------------------------------------------------------------------------
# Contact hygiene


def test_email_hygiene():
    good = contacts.check_email(" Privacy@AcmeData.Example.com ")
    assert (good.value, good.usable) == ("privacy@acmedata.example.com", True)
    bad = contacts.check_email("not-an-email")
    assert bad.usable is False and bad.value == "not-an-email" and "malformed email" in bad.note


def test_url_hygiene():
    assert contacts.check_url("www.AcmeData.EXAMPLE.com/Opt-Out").value == "https://www.acmedata.example.com/Opt-Out"
    assert contacts.check_url("https://acme.example.com/").value == "https://acme.example.com"
    ftp = contacts.check_url("ftp://acme.example.com/form")
    assert ftp.usable is False and "scheme 'ftp'" in ftp.note
    assert contacts.check_url("javascript:alert(1)").usable is False
    assert contacts.check_url("see our website").usable is False


@pytest.mark.parametrize(
    "url, vendor",
    [
        ("https://privacyportal.onetrust.com/webform/abc", "OneTrust"),
        ("https://submit-irm.trustarc.com/services/validation/x", "TrustArc"),
        ("https://app.termly.io/notify/x", "Termly"),
        ("https://acme.zendesk.com/hc/en-us/requests/new", "Zendesk"),
        ("https://docs.google.com/forms/d/e/x/viewform", "Google Forms"),
    ],
)
def test_third_party_portals_are_flagged(url, vendor):
    checked = contacts.check_url(url)
    assert checked.kind == ChannelKind.WEBFORM and checked.third_party_portal and vendor in checked.note


def test_ordinary_google_docs_link_is_not_a_portal():
    assert contacts.check_url("https://docs.google.com/document/d/x").third_party_portal is False


def test_phone_hygiene():
    assert contacts.check_phone("(212) 555-0100").value == "+1 212-555-0100"
    assert contacts.check_phone("12125550100").value == "+1 212-555-0100"
    assert contacts.check_phone("1442079460000").value.startswith("+44 ")  # spurious "1" before a UK number
    assert contacts.check_phone("555-01").usable is False


def test_split_cell_handles_separators_placeholders_and_mailto():
    assert contacts.split_cell("https://a.example.com; https://b.example.com\r\nwww.c.example.com") == (
        ["https://a.example.com", "https://b.example.com", "www.c.example.com"],
        [],
    )
    assert contacts.split_cell("mailto:privacy@a.example.com?Subject=x") == ([], ["privacy@a.example.com"])
    assert contacts.split_cell("N/A") == ([], [])
    assert contacts.split_cell("see our website") == (["see our website"], [])


def test_postal_hygiene():
    assert contacts.check_postal(["1 Main St", "Springfield, IL 62701"]).usable
    assert contacts.check_postal(["Springfield, IL"]).usable is False
