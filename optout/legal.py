"""The legal engine: which law, which rights, which channel and which deadline for one request.

Facts come from the law records in broker_catalog/laws; this module only decides which of them apply.
"""

from __future__ import annotations

import datetime as dt

from .catalog import Catalog
from .channels import choose_channel, postal_channel  # noqa: F401  (postal_channel: letters imports it from here)
from .deadlines import DEFAULT_RULES, due_date
from .models import (
    Agent,
    Broker,
    BrokerRole,
    Deadline,
    Decision,
    DeletionScope,
    InvokedRight,
    Law,
    LawKind,
    Note,
    Profile,
    Regulation,
    RequestKind,
    Right,
    Signer,
    Status,
)
from .request_kinds import Clock, law_gives, refusal, refuse, rule_for

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

def is_consumer_reporting_agency(broker: Broker) -> bool:
    return Regulation.FCRA in broker.regulated_by or "consumer-reporting" in broker.categories


def _laws_of_kind(catalog: Catalog, kind: LawKind, jurisdiction: str) -> list[Law]:
    return [
        law
        for law in catalog.laws.values()
        if law.kind is kind and (law.jurisdiction == jurisdiction or jurisdiction in law.applies_to_states)
    ]


def candidate_laws(
    profile: Profile, broker: Broker, request: RequestKind, on: dt.date, catalog: Catalog
) -> tuple[list[Law], list[Note]]:
    """Laws that protect this person against this broker on this date, and notes on laws not yet in force."""
    laws: list[Law] = []
    notes: list[Note] = []
    state = profile.residence_state

    def consider(found: list[Law]) -> None:
        for law in found:
            if law.in_force(on):
                laws.append(law)
            elif law.effective and on < law.effective:
                notes.append(
                    Note(
                        code="law-not-yet-in-force",
                        facts={"law": law.name, "effective": law.effective.isoformat(), "date": on.isoformat()},
                    )
                )

    if profile.residence_country == "US" and state:
        consider(_laws_of_kind(catalog, LawKind.COMPREHENSIVE, state))
        consider(_laws_of_kind(catalog, LawKind.SALE_OPT_OUT, state))
    elif profile.residence_country in EU_COUNTRIES:
        consider(_laws_of_kind(catalog, LawKind.GDPR, "EU"))
    elif profile.residence_country == "GB":
        consider(_laws_of_kind(catalog, LawKind.GDPR, "UK"))

    if Status.DANIELS_LAW in profile.statuses:
        consider(_laws_of_kind(catalog, LawKind.COVERED_PERSON, "NJ"))
    if Status.ACP in profile.statuses and state:
        consider(_laws_of_kind(catalog, LawKind.ADDRESS_CONFIDENTIALITY, state))
    fcra_requests = (RequestKind.ACCESS, RequestKind.FCRA_DISCLOSURE, RequestKind.FCRA_DISPUTE)
    if request in fcra_requests and is_consumer_reporting_agency(broker):
        consider(_laws_of_kind(catalog, LawKind.FCRA, "US"))
    return laws, notes


def rights_for(law: Law, request: RequestKind) -> list[Right]:
    rule = rule_for(request)
    if rule is not None:
        return law_gives(law, rule)
    wanted = list(REQUEST_RIGHTS[request])
    if request is RequestKind.DELETE:
        delete = law.rights.get(Right.DELETE)
        if delete is None or delete.deletion_scope in (DeletionScope.PROVIDED_ONLY, DeletionScope.OTHER):
            wanted += RIGHTS_REACHING_BROKER_DATA
    return [right for right in wanted if right in law.rights]


OPT_OUT_RIGHTS = frozenset(
    {Right.OPT_OUT_SALE, Right.OPT_OUT_TARGETED_ADVERTISING, Right.OPT_OUT_PROFILING, Right.LIMIT_SENSITIVE}
)


def _due(law: Law, start: dt.date, days: int, kind) -> dt.date:
    return due_date(start, days, kind, law.jurisdiction, law.due_date_rules or DEFAULT_RULES)


