"""Entity resolution: one record per legal entity, even when registries spell it two ways.

Registry rows for one company end up in two records when a filing misspells the name ("Crisil Irvena US LLC"),
adds a short name ("General Information Solutions LLC ("GIS")") or files under its brand ("BIGDBM" beside
"PublicNSA LLC"). After each import, records are merged when:
- they share a registrable domain (website or a contact email's) and their names are close: equal once
  punctuation, quoted or parenthesised short names and corporate suffixes are dropped, or one or two typing
  slips apart (names of 8+ letters); or
- their names are equal but for spaces and punctuation ("R. L. Polk & Co." / "R.L. Polk & Co.") and their
  websites do not disagree; or
- one lists the other as its brand (DBA), they share a registrable domain, and either both list each other or
  the brand is a trade name without a corporate suffix (a name with a suffix is an entity of its own).
Two curated records are never merged. The surviving record keeps the other's spellings as `aliases` and its id
in `former_ids` (so `optout brokers show OLD` finds it); when the survivor is curated, only those two lists of
its file are updated. Records that still share a website domain are marked `distinct_entity_reason`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .channels import channel_key
from .contacts import GENERIC_MAIL_DOMAINS, portal_host_vendor
from .hygiene import domain_label, edit_distance, registrable_domain
from .names import _tokens, has_legal_suffix, normalize_legal_name, split_dba
from .registries import key_priority
from .state import CatalogState, DraftBroker

QUOTED_OR_PARENS = re.compile(r"\([^)]*\)|\"[^\"]*\"|\u201c[^\u201d]*\u201d")
MIN_TYPO_LENGTH = 8


@dataclass
class Node:
    """What resolution needs to know of one record, importer-made or curated."""

    id: str
    name: str
    curated: bool
    names: list[str]
    brands: list[str]
    domains: set[str]
    website_domain: str | None
    registrations: int = 0
    priority: tuple[int, int] = (0, 0)
    aliases: list[str] = field(default_factory=list)


# Corporate-form words the names module keeps (they are part of ids) but that never tell two entities apart.
EXTRA_SUFFIXES = re.compile(r"(?:\s+(?:pvt|private|limited|ltd))+$")


def name_forms(name: str) -> set[str]:
    """Spellings to compare: with and without corporate suffixes, without quoted or parenthesised short names."""
    core = QUOTED_OR_PARENS.sub(" ", name)
    forms = {normalize_legal_name(core), " ".join(_tokens(core)), normalize_legal_name(name)}
    forms |= {EXTRA_SUFFIXES.sub("", f) for f in forms}
    return {f for f in forms if f}


def squeezed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", normalize_legal_name(QUOTED_OR_PARENS.sub(" ", name)))


def names_close(a: list[str], b: list[str]) -> str | None:
    """Why two sets of names are one entity's ('same name', 'typo'), or None."""
    forms_a = set().union(*(name_forms(n) for n in a))
    forms_b = set().union(*(name_forms(n) for n in b))
    if forms_a & forms_b:
        return "same name once punctuation, short names and corporate suffixes are set aside"
    for x in sorted(forms_a):
        for y in sorted(forms_b):
            shortest = min(len(x), len(y))
            allowed = 1 if shortest < 12 else 2
            if shortest >= MIN_TYPO_LENGTH and edit_distance(x, y) <= allowed:
                return f"names one or two typing slips apart ('{x}' / '{y}')"
    return None


def brand_names(brands: list[str]) -> set[str]:
    out: set[str] = set()
    for brand in brands:
        main, dbas = split_dba(brand)
        out |= {normalize_legal_name(n) for n in [main, *dbas] if normalize_legal_name(n)}
    return out


def _names_of(record: DraftBroker) -> list[str]:
    return [record.name, *record.aliases, *(r.name for r in record.registrations if r.name)]


def _node(record: DraftBroker, curated: bool) -> Node:
    found: set[str | None] = set()
    website_domain = None
    if record.website:
        from .contacts import url_host

        website_domain = registrable_domain(url_host(record.website))
    for channel in record.usable_channels():
        if channel.kind.value == "email":
            found.add(registrable_domain(channel.value.rsplit("@", 1)[-1]))
    found.add(website_domain)
    domains = {d for d in found if d and d not in GENERIC_MAIL_DOMAINS and portal_host_vendor(d) is None}
    return Node(
        id=record.id,
        name=record.name,
        curated=curated,
        names=_names_of(record),
        brands=list(record.brands),
        domains=domains,
        website_domain=website_domain,
        registrations=len(record.registrations),
        priority=max((key_priority(r.source) for r in record.registrations), default=(0, 0)),
        aliases=list(record.aliases),
    )


