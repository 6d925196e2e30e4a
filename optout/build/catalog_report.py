"""Read-only summaries of a broker catalog: coverage statistics and the difference between two catalogs."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..catalog import read_yaml
from ..models import Broker, ChannelKind
from .files import brokers_dir
from .registries import parse_key

LETTER_CHANNELS = (ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.POSTAL)


def load_brokers(catalog: Path | str) -> tuple[list[Broker], list[str]]:
    """Valid broker records of a catalog, and the names of files that did not load."""
    brokers, unreadable = [], []
    for path in sorted(brokers_dir(catalog).glob("*.yaml")):
        try:
            brokers.append(Broker.model_validate(read_yaml(path)))
        except (OSError, yaml.YAMLError, ValidationError):
            unreadable.append(path.name)
    return brokers, unreadable


# ---------------------------------------------------------------------------
# Stats


def catalog_stats(catalog: Path | str) -> dict:
    """Counts by registry and source key, usable-channel coverage, and sold_to/collects/regulated_by flags."""
    brokers, unreadable = load_brokers(catalog)
    by_registry: Counter = Counter()
    by_source: Counter = Counter()
    for broker in brokers:
        by_registry.update({r.state for r in broker.registrations})
        by_source.update({r.source for r in broker.registrations if parse_key(r.source)})
    coverage = {kind.value: sum(1 for b in brokers if _has_usable(b, kind)) for kind in ChannelKind}
    coverage["any_usable"] = sum(1 for b in brokers if b.usable_channels())
    coverage["letter_channel"] = sum(1 for b in brokers if any(_has_usable(b, k) for k in LETTER_CHANNELS))
    coverage["third_party_portal"] = sum(1 for b in brokers if any(c.third_party_portal for c in b.usable_channels()))
    return {
        "brokers": len(brokers),
        "curated": sum(1 for b in brokers if b.curated),
        "families": len({b.family for b in brokers if b.family}),
        "unreadable_files": unreadable,
        "by_registry": dict(sorted(by_registry.items())),
        "by_source": dict(sorted(by_source.items())),
        "channels": coverage,
        "sold_to": _flag_counts(brokers, "sold_to"),
        "collects": _flag_counts(brokers, "collects"),
        "regulated_by": _flag_counts(brokers, "regulated_by"),
        "categories": _category_counts(brokers),
        "merged_ids": sum(len(b.former_ids) for b in brokers),
        "former_only": sum(1 for b in brokers if b.former_registrations and not b.registrations),
        "unusable_channels": _unusable_counts(brokers),
        "suspected_duplicates": suspected_duplicates(brokers),
    }


def _category_counts(brokers: list[Broker]) -> dict[str, int]:
    counts = Counter(c.value for b in brokers for c in b.categories)
    counts["(none)"] = sum(1 for b in brokers if not b.categories)
    return {k: v for k, v in sorted(counts.items()) if v}


def _unusable_counts(brokers: list[Broker]) -> dict[str, int]:
    counts = Counter((c.problem.value if c.problem else "unspecified") for b in brokers for c in b.channels if not c.usable)
    counts["privacy-notice (usable as a last resort)"] = sum(
        1 for b in brokers for c in b.channels if c.usable and c.problem is not None
    )
    return dict(sorted(counts.items()))


def suspected_duplicates(brokers: list[Broker]) -> list[dict]:
    """Records sharing a registrable website domain where more than one says nothing of being a distinct entity."""
    from .contacts import url_host
    from .hygiene import registrable_domain

    by_domain: dict[str, list[Broker]] = {}
    for broker in brokers:
        domain = registrable_domain(url_host(broker.website)) if broker.website else None
        if domain:
            by_domain.setdefault(domain, []).append(broker)
    found = []
    for domain, members in sorted(by_domain.items()):
        unexplained = [b.id for b in members if not b.distinct_entity_reason]
        if len(members) > 1 and len(unexplained) > 1:
            found.append({"domain": domain, "ids": sorted(b.id for b in members), "unexplained": unexplained})
    return found


def _has_usable(broker: Broker, kind: ChannelKind) -> bool:
    return any(c.kind == kind for c in broker.usable_channels())


def _flag_counts(brokers: list[Broker], name: str) -> dict[str, int]:
    counts = Counter(value.value for b in brokers for value in getattr(b, name))
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------
# Diff


@dataclass
class CatalogDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_catalogs(old: Path | str, new: Path | str) -> CatalogDiff:
    """Records added, removed and changed (per field; channels per value) between two catalogs."""
    old_records, new_records = _raw_records(old), _raw_records(new)
    diff = CatalogDiff(
        added=sorted(set(new_records) - set(old_records)),
        removed=sorted(set(old_records) - set(new_records)),
    )
    for rid in sorted(set(old_records) & set(new_records)):
        changes = record_changes(old_records[rid], new_records[rid])
        if changes:
            diff.changed[rid] = changes
    return diff


def _raw_records(catalog: Path | str) -> dict[str, object]:
    # Raw YAML, not validated models, so a diff also works across a schema change or a broken file.
    records = {}
    for path in sorted(brokers_dir(catalog).glob("*.yaml")):
        try:
            records[path.stem] = read_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            records[path.stem] = {"(file)": f"unreadable: {type(exc).__name__}"}
    return records


def record_changes(old: object, new: object) -> list[str]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [] if old == new else ["(record)"]
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if key == "channels":
            changes += _channel_changes(old.get(key) or [], new.get(key) or [])
        else:
            changes.append(key)
    return changes


def _channel_changes(old: list, new: list) -> list[str]:
    def keyed(channels: list) -> dict:
        return {(c.get("kind"), c.get("value")): c for c in channels if isinstance(c, dict)}

    before, after = keyed(old), keyed(new)
    changes = [f"channels: +{k[0]} {str(k[1]).replace(chr(10), ', ')}" for k in sorted(set(after) - set(before), key=str)]
    changes += [f"channels: -{k[0]} {str(k[1]).replace(chr(10), ', ')}" for k in sorted(set(before) - set(after), key=str)]
    changes += [
        f"channels: ~{k[0]} {str(k[1]).replace(chr(10), ', ')}"
        for k in sorted(set(before) & set(after), key=str)
        if before[k] != after[k]
    ]
    if not changes:
        changes.append("channels: order")
    return changes