def opt_out_deadline(law: Law, request: RequestKind, invoked: list[InvokedRight], letter_date: dt.date) -> Deadline | None:
    """The shorter opt-out clock, for a letter that is not itself an opt-out but invokes opt-out rights."""
    clock = law.response
    rule = rule_for(request)
    if clock is None or not clock.opt_out_days or request is RequestKind.OPT_OUT or (rule and rule.clock is not Clock.REQUEST):
        return None
    if not any(r.law_id == law.id and r.right in OPT_OUT_RIGHTS for r in invoked):
        return None
    kind = clock.opt_out_day_kind or clock.day_kind
    return Deadline(
        law_id=law.id,
        part="opt-out",
        due_date=_due(law, letter_date, clock.opt_out_days, kind),
        days=clock.opt_out_days,
        day_kind=kind,
        section=clock.opt_out_section or clock.section,
    )


def _clock_for(law: Law, request: RequestKind):
    """The law's clock, or for a narrow request the invoked right's own clock where the law sets one."""
    rule = rule_for(request)
    if rule is None or rule.clock is not Clock.RIGHT:
        return law.response
    return next((law.rights[r].response for r in law_gives(law, rule) if law.rights[r].response), None)


def deadline_for(law: Law, request: RequestKind, letter_date: dt.date) -> Deadline | None:
    clock = _clock_for(law, request)
    if clock is None:
        return None
    days, kind, section = clock.days, clock.day_kind, clock.section
    rule = rule_for(request)
    opt_out_clock = request is RequestKind.OPT_OUT or (rule is not None and rule.clock is Clock.OPT_OUT)
    if opt_out_clock and clock.opt_out_days:
        days, kind = clock.opt_out_days, clock.opt_out_day_kind or clock.day_kind
        section = clock.opt_out_section or section
        extension, extension_note = None, None
    else:
        extension, extension_note = clock.extension_days, clock.extension_note
    return Deadline(
        law_id=law.id,
        due_date=_due(law, letter_date, days, kind),
        days=days,
        day_kind=kind,
        extension_days=extension,
        extension_note=extension_note,
        section=section,
    )


def _service_provider_request(broker: Broker, request: RequestKind, notes: list[Note]) -> RequestKind:
    # The narrow kinds go as asked: Daniel's Law, a program demand, the FCRA and the GDPR bind whoever holds the data.
    if broker.role is not BrokerRole.SERVICE_PROVIDER or rule_for(request) is not None:
        return request
    notes.append(Note(code="service-provider", facts={"broker": broker.name, "requested": request.value}))
    return RequestKind.ACCESS


NATIONWIDE_CRA_CATEGORY = "nationwide-consumer-reporting"


def _fcra_note(broker: Broker, request: RequestKind, catalog: Catalog) -> Note | None:
    """State privacy laws exempt FCRA-regulated data; say which FCRA rights reach it instead."""
    # Only delete and opt-out letters meet the exemption; the note's words speak of those two.
    if request not in (RequestKind.DELETE, RequestKind.OPT_OUT) or not is_consumer_reporting_agency(broker):
        return None
    fcra = next(iter(_laws_of_kind(catalog, LawKind.FCRA, "US")), None)
    if fcra is None:
        return None
    facts = {"broker": broker.name, "law": fcra.short_name, "request": request.value}
    if Right.DISPUTE in fcra.rights and fcra.rights[Right.DISPUTE].section:
        facts["dispute_section"] = str(fcra.rights[Right.DISPUTE].section)
    # A security freeze binds only nationwide consumer reporting agencies (15 U.S.C. § 1681c-1(i), § 1681a(p)).
    if NATIONWIDE_CRA_CATEGORY in broker.categories and Right.FREEZE in fcra.rights:
        facts["freeze_section"] = fcra.rights[Right.FREEZE].section or fcra.citation
        # The joint prescreen opt-out system is run by the nationwide agencies (15 U.S.C. § 1681b(e)(5)).
        facts["prescreen_section"] = "15 U.S.C. § 1681b(e)"
    return Note(code="fcra", facts=facts)


def _delete_act_note(profile: Profile, broker: Broker, on: dt.date, catalog: Catalog) -> Note | None:
    if profile.residence_state != "CA" or not any(r.state == "CA" for r in broker.registrations):
        return None
    for law in _laws_of_kind(catalog, LawKind.DELETE_ACT, "CA"):
        if law.in_force(on):
            return Note(code="drop", facts={"broker": broker.name, "law": law.short_name, "citation": law.citation})
    return None


