"""Client intake for batches: a CSV of clients, validated row by row into Profiles."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from .catalog import Catalog

from .errors import InputError
from .models import Profile, check_text, visible
from .profiles import friendly_message

REQUIRED_COLUMNS = ["client_id", "full_name", "residence_state", "street", "city", "state", "postal_code"]
# Identifiers some brokers key their records on (optout help identifiers): `;`-separated items.
IDENTIFIER_COLUMNS = ["advertising_ids", "vehicle_plates", "listing_urls", "face_image_consent"]
OPTIONAL_COLUMNS = ["email", "phone", "aliases", "birth_date", "language", "statuses",
                    "acp_street", "acp_city", "acp_state", "acp_postal_code", *IDENTIFIER_COLUMNS]
COLUMNS = (
    REQUIRED_COLUMNS[:3]
    + ["email", "phone"]
    + REQUIRED_COLUMNS[3:]
    + ["aliases", "birth_date", "language", "statuses", "acp_street", "acp_city", "acp_state", "acp_postal_code"]
    + IDENTIFIER_COLUMNS
)
EXAMPLE_ROW = {
    "client_id": "C-0001",
    "full_name": "Maria Example",
    "residence_state": "CA",
    "email": "maria@example.org",
    "phone": "+1 213 555 0142",
    "street": "100 Main St",
    "city": "Los Angeles",
    "state": "CA",
    "postal_code": "90012",
    "aliases": "Maria E. Example;Maria Ejemplo",
    "birth_date": "",
    "language": "es",
    "statuses": "",
    "acp_street": "",
    "acp_city": "",
    "acp_state": "",
    "acp_postal_code": "",
    "advertising_ids": "",
    "vehicle_plates": "",
    "listing_urls": "",
    "face_image_consent": "",
}
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Names Windows will not create as files or folders, whatever the case: a folder per client must work everywhere.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in "123456789"})
MAX_CELL = 4096  # characters; longer cells are row errors, never rendered
FIELD_SIZE_LIMIT = 16 * 1024 * 1024  # the csv module's own limit (128 KiB by default) would reject the whole file

# Where a Profile field's error shows up in the CSV.
FIELD_TO_COLUMN = {
    "emails": "email",
    "phones": "phone",
    "full_name": "full_name",
    "residence_state": "residence_state",
    "aliases": "aliases",
    "birth_date": "birth_date",
    "language": "language",
    "statuses": "statuses",
    "acp_substitute_address": "acp_street",
    "face_image_consent": "face_image_consent",
}
LISTED_COLUMNS = {"advertising_ids", "vehicle_plates", "listing_urls"}  # errors name the item: "item 2: ..."
YES_NO = {"yes": True, "y": True, "true": True, "1": True, "sí": True, "si": True,
          "no": False, "n": False, "false": False, "0": False, "": False}
BROKER_PREFIX = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)=(?=https?://)")


class ClientFileError(InputError):
    """The file as a whole cannot be used (encoding, header): nothing is processed."""


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file, the header being line 1
    column: str
    reason: str
    client_id: str = ""


@dataclass
class Client:
    row: int
    client_id: str
    profile: Profile


@dataclass
class Intake:
    clients: list[Client] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    source_sha256: str = ""  # of the CSV file's bytes: a batch records it so --resume can tell another CSV


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(EXAMPLE_ROW)
    return buffer.getvalue()


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _pair(item: str, first: str, second: str) -> dict:
    """'ios:6D92...' -> {first: 'ios', second: '6D92...'}; without ':' the first part is empty (a row error saying what
    it must be)."""
    head, colon, tail = item.partition(":")
    return {first: head.strip(), second: tail.strip()} if colon else {first: "", second: item}


def _listing(item: str) -> dict:
    """'spokeo=https://...' names the broker; a bare address is matched to the broker whose website it is on."""
    if found := BROKER_PREFIX.match(item):
        return {"broker": found.group(1), "url": item[found.end() :]}
    return {"url": item}


def row_to_profile_data(row: dict[str, str]) -> dict:
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    consent = get("face_image_consent").lower()
    data: dict = {
        "full_name": get("full_name"),
        "residence_state": get("residence_state").upper() or None,
        "emails": _split(get("email")),
        "phones": _split(get("phone")),
        "addresses": [
            {"street": get("street"), "city": get("city"), "state": get("state").upper(), "postal_code": get("postal_code")}
        ],
        "aliases": _split(get("aliases")),
        "statuses": [s.lower() for s in _split(get("statuses"))],
        "language": get("language").lower() or "en",
        "advertising_ids": [_pair(item, "platform", "id") for item in _split(get("advertising_ids"))],
        "vehicle_plates": [_pair(item, "state", "plate") for item in _split(get("vehicle_plates"))],
        "listing_urls": [_listing(item) for item in _split(get("listing_urls"))],
        "face_image_consent": YES_NO.get(consent, consent),
    }
    if get("birth_date"):
        data["birth_date"] = get("birth_date")
    if any(get(f"acp_{k}") for k in ("street", "city", "state", "postal_code")):
        data["acp_substitute_address"] = {
            "street": get("acp_street"),
            "city": get("acp_city"),
            "state": get("acp_state").upper(),
            "postal_code": get("acp_postal_code"),
        }
    return data


def _column_for(loc: tuple) -> str:
    if not loc:
        return "(row)"
    head = str(loc[0])
    if head == "addresses" and len(loc) >= 3:
        return str(loc[2])
    if head == "acp_substitute_address" and len(loc) >= 2:
        return f"acp_{loc[1]}"
    return FIELD_TO_COLUMN.get(head, head)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ClientFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ClientFileError(f"{path}: line {line}: not UTF-8 text; save the spreadsheet as 'CSV UTF-8'") from None


def read_clients(path: Path, catalog: Catalog | None = None) -> Intake:
    """Every row checked: a bad one becomes errors naming its line and column. `catalog` (default: the packaged
    one) is what listing addresses are checked against: each must be on its broker's own website."""
    raw = _read(path)
    text = _decode(path, raw)
    previous_limit = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        intake = _parse(path, text, catalog)
    finally:
        csv.field_size_limit(previous_limit)
    intake.source_sha256 = hashlib.sha256(raw).hexdigest()
    return intake


