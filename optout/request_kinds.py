"""Request kinds that invoke one right of one kind of law: which laws give each, what the person must be, and the
reason a letter is refused where the person's law gives no such request.

delete, opt-out and access are the general requests: they ask for every matching right any applicable law gives,
and fall back to a voluntary request. The kinds here are narrower: a `correct` letter under a law with no
correction right would promise the person something no law gives, so it is refused, with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from .catalog import Catalog
from .errors import InputError
from .models import Broker, Law, LawKind, Profile, Regulation, RequestKind, Right, Status, check_text, visible
from .models.base import PERSON_TEXT_MAX


class Clock(StrEnum):
    REQUEST = "request"  # the law's response clock
    OPT_OUT = "opt-out"  # the law's shorter opt-out clock where it sets one (CCPA regulations: requests to limit)
    RIGHT = "right"  # the invoked right's own clock (RightGrant.response), else none


@dataclass(frozen=True)
class KindRule:
    rights: tuple[Right, ...]
    law_kinds: frozenset[LawKind]
    jurisdictions: frozenset[str] | None = None  # only laws of these jurisdictions
    status: Status | None = None  # only a person with this status
    consumer_reporting_only: bool = False  # only to a consumer reporting agency
    needs_detail: bool = False  # the letter must say what is wrong (--detail or the profile's `corrections`)
    voluntary_fallback: bool = False  # with no law that gives it, ask voluntarily instead of refusing
    clock: Clock = Clock.REQUEST
    channel_family: RequestKind | None = None  # a channel that takes this general kind takes this one too


GDPR = frozenset({LawKind.GDPR})
COMPREHENSIVE_OR_GDPR = frozenset({LawKind.COMPREHENSIVE, LawKind.GDPR})

RULES: dict[RequestKind, KindRule] = {
    RequestKind.CORRECT: KindRule((Right.CORRECT,), COMPREHENSIVE_OR_GDPR, needs_detail=True),
    RequestKind.LIMIT_SENSITIVE: KindRule(
        (Right.LIMIT_SENSITIVE,), frozenset({LawKind.COMPREHENSIVE}), clock=Clock.OPT_OUT, channel_family=RequestKind.OPT_OUT
    ),
    RequestKind.NEVADA_OPT_OUT: KindRule(
        (Right.OPT_OUT_SALE,),
        frozenset({LawKind.SALE_OPT_OUT}),
        jurisdictions=frozenset({"NV"}),
        channel_family=RequestKind.OPT_OUT,
    ),
    RequestKind.DANIELS_LAW: KindRule(
        (Right.NONDISCLOSURE,), frozenset({LawKind.COVERED_PERSON}), status=Status.DANIELS_LAW, channel_family=RequestKind.DELETE
    ),
    RequestKind.ACP: KindRule(
        (Right.NONDISCLOSURE,),
        frozenset({LawKind.ADDRESS_CONFIDENTIALITY}),
        status=Status.ACP,
        voluntary_fallback=True,
        channel_family=RequestKind.DELETE,
    ),
    RequestKind.FCRA_DISCLOSURE: KindRule(
        (Right.ACCESS,), frozenset({LawKind.FCRA}), consumer_reporting_only=True, clock=Clock.RIGHT,
        channel_family=RequestKind.ACCESS,
    ),
    RequestKind.FCRA_DISPUTE: KindRule(
        (Right.DISPUTE,), frozenset({LawKind.FCRA}), consumer_reporting_only=True, needs_detail=True, clock=Clock.RIGHT
    ),
    RequestKind.GDPR_ERASURE: KindRule((Right.DELETE,), GDPR, channel_family=RequestKind.DELETE),
    RequestKind.GDPR_ACCESS: KindRule((Right.ACCESS,), GDPR, channel_family=RequestKind.ACCESS),
    RequestKind.GDPR_OBJECTION: KindRule(
        (Right.OPT_OUT_TARGETED_ADVERTISING, Right.OPT_OUT_PROFILING), GDPR, channel_family=RequestKind.OPT_OUT
    ),
}


def rule_for(request: RequestKind) -> KindRule | None:
    return RULES.get(request)


def law_gives(law: Law, rule: KindRule) -> list[Right]:
    """The rights of `rule` that `law` gives, in the rule's order; none if the law is not of the rule's kind."""
    if law.kind not in rule.law_kinds or (rule.jurisdictions and law.jurisdiction not in rule.jurisdictions):
        return []
    return [right for right in rule.rights if right in law.rights]


class RequestRefused(InputError):
    """The person's law gives no such request (or the person or broker is not one it is for): the reason, in words."""


def _is_consumer_reporting_agency(broker: Broker) -> bool:
    return Regulation.FCRA in broker.regulated_by or "consumer-reporting" in broker.categories