def _invoke(laws: list[Law], request: RequestKind) -> tuple[list[InvokedRight], list[Law]]:
    invoked: list[InvokedRight] = []
    used: list[Law] = []
    for law in laws:
        rights = rights_for(law, request)
        if rights:
            used.append(law)
        for right in rights:
            grant = law.rights[right]
            invoked.append(
                InvokedRight(
                    right=right,
                    law_id=law.id,
                    law_kind=law.kind,
                    law_short_name=law.short_name,
                    section=grant.section or law.citation,
                    terms=grant.terms,
                    scope=grant.scope,
                )
            )
    return invoked, used


def refused_summary(refused: list[InvokedRight]) -> str:
    """'VCDPA: Va. Code Ann. § 59.1-577(A)(3); CPA: ...', each section once."""
    by_law: dict[str, list[str]] = {}
    for right in refused:
        sections = by_law.setdefault(right.law_short_name, [])
        if right.section not in sections:
            sections.append(right.section)
    return "; ".join(f"{law}: {', '.join(sections)}" for law, sections in by_law.items())


def _pending_gives(catalog: Catalog, note: Note, request: RequestKind) -> bool:
    """Whether a law not yet in force (named in the note) would give this request once it is."""
    rule = rule_for(request)
    return bool(rule) and any(law.name == note.facts.get("law") and law_gives(law, rule) for law in catalog.laws.values())  # type: ignore[arg-type]


def decide(
    profile: Profile,
    broker: Broker,
    requested: RequestKind,
    letter_date: dt.date,
    catalog: Catalog,
    agent: Agent | None = None,
) -> Decision:
    notes: list[Note] = []
    request = _service_provider_request(broker, requested, notes)
    if reason := refusal(request, profile, broker, None, [], catalog):
        raise refuse(reason)
    laws, law_notes = candidate_laws(profile, broker, request, letter_date, catalog)
    notes += law_notes
    invoked, used_laws = _invoke(laws, request)
    pending = [note.facts["law"] for note in law_notes if rule_for(request) and _pending_gives(catalog, note, request)]
    if reason := refusal(request, profile, broker, used_laws, pending, catalog):
        raise refuse(reason)

    # An agent signs only when the law lets an agent exercise every right the letter invokes; otherwise the
    # letter is written for the person to sign, so no right the person has is dropped.
    signer = Signer.PERSON
    refused: list[InvokedRight] = []
    if agent is not None:
        grants = {(law.id, right): grant for law in used_laws for right, grant in law.rights.items()}
        refused = [r for r in invoked if not grants[(r.law_id, r.right)].agent_allowed]
        if refused:
            notes.append(Note(code="agent-not-allowed", facts={"rights": refused_summary(refused)}))
        else:
            signer = Signer.AGENT

    if not used_laws:
        notes.append(Note(code="no-law", facts={"request": request.value}))
        # The honest fallback is a law record of its own kind (broker_catalog/laws/no-law.yaml).
        used_laws = [law for law in catalog.laws.values() if law.kind is LawKind.NONE][:1]

    # Daniel's Law protects New Jersey's officials; whether it reaches a home outside the state is not recorded.
    if profile.residence_state != "NJ" and any(r.law_kind is LawKind.COVERED_PERSON for r in invoked):
        where = profile.residence_state or profile.residence_country
        notes.append(Note(code="covered-person-outside-nj", facts={"state": where}))
    if request is RequestKind.DELETE:
        drop = _delete_act_note(profile, broker, letter_date, catalog)
        if drop:
            notes.append(drop)
    fcra = _fcra_note(broker, request, catalog)
    if fcra:
        notes.append(fcra)

    deadlines = [d for law in used_laws if (d := deadline_for(law, request, letter_date))]
    deadlines += [d for law in used_laws if (d := opt_out_deadline(law, request, invoked, letter_date))]
    channel = choose_channel(broker, request)
    if channel is None:
        notes.append(
            Note(
                code="no-channel",
                facts={"broker": broker.name, "request": request.value, "reason": broker.no_channel_reason or ""},
            )
        )
    return Decision(
        requested=requested,
        request=request,
        laws=[law.id for law in used_laws],
        rights=invoked,
        channel=channel,
        deadlines=deadlines,
        clock_applies=broker.role is not BrokerRole.SERVICE_PROVIDER,
        notes=notes,
        signer=signer,
        refused_for_agent=refused,
    )
