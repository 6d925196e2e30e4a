"""Former registrants: the California Attorney General's data broker registry (2020-2022), before the CPPA took it over.

Its rows (from the consolidated workbook) are history, never a current registration: they become
`former_registrations` (source key `ca-ag`), so no filter, DROP note or "registered in CA" reads them as
California registrations. A row matching an existing record only adds that history; a company found nowhere else
gets a record of its own, with the contact details it gave the Attorney General (noted as possibly out of date).
Curated records are matched and reported, never written. Re-importing first removes every `ca-ag` fact.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..models import FormerRegistration, Source
from .contacts import check_email, contact_domains, website_or_none
from .facts import apply_contacts
from .files import brokers_dir
from .matching import MatchIndex
from .merge import finish_import
from .names import clean_name, free_id
from .registries import RegistryEntry
from .report import MergeError, MergeReport, Placement
from .state import CatalogState, DraftBroker

FORMER_KEY = "ca-ag"
FORMER_REGISTRY = "California Attorney General data broker registry (2020-2022)"
FORMER_SOURCE = Source(
    title="California Attorney General, Data Broker Registry (2020-2022), as merged in the Privacy Rights Clearinghouse "
    "consolidated registry workbook, April 2025",
    url="https://privacyrights.org/data-brokers",
    retrieved=None,
    note="Third-party merge, not read from the Attorney General. The workbook gives no filing year: the Attorney "
    "General kept the registry until the CPPA took it over in 2023. Workbook copy committed to "
    "mjayjoh/data-broker-analysis on 2025-12-03 (f6cf1cd).",
)
STALE_NOTE = (
    "From the company's California Attorney General filing (2020-2022); it has not registered since, so this may be out of date."
)


def former_source() -> Source:
    import datetime as dt

    return FORMER_SOURCE.model_copy(update={"retrieved": dt.date(2025, 12, 3)})


def merge_former(entries: list[RegistryEntry], catalog: Path | str, *, dry_run: bool = False) -> MergeReport:
    directory = brokers_dir(catalog)
    state = CatalogState.load(directory) if directory.is_dir() else CatalogState(directory)
    report = MergeReport(entries=len(entries), dry_run=dry_run, skipped=list(state.problems), source_keys=[FORMER_KEY])
    report.baseline[FORMER_KEY] = FORMER_KEY if any(_has_former(r) for r in state.live_records().values()) else None
    before = {rid for rid, r in state.live_records().items() if _has_former(r)}
    for record in state.live_records().values():
        _strip(record)
    index = MatchIndex(state)
    grouped: dict[str, list[RegistryEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.row):
        rid = _place(state, index, entry, report)
        if rid is not None:
            grouped[rid].append(entry)
    for rid, group in sorted(grouped.items()):
        record = state.records[rid]
        first = sorted(group, key=lambda e: e.row)[0]
        record.former_registrations.append(
            FormerRegistration(registry=FORMER_REGISTRY, state="CA", name=clean_name(first.name), source=FORMER_KEY)
        )
        record.sources[FORMER_KEY] = former_source()
        if not record.registrations:
            apply_contacts(record, group, FORMER_KEY, note=STALE_NOTE)
    for rid, record in sorted(state.live_records().items()):
        if not record.registrations and not record.former_registrations:
            state.deleted.add(rid)
            report.deleted.append(rid)
    now = set(grouped)
    report.added = sorted(now - before)
    report.removed = sorted(before - now)
    return finish_import(state, report, dry_run)


def _has_former(record: DraftBroker) -> bool:
    return any(r.source == FORMER_KEY for r in record.former_registrations)


def _strip(record: DraftBroker) -> None:
    record.former_registrations = [r for r in record.former_registrations if r.source != FORMER_KEY]
    record.channels = [c for c in record.channels if c.source != FORMER_KEY]
    record.sources.pop(FORMER_KEY, None)


def _place(state: CatalogState, index: MatchIndex, entry: RegistryEntry, report: MergeReport) -> str | None:
    website = website_or_none(entry.website)
    emails = [c.value for c in (check_email(e) for e in entry.emails) if c.usable]
    candidates = index.match(entry.name, contact_domains(emails, website))
    rid = candidates[0] if candidates else None
    if rid is not None and rid in state.frozen:
        if state.frozen[rid].curated and rid not in report.kept_curated:
            report.kept_curated.append(rid)
        report.placements.append(Placement(FORMER_KEY, entry.row, entry.name, rid, curated=state.frozen[rid].curated))
        return None
    if rid is None:
        try:
            rid = free_id(entry.name, state.ids | set(state.records))
        except ValueError as exc:
            raise MergeError(str(exc)) from None
        state.records[rid] = DraftBroker.model_construct(id=rid, name=clean_name(entry.name), sources={}, website=website)
        report.created.append(rid)
        index.add(state.records[rid])
    report.placements.append(Placement(FORMER_KEY, entry.row, entry.name, rid))
    return rid
