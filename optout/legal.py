"""The legal engine: which law, which rights, which channel and which deadline for one request.

Facts come from the law records in broker_catalog/laws; this module only decides which of them apply.
"""

from __future__ import annotations

import datetime as dt

from .catalog import Catalog
from .deadlines import due_date
from .models import (
    Agent,
    Broker,
    BrokerRole,
    Channel,
    ChannelKind,
    Deadline,
    DeletionScope,
    Decision,
    InvokedRight,
    Law,
    LawKind,
    Profile,
    Regulation,
    RequestKind,
    Right,
    Status,
)

NO_LAW_ID = "no-law"

REQUEST_RIGHTS: dict[RequestKind, list[Right]] = {
    RequestKind.DELETE: [Right.DELETE, Right.NONDISCLOSURE],
    RequestKind.OPT_OUT: [
        Right.OPT_OUT_SALE,
        Right.OPT_OUT_TARGETED_ADVERTISING,
        Right.OPT_OUT_PROFILING,
        Right.LIMIT_SENSITIVE,
        Right.NONDISCLOSURE,
    ],
    RequestKind.ACCESS: [Right.ACCESS, Right.PORTABILITY],
}

# When a law's deletion right does not reach data a broker bought or compiled (or there is none),
# these rights still stop the broker from passing that data on.
RIGHTS_REACHING_BROKER_DATA = [Right.OPT_OUT_SALE, Right.OPT_OUT_TARGETED_ADVERTISING]

EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

# A channel the person can use without a phone call; email first because it leaves a dated record.
CHANNEL_PREFERENCE = [ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.POSTAL, ChannelKind.FAX, ChannelKind.PHONE]


def is_consumer_reporting_agency(broker: Broker) -> bool:
    return Regulation.FCRA in broker.regulated_by or "consumer-reporting" in broker.categories


def _newest_first(broker: Broker, request: RequestKind) -> list[Channel]:
    """Usable channels for the request, those from the most recently read source first."""
    candidates = [c for c in broker.usable_channels() if request in c.accepts]
    retrieved = lambda c: broker.sources[c.source].retrieved or dt.date.min  # noqa: E731
    return sorted(candidates, key=retrieved, reverse=True)


def choose_channel(broker: Broker, request: RequestKind) -> Channel | None:
    candidates = _newest_first(broker, request)
    for kind in CHANNEL_PREFERENCE:
        for channel in candidates:
            if channel.kind is kind:
                return channel
    return None


def postal_channel(broker: Broker, request: RequestKind) -> Channel | None:
    return next((c for c in _newest_first(broker, request) if c.kind is ChannelKind.POSTAL), None)


def _laws_of_kind(catalog: Catalog, kind: LawKind, jurisdiction: str) -> list[Law]:
    return [
        law
        for law in catalog.laws.values()
        if law.kind is kind and (law.jurisdiction == jurisdiction or jurisdiction in law.applies_to_states)
    ]


def candidate_laws(profile: Profile, broker: Broker, request: RequestKind, on: dt.date, catalog: Catalog) -> tuple[list[Law], list[str]]:
    """Laws that protect this person against this broker on this date, with the reasons in plain words."""
    laws: list[Law] = []
    notes: list[str] = []
    state = profile.residence_state

    def consider(found: list[Law], why: str) -> None:
        for law in found:
            if law.in_force(on):
                laws.append(law)
                notes.append(f"{why}: {law.name} ({law.citation}) applies.")
            elif law.effective and on < law.effective:
                notes.append(
                    f"{law.name} takes effect on {law.effective.isoformat()}; a letter dated "
                    f"{on.isoformat()} cannot rely on it yet. Send it again from that date."
                )

    if profile.residence_country == "US" and state:
        consider(_laws_of_kind(catalog, LawKind.COMPREHENSIVE, state), f"You live in {state}")
        consider(_laws_of_kind(catalog, LawKind.SALE_OPT_OUT, state), f"You live in {state}")
    elif profile.residence_country in EU_COUNTRIES:
        consider(_laws_of_kind(catalog, LawKind.GDPR, "EU"), f"You live in {profile.residence_country}")
    elif profile.residence_country == "GB":
        consider(_laws_of_kind(catalog, LawKind.GDPR, "UK"), "You live in the United Kingdom")

    if Status.DANIELS_LAW in profile.statuses:
        consider(_laws_of_kind(catalog, LawKind.COVERED_PERSON, "NJ"), "You are a covered person under New Jersey's Daniel's Law")
    if Status.ACP in profile.statuses and state:
        consider(
            _laws_of_kind(catalog, LawKind.ADDRESS_CONFIDENTIALITY, state),
            f"You take part in {state}'s address-confidentiality program",
        )
    if request is RequestKind.ACCESS and is_consumer_reporting_agency(broker):
        consider(_laws_of_kind(catalog, LawKind.FCRA, "US"), "This company is a consumer reporting agency")
    return laws, notes


