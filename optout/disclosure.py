"""Which of the person's details each letter carries, and why: what the broker finds people by, and nothing more.

What a broker needs comes from the catalog: the broker's own statement (`Broker.disclosure`, with its source)
or else its categories' defaults in broker_catalog/disclosure.yaml (several categories: the union of their
needs; none: the table's default). To that every letter adds the person's name and state of residence (the
request is made in that name, under that state's law) and the one contact the reply needs. Nothing else goes
in unless the person asks: `--disclose all` (the full block) or `--disclose phone,birth-date` (named fields).
Address-confidentiality participants: only the program's substitute address is ever printed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .catalog import Catalog, parse_disclosure_table
from .errors import InputError
from .jurisdictions import country_name, us_state_name
from .models import (
    IDENTIFIER_ORDER,
    AdPlatform,
    Broker,
    ChannelKind,
    Decision,
    Disclosed,
    Disclosure,
    DisclosureTable,
    Identifier,
    LawKind,
    Note,
    Profile,
    Right,
    Signer,
)
from .paths import catalog_dir
from .templating import long_date

# Identifiers without which a broker that keys on them may find nothing (a name does not lead to a phone's
# location trail or a car's plate reads): a letter that lacks one asks what the broker would need, and a note says
# how to add it (`optout help identifiers`). A listing address only helps a people-search site, which can search by
# name and town, so its absence gets neither.
ADDABLE = (Identifier.ADVERTISING_ID, Identifier.VEHICLE_PLATE)
PLATFORM_NAMES = {AdPlatform.IOS: "Apple IDFA", AdPlatform.ANDROID: "Android advertising ID"}


@dataclass(frozen=True)
class DiscloseChoice:
    """What the person asked to add: nothing (the default), some fields, or everything (`--disclose all`)."""

    everything: bool = False
    extra: frozenset[Identifier] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, text: str | None) -> DiscloseChoice:
        """'all', 'minimal' (or empty), or comma-separated fields: 'phone,birth-date'."""
        words = [w.strip().lower().replace("-", "_") for w in (text or "").split(",") if w.strip()]
        if "all" in words:
            return cls(everything=True)
        extra = set()
        for word in words:
            if word == "minimal":
                continue
            try:
                extra.add(Identifier(word))
            except ValueError:
                choices = ", ".join(f.value.replace("_", "-") for f in Identifier if f is not Identifier.RESIDENCE)
                raise InputError(f"--disclose: unknown detail '{word}'; use all, minimal, or some of: {choices}") from None
        return cls(extra=frozenset(extra))

    @property
    def label(self) -> str:
        if self.everything:
            return "all"
        return ",".join(sorted(f.value for f in self.extra)) or "minimal"


MINIMAL = DiscloseChoice()
EVERYTHING = DiscloseChoice(everything=True)


@functools.lru_cache(maxsize=1)
def packaged_table() -> DisclosureTable:
    table, problems = parse_disclosure_table(catalog_dir() / "disclosure.yaml")
    if table is None:
        raise InputError("; ".join(str(p) for p in problems))
    return table


def table_for(catalog: Catalog) -> DisclosureTable:
    """The catalog's table; a catalog folder without one (a test fixture) uses the packaged one."""
    return catalog.disclosure or packaged_table()


# ---------------------------------------------------------------------------
# Listing URLs: only on the broker's own website


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def broker_domains(broker: Broker) -> set[str]:
    """The broker's own web domains: its website, its own (not third-party) web forms, brands named as domains."""
    domains = {_host(broker.website)} if broker.website else set()
    domains |= {_host(c.value) for c in broker.channels if c.kind is ChannelKind.WEBFORM and not c.third_party_portal}
    domains |= {b.lower().removeprefix("www.") for b in broker.brands if "." in b and " " not in b.strip()}
    return {d for d in domains if "." in d}


