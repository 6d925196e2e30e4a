"""Pieces every registry reader needs: the error type, header matching, CSV reading, cell parsing."""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from ...jurisdictions import us_jurisdictions
from ..contacts import check_phone
from ..text import clean_text, is_placeholder

HEADER_SCAN_ROWS = 10

US_NAMES = frozenset({"us", "usa", "united states", "united states of america", "u s", "u s a"})
# Phone region for the countries that appear in the registries; anything else is parsed as US.
COUNTRY_REGIONS = {
    "united kingdom": "GB", "uk": "GB", "england": "GB", "gbr": "GB", "great britain": "GB", "canada": "CA",
    "can": "CA", "germany": "DE", "singapore": "SG", "israel": "IL", "new zealand": "NZ", "finland": "FI",
    "united arab emirates": "AE", "uae": "AE", "norway": "NO", "spain": "ES", "netherlands": "NL",
    "india": "IN", "poland": "PL", "australia": "AU", "ireland": "IE", "france": "FR",
}


class RegistryFormatError(InputError):
    """A registry file does not have the layout its reader expects; the message names file, row and column."""

    def __init__(self, path: Path | str, problem: str, row: int | None = None, column: str | None = None):
        self.path, self.problem, self.row, self.column = str(path), problem, row, column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {problem}")


@dataclass(frozen=True)
class ColumnSpec:
    """A column found by keyword pattern on its normalised header text, not by exact wording."""

    field: str
    pattern: str
    description: str

    def matches(self, header: str) -> bool:
        return re.search(self.pattern, header) is not None


def normalize_header(text: str) -> str:
    """Lowercase, straight quotes and hyphens, no NBSP, no trailing colon or "[optional]"."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2011", "-").replace("\u2010", "-")
    text = re.sub(r"\[optional\]", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(" :").strip()


def locate_columns(header: list[str], specs: list[ColumnSpec]) -> dict[str, int]:
    """Map spec field -> column index; each column serves at most one spec (first spec wins)."""
    normalized = [normalize_header(cell) for cell in header]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for spec in specs:
        for index, text in enumerate(normalized):
            if index not in taken and spec.matches(text):
                found[spec.field] = index
                taken.add(index)
                break
    return found


def find_header_row(path: Path, rows: list[list[str]], required: list[ColumnSpec]) -> int:
    """Index of the first row (within the first few) that has every required column."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if len(locate_columns(row, required)) == len(required):
            return index
    names = ", ".join(f"'{spec.description}'" for spec in required)
    raise RegistryFormatError(path, f"no header row with the columns {names} in the first {HEADER_SCAN_ROWS} rows")


def require_columns(path: Path, header_row: int, columns: dict[str, int], specs: list[ColumnSpec]) -> None:
    for spec in specs:
        if spec.field not in columns:
            raise RegistryFormatError(path, f"header has no column for '{spec.description}'", row=header_row + 1)


def read_csv_rows(path: Path) -> list[list[str]]:
    """All records of a UTF-8 CSV (BOM tolerated). Row i of the result is spreadsheet row i+1."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RegistryFormatError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RegistryFormatError(path, f"not UTF-8 text (byte {exc.start}, line {line})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise RegistryFormatError(path, f"not valid CSV: {exc}", row=reader.line_num) from exc


@dataclass(frozen=True)
class Sheet:
    """A registry CSV whose header row was found: the column of each field, and the rows below the header."""

    path: Path
    header_index: int
    header: list[str]
    columns: dict[str, int]
    rows: list[list[str]]

    @classmethod
    def read(cls, path: Path, required: list[ColumnSpec], specs: list[ColumnSpec]) -> Sheet:
        """Header: the first row with every `required` column; `specs` are located in it (none is required yet)."""
        rows = read_csv_rows(path)
        index = find_header_row(path, rows, required)
        return cls(path, index, rows[index], locate_columns(rows[index], specs), rows)

    def require(self, specs: list[ColumnSpec]) -> None:
        require_columns(self.path, self.header_index, self.columns, specs)

    def records(self) -> Iterator[SheetRow]:
        """The non-blank rows below the header, numbered as in a spreadsheet."""
        for index in range(self.header_index + 1, len(self.rows)):
            if not is_blank(self.rows[index]):
                yield SheetRow(self, index + 1, self.rows[index])

    def column_name(self, field: str) -> str:
        """The header text of a field's column, for error messages ("Data Broker Name", without the colon)."""
        return clean_text(self.header[self.columns[field]]).rstrip(" :")


