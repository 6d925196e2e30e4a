"""What an import says differently from the baseline import of the same registry (the report's `changed`)."""

from __future__ import annotations

from ..models import Broker
from .channels import channel_key
from .facts import FLAG_FIELDS, Facts
from .registries import RegistryEntry, key_priority
from .state import CatalogState


def comparable_flags(state: CatalogState, baseline: str, entries: list[RegistryEntry]) -> dict[str, set]:
    """Flag values both imports could state.

    Registration forms change between years (the 2025 CA form has no "sold to the federal government"
    question). A value no entry of an import states is taken as not asked that year, and is left out
    of the year-to-year comparison instead of being reported as dropped by every broker.
    """
    comparable = {}
    for name in FLAG_FIELDS:
        now = {v for e in entries for v in getattr(e, name)}
        before = {v for r in state.live_records().values() for v, src in getattr(r, name).items() if src == baseline}
        comparable[name] = now & before
    return comparable


def describe_changes(record: Broker, baseline: str, facts: Facts, comparable: dict[str, set] | None = None) -> list[str]:
    """What `facts` say differently from what the baseline key said about this record.

    Facts owned by a key ranking above the baseline hide the baseline's own statement, so they are
    left out of the comparison on both sides. Only flag values in `comparable` are compared (all when None).
    """
    hidden = lambda source: source != baseline and key_priority(source) > key_priority(baseline)  # noqa: E731
    changes: list[str] = []
    old_name = next((r.name for r in record.registrations if r.source == baseline), None)
    if old_name and old_name != facts.registered_name:
        changes.append(f"name: '{old_name}' -> '{facts.registered_name}'")
    masked = {channel_key(c) for c in record.channels if hidden(c.source)}
    old = {channel_key(c): c for c in record.channels if c.source == baseline}
    new = {channel_key(c): c for c in facts.channels if channel_key(c) not in masked}
    for k in sorted(set(new) - set(old)):
        changes.append(f"{k[0]} +{_one_line(new[k].value)}")
    for k in sorted(set(old) - set(new)):
        changes.append(f"{k[0]} -{_one_line(old[k].value)}")
    for name in FLAG_FIELDS:
        owned = getattr(record, name)
        allowed = (lambda v: True) if comparable is None else comparable[name].__contains__
        old_flags = {v.value for v, src in owned.items() if src == baseline and allowed(v)}
        new_flags = {v.value for v in facts.flags[name] if allowed(v) and not (v in owned and hidden(owned[v]))}
        changes += [f"{name} +{v}" for v in sorted(new_flags - old_flags)]
        changes += [f"{name} -{v}" for v in sorted(old_flags - new_flags)]
    return changes


def _one_line(value: str) -> str:
    return value.replace("\n", ", ")
