"""California Privacy Protection Agency (CPPA) data broker registry CSV.

Two layouts are known:
- 2025: UTF-8 with BOM, a notes/spacer row above the header, 67 columns, metrics "in 2023";
- 2026: header in row 1, 77 columns, adds sold/shared to a foreign actor, the federal government, other
  state governments, law enforcement and GenAI developers, and more "collects" questions; metrics "in 2024".
Header wording changes between years and carries trailing colons and no-break spaces, so columns are
found by keyword patterns on normalised header text and the header row is detected, not assumed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...models import DataCollected, Recipient, Regulation
from ..contacts import split_cell, split_emails
from ..names import split_dba, split_names
from ..registries import Registry, RegistryEntry
from ..text import clean_text, is_placeholder, unique
from ._common import ColumnSpec, RegistryFormatError, Sheet, SheetRow, address_lines, phone_value

IDENTITY = [
    ColumnSpec("name", r"^data broker name$", "Data broker name"),
    ColumnSpec("email", r"primary contact email", "Data broker primary contact email address"),
    ColumnSpec("website", r"^data broker primary website$", "Data broker primary website"),
    ColumnSpec(
        "rights_url",
        r"website that contains details on how consumers can exercise",
        "website on how consumers can exercise their rights",
    ),
]
CONTACT = [
    ColumnSpec("dba", r"doing business as", "Doing Business As (DBA)"),
    ColumnSpec("phone", r"primary phone", "Data broker primary phone number"),
    ColumnSpec("street", r"primary street address", "Data broker primary street address"),
    ColumnSpec("city", r"^data broker city$", "Data broker city"),
    ColumnSpec("state", r"^data broker state$", "Data broker state"),
    ColumnSpec("zip", r"zip code", "Data broker zip code"),
    ColumnSpec("country", r"^data broker country$", "Data broker country"),
    ColumnSpec("address_freeform", r"primary address, if it does not comport", "primary address, if it does not comport"),
]
# Yes/No questions. The Yes/No regulation columns start with "the data broker"; the follow-up
# "If the data broker ... is regulated by the FCRA, describe ..." columns must not match.
COLLECTS = {
    DataCollected.MINORS: ColumnSpec(
        "minors", r"collects personal information of minors", "collects personal information of minors"
    ),
    DataCollected.PRECISE_GEOLOCATION: ColumnSpec(
        "geolocation", r"collects .*precise geolocation", "collects precise geolocation"
    ),
    DataCollected.REPRODUCTIVE_HEALTH: ColumnSpec(
        "reproductive", r"collects .*reproductive health", "collects reproductive health care data"
    ),
    DataCollected.ACCOUNT_LOGINS: ColumnSpec("logins", r"collects .*account logins", "collects account logins"),
    DataCollected.GOVERNMENT_ID: ColumnSpec(
        "government_id", r"collects .*government-?\s?issued identification", "collects government-issued identification numbers"
    ),
    DataCollected.CITIZENSHIP_IMMIGRATION: ColumnSpec("citizenship", r"collects .*citizenship", "collects citizenship data"),
    DataCollected.UNION_MEMBERSHIP: ColumnSpec("union", r"collects .*union membership", "collects union membership status"),
    DataCollected.SEXUAL_ORIENTATION: ColumnSpec(
        "sexual_orientation", r"collects .*sexual orientation", "collects sexual orientation status"
    ),
    DataCollected.GENDER_IDENTITY: ColumnSpec("gender_identity", r"collects .*gender identity", "collects gender identity data"),
    DataCollected.BIOMETRIC: ColumnSpec("biometric", r"collects .*biometric", "collects biometric data"),
}
SOLD_TO = {
    Recipient.FOREIGN_ACTOR: ColumnSpec(
        "foreign_actor", r"(shared|sold) .*foreign actor", "shared or sold data to a foreign actor"
    ),
    Recipient.FEDERAL_GOVERNMENT: ColumnSpec(
        "federal_government", r"(shared|sold) .*federal government", "shared or sold data to the federal government"
    ),
    Recipient.STATE_GOVERNMENT: ColumnSpec(
        "state_government", r"(shared|sold) .*state governments?", "shared or sold data to other state governments"
    ),
    Recipient.LAW_ENFORCEMENT: ColumnSpec(
        "law_enforcement", r"(shared|sold) .*law enforcement", "shared or sold data to law enforcement"
    ),
    Recipient.GENAI_DEVELOPER: ColumnSpec(
        "genai_developer", r"(shared|sold) .*(genai|generative ai)", "shared or sold data to a GenAI developer"
    ),
}
REGULATED = {
    Regulation.FCRA: ColumnSpec(
        "fcra", r"^the data broker .*regulated by .*(fair credit reporting act|\bfcra\b)", "regulated by the FCRA"
    ),
    Regulation.GLBA: ColumnSpec(
        "glba", r"^the data broker .*regulated by .*(gramm-leach-bliley|\bglba\b)", "regulated by the GLBA"
    ),
    Regulation.IIPPA: ColumnSpec(
        "iippa",
        r"^the data broker .*regulated by .*(insurance information and privacy protection act|\biippa\b)",
        "regulated by the IIPPA",
    ),
    Regulation.CMIA: ColumnSpec(
        "cmia",
        r"^the data broker .*regulated by .*(confidentiality of medical information act|\bcmia\b)",
        "regulated by the CMIA",
    ),
    Regulation.HIPAA: ColumnSpec(
        "hipaa", r"^the data broker .*regulated by .*(hipaa|health insurance portability)", "regulated by HIPAA"
    ),
}
COLLECTS_2025 = [DataCollected.MINORS, DataCollected.PRECISE_GEOLOCATION, DataCollected.REPRODUCTIVE_HEALTH]
ALL_SPECS = IDENTITY + CONTACT + list(COLLECTS.values()) + list(SOLD_TO.values()) + list(REGULATED.values())
METRICS_YEAR = re.compile(r"\bin (20\d\d)\b")


def read(path: Path | str, year: int | None = None) -> list[RegistryEntry]:
    """Entries of a CPPA registry CSV; `year` overrides the year detected from the layout."""
    path = Path(path)
    sheet = Sheet.read(path, IDENTITY, ALL_SPECS)
    sheet.require(_required_for_layout(sheet.columns))
    registry_year = year or detect_year(sheet.header, sheet.columns)
    if registry_year is None:
        raise RegistryFormatError(path, "cannot tell the registry year from the header; pass --year", row=sheet.header_index + 1)
    return [_entry(row, registry_year) for row in sheet.records()]


def _required_for_layout(columns: dict[str, int]) -> list[ColumnSpec]:
    # A file with any of the 2026 recipient questions must have all of them, and all 2026 collection
    # questions; otherwise a renamed column would silently read as "No".
    if any(spec.field in columns for spec in SOLD_TO.values()):
        return list(SOLD_TO.values()) + list(COLLECTS.values()) + list(REGULATED.values())
    return [COLLECTS[kind] for kind in COLLECTS_2025] + list(REGULATED.values())


def detect_year(header: list[str], columns: dict[str, int]) -> int | None:
    """Registration year: two years after the metrics year ("requests ... in 2023" -> 2025)."""
    years = [int(y) for text in header for y in METRICS_YEAR.findall(text)]
    if years:
        return max(years) + 2
    if any(spec.field in columns for spec in SOLD_TO.values()):
        return 2026
    return None


def _entry(row: SheetRow, year: int) -> RegistryEntry:
    value = row.value
    name, dbas_in_name = split_dba(row.broker_name())
    websites, website_emails = split_cell(value("website"))
    rights_urls, rights_emails = split_cell(value("rights_url"))
    country = value("country")
    return RegistryEntry(
        registry=Registry.CA,
        year=year,
        source_file=str(row.sheet.path),
        row=row.number,
        name=name,
        dbas=unique(dbas_in_name + split_names(value("dba"))),
        website=websites[0] if websites else None,
        emails=unique(split_emails(value("email")) + rights_emails + website_emails),
        phones=[phone_value(value("phone"), country)] if not is_placeholder(value("phone")) else [],
        address_lines=_address(value, country),
        rights_urls=rights_urls,
        sold_to=_flags(SOLD_TO, row),
        collects=_flags(COLLECTS, row),
        regulated_by=_flags(REGULATED, row),
        notes=f"Registry filing also lists the websites {', '.join(websites[1:])}" if len(websites) > 1 else None,
    )


def _address(value, country: str) -> list[str]:
    street = value("street")
    if is_placeholder(street) and not is_placeholder(value("address_freeform")):
        # Free-form addresses keep the broker's own line breaks.
        return [clean_text(line) for line in re.split(r"[\r\n]+", value("address_freeform")) if clean_text(line)]
    return address_lines([street], value("city"), value("state"), value("zip"), country)


def _flags(specs: dict, row: SheetRow) -> list:
    """The kinds whose Yes/No column says Yes (a column this year's layout lacks says nothing)."""
    return [kind for kind, spec in specs.items() if spec.field in row.sheet.columns and row.yes_no(spec.field)]