@dataclass(frozen=True)
class SheetRow:
    sheet: Sheet
    number: int
    cells: list[str]

    def value(self, field: str) -> str:
        return cell(self.cells, self.sheet.columns.get(field))

    def yes_no(self, field: str) -> bool | None:
        return yes_no(self.sheet.path, self.number, self.sheet.column_name(field), self.value(field))

    def broker_name(self) -> str:
        name = clean_text(self.value("name"))
        if not name:
            column = self.sheet.column_name("name")
            raise RegistryFormatError(self.sheet.path, "data broker name is empty", row=self.number, column=column)
        return name


def cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else str(value)


def is_blank(row: list[str]) -> bool:
    return all(not clean_text(c) for c in row)


def yes_no(path: Path, row_number: int, column: str, value: str) -> bool | None:
    """Yes -> True, No -> False, empty -> None; anything else makes the file malformed."""
    text = clean_text(value).lower().rstrip(".")
    if text in ("yes", "y", "true"):
        return True
    if text in ("no", "n", "false"):
        return False
    if text == "":
        return None
    raise RegistryFormatError(path, f"expected Yes or No, found '{clean_text(value)[:60]}'", row=row_number, column=column)


def state_code(text: str) -> str:
    """Two-letter code for a US state written out ("New York" -> "NY"); other values trimmed."""
    cleaned = clean_text(text)
    return _state_codes().get(cleaned.lower(), cleaned.upper() if len(cleaned) == 2 else cleaned)


@functools.cache
def _state_codes() -> dict[str, str]:
    return {name.lower(): code for code, name in us_jurisdictions().items()}


def is_us(country: str) -> bool:
    return is_placeholder(country) or clean_text(country).lower().replace(".", " ").strip() in US_NAMES


def zip_code(text: str, us: bool = True) -> str:
    """'72032 - 7114' -> '72032-7114'; a US ZIP that lost its leading zeros in a spreadsheet ('2110') is padded."""
    text = re.sub(r"^(\d{5})\s*-\s*(\d{4})$", r"\1-\2", clean_text(text))
    if us and re.fullmatch(r"\d{3,4}", text):
        text = text.zfill(5)
    return text


def address_lines(streets: list[str], city: str, state: str, postal: str, country: str) -> list[str]:
    """Postal lines: street lines, "City, ST 12345", and the country when it is not the US."""
    lines = [clean_text(s).strip(" ,") for s in streets if not is_placeholder(s)]
    state = "" if is_placeholder(state) else state_code(state)
    postal = "" if is_placeholder(postal) else zip_code(postal, us=is_us(country))
    region = " ".join(p for p in (state, postal) if p)
    city = "" if is_placeholder(city) else clean_text(city)
    last = ", ".join(p for p in (city, region) if p)
    if last:
        lines.append(last)
    if not is_us(country):
        lines.append(clean_text(country))
    return lines


def phone_value(raw: str, country: str) -> str:
    """Phone in international format when it parses for the broker's country, else as written.

    The merge re-checks it with region US; normalising here keeps foreign numbers valid there.
    """
    region = "US" if is_us(country) else COUNTRY_REGIONS.get(clean_text(country).lower(), "US")
    checked = check_phone(raw, region)
    return checked.value if checked.usable else clean_text(raw)