def _parse(path: Path, text: str, catalog: Catalog | None) -> Intake:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ClientFileError(f"{path}: line {reader.line_num or 1}: {exc}") from None
    for name in header:
        try:
            check_text(name)
        except ValueError as exc:
            raise ClientFileError(f"{path}: line 1: column '{visible(name)}' {exc}") from None
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ClientFileError(f"{path}: line 1: column(s) {', '.join(repeated)} appear more than once; keep one of each")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ClientFileError(
            f"{path}: line 1: missing column(s) {', '.join(missing)}; `optout batch template` prints the header"
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ClientFileError(f"{path}: line 1: unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
    reader.fieldnames = header

    intake = Intake()
    seen: dict[str, int] = {}
    try:
        previous = reader.line_num
        for row in reader:
            line, previous = previous + 1, reader.line_num  # where the record starts (a quoted cell may span lines)
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            _read_row(row, line, seen, intake, catalog)
    except csv.Error as exc:
        raise ClientFileError(f"{path}: line {reader.line_num}: {exc}") from None
    return intake


def _read_row(row: dict, line: int, seen: dict[str, int], intake: Intake, catalog: Catalog | None) -> None:
    if None in row:
        intake.errors.append(RowError(line, "(row)", "more cells than columns in the header"))
        return
    client_id = (row.get("client_id") or "").strip()
    shown_id = visible(client_id)  # errors.csv and the screen never get raw control characters
    errors: list[RowError] = []
    if not CLIENT_ID.match(client_id):
        errors.append(RowError(line, "client_id", "required; use letters, digits, - and _ only (at most 64)", shown_id))
    elif client_id.lower() in WINDOWS_RESERVED:
        errors.append(
            RowError(line, "client_id", f"'{client_id}' is a name Windows reserves for a device; choose another id", shown_id)
        )
    elif client_id.casefold() in seen:
        errors.append(
            RowError(
                line,
                "client_id",
                f"duplicate of line {seen[client_id.casefold()]} (ids that differ only in upper/lower case would share a folder)",
                shown_id,
            )
        )
    long_cells = [key for key, value in row.items() if isinstance(value, str) and len(value) > MAX_CELL]
    for key in long_cells:
        errors.append(RowError(line, key, f"is too long ({len(row[key])} characters; at most {MAX_CELL})", shown_id))
    if long_cells:
        intake.errors.extend(errors)
        return
    try:
        profile = Profile.model_validate(row_to_profile_data(row))
    except ValidationError as exc:
        for item in exc.errors():
            loc = item["loc"]
            listed = loc and loc[0] in LISTED_COLUMNS and len(loc) > 1 and isinstance(loc[1], int)
            which = f"item {int(loc[1]) + 1}: " if listed else ""
            reason = "must be yes or no (empty: no)" if loc and loc[0] == "face_image_consent" else friendly_message(item)
            errors.append(RowError(line, _column_for(loc), visible(which + reason, limit=300), shown_id))
        intake.errors.extend(errors)
        return
    if profile.listing_urls:
        from .catalog import default_catalog
        from .disclosure import listing_problems

        for where, message in listing_problems(profile, catalog or default_catalog()):
            number = int(where.rpartition(".")[2]) + 1
            errors.append(RowError(line, "listing_urls", visible(f"item {number}: {message}", limit=300), shown_id))
    if errors:
        intake.errors.extend(errors)
        return
    seen[client_id.casefold()] = line
    intake.clients.append(Client(line, client_id, profile))