def same_entity(a: Node, b: Node) -> str | None:
    """Why `a` and `b` are one legal entity, or None."""
    shared = a.domains & b.domains
    close = names_close(a.names, b.names)
    if close and shared:
        return f"{close}; both use {sorted(shared)[0]}"
    squeeze_a, squeeze_b = {squeezed(n) for n in a.names}, {squeezed(n) for n in b.names}
    websites_agree = not (a.website_domain and b.website_domain and a.website_domain != b.website_domain)
    if squeeze_a & squeeze_b - {""} and websites_agree:
        return "same name but for spaces and punctuation, and no website says otherwise"
    if not shared:
        return None
    a_brands, b_brands = brand_names(a.brands), brand_names(b.brands)
    a_names = {normalize_legal_name(n) for n in a.names}
    b_names = {normalize_legal_name(n) for n in b.names}
    a_lists_b, b_lists_a = bool(a_brands & b_names), bool(b_brands & a_names)
    if a_lists_b and b_lists_a:
        return f"each lists the other as a brand (DBA); both use {sorted(shared)[0]}"
    if a_lists_b and not has_legal_suffix(b.name):
        return f"'{b.name}' is a brand (DBA) of '{a.name}'; both use {sorted(shared)[0]}"
    if b_lists_a and not has_legal_suffix(a.name):
        return f"'{a.name}' is a brand (DBA) of '{b.name}'; both use {sorted(shared)[0]}"
    return None


# Words company names are made of: a name token one or two slips from one of these ("Vnetures", "Corpoation") is
# a misspelling, so the record spelled right survives a merge.
COMMON_NAME_WORDS = frozenset(
    """
    advertising analytics associates audience business capital commerce communications company consulting consumer
    corporation credit data digital direct financial global group holdings identity information insights intelligence
    interactive international investigations leads lists location management marketing media mobile network networks
    partners people public records research resources risk search security services software solutions systems
    technologies technology ventures verification
    """.split()
)


def _slip(token: str, word: str) -> bool:
    """One slip from `word`, or two in a long word ("compact" is not a misspelt "company")."""
    distance = edit_distance(token, word)
    return distance == 1 or (distance == 2 and min(len(token), len(word)) >= 8)


TRIPLED_LETTER = re.compile(r"([a-z])\1\1")


def misspelt_words(name: str) -> int:
    """Tokens one or two slips from a common name word, or with a letter typed three times ("Boardrooom")."""
    return sum(
        1
        for token in _tokens(name)
        if TRIPLED_LETTER.search(token)
        or (token not in COMMON_NAME_WORDS and len(token) >= 5 and any(_slip(token, w) for w in COMMON_NAME_WORDS))
    )


def _survivor_rank(node: Node) -> tuple:
    """Curated first; then a name without misspelt words; then a legal name (with a corporate suffix) over a brand;
    then a name its own domain spells; then the most registrations, the newest, the shortest id."""
    spelled = any(squeezed(node.name) and squeezed(node.name) in domain_label(d).replace("-", "") for d in node.domains)
    return (
        not node.curated,
        misspelt_words(node.name),
        not has_legal_suffix(node.name),
        not spelled,
        -node.registrations,
        tuple(-p for p in node.priority),
        len(node.id),
        node.id,
    )


@dataclass
class Merged:
    old: str
    into: str
    reason: str


def resolve(state: CatalogState) -> list[Merged]:
    """Merge records of one legal entity (see the module docstring); returns what was merged into what."""
    records = state.live_records()
    nodes = {rid: _node(r, False) for rid, r in records.items()}
    for rid, frozen in state.frozen.items():
        if frozen.curated and frozen.broker is not None:
            nodes[rid] = _node(DraftBroker.model_validate(frozen.broker.model_dump()), True)
    pairs = _candidate_pairs(nodes)
    parent = {rid: rid for rid in nodes}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    curated_in = {rid: int(node.curated) for rid, node in nodes.items()}
    reasons: dict[frozenset, str] = {}
    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra == rb or curated_in[ra] + curated_in[rb] > 1:
            continue
        reason = same_entity(nodes[a], nodes[b])
        if reason is None:
            continue
        first, second = sorted((ra, rb))
        parent[second] = first
        curated_in[first] += curated_in[second]
        reasons[frozenset((a, b))] = reason
    components: dict[str, list[str]] = defaultdict(list)
    for rid in sorted(nodes):
        components[root(rid)].append(rid)
    merged: list[Merged] = []
    for members in components.values():
        if len(members) < 2:
            continue
        survivor = min(members, key=lambda rid: _survivor_rank(nodes[rid]))
        for rid in members:
            if rid == survivor:
                continue
            reason = next((r for k, r in sorted(reasons.items(), key=lambda i: sorted(i[0])) if rid in k), "linked")
            _absorb(state, survivor, rid)
            merged.append(Merged(rid, survivor, reason))
    return sorted(merged, key=lambda m: (m.into, m.old))