def on_domain(host: str, domains: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def listing_problems(profile: Profile, catalog: Catalog) -> list[tuple[str, str]]:
    """(field, message) for each listing URL that is not on its broker's own website."""
    problems = []
    for index, listing in enumerate(profile.listing_urls):
        where = f"listing_urls.{index}"
        if listing.broker is not None:
            broker = catalog.brokers.get(listing.broker)
            if broker is None:
                problems.append((where, f"unknown broker '{listing.broker}': `optout brokers list --search NAME` shows the ids"))
            elif not on_domain(listing.host, broker_domains(broker)):
                shown = ", ".join(sorted(broker_domains(broker))) or "none known"
                problems.append((where, f"{listing.url} is not on {broker.name}'s own website ({shown})"))
        elif not any(on_domain(listing.host, broker_domains(b)) for b in catalog.brokers.values()):
            problems.append((where, f"{listing.url} is not on the website of a broker optout knows; add broker: ID"))
    return problems


def check_listing_urls(profile: Profile, catalog: Catalog) -> None:
    if problems := listing_problems(profile, catalog):
        raise InputError("; ".join(f"{where}: {message}" for where, message in problems))


def listing_urls_for(profile: Profile, broker: Broker) -> list[str]:
    domains = broker_domains(broker)
    return [
        item.url
        for item in profile.listing_urls
        if item.broker == broker.id or (item.broker is None and on_domain(item.host, domains))
    ]


# ---------------------------------------------------------------------------
# What the broker needs


def broker_needs(broker: Broker, table: DisclosureTable) -> tuple[list[Identifier], str, dict[Identifier, str]]:
    """(needs in letter order, where they come from, why each is needed)."""
    if broker.disclosure is not None:
        source = broker.sources[broker.disclosure.source].title
        why = f"{broker.disclosure.why} ({source})"
        return _ordered(broker.disclosure.needs), "broker", dict.fromkeys(broker.disclosure.needs, why)
    known = [c for c in broker.categories if c in table.categories]
    if not known:
        return _ordered(table.default.needs), "default", dict.fromkeys(table.default.needs, table.default.why)
    reasons: dict[Identifier, str] = {}
    for category in known:  # the union: each category names a way the broker's records may be keyed
        for need in table.categories[category].needs:
            reasons.setdefault(need, table.categories[category].why)
    return _ordered(list(reasons)), "category:" + ",".join(known), reasons


def _ordered(fields) -> list[Identifier]:
    return sorted(set(fields), key=IDENTIFIER_ORDER.__getitem__)


# ---------------------------------------------------------------------------
# The letter's details


def residence_name(profile: Profile) -> str:
    if profile.residence_country == "US" and profile.residence_state:
        return us_state_name(profile.residence_state)
    return country_name(profile.residence_country)


def place_of(profile: Profile) -> str:
    """'Richmond, Virginia' from the person's first address; only the state or country for a program participant."""
    if profile.acp_substitute_address is not None:
        return residence_name(profile)
    home = profile.addresses[0]
    region = us_state_name(home.state) if home.country == "US" and home.state else country_name(home.country)
    return f"{home.city}, {region}"


def _values(profile: Profile, broker: Broker, what: Identifier, place: str) -> list[str]:
    confidential = profile.acp_substitute_address is not None
    if what is Identifier.RESIDENCE:
        return [residence_name(profile)]
    if what is Identifier.NAME:
        return [profile.full_name]
    if what is Identifier.ALIASES:
        return list(profile.aliases)
    if what is Identifier.CITY_STATE:
        return [place_of(profile)]
    if what is Identifier.ADDRESS:
        if place == "sender" or confidential:  # a program participant's real address is never printed
            return [", ".join(profile.mailing_address.lines())]
        return [", ".join(a.lines()) for a in profile.addresses]
    if what is Identifier.PREVIOUS_ADDRESSES:
        return [] if confidential else [", ".join(a.lines()) for a in profile.previous_addresses]
    if what is Identifier.EMAIL:
        return profile.emails[:1] if place == "sender" else list(profile.emails)
    if what is Identifier.PHONE:
        return list(profile.phones)
    if what is Identifier.BIRTH_DATE:
        return [long_date(profile.birth_date)] if profile.birth_date else []
    if what is Identifier.ADVERTISING_ID:
        return [f"{ad.id} ({PLATFORM_NAMES[ad.platform]})" for ad in profile.advertising_ids]
    if what is Identifier.VEHICLE_PLATE:
        return [f"{plate.plate} ({us_state_name(plate.state)})" for plate in profile.vehicle_plates]
    if what is Identifier.LISTING_URL:
        return listing_urls_for(profile, broker)
    return []  # FACE_IMAGE: an offer, never a value


def _reply_contact(profile: Profile, decision: Decision) -> tuple[Identifier, str] | None:
    """What the broker's reply goes to: the email the request is sent from, or the return address."""
    if decision.signer is Signer.AGENT:
        return None  # the agent's contact details, not the person's
    channel = decision.channel.kind if decision.channel else None
    if channel in (ChannelKind.EMAIL, ChannelKind.WEBFORM) and profile.emails:
        return Identifier.EMAIL, "reply-by-email"
    return Identifier.ADDRESS, "reply-by-post"


def _covered_person(decision: Decision) -> bool:
    return any(r.right is Right.NONDISCLOSURE and r.law_kind is LawKind.COVERED_PERSON for r in decision.rights)


def plan_disclosure(
    profile: Profile, broker: Broker, decision: Decision, catalog: Catalog, choice: DiscloseChoice = MINIMAL
) -> Disclosure:
    """The ordered details one letter carries, each with why. `decision` gives the request kind, signer and channel."""
    check_listing_urls(profile, catalog)
    table = table_for(catalog)
    needs, source, need_reasons = broker_needs(broker, table)
    wanted: dict[Identifier, tuple[str, str]] = {Identifier.RESIDENCE: (table.reasons["residence"], "body")}
    wanted[Identifier.NAME] = (need_reasons.get(Identifier.NAME, table.reasons["signature"]), "details")
    for need in needs:
        wanted.setdefault(need, (need_reasons[need], "body" if need is Identifier.FACE_IMAGE else "details"))
    if _covered_person(decision):
        for need in (Identifier.ADDRESS, Identifier.PHONE):
            wanted.setdefault(need, (table.reasons["daniels-law"], "details"))
    if profile.acp_substitute_address is not None:
        # A program participant's letter says its mailing address is the program's substitute address: it must
        # print it, whatever the channel, or the company has no safe address to answer.
        wanted.setdefault(Identifier.ADDRESS, (table.reasons["acp"], "details"))
    extra = set(Identifier) if choice.everything else set(choice.extra)
    for asked in _ordered(extra):
        reason = table.reasons["all" if choice.everything else "asked"]
        wanted.setdefault(asked, (reason, "body" if asked is Identifier.FACE_IMAGE else "details"))
    if Identifier.ADDRESS in wanted:
        wanted.pop(Identifier.CITY_STATE, None)  # the address already names the town
    if (reply := _reply_contact(profile, decision)) is not None and reply[0] not in wanted:
        wanted[reply[0]] = (table.reasons[reply[1]], "sender")
    if decision.signer is Signer.AGENT and not {Identifier.ADDRESS, Identifier.CITY_STATE} & set(wanted):
        wanted[Identifier.CITY_STATE] = (table.reasons["authorization"], "enclosure")  # "I, ..., of Richmond, Virginia"

    items = []
    for what in _ordered(wanted):
        why, place = wanted[what]
        if what is Identifier.FACE_IMAGE:
            if profile.face_image_consent:
                items.append(Disclosed(field=what, values=[], why=why, place=place))
            continue
        values = _values(profile, broker, what, place)
        if values:
            items.append(Disclosed(field=what, values=values, why=why, place=place))
    present = {item.field for item in items}
    missing = [n for n in needs if n in ADDABLE and n not in present]
    return Disclosure(items=items, needs=needs, needs_source=source, missing=missing, everything=choice.everything)


def disclosure_notes(disclosure: Disclosure, broker: Broker, table: DisclosureTable) -> list[Note]:
    """A note for each identifier the broker finds people by that the profile lacks."""
    if not disclosure.missing:
        return []
    labels = [table.labels[f] for f in disclosure.missing]
    return [
        Note(
            code="missing-identifier",
            facts={
                "broker": broker.name,
                "fields_en": " and ".join(label["en"] for label in labels),
                "fields_es": " y ".join(label["es"] for label in labels),
            },
        )
    ]


def with_disclosure_notes(decision: Decision, disclosure: Disclosure, broker: Broker, catalog: Catalog) -> Decision:
    notes = disclosure_notes(disclosure, broker, table_for(catalog))
    return decision.model_copy(update={"notes": [*decision.notes, *notes]}) if notes else decision


def disclosure_summary(items: list[Disclosed], catalog: Catalog) -> list[dict]:
    """`discloses` in `optout explain --json` and `optout letter --json`: each detail, what it says, where, and why."""
    labels = table_for(catalog).labels
    return [
        {
            "field": item.field.value,
            "label": labels[item.field]["en"],
            "values": item.values,
            "why": item.why,
            "place": item.place,
        }
        for item in items
    ]
