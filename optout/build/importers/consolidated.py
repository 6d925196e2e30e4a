"""Privacy Rights Clearinghouse consolidated registry workbook (April 2025), as .xlsx or per-state CSV extracts.

The workbook harmonises five registries into one 34-column layout:
- Oregon splits one broker over several rows (one holds the data categories, others hold contact and
  address fragments); Vermont repeats a broker once per filing year, with no year column. Rows are
  grouped by registry, GroupUUID_Combined and normalised name, and each group becomes one entry.
- `Collects*` flags: 1 = says it collects, 0 = says it does not, 2 = not stated.
- California rows are skipped: the CPPA's own CSV files are imported instead, and the workbook gives
  no registration year for them.
The year of every entry is the `consolidated.year` of registries.yaml (2025, the merge's date) unless `year` is given.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...models import DataCollected
from ..contacts import split_cell, split_emails
from ..names import display_case_rank, normalize_legal_name, split_dba
from ..registries import Registry, RegistryEntry, registry_by_state, table
from ..text import clean_text, is_placeholder, unique
from ._common import RegistryFormatError, address_lines, is_blank, phone_value, read_csv_rows

SHEET = "Data Brokers"
REQUIRED_COLUMNS = [
    "GroupUUID_Combined",
    "Name",
    "RegistrySource",
    "Email",
    "Phone",
    "Address",
    "City",
    "State",
    "ZipCode",
    "Country",
]
OPTIONAL_COLUMNS = ["WebsiteURL", "OptOutURL", "AlternateOptOutURLs", "AddressLine4"]
COLLECTS_COLUMNS = {
    "CollectsBiometricData": DataCollected.BIOMETRIC,
    "CollectsSSNGovID": DataCollected.GOVERNMENT_ID,
    "CollectsMinorsData": DataCollected.MINORS,
    "CollectsReproductiveHealthData": DataCollected.REPRODUCTIVE_HEALTH,
}
FLAG_VALUES = {"": None, "0": False, "1": True, "2": None}


@dataclass
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


FORMER_SOURCE = "california (attorney general)"


def read(path: Path | str, registry: Registry | None = None, year: int | None = None) -> list[RegistryEntry]:
    """Entries for `registry` (or every non-California registry in the file), one per broker."""
    path = Path(path)
    rows = [row for row in _rows(path) if not is_blank(list(row.values.values()))]
    selected = [row for row in rows if _registry_of(path, row) is not None and registry in (None, _registry_of(path, row))]
    if registry is not None and not selected:
        raise RegistryFormatError(path, f"no rows with RegistrySource for {registry.value}")
    return _grouped(path, selected, year)


def read_former(path: Path | str) -> list[RegistryEntry]:
    """The pre-CPPA California Attorney General rows (registration years 2020-2022; the workbook gives no year).

    Entries carry registry CA and the merge's year only because RegistryEntry needs them; optout.build.former
    imports them as former registrations, never as California registrations.
    """
    path = Path(path)
    rows = [row for row in _rows(path) if not is_blank(list(row.values.values()))]
    selected = [row for row in rows if clean_text(row.get("RegistrySource")).lower() == FORMER_SOURCE]
    if not selected:
        raise RegistryFormatError(path, "no rows with RegistrySource 'California (Attorney General)'")
    groups: dict[tuple, list[Row]] = {}
    for row in selected:
        name = clean_text(row.get("Name"))
        if not name:
            raise RegistryFormatError(path, "broker name is empty", row=row.number, column="Name")
        key = (clean_text(row.get("GroupUUID_Combined")), normalize_legal_name(split_dba(name)[0]))
        groups.setdefault(key, []).append(row)
    return [_entry(path, Registry.CA, fragments, table().consolidated.year) for fragments in groups.values()]


def _grouped(path: Path, selected: list[Row], year: int | None) -> list[RegistryEntry]:
    groups: dict[tuple, list[Row]] = {}
    for row in selected:
        name = clean_text(row.get("Name"))
        if not name:
            raise RegistryFormatError(path, "broker name is empty", row=row.number, column="Name")
        key = (_registry_of(path, row), clean_text(row.get("GroupUUID_Combined")), normalize_legal_name(split_dba(name)[0]))
        groups.setdefault(key, []).append(row)
    return [_entry(path, key[0], fragments, year or table().consolidated.year) for key, fragments in groups.items()]


# ---------------------------------------------------------------------------
# Reading rows


def _rows(path: Path) -> list[Row]:
    table = _xlsx_table(path) if path.suffix.lower() in (".xlsx", ".xlsm") else read_csv_rows(path)
    if not table:
        raise RegistryFormatError(path, "file is empty")
    header = [clean_text(h) for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegistryFormatError(path, f"header has no column {', '.join(repr(m) for m in missing)}", row=1)
    wanted = REQUIRED_COLUMNS + [c for c in OPTIONAL_COLUMNS + list(COLLECTS_COLUMNS) if c in header]
    index = {column: header.index(column) for column in wanted}
    return [
        Row(number, {column: _text(values[i]) if i < len(values) else "" for column, i in index.items()})
        for number, values in enumerate(table[1:], start=2)
    ]


def _xlsx_table(path: Path) -> list[list]:
    import openpyxl  # only needed for the workbook

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise RegistryFormatError(path, f"cannot open workbook: {exc}") from exc
    try:
        if SHEET not in workbook.sheetnames:
            raise RegistryFormatError(path, f"no sheet named '{SHEET}' (sheets: {', '.join(workbook.sheetnames)})")
        return [list(row) for row in workbook[SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _text(value) -> str:
    # Spreadsheet cells may come back as numbers; 19495550100.0 must read as "19495550100".
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _registry_of(path: Path, row: Row) -> Registry | None:
    source = clean_text(row.get("RegistrySource"))
    if source.lower().startswith("california"):
        return None  # the CPPA's own CSV files are imported instead
    registry = registry_by_state(source)
    if registry is None:
        raise RegistryFormatError(
            path, f"unknown RegistrySource '{row.get('RegistrySource')}'", row=row.number, column="RegistrySource"
        )
    return registry


# ---------------------------------------------------------------------------
# Collapsing a group of fragments into one entry


def _entry(path: Path, registry: Registry, fragments: list[Row], year: int) -> RegistryEntry:
    raw_name = _preferred_name([clean_text(r.get("Name")) for r in fragments])
    name, dbas = split_dba(raw_name)
    websites, website_emails = _split_all(fragments, "WebsiteURL")
    rights_urls, rights_emails = _split_all(fragments, "OptOutURL")
    alternate_urls, alternate_emails = _split_all(fragments, "AlternateOptOutURLs", json_list=True)
    emails = _ranked([e for r in fragments for e in split_emails(r.get("Email"))])
    phones = _ranked([phone_value(r.get("Phone"), r.get("Country")) for r in fragments if not is_placeholder(r.get("Phone"))])
    return RegistryEntry(
        registry=registry,
        year=year,
        source_file=str(path),
        row=fragments[0].number,
        name=name,
        dbas=dbas,
        website=websites[0] if websites else None,
        emails=unique(emails + rights_emails + alternate_emails + website_emails),
        phones=phones,
        address_lines=_best_address(fragments),
        rights_urls=unique(rights_urls + alternate_urls),
        collects=_collects(path, fragments),
    )


def _preferred_name(names: list[str]) -> str:
    """Most frequent spelling, preferring mixed case over ALL CAPS ("Dun & Bradstreet Inc" over "DUN & BRADSTREET Inc")."""
    counts = Counter(names)
    order = {name: i for i, name in reversed(list(enumerate(names)))}
    return min(counts, key=lambda n: (display_case_rank(n), -counts[n], order[n]))


def _ranked(values: list[str]) -> list[str]:
    """Distinct values, most frequent first (across Vermont's filing years), then first seen."""
    counts = Counter(v.lower() for v in values)
    first: dict[str, str] = {}
    for value in values:
        first.setdefault(value.lower(), value)
    return [first[k] for k in sorted(first, key=lambda k: (-counts[k], list(first).index(k)))]


def _split_all(fragments: list[Row], column: str, json_list: bool = False) -> tuple[list[str], list[str]]:
    urls: list[str] = []
    emails: list[str] = []
    for row in fragments:
        for text in _cell_items(row.get(column), json_list):
            found_urls, found_emails = split_cell(text)
            urls += found_urls
            emails += found_emails
    return _ranked(urls), _ranked(emails)


def _cell_items(text: str, json_list: bool) -> list[str]:
    if not json_list or not text.strip().startswith("["):
        return [text]
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        return [text]
    return [str(item) for item in items if item]


def _best_address(fragments: list[Row]) -> list[str]:
    """The most frequent complete address among the fragments (Vermont filing years repeat it)."""
    candidates: list[tuple[str, ...]] = []
    for row in fragments:
        lines = address_lines(
            [row.get("Address"), row.get("AddressLine4")],
            row.get("City"),
            row.get("State"),
            row.get("ZipCode"),
            row.get("Country"),
        )
        if not is_placeholder(row.get("Address")):
            candidates.append(tuple(lines))
    if not candidates:
        return []
    counts = Counter(candidates)
    best = max(counts, key=lambda c: (counts[c], -candidates.index(c)))
    return list(best)


def _collects(path: Path, fragments: list[Row]) -> list[DataCollected]:
    # Any fragment or filing year saying "collects" counts: the registry statement was made.
    found = []
    for column, kind in COLLECTS_COLUMNS.items():
        for row in fragments:
            text = clean_text(row.get(column))
            if text.endswith(".0"):
                text = text[:-2]
            if text not in FLAG_VALUES:
                raise RegistryFormatError(path, f"expected 0, 1 or 2, found '{text[:40]}'", row=row.number, column=column)
            if FLAG_VALUES[text]:
                found.append(kind)
                break
    return found