def _candidate_pairs(nodes: dict[str, Node]) -> list[tuple[str, str]]:
    """Pairs sharing a registrable domain or a squeezed name: the only ones worth comparing."""
    buckets: dict[str, set[str]] = defaultdict(set)
    for rid, node in nodes.items():
        for domain in node.domains:
            buckets["d:" + domain].add(rid)
        for name in node.names:
            if squeezed(name):
                buckets["n:" + squeezed(name)].add(rid)
    pairs = set()
    for ids in buckets.values():
        ordered = sorted(ids)
        if len(ordered) > 40:  # a hosting or holding domain many companies use: no evidence
            continue
        pairs |= {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]}
    return sorted(pairs)


def _absorb(state: CatalogState, survivor: str, old: str) -> None:
    """Move `old`'s facts into `survivor` (importer-made), or only its redirect (curated survivor); delete `old`."""
    record = state.records.get(old)
    if record is None:
        return
    spellings = [n for n in [record.name, *record.aliases, *(r.name for r in record.registrations if r.name)] if n]
    former = [old, *record.former_ids]
    if survivor in state.frozen:
        frozen = state.frozen[survivor]
        frozen.add_redirects(former, spellings)
    else:
        _merge_facts(state.records[survivor], record, spellings, former)
    state.deleted.add(old)


def _merge_facts(target: DraftBroker, other: DraftBroker, spellings: list[str], former: list[str]) -> None:
    taken = {target.name, *target.aliases}
    for name in spellings:
        if name not in taken:
            target.aliases.append(name)
            taken.add(name)
    target.former_ids = sorted(set(target.former_ids) | set(former))
    keys = {r.source for r in target.registrations}
    target.registrations += [r for r in other.registrations if r.source not in keys]
    target.former_registrations += [r for r in other.former_registrations if r not in target.former_registrations]
    for key, source in other.sources.items():
        target.sources.setdefault(key, source)
    have = {channel_key(c): i for i, c in enumerate(target.channels)}
    for channel in other.channels:
        index = have.get(channel_key(channel))
        if index is None:
            target.channels.append(channel)
        elif key_priority(channel.source) > key_priority(target.channels[index].source):
            target.channels[index] = channel
    for name in ("sold_to", "collects", "regulated_by"):
        owned = getattr(target, name)
        for value, key in getattr(other, name).items():
            if value not in owned or key_priority(key) > key_priority(owned[value]):
                owned[value] = key
    known = {normalize_legal_name(b) for b in target.brands}
    target.brands += [b for b in other.brands if normalize_legal_name(b) not in known]
    target.website = target.website or other.website
    lines = [line for line in (target.notes or "").split("\n") if line]
    lines += [line for line in (other.notes or "").split("\n") if line and line not in lines]
    target.notes = "\n".join(lines) or None
    for category in other.categories:
        if category not in target.categories:
            target.categories.append(category)
            if category in other.category_basis:
                target.category_basis[category] = other.category_basis[category]


def mark_shared_domains(state: CatalogState) -> None:
    """Records left sharing a registrable website domain are distinct entities: say so, with the evidence."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for rid, record in state.live_records().items():
        node = _node(record, False)
        names[rid] = record.name
        if node.website_domain:
            by_domain[node.website_domain].append(rid)
    for rid, frozen in state.frozen.items():
        if frozen.curated and frozen.broker is not None:
            node = _node(DraftBroker.model_validate(frozen.broker.model_dump()), True)
            names[rid] = node.name
            if node.website_domain:
                by_domain[node.website_domain].append(rid)
    reasons: dict[str, str] = {}
    for domain, ids in by_domain.items():
        if len(ids) < 2:
            continue
        for rid in ids:
            others = ", ".join(f"{names[o]} ({o})" for o in sorted(ids) if o != rid)
            reasons[rid] = (
                f"Files under its own legal name ({names[rid]}); {others} also use {domain} but file under other "
                "names that are not a spelling of this one (a DBA with a corporate suffix counts as an entity of its own)."
            )
    for rid, record in state.live_records().items():
        record.distinct_entity_reason = reasons.get(rid)