def refusal(
    request: RequestKind,
    profile: Profile,
    broker: Broker | None,
    used_laws: list[Law] | None,
    pending_laws: list[str],
    catalog: Catalog,
) -> str | None:
    """Why this request cannot be written, or None. `used_laws` None: only the person's status is checked (a batch
    screens its clients before it knows every law); `broker` None: the broker is not checked."""
    from .jurisdictions import country_name, us_state_name
    from .templating import render_text

    rule = rule_for(request)
    if rule is None:
        return None
    facts: dict = {"request": request.value}
    if rule.status is not None and rule.status not in profile.statuses:
        facts["reason"] = "status"
    elif rule.consumer_reporting_only and broker is not None and not _is_consumer_reporting_agency(broker):
        return _not_consumer_reporting(request, broker)
    elif used_laws is not None and not used_laws and not rule.voluntary_fallback:
        givers = sorted((law for law in catalog.laws.values() if law_gives(law, rule)), key=lambda law: law.jurisdiction)
        named = [f"{law.short_name} ({law.rights[law_gives(law, rule)[0]].section or law.citation})" for law in givers]
        if len(givers) > 3:  # a right most privacy laws give: where, not each section
            named = ["the privacy laws of " + ", ".join(law.jurisdiction for law in givers)]
        state = profile.residence_state if profile.residence_country == "US" else None
        facts.update(
            reason="no-law",
            residence=us_state_name(state) if state else country_name(profile.residence_country),
            givers=named,
            pending=pending_laws,
        )
    else:
        return None
    return render_text("cli/refused.txt.j2", **facts).replace("\n", " ")


def _not_consumer_reporting(request: RequestKind, broker: Broker) -> str:
    from .templating import render_text

    facts = {"request": request.value, "reason": "not-consumer-reporting", "broker": broker.name}
    return render_text("cli/refused.txt.j2", **facts).replace("\n", " ")


def refuse(reason: str) -> RequestRefused:
    return RequestRefused(f"--request: {reason}")


def details_for(request: RequestKind, profile: Profile, details: list[str] | None) -> list[str]:
    """What a correction or dispute letter names as wrong: --detail first, else the profile's `corrections`."""
    rule = rule_for(request)
    if rule is None or not rule.needs_detail:
        return []
    chosen = [d.strip() for d in (details or []) if d.strip()] or list(profile.corrections)
    for number, item in enumerate(details or [], start=1):
        try:
            check_text(item, multiline=False, max_length=PERSON_TEXT_MAX)
        except ValueError as exc:
            raise InputError(f"--detail {number} ('{visible(item, 40)}'): {exc}") from None
    if not chosen:
        raise InputError(
            f"--detail: a {request.value} letter must say what is wrong and what it should say, e.g. "
            "--detail \"Address: lists 9 Oak St, Reno, NV as my home; I have never lived there, delete it\" "
            "(repeat --detail for each item, or list them under `corrections:` in the profile)"
        )
    return chosen


def screen_clients(intake, brokers: list[Broker], request: RequestKind, letter_date: dt.date, catalog: Catalog):
    """A batch's clients for whom this request can be written; the others become row errors that say why.

    A request no named broker can take (an FCRA letter to companies that are not consumer reporting agencies)
    stops the batch before anything is written."""
    from .clients import RowError
    from .legal import decide

    rule = rule_for(request)
    if rule is None:
        return intake
    if rule.consumer_reporting_only:
        others = [b for b in brokers if not _is_consumer_reporting_agency(b)]
        if others:
            raise refuse(f"{_not_consumer_reporting(request, others[0])} Not one: {', '.join(b.id for b in others)}")
    kept, errors = [], list(intake.errors)
    for client in intake.clients:
        reason: str | None = None
        if rule.needs_detail and not client.profile.corrections:
            reason = f"a {request.value} letter must say what is wrong and what it should say: use `optout letter --detail`"
        elif brokers:
            try:
                decide(client.profile, brokers[0], request, letter_date, catalog)
            except RequestRefused as exc:
                reason = str(exc).removeprefix("--request: ")
        if reason:
            errors.append(RowError(client.row, "request", reason, client.client_id))
        else:
            kept.append(client)
    errors.sort(key=lambda e: e.row)
    return replace(intake, clients=kept, errors=errors)


def request_guide(request: RequestKind | str) -> dict[str, str]:
    """What a request kind is for, when to send it and what to attach (templates/cli/request-guide.txt.j2)."""
    from .templating import render_text

    guide = {}
    for line in render_text("cli/request-guide.txt.j2", request=RequestKind(request).value).splitlines():
        key, _, text = line.partition(": ")
        guide[key.strip().lower()] = text.strip()
    return guide
