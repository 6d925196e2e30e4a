"""A catalog folder as the merge sees it: importer-made records it may rewrite, and frozen ones it only matches.

Curated records (`curated: true`) and files that do not load are frozen: never modified or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ConfigDict, ValidationError

from ..catalog import read_yaml
from ..models import Broker
from .contacts import record_domains
from .names import normalize_legal_name


class DraftBroker(Broker):
    """A broker record while an import merges facts into it. Catalog records are frozen once loaded (they are
    cached and shared); only the importer edits records, on these drafts, before writing them out."""

    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


@dataclass
class FrozenRecord:
    """A curated or unreadable file: matched against, never written."""

    id: str
    curated: bool
    names: set[str]
    registration_keys: set[str]
    family: str | None = None
    domains: set[str] = field(default_factory=set)
    broker: Broker | None = None
    # Redirect lists the merge adds to a curated record (resolve.py): the only part of its file it writes.
    former_ids: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)

    def add_redirects(self, former: list[str], spellings: list[str]) -> None:
        names = {self.broker.name} if self.broker else set()
        for rid in former:
            if rid not in self.former_ids:
                self.former_ids.append(rid)
        for name in spellings:
            if name not in self.aliases and name not in names:
                self.aliases.append(name)


class CatalogState:
    def __init__(self, directory: Path):
        self.directory = directory
        self.records: dict[str, DraftBroker] = {}
        self.frozen: dict[str, FrozenRecord] = {}
        self.original_text: dict[str, str] = {}
        self.deleted: set[str] = set()
        self.problems: list[str] = []

    @classmethod
    def load(cls, directory: Path) -> CatalogState:
        state = cls(directory)
        for path in sorted(directory.glob("*.yaml")):
            state._load_file(path)
        return state

    def _load_file(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
            data = read_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            self.frozen[path.stem] = FrozenRecord(path.stem, False, set(), set())
            self.problems.append(f"{path.name}: not loaded ({type(exc).__name__}); left untouched")
            return
        data = data if isinstance(data, dict) else {}
        try:
            broker = DraftBroker.model_validate(data)
        except ValidationError:
            broker = None
        if broker is not None and not broker.curated and broker.id == path.stem:
            self.records[broker.id] = broker
            self.original_text[broker.id] = text
            return
        if broker is None:
            self.problems.append(f"{path.name}: does not validate; left untouched")
        self.frozen[path.stem] = _frozen_from_data(path.stem, data, broker)
        self.original_text[path.stem] = text

    @property
    def ids(self) -> set[str]:
        """Ids in use, and ids of merged records (a redirect must never point at a new record)."""
        former = {f for r in self.records.values() for f in r.former_ids}
        former |= {f for fr in self.frozen.values() for f in fr.former_ids}
        return ((set(self.records) | set(self.frozen)) - self.deleted) | former

    def live_records(self) -> dict[str, DraftBroker]:
        return {rid: r for rid, r in self.records.items() if rid not in self.deleted}

    def registered_under(self, key: str) -> set[str]:
        found = {rid for rid, r in self.live_records().items() if any(reg.source == key for reg in r.registrations)}
        return found | {rid for rid, f in self.frozen.items() if key in f.registration_keys}

    def imported_keys(self) -> set[str]:
        """Registry keys previously imported: those on importer-made records (curated ones may cite any key)."""
        return {reg.source for r in self.live_records().values() for reg in r.registrations}


def _frozen_from_data(file_id: str, data: dict, broker: Broker | None) -> FrozenRecord:
    names = [data.get("name")] + list(data.get("brands") or []) + list(data.get("aliases") or [])
    registrations = [r for r in data.get("registrations") or [] if isinstance(r, dict)]
    names += [r.get("name") for r in registrations]
    domains: set[str] = set()
    if broker is not None:
        domains = record_domains(broker)
    return FrozenRecord(
        id=file_id,
        curated=data.get("curated") is True,
        names={normalize_legal_name(n) for n in names if isinstance(n, str) and n.strip()},
        registration_keys={str(r.get("source")) for r in registrations},
        family=data.get("family") if isinstance(data.get("family"), str) else None,
        domains=domains,
        broker=broker,
        former_ids=list(broker.former_ids) if broker else [],
        aliases=list(broker.aliases) if broker else [],
    )
