"""What registry entries state about a record, and applying or removing one source key's facts.

Provenance: every fact carries its source key. Applying a key first strips that key's facts, so facts from other
keys stay and re-importing the same file gives the same record. One source owns each channel and flag: the key
with the higher priority (newer year, then registry order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Channel, ChannelKind, ChannelProblem, Registration, RequestKind
from .categories import derive_categories
from .channels import CHANNEL_ORDER, channel_key
from .contacts import CheckedContact, check_email, check_phone, check_postal, check_url, contact_domains, website_or_none
from .hygiene import own_domains, typo_problem
from .names import clean_name, normalize_legal_name
from .registries import Registry, RegistryEntry, key_priority, registry_source
from .state import DraftBroker

FLAG_FIELDS = ("sold_to", "collects", "regulated_by")


@dataclass
class Facts:
    registered_name: str
    channels: list[Channel]
    flags: dict[str, set]
    website: str | None
    brands: list[str]
    note: str | None
    domains: set[str]


def entry_facts(entries: list[RegistryEntry], key: str, aliases: list[str] = ()) -> Facts:  # type: ignore[assignment]
    """Everything a group of entries (one entity, one registry year) says, as catalog values.

    The registered name is the first row's, preferring a spelling that is not one of the record's aliases (a
    merged-away misspelling), so a re-import gives the merged record the registration it already has.
    """
    entries = sorted(entries, key=lambda e: (clean_name(e.name) in aliases, e.row))
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
        problem=checked.problem,
        notes=checked.note,
        source=key,
        **extra,
    )


def apply_facts(record: DraftBroker, key: str, registry: Registry, year: int, facts: Facts) -> None:
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


def apply_contacts(record: DraftBroker, entries: list[RegistryEntry], key: str, note: str | None = None) -> None:
    """Contacts, DBAs and website of `entries` under `key`, each channel noted with `note` (former registrants)."""
    for entry in entries:
        for checked in _checked_contacts(entry):
            channel = _channel(checked, entry, key)
            if note:
                channel = channel.model_copy(update={"notes": " ".join(n for n in (channel.notes, note) if n)})
            _add_channel(record, channel)
        known = {normalize_legal_name(b) for b in record.brands}
        record.brands += [clean_name(b) for b in entry.dbas if normalize_legal_name(b) not in known]
        record.website = record.website or website_or_none(entry.website)


def _add_channel(record: DraftBroker, channel: Channel) -> None:
    wanted = channel_key(channel)
    for i, existing in enumerate(record.channels):
        if channel_key(existing) == wanted:
            if key_priority(channel.source) > key_priority(existing.source):
                record.channels[i] = channel
            return
    record.channels.append(channel)


def strip_source(record: DraftBroker, key: str) -> None:
    """Remove every fact this source key gave the record (its re-import supplies them again)."""
    record.channels = [c for c in record.channels if c.source != key]
    record.registrations = [r for r in record.registrations if r.source != key]
    for name in FLAG_FIELDS:
        setattr(record, name, {k: v for k, v in getattr(record, name).items() if v != key})
    _set_note(record, key, None)
    record.sources.pop(key, None)


def _is_top_key(record: DraftBroker, key: str) -> bool:
    return all(key_priority(key) >= key_priority(r.source) for r in record.registrations)


def _set_note(record: DraftBroker, key: str, note: str | None) -> None:
    # Importer notes are one line per source key, "<key>: <text>", so a re-import can replace its own line.
    lines = [line for line in (record.notes or "").split("\n") if line and not line.startswith(f"{key}: ")]
    if note:
        lines.append(f"{key}: {clean_name(note)}")
    lines.sort(key=lambda line: key_priority(line.split(": ", 1)[0]), reverse=True)
    record.notes = "\n".join(lines) or None


def finish(record: DraftBroker) -> None:
    """Final order and derived fields: name from the top registration, sorted brands and channels, used sources only."""
    record.registrations.sort(key=lambda r: (key_priority(r.source), r.state), reverse=True)
    own = [r.name for r in record.registrations if r.name and r.name not in record.aliases]
    if own:
        record.name = own[0]
    record.aliases = sorted({a for a in record.aliases if a != record.name})
    name_key = normalize_legal_name(record.name)
    record.brands = sorted(
        {normalize_legal_name(b): b for b in record.brands if normalize_legal_name(b) != name_key}.values(), key=str.lower
    )
    mark_typos(record)
    record.channels.sort(key=lambda c: (CHANNEL_ORDER.index(c.kind), not c.usable, channel_key(c)[1], c.source))
    used = {c.source for c in record.channels} | {r.source for r in record.registrations}
    used |= {r.source for r in record.former_registrations}
    used |= {v for name in FLAG_FIELDS for v in getattr(record, name).values()}
    record.sources = {k: v for k, v in record.sources.items() if k in used}
    record.no_channel_reason = None if record.usable_channels() else _no_channel_reason(record)
    record.categories, record.category_basis = derive_categories(record)


def mark_typos(record: DraftBroker) -> None:
    """Emails and pages on a domain one or two edits from the company's own become unusable, with the reason.

    Not corrected: a registry value is only ever replaced by what another source says, and when another
    source spells it right that spelling is already a channel of its own.
    """
    emails = [c.value for c in record.channels if c.kind == ChannelKind.EMAIL and c.usable]
    owned = own_domains(record.website, emails)
    for i, channel in enumerate(record.channels):
        marked = channel.problem is ChannelProblem.TYPO_DOMAIN
        if channel.kind not in (ChannelKind.EMAIL, ChannelKind.WEBFORM) or not (channel.usable or marked):
            continue
        found = typo_problem(channel.value, channel.kind == ChannelKind.EMAIL, owned, record.name)
        if found:
            problem, note = found
            record.channels[i] = channel.model_copy(update={"usable": False, "problem": problem, "notes": note})
        elif marked:  # marked by an earlier rule or spelling of the record: the mark is ours to lift
            record.channels[i] = channel.model_copy(update={"usable": True, "problem": None, "notes": None})


def _no_channel_reason(record: DraftBroker) -> str:
    keys = ", ".join(sorted(record.sources, key=key_priority, reverse=True))
    if record.channels:
        return f"The registry filings ({keys}) list only malformed contact details."
    return f"The registry filings ({keys}) list no email, web form, postal address or phone."
