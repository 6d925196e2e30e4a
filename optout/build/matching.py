"""Which catalog record a registry entry belongs to.

An entry belongs to the record whose normalised legal name, registered name or brand equals the entry's
normalised name (brands of importer-made records only count when a domain is shared too); failing that, a
looser name match is accepted when the email/web domains agree. Curated exact matches win over everything.
"""

from __future__ import annotations

from collections import defaultdict

from ..models import Broker
from .contacts import record_domains
from .names import has_legal_suffix, loose_names, normalize_legal_name
from .state import CatalogState


class MatchIndex:
    def __init__(self, state: CatalogState):
        self.state = state
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.brand: dict[str, set[str]] = defaultdict(set)
        self.loose: dict[str, set[str]] = defaultdict(set)
        self.domains: dict[str, set[str]] = {}
        for record in state.live_records().values():
            self.add(record)
        for rid, frozen in state.frozen.items():
            for name in frozen.names:
                self.exact[name].add(rid)
            self.domains[rid] = frozen.domains

    def add(self, record: Broker) -> None:
        names = [record.name, *record.aliases] + [r.name for r in record.registrations if r.name]
        for name in names:
            self.exact[normalize_legal_name(name)].add(record.id)
            for loose in loose_names(name):
                self.loose[loose].add(record.id)
        for brand in record.brands:
            self.brand[normalize_legal_name(brand)].add(record.id)
        self.domains[record.id] = record_domains(record)

    def match(self, name: str, domains: set[str]) -> list[str]:
        """Candidate ids, best first: curated exact matches, exact matches, brand/loose matches sharing a domain."""
        norm = normalize_legal_name(name)
        exact = self.exact.get(norm, set())
        curated = sorted(rid for rid in exact if rid in self.state.frozen)
        if curated:
            return curated
        shares = lambda rid: bool(domains & self.domains.get(rid, set()))  # noqa: E731
        if exact:
            return sorted(exact, key=lambda rid: (not shares(rid), rid))
        loose = set().union(*(self.loose.get(k, set()) for k in loose_names(name)))
        # A name with a corporate suffix is a legal entity of its own even when another entity uses it as
        # a DBA ("Viant Technology LLC" is a DBA of Viant US LLC): it gets its own record, linked by family.
        brand = set() if has_legal_suffix(name) else self.brand.get(norm, set())
        hinted = {rid for rid in brand | loose if shares(rid)}
        return sorted(hinted)
