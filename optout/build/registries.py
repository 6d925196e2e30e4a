"""The registry table (registries.yaml): which registries exist, their sources, and what one registry row says.

Source keys name one registry year (`ca-2026`). Every fact an import writes carries its key; when two keys state
the same fact, the newer year owns it, then the registry listed first in the table.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..catalog import read_yaml
from ..models import DataCollected, Recipient, Regulation, Source

TABLE_FILE = Path(__file__).with_name("registries.yaml")


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegistryInfo(_Row):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    state: str
    agency: str
    url: str


class Consolidated(_Row):
    year: int
    note: str


class Snapshot(_Row):
    key: str
    file: str
    title: str
    url: str | None = None
    retrieved: dt.date | None = None
    note: str | None = None


class FormerSnapshot(_Row):
    key: str
    file: str


class RegistryTable(_Row):
    registries: list[RegistryInfo]
    consolidated: Consolidated
    snapshots: list[Snapshot]
    former: list[FormerSnapshot] = []

    def registry(self, code: str) -> RegistryInfo:
        return next(r for r in self.registries if r.code == code)

    def snapshot(self, key: str) -> Snapshot | None:
        return next((s for s in self.snapshots if s.key == key), None)


@functools.cache
def table() -> RegistryTable:
    return RegistryTable.model_validate(read_yaml(TABLE_FILE))


class Registry(StrEnum):
    """A state data-broker registry, by state code: the rows of registries.yaml, in the table's order.

    Written out (not built from the table) so that type checkers know the members; checked against the table below.
    """

    CA = "CA"
    VT = "VT"
    TX = "TX"
    OR = "OR"


if [r.code for r in table().registries] != [r.value for r in Registry]:
    raise RuntimeError(f"{TABLE_FILE}: the registries must be {', '.join(Registry)} in that order, as in the Registry class")

KEY_PATTERN = re.compile(rf"^({'|'.join(r.lower() for r in Registry)})-(\d{{4}})$")
CONSOLIDATED = "consolidated"


def reader_choices() -> list[str]:
    """What `optout catalog import` accepts: each registry's code in lower case, the consolidated workbook, or a
    former registry's key (`ca-ag`: the consolidated workbook's California Attorney General rows, as history)."""
    return [r.value.lower() for r in Registry] + [CONSOLIDATED] + [f.key for f in table().former]


def registry_by_state(state_name: str) -> Registry | None:
    """The registry of a state named in full ("Texas"), as the consolidated workbook names them."""
    code = next((r.code for r in table().registries if r.state.lower() == state_name.strip().lower()), None)
    return Registry(code) if code else None


# ---------------------------------------------------------------------------
# Source keys


def source_key(registry: Registry, year: int) -> str:
    return f"{registry.value.lower()}-{year}"


def parse_key(key: str) -> tuple[Registry, int] | None:
    match = KEY_PATTERN.match(key)
    return (Registry(match.group(1).upper()), int(match.group(2))) if match else None


def split_key(key: str) -> tuple[Registry, int]:
    """The registry and year of a key known to be a source key (parse_key for keys that may not be)."""
    parsed = parse_key(key)
    if parsed is None:
        raise ValueError(f"{key!r} is not a registry source key such as ca-2026")
    return parsed


def key_priority(key: str) -> tuple[int, int]:
    """Newer year first, then table order (CA > VT > TX > OR); non-registry keys (curated page sources) rank lowest."""
    parsed = parse_key(key)
    if parsed is None:
        return (0, 0)
    registry, year = parsed
    return (year, len(Registry) - list(Registry).index(registry))


def registry_source(registry: Registry, year: int) -> Source:
    """The Source entry for one registry year (title naming registry and year, registry URL, retrieval date)."""
    info = table().registry(registry.value)
    snapshot = table().snapshot(source_key(registry, year))
    if snapshot is None:
        return Source(title=f"{info.agency}, Data Broker Registry {year}", url=info.url, note="retrieval date not recorded")
    return Source(title=snapshot.title, url=snapshot.url or info.url, retrieved=snapshot.retrieved, note=snapshot.note)


# ---------------------------------------------------------------------------
# One row of a registry file


class RegistryEntry(BaseModel):
    """One broker as one registry file describes it, before merging into the catalog."""

    registry: Registry
    year: int
    source_file: str
    row: int = Field(description="1-based line/row number in the source file, for error messages.")
    name: str
    dbas: list[str] = Field(default_factory=list)
    website: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    address_lines: list[str] = Field(default_factory=list)
    rights_urls: list[str] = Field(default_factory=list, description="Opt-out / privacy-rights / deletion pages.")
    sold_to: list[Recipient] = Field(default_factory=list)
    collects: list[DataCollected] = Field(default_factory=list)
    regulated_by: list[Regulation] = Field(default_factory=list)
    notes: str | None = None
