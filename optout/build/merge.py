"""Merge registry entries into the broker catalog (one YAML file per legal entity).

Rules, in the order they matter:
- Identity (matching.py): an entry belongs to the record whose name, registered name or brand matches; distinct
  entities of one company family stay distinct records, linked by `family` (families.py).
- Curated records (`curated: true`) and files that do not load are never modified (state.py). An entry matching
  a curated record is reported as kept curated.
- Provenance (facts.py): every fact carries the source key `<registry>-<year>` (`ca-2026`). Re-importing a key
  first removes that key's facts from every importer-made record, then adds the new ones, so facts from other
  keys stay and a re-import of the same file writes byte-identical files (dump.py).
- The model keeps one source per channel and per flag. When two registries state the same fact, the newer
  registry year (then the order of registries.yaml: CA > VT > TX > OR) owns it.
- Ids (names.py): the normalised legal name, hyphenated; a collision with an existing id gets `-<hex of sha1>`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from .changes import comparable_flags, describe_changes
from .contacts import check_email, contact_domains, website_or_none
from .dump import broker_yaml, with_redirects
from .facts import apply_facts, entry_facts, finish, mark_typos, strip_source
from .families import link_families
from .files import brokers_dir, disk_text, write_atomically
from .matching import MatchIndex
from .names import clean_name, free_id, normalize_legal_name
from .registries import RegistryEntry, key_priority, parse_key, source_key, split_key
from .report import MergeError, MergeReport, Placement
from .resolve import mark_shared_domains, resolve
from .state import CatalogState, DraftBroker

__all__ = ["MergeError", "MergeReport", "merge"]


def merge(
    entries: list[RegistryEntry],
    catalog: Path | str,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> MergeReport:
    """Merge `entries` into the catalog at `catalog` (a catalog root with brokers/, or the brokers folder)."""
    directory = brokers_dir(catalog)
    state = CatalogState.load(directory) if directory.is_dir() else CatalogState(directory)
    report = MergeReport(entries=len(entries), dry_run=dry_run, skipped=list(state.problems))
    groups: dict[str, list[RegistryEntry]] = defaultdict(list)
    for entry in entries:
        groups[source_key(entry.registry, entry.year)].append(entry)
    placed = iter(range(1, len(entries) + 1))

    def tick() -> None:
        done = next(placed)
        if progress:
            progress(done, len(entries))

    for key in sorted(groups, key=key_priority, reverse=True):
        _merge_source(state, key, groups[key], report, tick)
    for old, curated in sorted(report.superseded.items()):
        if old in state.deleted and curated in state.frozen:
            state.frozen[curated].add_redirects([old, *state.records[old].former_ids], [])
    return finish_import(state, report, dry_run)


def finish_import(state: CatalogState, report: MergeReport, dry_run: bool) -> MergeReport:
    """What every import ends with: typo marks, entity resolution, shared domains, families, then the files."""
    for record in state.live_records().values():
        mark_typos(record)  # before resolution and families, which read only usable contacts
    for merged in resolve(state):
        report.merged.append({"old": merged.old, "into": merged.into, "reason": merged.reason})
        report.deleted.append(merged.old)
    mark_shared_domains(state)
    link_families(state)
    for record in state.live_records().values():
        finish(record)
    _save(state, report, dry_run)
    return report


def _merge_source(
    state: CatalogState, key: str, entries: list[RegistryEntry], report: MergeReport, tick: Callable[[], None]
) -> None:
    registry, year = split_key(key)
    baseline = _baseline_key(state, key)
    baseline_ids = state.registered_under(baseline) if baseline else set()
    report.source_keys.append(key)
    report.baseline[key] = baseline
    index = MatchIndex(state)
    grouped: dict[str, list[RegistryEntry]] = defaultdict(list)
    matched: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.row):
        rid = _place(state, index, entry, key, report)
        tick()
        matched.add(rid)
        if rid in state.records:
            grouped[rid].append(entry)
    facts = {rid: entry_facts(group, key, state.records[rid].aliases) for rid, group in grouped.items()}
    comparable = comparable_flags(state, baseline, entries) if baseline else {}
    for rid in sorted(grouped):
        record = state.records[rid]
        if baseline and rid in baseline_ids and rid not in report.created:
            diff = describe_changes(record, baseline, facts[rid], comparable)
            if diff:
                report.changed[rid] = diff
        apply_facts(record, key, registry, year, facts[rid])
    for rid, record in sorted(state.live_records().items()):
        if rid not in grouped and any(r.source == key for r in record.registrations):
            strip_source(record, key)
            if not record.registrations:
                state.deleted.add(rid)
                report.deleted.append(rid)
    report.added += sorted(matched - baseline_ids)
    report.removed += sorted(baseline_ids - matched - set(report.superseded))


def _baseline_key(state: CatalogState, key: str) -> str | None:
    """The same key when re-importing; else the nearest year (ties: later) imported for that registry."""
    registry, year = split_key(key)
    imported = state.imported_keys()
    if key in imported:
        return key
    same_registry = [parsed[1] for k in imported if (parsed := parse_key(k)) and parsed[0] == registry]
    if not same_registry:
        return None
    nearest = min(same_registry, key=lambda y: (abs(y - year), -y))
    return source_key(registry, nearest)


def _place(state: CatalogState, index: MatchIndex, entry: RegistryEntry, key: str, report: MergeReport) -> str:
    """Id of the record this entry belongs to, creating an empty record when there is none."""
    website = website_or_none(entry.website)
    emails = [c.value for c in (check_email(e) for e in entry.emails) if c.usable]
    candidates = index.match(entry.name, contact_domains(emails, website))
    rid = candidates[0] if candidates else None
    if rid is not None and rid in state.frozen:
        frozen = state.frozen[rid]
        if frozen.curated:
            if rid not in report.kept_curated:
                report.kept_curated.append(rid)
            for other in index.exact.get(normalize_legal_name(entry.name), set()):
                if other in state.records:
                    report.superseded[other] = rid
        else:
            report.skipped.append(f"{key} row {entry.row} ({entry.name}): matches {rid}.yaml, which does not load")
        report.placements.append(Placement(key, entry.row, entry.name, rid, curated=frozen.curated))
        return rid
    if rid is None:
        try:
            rid = free_id(entry.name, state.ids | set(state.records))
        except ValueError as exc:
            raise MergeError(str(exc)) from None
        state.records[rid] = DraftBroker.model_construct(
            id=rid,
            name=clean_name(entry.name),
            brands=[],
            channels=[],
            registrations=[],
            sold_to={},
            collects={},
            regulated_by={},
            sources={},
            website=None,
            family=None,
            notes=None,
            no_channel_reason=None,
            curated=False,
        )
        report.created.append(rid)
        index.add(state.records[rid])
    report.placements.append(Placement(key, entry.row, entry.name, rid))
    return rid


def _save(state: CatalogState, report: MergeReport, dry_run: bool) -> None:
    if not dry_run:
        state.directory.mkdir(parents=True, exist_ok=True)
    for rid, record in sorted(state.live_records().items()):
        text = broker_yaml(record)
        if text == state.original_text.get(rid):
            continue
        if not dry_run and not _write_if_unchanged(state, rid, text):
            report.skipped.append(f"{rid}.yaml: changed on disk during the merge; not written")
            continue
        report.written.append(rid)
    for rid, frozen in sorted(state.frozen.items()):
        broker = frozen.broker
        if broker is None or not frozen.curated:
            continue
        if (frozen.aliases, frozen.former_ids) == (list(broker.aliases), list(broker.former_ids)):
            continue
        text = with_redirects(state.original_text[rid], frozen.aliases, sorted(frozen.former_ids))
        if not dry_run and not _write_if_unchanged(state, rid, text):
            report.skipped.append(f"{rid}.yaml: changed on disk during the merge; redirects not written")
            continue
        report.written.append(rid)
    for rid in sorted(state.deleted):
        path = state.directory / f"{rid}.yaml"
        if not dry_run and rid in state.original_text:
            if disk_text(path) == state.original_text[rid]:
                path.unlink()
            else:
                report.skipped.append(f"{rid}.yaml: changed on disk during the merge; not deleted")


def _write_if_unchanged(state: CatalogState, rid: str, text: str) -> bool:
    """Atomic write (temp file + os.replace), refusing when someone else changed or created the file meanwhile."""
    path = state.directory / f"{rid}.yaml"
    if disk_text(path) != state.original_text.get(rid):
        return False
    write_atomically(path, text)
    return True
