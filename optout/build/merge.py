"""Merge registry entries into the broker catalog (one YAML file per legal entity).

Rules, in the order they matter:
- Identity: an entry belongs to the record whose normalised legal name, registered name or brand equals
  the entry's normalised name (brands of importer-made records only count when a domain is shared too);
  failing that, a looser name match is accepted when the email/web domains agree. Distinct entities of
  one company family stay distinct records, linked by `family` (a shared email or web domain).
- Curated records (`curated: true`) and files that do not load are never modified. An entry matching a
  curated record is reported as kept curated.
- Provenance: every fact carries the source key `<registry>-<year>` (`ca-2026`). Re-importing a key first
  removes that key's facts from every importer-made record, then adds the new ones, so facts from other
  keys stay and a re-import of the same file writes byte-identical files.
- The model keeps one source per channel and per flag. When two registries state the same fact, the
  newer registry year (then CA > VT > TX > OR) owns it.
- Slugs: the normalised legal name, hyphenated; a collision with an existing id gets `-<6 hex of sha1>`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml
from pydantic import ValidationError

from ..catalog import read_yaml
from .contacts import (
    PORTAL_HOSTS,
    CheckedContact,
    check_email,
    check_phone,
    check_postal,
    check_url,
    contact_domains,
    website_or_none,
)
from ..fsutil import atomic_write
from ..models import Broker, Channel, ChannelKind, Registration, Registry, RegistryEntry, RequestKind, Source
from .names import clean_name, has_legal_suffix, loose_names, name_hash, normalize_legal_name, slugify

# ---------------------------------------------------------------------------
# Sources

REGISTRY_URLS = {
    Registry.CA: "https://cppa.ca.gov/data_broker_registry/",
    Registry.VT: "https://sos.vermont.gov/corporations/other-services/data-brokers/",
    Registry.TX: "https://www.sos.state.tx.us/statdoc/data-brokers.shtml",
    Registry.OR: "https://dfr.oregon.gov/business/licensing/data-broker-registry",
}
REGISTRY_AGENCIES = {
    Registry.CA: "California Privacy Protection Agency",
    Registry.VT: "Vermont Secretary of State",
    Registry.TX: "Texas Secretary of State",
    Registry.OR: "Oregon Division of Financial Regulation",
}
CONSOLIDATED_NOTE = "as merged by Privacy Rights Clearinghouse, April 2025"
KNOWN_SOURCES: dict[str, tuple[str, dt.date | None, str | None]] = {
    "ca-2026": (
        "California Privacy Protection Agency, Data Broker Registry 2026 (registry.csv retrieved 2026-06-04)",
        dt.date(2026, 6, 4),
        None,
    ),
    "ca-2025": (
        "California Privacy Protection Agency, Data Broker Registry 2025",
        dt.date(2025, 12, 3),
        "retrieved is the date the CSV was committed to mjayjoh/data-broker-analysis (f6cf1cd), not a download date",
    ),
    "vt-2025": ("Vermont Secretary of State, Data Broker Registry 2025", dt.date(2025, 4, 1), CONSOLIDATED_NOTE),
    "tx-2025": ("Texas Secretary of State, Data Broker Registry 2025", dt.date(2025, 4, 1), CONSOLIDATED_NOTE),
    "or-2025": ("Oregon Division of Financial Regulation, Data Broker Registry 2025", dt.date(2025, 4, 1), CONSOLIDATED_NOTE),
    "vt-2020": (
        "Vermont Secretary of State, Data Broker Registry 2020 (state registration-form layout)",
        dt.date(2021, 3, 29),
        "filings for the 2019/2020 registration years; retrieved is the commit date in the-markup/investigation-data-broker-lobbying (093b6ab)",
    ),
}
REGISTRY_RANK = {Registry.CA: 4, Registry.VT: 3, Registry.TX: 2, Registry.OR: 1}
KEY_PATTERN = re.compile(r"^(ca|vt|tx|or)-(\d{4})$")
CHANNEL_ORDER = [ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.POSTAL, ChannelKind.PHONE, ChannelKind.FAX]
FLAG_FIELDS = ("sold_to", "collects", "regulated_by")
# Domains that many unrelated brokers share (mailbox providers, request-portal vendors) are no evidence of a family.
MAX_FAMILY_SIZE = 25
FAMILY_PREFIX_LABELS = {"www", "mail", "email", "privacy", "legal", "info", "contact", "support", "compliance", "dataprivacy"}


def source_key(registry: Registry, year: int) -> str:
    return f"{registry.value.lower()}-{year}"


def registry_source(registry: Registry, year: int) -> Source:
    """The Source entry for one registry year (title naming registry and year, registry URL, retrieval date)."""
    title, retrieved, note = KNOWN_SOURCES.get(
        source_key(registry, year),
        (f"{REGISTRY_AGENCIES[registry]}, Data Broker Registry {year}", None, "retrieval date not recorded"),
    )
    return Source(title=title, url=REGISTRY_URLS[registry], retrieved=retrieved, note=note)


def parse_key(key: str) -> tuple[Registry, int] | None:
    match = KEY_PATTERN.match(key)
    return (Registry(match.group(1).upper()), int(match.group(2))) if match else None


def key_priority(key: str) -> tuple[int, int]:
    """Newer year first, then CA > VT > TX > OR; non-registry keys (curated page sources) rank lowest."""
    parsed = parse_key(key)
    return (parsed[1], REGISTRY_RANK[parsed[0]]) if parsed else (0, 0)


# ---------------------------------------------------------------------------
# Report


@dataclass
class Placement:
    source_key: str
    row: int
    name: str
    broker_id: str
    curated: bool = False


@dataclass
class MergeReport:
    """What one merge did. `added`/`removed`/`changed` compare against the baseline import of the same registry."""

    source_keys: list[str] = field(default_factory=list)
    baseline: dict[str, str | None] = field(default_factory=dict)
    entries: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    kept_curated: list[str] = field(default_factory=list)
    superseded: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self, placements: bool = False) -> dict:
        data = asdict(self)
        if not placements:
            data.pop("placements")
        return data


class MergeError(ValueError):
    """A merged record failed validation: a bug in the merge, never written to disk."""


# ---------------------------------------------------------------------------
# Catalog state


@dataclass
class FrozenRecord:
    """A curated or unreadable file: matched against, never written."""

    id: str
    curated: bool
    names: set[str]
    registration_keys: set[str]
    family: str | None = None
    domains: set[str] = field(default_factory=set)


class CatalogState:
    def __init__(self, directory: Path):
        self.directory = directory
        self.records: dict[str, Broker] = {}
        self.frozen: dict[str, FrozenRecord] = {}
        self.original_text: dict[str, str] = {}
        self.deleted: set[str] = set()
        self.problems: list[str] = []

    @classmethod
    def load(cls, directory: Path) -> "CatalogState":
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
            broker = Broker.model_validate(data)
        except ValidationError:
            broker = None
        if broker is not None and not broker.curated and broker.id == path.stem:
            self.records[broker.id] = broker
            self.original_text[broker.id] = text
            return
        if broker is None:
            self.problems.append(f"{path.name}: does not validate; left untouched")
        self.frozen[path.stem] = _frozen_from_data(path.stem, data, broker)

    @property
    def ids(self) -> set[str]:
        return (set(self.records) | set(self.frozen)) - self.deleted

    def live_records(self) -> dict[str, Broker]:
        return {rid: r for rid, r in self.records.items() if rid not in self.deleted}

    def registered_under(self, key: str) -> set[str]:
        found = {rid for rid, r in self.live_records().items() if any(reg.source == key for reg in r.registrations)}
        return found | {rid for rid, f in self.frozen.items() if key in f.registration_keys}

    def imported_keys(self) -> set[str]:
        """Registry keys previously imported: those on importer-made records (curated ones may cite any key)."""
        return {reg.source for r in self.live_records().values() for reg in r.registrations}


def _frozen_from_data(file_id: str, data: dict, broker: Broker | None) -> FrozenRecord:
    names = [data.get("name")] + list(data.get("brands") or [])
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
    )


def brokers_dir(catalog: Path | str) -> Path:
    """The folder of broker files: `<catalog>/brokers`, or `catalog` itself when it is that folder."""
    catalog = Path(catalog)
    if (catalog / "brokers").is_dir() or catalog.name != "brokers":
        return catalog / "brokers"
    return catalog


# ---------------------------------------------------------------------------
# Facts an entry states


@dataclass
class Facts:
    registered_name: str
    channels: list[Channel]
    flags: dict[str, set]
    website: str | None
    brands: list[str]
    note: str | None
    domains: set[str]


def entry_facts(entries: list[RegistryEntry], key: str) -> Facts:
    """Everything a group of entries (one entity, one registry year) says, as catalog values."""
    first = entries[0]
    channels: dict[tuple, Channel] = {}
    for entry in entries:
        for checked in _checked_contacts(entry):
            channel = _channel(checked, entry, key)
            channels.setdefault(channel_key(channel), channel)
    website = next((w for w in (website_or_none(e.website) for e in entries) if w), None)
    emails = [c.value for c in channels.values() if c.kind == ChannelKind.EMAIL and c.usable]
    return Facts(
        registered_name=clean_name(first.name),
        channels=list(channels.values()),
        flags={name: {v for e in entries for v in getattr(e, name)} for name in FLAG_FIELDS},
        website=website,
        brands=[clean_name(b) for e in entries for b in e.dbas if clean_name(b)],
        note=" ".join(e.notes for e in entries if e.notes) or None,
        domains=contact_domains(emails, website),
    )


def _checked_contacts(entry: RegistryEntry) -> Iterable[CheckedContact]:
    yield from (check_email(e) for e in entry.emails)
    yield from (check_url(u) for u in entry.rights_urls)
    if entry.address_lines:
        yield check_postal(entry.address_lines)
    yield from (check_phone(p) for p in entry.phones)


def _channel(checked: CheckedContact, entry: RegistryEntry, key: str) -> Channel:
    extra: dict = {}
    if checked.kind == ChannelKind.WEBFORM and entry.registry != Registry.CA:
        # The consolidated registries give an "opt-out URL"; California's field is the page for all CCPA rights.
        extra["accepts"] = [RequestKind.OPT_OUT]
    return Channel(
        kind=checked.kind,
        value=checked.value,
        third_party_portal=checked.third_party_portal,
        usable=checked.usable,
        notes=checked.note,
        source=key,
        **extra,
    )


def channel_key(channel: Channel) -> tuple[str, str]:
    """Identity of a channel value: two spellings of one mailbox, page or address compare equal."""
    value = channel.value.lower()
    if channel.kind == ChannelKind.WEBFORM:
        value = re.sub(r"^https?://(www\.)?", "", value).rstrip("/")
    elif channel.kind == ChannelKind.POSTAL:
        value = postal_key(value)
    return (channel.kind.value, value)


POSTAL_ABBREVIATIONS = {
    "street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd", "suite": "ste",
    "north": "n", "south": "s", "east": "e", "west": "w", "floor": "fl", "parkway": "pkwy", "lane": "ln",
    "highway": "hwy", "place": "pl", "court": "ct", "square": "sq", "building": "bldg", "post": "", "po": "",
    "office": "", "p": "", "o": "", "box": "box", "number": "", "no": "",
}


def postal_key(value: str) -> str:
    """'301 East Dave Ward Drive, Conway, AR 72032-7114' and '301 E Dave Ward Dr\nConway, AR 72032' compare equal."""
    text = re.sub(r"\b(\d{5})-\d{4}\b", r"\1", value.lower())
    words = re.sub(r"[^a-z0-9]+", " ", text.replace("#", " ste ")).split()
    return " ".join(w for w in (POSTAL_ABBREVIATIONS.get(w, w) for w in words) if w)


def record_domains(record: Broker) -> set[str]:
    emails = [c.value for c in record.channels if c.kind == ChannelKind.EMAIL and c.usable]
    return contact_domains(emails, record.website)


# ---------------------------------------------------------------------------
# Matching entries to records


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
        names = [record.name] + [r.name for r in record.registrations if r.name]
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


# ---------------------------------------------------------------------------
# Merge


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
    _link_families(state)
    for record in state.live_records().values():
        _finish(record)
    _save(state, report, dry_run)
    return report


def _merge_source(state: CatalogState, key: str, entries: list[RegistryEntry], report: MergeReport, tick: Callable[[], None]) -> None:
    registry, year = parse_key(key)
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
    facts = {rid: entry_facts(group, key) for rid, group in grouped.items()}
    comparable = _comparable_flags(state, baseline, entries) if baseline else {}
    for rid in sorted(grouped):
        record = state.records[rid]
        if rid in baseline_ids and rid not in report.created:
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
    registry, year = parse_key(key)
    imported = state.imported_keys()
    if key in imported:
        return key
    same_registry = [parse_key(k)[1] for k in imported if parse_key(k) and parse_key(k)[0] == registry]
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
        rid = _new_id(state, entry.name)
        state.records[rid] = Broker.model_construct(
            id=rid, name=clean_name(entry.name), brands=[], channels=[], registrations=[], sold_to={}, collects={},
            regulated_by={}, sources={}, website=None, family=None, notes=None, no_channel_reason=None, curated=False,
        )
        report.created.append(rid)
        index.add(state.records[rid])
    report.placements.append(Placement(key, entry.row, entry.name, rid))
    return rid


def _new_id(state: CatalogState, name: str) -> str:
    slug = slugify(name)
    taken = state.ids | set(state.records)
    if slug not in taken:
        return slug
    for length in (6, 10, 16):
        candidate = f"{slug[: 80 - length - 1]}-{name_hash(name, length)}"
        if candidate not in taken:
            return candidate
    raise MergeError(f"cannot find a free id for '{name}'")


# ---------------------------------------------------------------------------
# Applying and removing one source's facts


def apply_facts(record: Broker, key: str, registry: Registry, year: int, facts: Facts) -> None:
    strip_source(record, key)
    record.sources[key] = registry_source(registry, year)
    record.registrations.append(Registration(state=registry.value, year=year, name=facts.registered_name, source=key))
    for channel in facts.channels:
        _add_channel(record, channel)
    for name in FLAG_FIELDS:
        owned = getattr(record, name)
        for value in facts.flags[name]:
            if value not in owned or key_priority(key) > key_priority(owned[value]):
                owned[value] = key
    known = {normalize_legal_name(b) for b in record.brands}
    for brand in facts.brands:
        if normalize_legal_name(brand) not in known:
            record.brands.append(brand)
            known.add(normalize_legal_name(brand))
    if facts.website and (record.website is None or _is_top_key(record, key)):
        record.website = facts.website
    if facts.note:
        _set_note(record, key, facts.note)


def _add_channel(record: Broker, channel: Channel) -> None:
    wanted = channel_key(channel)
    for i, existing in enumerate(record.channels):
        if channel_key(existing) == wanted:
            if key_priority(channel.source) > key_priority(existing.source):
                record.channels[i] = channel
            return
    record.channels.append(channel)


def strip_source(record: Broker, key: str) -> None:
    """Remove every fact this source key gave the record (its re-import supplies them again)."""
    record.channels = [c for c in record.channels if c.source != key]
    record.registrations = [r for r in record.registrations if r.source != key]
    for name in FLAG_FIELDS:
        setattr(record, name, {k: v for k, v in getattr(record, name).items() if v != key})
    _set_note(record, key, None)
    record.sources.pop(key, None)


def _is_top_key(record: Broker, key: str) -> bool:
    return all(key_priority(key) >= key_priority(r.source) for r in record.registrations)


def _set_note(record: Broker, key: str, note: str | None) -> None:
    # Importer notes are one line per source key, "<key>: <text>", so a re-import can replace its own line.
    lines = [line for line in (record.notes or "").split("\n") if line and not line.startswith(f"{key}: ")]
    if note:
        lines.append(f"{key}: {clean_name(note)}")
    lines.sort(key=lambda line: key_priority(line.split(": ", 1)[0]), reverse=True)
    record.notes = "\n".join(lines) or None


# ---------------------------------------------------------------------------
# Describing changes against the baseline import


def _comparable_flags(state: CatalogState, baseline: str, entries: list[RegistryEntry]) -> dict[str, set]:
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
        allowed = (lambda v: True) if comparable is None else comparable[name].__contains__  # noqa: E731
        old_flags = {v.value for v, src in owned.items() if src == baseline and allowed(v)}
        new_flags = {v.value for v in facts.flags[name] if allowed(v) and not (v in owned and hidden(owned[v]))}
        changes += [f"{name} +{v}" for v in sorted(new_flags - old_flags)]
        changes += [f"{name} -{v}" for v in sorted(old_flags - new_flags)]
    return changes


def _one_line(value: str) -> str:
    return value.replace("\n", ", ")


# ---------------------------------------------------------------------------
# Families, final touches


def _link_families(state: CatalogState) -> None:
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
        if 1 < len(ids) <= MAX_FAMILY_SIZE and not _is_portal_domain(domain):
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


def _is_portal_domain(domain: str) -> bool:
    return any(domain == host or domain.endswith("." + host) for host in PORTAL_HOSTS)


def _family_slug(members: set[str], by_domain: dict[str, set[str]], state: CatalogState) -> str:
    curated = Counter(state.frozen[m].family for m in members if m in state.frozen and state.frozen[m].family)
    if curated:
        return min(curated, key=lambda f: (-curated[f], f))
    shared = [(len(ids & members), domain) for domain, ids in by_domain.items() if len(ids & members) > 1]
    _, domain = min(shared, key=lambda item: (-item[0], item[1]))
    labels = domain.split(".")
    while len(labels) > 2 and labels[0] in FAMILY_PREFIX_LABELS:
        labels.pop(0)
    return slugify(labels[0]) or slugify(domain)


def _finish(record: Broker) -> None:
    record.registrations.sort(key=lambda r: (key_priority(r.source), r.state), reverse=True)
    if record.registrations and record.registrations[0].name:
        record.name = record.registrations[0].name
    name_key = normalize_legal_name(record.name)
    record.brands = sorted({normalize_legal_name(b): b for b in record.brands if normalize_legal_name(b) != name_key}.values(), key=str.lower)
    record.channels.sort(key=lambda c: (CHANNEL_ORDER.index(c.kind), not c.usable, channel_key(c)[1], c.source))
    used = {c.source for c in record.channels} | {r.source for r in record.registrations}
    used |= {v for name in FLAG_FIELDS for v in getattr(record, name).values()}
    record.sources = {k: v for k, v in record.sources.items() if k in used}
    record.no_channel_reason = None if record.usable_channels() else _no_channel_reason(record)


def _no_channel_reason(record: Broker) -> str:
    keys = ", ".join(sorted(record.sources, key=key_priority, reverse=True))
    if record.channels:
        return f"The registry filings ({keys}) list only malformed contact details."
    return f"The registry filings ({keys}) list no email, web form, postal address or phone."


# ---------------------------------------------------------------------------
# Writing


def _save(state: CatalogState, report: MergeReport, dry_run: bool) -> None:
    if not dry_run:
        state.directory.mkdir(parents=True, exist_ok=True)
    for rid, record in sorted(state.live_records().items()):
        text = broker_yaml(record)
        if text == state.original_text.get(rid):
            continue
        if not dry_run:
            if not _write_if_unchanged(state, rid, text):
                report.skipped.append(f"{rid}.yaml: changed on disk during the merge; not written")
                continue
        report.written.append(rid)
    for rid in sorted(state.deleted):
        path = state.directory / f"{rid}.yaml"
        if not dry_run and rid in state.original_text:
            if _disk_text(path) == state.original_text[rid]:
                path.unlink()
            else:
                report.skipped.append(f"{rid}.yaml: changed on disk during the merge; not deleted")


def _disk_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_if_unchanged(state: CatalogState, rid: str, text: str) -> bool:
    """Atomic write (temp file + os.replace), refusing when someone else changed or created the file meanwhile."""
    path = state.directory / f"{rid}.yaml"
    if _disk_text(path) != state.original_text.get(rid):
        return False
    write_atomically(path, text)
    return True


def write_atomically(path: Path, text: str) -> None:
    # Catalog records are public data kept in git: readable by all.
    atomic_write(path, text.encode("utf-8"), mode=0o644)


# ---------------------------------------------------------------------------
# YAML


class FlowList(list):
    pass


class FlowDict(dict):
    pass


class CatalogDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


CatalogDumper.add_representer(str, _represent_str)
CatalogDumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
CatalogDumper.add_representer(FlowDict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))


def broker_yaml(record: Broker) -> str:
    """Deterministic YAML for a record: model field order, sorted dict keys, defaults left out."""
    try:
        valid = Broker.model_validate(record.model_dump())
    except ValidationError as exc:
        raise MergeError(f"{record.id}: merged record does not validate: {exc}") from exc
    data = valid.model_dump(mode="json", exclude_defaults=True)
    data["sources"] = {k: _source_data(valid.sources[k]) for k in sorted(valid.sources, key=lambda k: (-key_priority(k)[0], -key_priority(k)[1], k))}
    if "brands" in data:
        data["brands"] = FlowList(data["brands"])
    for channel in data.get("channels", []):
        if "accepts" in channel:
            channel["accepts"] = FlowList(channel["accepts"])
    if "registrations" in data:
        data["registrations"] = [FlowDict(r) for r in data["registrations"]]
    for name in FLAG_FIELDS:
        if name in data:
            data[name] = dict(sorted(data[name].items()))
    return yaml.dump(data, Dumper=CatalogDumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def _source_data(source: Source) -> dict:
    # Dates stay dates so YAML writes them unquoted, as hand-written records do.
    data = source.model_dump(exclude_none=True)
    return data
