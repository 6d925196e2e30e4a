"""Vermont Secretary of State data broker registry, in the state's own registration-form layout.

Only ACTIVE registrations become entries. EXPIRED and CANCELLED rows are skipped: such a company did
not renew for the period the file covers, so listing it as registered would be false (the 2025
consolidated extract is the current Vermont list). `read_with_skipped` reports what was skipped.
The registration year is the year before the latest "Next Renewal Period Begins" of the active rows
(renewal 1/1/2021 -> registered for 2020), or `year` when given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...models import DataCollected
from ..contacts import split_cell, split_emails
from ..names import split_dba
from ..registries import Registry, RegistryEntry
from ..text import clean_text, is_placeholder
from ._common import ColumnSpec, RegistryFormatError, Sheet, SheetRow, address_lines

REQUIRED = [
    ColumnSpec("name", r"^data broker name$", "Data Broker Name"),
    ColumnSpec("status", r"^status$", "Status"),
    ColumnSpec("address", r"^address$", "Address"),
    ColumnSpec("email", r"^email address$", "Email Address"),
]
OPTIONAL = [
    ColumnSpec("registration_id", r"^registration id$", "Registration ID"),
    ColumnSpec("renewal", r"next renewal period begins", "Next Renewal Period Begins"),
    ColumnSpec("website", r"^primary internet address$", "Primary Internet Address"),
    ColumnSpec("opt_out_allowed", r"permit a consumer to opt out", "Does the data broker permit a consumer to opt out"),
    ColumnSpec("opt_out_method", r"method for requesting an opt-?out", "What was the method for requesting an opt-out"),
    ColumnSpec("minors", r"actual knowledge that it possesses .*minors", "actual knowledge of minors' data"),
]
ACTIVE = "ACTIVE"
STATE_LAYOUT_MARKERS = [REQUIRED[0], REQUIRED[1], OPTIONAL[1]]


@dataclass(frozen=True)
class SkippedRow:
    row: int
    name: str
    status: str


def is_state_layout(path: Path | str) -> bool:
    """True when the file has the state's own columns (Status, Next Renewal Period Begins)."""
    try:
        Sheet.read(Path(path), STATE_LAYOUT_MARKERS, STATE_LAYOUT_MARKERS)
    except RegistryFormatError:
        return False
    return True


def read(path: Path | str, year: int | None = None) -> list[RegistryEntry]:
    return read_with_skipped(path, year)[0]


def read_with_skipped(path: Path | str, year: int | None = None) -> tuple[list[RegistryEntry], list[SkippedRow]]:
    path = Path(path)
    sheet = Sheet.read(path, REQUIRED, REQUIRED + OPTIONAL)
    sheet.require(REQUIRED)
    active: list[SheetRow] = []
    skipped: list[SkippedRow] = []
    for row in sheet.records():
        status = clean_text(row.value("status")).upper()
        if status == ACTIVE:
            active.append(row)
        else:
            skipped.append(SkippedRow(row.number, clean_text(row.value("name")), status or "(blank)"))
    registry_year = year or _detect_year(path, active)
    return [_entry(row, registry_year) for row in active], skipped


def _detect_year(path: Path, active: list[SheetRow]) -> int:
    years = []
    for row in active:
        match = re.search(r"(20\d\d)\s*$", clean_text(row.value("renewal")))
        if match:
            years.append(int(match.group(1)))
    if not years:
        raise RegistryFormatError(path, "cannot tell the registration year (no 'Next Renewal Period Begins' dates); pass --year")
    return max(years) - 1


def _entry(row: SheetRow, year: int) -> RegistryEntry:
    value = row.value
    name, dbas = split_dba(row.broker_name())
    websites, website_emails = split_cell(value("website"))
    minors = row.yes_no("minors") if "minors" in row.sheet.columns else None
    return RegistryEntry(
        registry=Registry.VT,
        year=year,
        source_file=str(row.sheet.path),
        row=row.number,
        name=name,
        dbas=dbas,
        website=websites[0] if websites else None,
        emails=split_emails(value("email")) + website_emails,
        address_lines=parse_address(value("address")),
        collects=[DataCollected.MINORS] if minors else [],
        notes=_opt_out_note(row),
    )


def parse_address(text: str) -> list[str]:
    """'5220 Main St., Ste 200, Ft. Myers, FL, 33907 - 1234, USA' -> ['5220 Main St., Ste 200', 'Ft. Myers, FL 33907-1234']."""
    if is_placeholder(text):
        return []
    parts = [clean_text(p) for p in clean_text(text).split(",")]
    if len(parts) < 5:
        return [clean_text(text)]
    street, city, state, postal, country = ", ".join(parts[:-4]), parts[-4], parts[-3], parts[-2], parts[-1]
    return address_lines([street], city, state, postal, country)


def _opt_out_note(row: SheetRow) -> str | None:
    if "opt_out_allowed" not in row.sheet.columns:
        return None
    allowed = row.yes_no("opt_out_allowed")
    method = clean_text(row.value("opt_out_method"))
    if allowed is False:
        return "Vermont filing says consumers may not opt out."
    if allowed and method and not is_placeholder(method):
        return f"Opt-out method in the Vermont filing: {method}"
    return None
