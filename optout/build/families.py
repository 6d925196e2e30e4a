"""Company families: records sharing an email or web domain are linked by a `family` slug (union-find).

Distinct entities of one company (several Equifax entities) stay distinct records. Domains that many unrelated
brokers share (mailbox providers, request-portal vendors) are no evidence of a family.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .contacts import portal_host_vendor, record_domains
from .names import slugify
from .state import CatalogState

MAX_FAMILY_SIZE = 25
FAMILY_PREFIX_LABELS = {"www", "mail", "email", "privacy", "legal", "info", "contact", "support", "compliance", "dataprivacy"}


def link_families(state: CatalogState) -> None:
    """Link records sharing an email or web domain with a family slug (e.g. several Equifax entities)."""
    by_domain: dict[str, set[str]] = defaultdict(set)
    records = state.live_records()
    for rid, record in records.items():
        for domain in record_domains(record):
            by_domain[domain].add(rid)
    for rid, frozen in state.frozen.items():
        for domain in frozen.domains:
            by_domain[domain].add(rid)
    parent = {rid: rid for ids in by_domain.values() for rid in ids}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    for domain, ids in by_domain.items():
        if 1 < len(ids) <= MAX_FAMILY_SIZE and portal_host_vendor(domain) is None:
            first, *rest = sorted(ids)
            for other in rest:
                parent[root(other)] = root(first)
    components: dict[str, set[str]] = defaultdict(set)
    for rid in parent:
        components[root(rid)].add(rid)
    family_of: dict[str, str | None] = {}
    for members in components.values():
        slug = _family_slug(members, by_domain, state) if len(members) > 1 else None
        for rid in members:
            family_of[rid] = slug
    for rid, record in records.items():
        record.family = family_of.get(rid)


def _family_slug(members: set[str], by_domain: dict[str, set[str]], state: CatalogState) -> str:
    curated = Counter(family for m in members if m in state.frozen and (family := state.frozen[m].family))
    if curated:
        return min(curated, key=lambda f: (-curated[f], f))
    shared = [(len(ids & members), domain) for domain, ids in by_domain.items() if len(ids & members) > 1]
    _, domain = min(shared, key=lambda item: (-item[0], item[1]))
    labels = domain.split(".")
    while len(labels) > 2 and labels[0] in FAMILY_PREFIX_LABELS:
        labels.pop(0)
    return slugify(labels[0]) or slugify(domain)