def rights_for(law: Law, request: RequestKind) -> list[Right]:
    wanted = list(REQUEST_RIGHTS[request])
    if request is RequestKind.DELETE:
        delete = law.rights.get(Right.DELETE)
        if delete is None or delete.deletion_scope in (DeletionScope.PROVIDED_ONLY, DeletionScope.OTHER):
            wanted += RIGHTS_REACHING_BROKER_DATA
    return [right for right in wanted if right in law.rights]


OPT_OUT_RIGHTS = frozenset({Right.OPT_OUT_SALE, Right.OPT_OUT_TARGETED_ADVERTISING, Right.OPT_OUT_PROFILING, Right.LIMIT_SENSITIVE})


def opt_out_deadline(law: Law, request: RequestKind, invoked: list[InvokedRight], letter_date: dt.date) -> Deadline | None:
    """The shorter opt-out clock, for a letter that is not itself an opt-out but invokes opt-out rights."""
    clock = law.response
    if clock is None or not clock.opt_out_days or request is RequestKind.OPT_OUT:
        return None
    if not any(r.law_id == law.id and r.right in OPT_OUT_RIGHTS for r in invoked):
        return None
    kind = clock.opt_out_day_kind or clock.day_kind
    return Deadline(law_id=law.id, part="opt-out", due_date=due_date(letter_date, clock.opt_out_days, kind, law.jurisdiction),
                    days=clock.opt_out_days, day_kind=kind, section=clock.opt_out_section or clock.section)


def deadline_for(law: Law, request: RequestKind, letter_date: dt.date) -> Deadline | None:
    clock = law.response
    if clock is None:
        return None
    days, kind, section = clock.days, clock.day_kind, clock.section
    if request is RequestKind.OPT_OUT and clock.opt_out_days:
        days, kind = clock.opt_out_days, clock.opt_out_day_kind or clock.day_kind
        section = clock.opt_out_section or section
        extension, extension_note = None, None
    else:
        extension, extension_note = clock.extension_days, clock.extension_note
    return Deadline(
        law_id=law.id,
        due_date=due_date(letter_date, days, kind, law.jurisdiction),
        days=days,
        day_kind=kind,
        extension_days=extension,
        extension_note=extension_note,
        section=section,
    )


def _service_provider_request(broker: Broker, request: RequestKind, notes: list[str]) -> RequestKind:
    if broker.role is not BrokerRole.SERVICE_PROVIDER or request is RequestKind.ACCESS:
        return request
    notes.append(
        f"{broker.name} says it holds this data only as a service provider for its customers (often police or other "
        "agencies), so it will not act on a deletion or opt-out demand. This letter asks what it holds about you "
        "instead; to have the data deleted, write to the agency or customer that holds it."
    )
    return RequestKind.ACCESS


