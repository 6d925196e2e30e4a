"""Questions asked of the catalog: broker filters, law summaries, and the engine's decision as data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .catalog import Catalog, UnknownRecord
from .channels import channel_choice
from .errors import InputError
from .models import Broker, Category, DataCollected, Decision, Law, LawKind, Recipient, RequestKind


def _enum_value(enum, text: str, dash: bool = False):
    """Accept both `federal-government` (CLI style) and `federal_government` (catalog style); categories use dashes."""
    try:
        value = text.strip().lower()
        return enum(value.replace("_", "-") if dash else value.replace("-", "_"))
    except ValueError:
        choices = ", ".join(v.value.replace("_", "-") for v in enum)
        raise InputError(f"unknown value '{text}': choose from {choices}") from None


@dataclass
class BrokerFilter:
    sold_to: list[str] = field(default_factory=list)
    collects: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    search: str | None = None
    ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sold_to = [_enum_value(Recipient, v) for v in self.sold_to]
        self._collects = [_enum_value(DataCollected, v) for v in self.collects]
        self._registered = [v.strip().upper() for v in self.registered]
        self._categories = [_enum_value(Category, v.replace("_", "-"), dash=True) for v in self.categories]

    def matches(self, broker: Broker) -> bool:
        if self.ids and broker.id not in self.ids:
            return False
        if any(r not in broker.sold_to for r in self._sold_to):
            return False
        if any(c not in broker.collects for c in self._collects):
            return False
        states = {r.state for r in broker.registrations}
        if any(s not in states for s in self._registered):
            return False
        if any(c not in broker.categories for c in self._categories):
            return False
        if self.search:
            needle = self.search.casefold()
            names = [broker.id, *broker.display_names, *broker.aliases, *broker.former_ids, broker.parent or ""]
            haystack = " ".join(names).casefold()
            if needle not in haystack:
                return False
        return True


def filter_brokers(brokers: Mapping[str, Broker], criteria: BrokerFilter) -> list[Broker]:
    if criteria.ids:  # only the records named need reading (a loaded catalog validates each as it is read)
        brokers = {key: brokers[key] for key in criteria.ids if key in brokers}
    return [b for _, b in sorted(brokers.items()) if criteria.matches(b)]


SELECTOR_KEYS = {"sold-to": "sold_to", "collects": "collects", "category": "categories", "registered": "registered"}


def select_brokers(spec: str, catalog: Catalog) -> list[Broker]:
    """`a,b` is the union of the parts; `x+y` inside a part narrows (both must hold).

    Parts: a broker id, `all`, `sold-to:RECIPIENT`, `collects:DATA`, `category:NAME`, `registered:STATE`.
    """
    chosen: dict[str, Broker] = {}
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        criteria: dict[str, list[str]] = {}
        ids: list[str] = []
        for term in part.split("+"):
            term = term.strip()
            if term == "all":
                continue
            if ":" in term:
                key, _, value = term.partition(":")
                if key not in SELECTOR_KEYS:
                    raise InputError(
                        f"brokers: unknown selector '{key}:'; use {', '.join(k + ':' for k in SELECTOR_KEYS)}, a broker id or all"
                    )
                criteria.setdefault(SELECTOR_KEYS[key], []).append(value)
            else:
                # Raises a clear error for an unknown id; an id merged into another record selects that record.
                ids.append(catalog.broker(term).id)
        for broker in filter_brokers(
            catalog.brokers,
            BrokerFilter(
                ids=ids,
                sold_to=criteria.get("sold_to", []),
                collects=criteria.get("collects", []),
                categories=criteria.get("categories", []),
                registered=criteria.get("registered", []),
            ),
        ):
            chosen[broker.id] = broker
    if not chosen:
        raise InputError(f"brokers '{spec}' select no broker")
    return [chosen[key] for key in sorted(chosen)]


def merged_ids(spec: str, catalog: Catalog) -> list[tuple[str, str]]:
    """(old id, id it was merged into) for each old id named in a broker selector, so the CLI can say so."""
    terms = [t.strip() for part in spec.split(",") for t in part.split("+")]
    return [(t, target) for t in terms if t and ":" not in t and (target := catalog.merged_into(t))]


def broker_summary(broker: Broker, requested_id: str | None = None) -> dict:
    """A broker as data; `requested_id` is the id asked for, when it is an old id merged into this record."""
    return {
        "id": broker.id,
        "merged_from": requested_id if requested_id and requested_id != broker.id else None,
        "name": broker.name,
        "aliases": broker.aliases,
        "former_ids": broker.former_ids,
        "brands": broker.brands,
        "family": broker.family,
        "role": broker.role.value,
        "categories": [c.value for c in broker.categories],
        "category_basis": {c.value: basis for c, basis in broker.category_basis.items()},
        "distinct_entity_reason": broker.distinct_entity_reason,
        "former_registrations": [r.model_dump(mode="json", exclude_none=True) for r in broker.former_registrations],
        "chosen_channels": {kind.value: _choice(broker, kind) for kind in RequestKind},
        "channels": [
            {
                "kind": c.kind.value,
                "value": c.value,
                "accepts": [a.value for a in c.accepts],
                "source": c.source,
                "route": c.route,
                "problem": c.problem.value if c.problem else None,
            }
            for c in broker.usable_channels()
        ],
        "registrations": [{"state": r.state, "year": r.year} for r in broker.registrations],
        "sold_to": sorted(r.value for r in broker.sold_to),
        "collects": sorted(c.value for c in broker.collects),
        "regulated_by": sorted(r.value for r in broker.regulated_by),
        "curated": broker.curated,
        "sources": {k: s.model_dump(mode="json", exclude_none=True) for k, s in broker.sources.items()},
    }


def _choice(broker: Broker, request: RequestKind) -> dict:
    choice = channel_choice(broker, request)
    channel = choice.channel
    return {"kind": channel.kind.value if channel else None, "value": channel.value if channel else None, "reason": choice.reason}


def law_status(law: Law, on: dt.date) -> str:
    if law.in_force(on):
        return "in_force"
    if law.effective and on < law.effective:
        return "not_yet_effective"
    return "no_longer_in_force"


def law_summary(law: Law, on: dt.date) -> dict:
    return {
        "id": law.id,
        "kind": law.kind.value,
        "jurisdiction": law.jurisdiction,
        "name": law.name,
        "short_name": law.short_name,
        "citation": law.citation,
        "effective": law.effective.isoformat() if law.effective else None,
        "in_force": law.in_force(on),
        "status": law_status(law, on),
        "who": law.who,
        "rights": {
            right.value: {
                "section": g.section or law.citation,
                "terms": g.terms,
                "scope": g.scope,
                "deletion_scope": g.deletion_scope.value if g.deletion_scope else None,
                "agent_allowed": g.agent_allowed,
            }
            for right, g in law.rights.items()
        },
        "response": law.response.model_dump(mode="json") if law.response else None,
        "appeal": law.appeal.model_dump(mode="json") if law.appeal else {"available": False, "days": None},
        "regulator": law.regulator.model_dump(mode="json") if law.regulator else None,
        "notes": law.notes,
        "checked": law.checked.isoformat(),
        "sources": {k: s.model_dump(mode="json", exclude_none=True) for k, s in law.sources.items()},
    }


def laws_for(laws: Mapping[str, Law], selector: str) -> list[Law]:
    """A law id, or a two-letter jurisdiction (all laws of that state)."""
    if selector in laws:
        return [laws[selector]]
    found = [law for law in laws.values() if law.jurisdiction.upper() == selector.upper()]
    if not found:
        raise UnknownRecord(f"no law with id or jurisdiction '{selector}': `optout laws list` shows them")
    return sorted(found, key=lambda law: (law.kind is not LawKind.COMPREHENSIVE, law.id))


def decision_summary(decision: Decision, broker: Broker | None = None) -> dict:
    """The decision as data; with `broker`, the channel carries the reason it was picked."""
    rights: dict[str, str] = {}
    for invoked in decision.rights:
        rights.setdefault(invoked.right.value, invoked.section)
    return {
        "requested": decision.requested.value,
        "request": decision.request.value,
        "laws": decision.laws,
        "rights": rights,
        "rights_detail": [r.model_dump(mode="json") for r in decision.rights],
        "channel": _decision_channel(decision, broker),
        "due_date": decision.due_date.isoformat() if decision.due_date else None,
        "deadlines": [d.model_dump(mode="json") for d in decision.deadlines],
        "clock_applies": decision.clock_applies,
        "signer": decision.signer.value,
        "refused_for_agent": [r.model_dump(mode="json") for r in decision.refused_for_agent],
        "notes": [_note_text(note) for note in decision.notes],
        "note_codes": [note.code for note in decision.notes],
    }


def _decision_channel(decision: Decision, broker: Broker | None) -> dict | None:
    if decision.channel is None:
        return None
    found = {"kind": decision.channel.kind.value, "value": decision.channel.value}
    if broker is not None:
        choice = channel_choice(broker, decision.request)
        if choice.channel == decision.channel:
            found["reason"] = choice.reason
    return found


def _note_text(note) -> str:
    from .templating import render_note  # Jinja2 only where a note is worded: `brokers list` needs none

    return render_note(note)