def _fcra_note(broker: Broker, request: RequestKind, catalog: Catalog) -> str | None:
    """State privacy laws exempt FCRA-regulated data; say which FCRA rights reach it instead."""
    if request is RequestKind.ACCESS or not is_consumer_reporting_agency(broker):
        return None
    fcra = next(iter(_laws_of_kind(catalog, LawKind.FCRA, "US")), None)
    if fcra is None:
        return None
    tools = [f"dispute inaccurate items ({fcra.rights[Right.DISPUTE].section})" if Right.DISPUTE in fcra.rights else None,
             f"place a free security freeze ({fcra.rights[Right.FREEZE].section})" if Right.FREEZE in fcra.rights else None]
    tools = [t for t in tools if t]
    return (
        f"{broker.name} is a consumer reporting agency. Data it holds for credit or background reports is governed "
        f"by the {fcra.short_name}, which state privacy laws exempt, so it may refuse to delete that part. "
        + (f"Under the {fcra.short_name} you can instead " + " and ".join(tools) + "." if tools else "")
    ).strip()


def _delete_act_note(profile: Profile, broker: Broker, on: dt.date, catalog: Catalog) -> str | None:
    if profile.residence_state != "CA" or not any(r.state == "CA" for r in broker.registrations):
        return None
    for law in _laws_of_kind(catalog, LawKind.DELETE_ACT, "CA"):
        if law.in_force(on):
            return (
                f"{broker.name} is registered as a data broker in California. Under the {law.short_name} "
                f"({law.citation}) one request through the state's DROP platform reaches every registered broker "
                "at once; this letter is still useful as your own dated record or if you do not use DROP."
            )
    return None


def decide(
    profile: Profile,
    broker: Broker,
    requested: RequestKind,
    letter_date: dt.date,
    catalog: Catalog,
    agent: Agent | None = None,
) -> Decision:
    notes: list[str] = []
    request = _service_provider_request(broker, requested, notes)
    laws, law_notes = candidate_laws(profile, broker, request, letter_date, catalog)
    notes += law_notes

    invoked: list[InvokedRight] = []
    used_laws: list[Law] = []
    for law in laws:
        rights = rights_for(law, request)
        if not rights:
            notes.append(f"{law.short_name} gives no right that fits a {request.value} request.")
            continue
        used_laws.append(law)
        for right in rights:
            grant = law.rights[right]
            invoked.append(
                InvokedRight(right=right, law_id=law.id, law_short_name=law.short_name, section=grant.section or law.citation,
                             terms=grant.terms, scope=grant.scope)
            )

    refused: list[InvokedRight] = []
    if agent is not None:
        allowed = {(law.id, right) for law in used_laws for right, grant in law.rights.items() if grant.agent_allowed}
        refused = [r for r in invoked if (r.law_id, r.right) not in allowed]
        invoked = [r for r in invoked if (r.law_id, r.right) in allowed]
        used_laws = [law for law in used_laws if any(r.law_id == law.id for r in invoked)]
        for right in refused:
            notes.append(
                f"{right.law_short_name} does not let an authorized agent exercise the right "
                f"'{right.right.value}' ({right.section}); the person must send that request personally."
            )

    if not used_laws:
        if not laws:
            notes.append(
                "No privacy law that optout knows of gives you this right against this company where you live. "
                "The letter asks the company to honor your request voluntarily; many brokers do for all US residents."
            )
        used_laws = [catalog.law(NO_LAW_ID)]

    delete_act = _delete_act_note(profile, broker, letter_date, catalog) if request is RequestKind.DELETE else None
    for extra in (delete_act, _fcra_note(broker, request, catalog)):
        if extra:
            notes.append(extra)

    deadlines = [d for law in used_laws if (d := deadline_for(law, request, letter_date))]
    deadlines += [d for law in used_laws if (d := opt_out_deadline(law, request, invoked, letter_date))]
    channel = choose_channel(broker, request)
    if channel is None:
        notes.append(
            broker.no_channel_reason
            or f"No contact channel that accepts a {request.value} request is known for {broker.name}."
        )
    return Decision(
        requested=requested,
        request=request,
        laws=[law.id for law in used_laws],
        rights=invoked,
        channel=channel,
        deadlines=deadlines,
        notes=notes,
        refused_for_agent=refused,
        agent_refused=agent is not None and not invoked and bool(refused),
    )
