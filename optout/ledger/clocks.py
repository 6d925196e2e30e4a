"""Where each request stands and when its answer is due, from the law engine's clocks and the recorded events.

- The response clock runs from the day the letter was sent (the law counts from receipt, which the ledger cannot
  know; until it is marked sent, from the letter's date), in the law's calendar or business days, with the
  earlier opt-out clock where the law sets one (legal.deadline_for, legal.opt_out_deadline).
- An extension the broker announces moves the due date by the extension the law allows, and only when it was
  announced before the first due date passed (the laws that allow one require notice within the first period).
- After a denial, the appeal the law gives (and, where the law sets one, the window to file it); an appeal letter
  that was sent has the law's clock for deciding it, counted from the day it was sent.
- Where a law makes the broker repeat a deletion (California's Delete Act: every 45 days, for a registered broker
  and a California resident, recorded as the request's renewal law), a completed request is due again one cycle
  after it was completed.
"""

from __future__ import annotations

import datetime as dt

from ..catalog import Catalog
from ..deadlines import DEFAULT_RULES, due_date
from ..legal import deadline_for, opt_out_deadline, rights_for
from ..models import DayKind, Deadline, InvokedRight, Law, RequestKind
from .records import ANSWERS, WAITING, EventKind, Frozen, LedgerEvent, LedgerRequest, Stage


class RequestView(Frozen):
    """One request as the ledger sees it on a given day."""

    request: LedgerRequest
    status: EventKind
    status_on: dt.date
    sent_on: dt.date | None = None
    answered_on: dt.date | None = None
    denied_on: dt.date | None = None
    due_on: dt.date | None = None
    due_section: str | None = None
    opt_out_due_on: dt.date | None = None
    extended_to: dt.date | None = None
    extension_problem: str | None = None
    appeal_available: bool | None = None
    appeal_until: dt.date | None = None
    appeal_section: str | None = None
    renew_on: dt.date | None = None
    overdue: bool = False
    next_due: dt.date | None = None
    events: list[LedgerEvent] = []

    @property
    def reference(self) -> str:
        return self.request.reference


def _rules(law: Law):
    return law.due_date_rules or DEFAULT_RULES


def request_deadlines(laws: list[Law], request: RequestKind, start: dt.date) -> list[Deadline]:
    """The engine's deadlines for a letter relying on `laws`, counted from `start` (as legal.decide counts them)."""
    invoked = [
        InvokedRight(right=right, law_id=law.id, law_kind=law.kind, law_short_name=law.short_name, section=law.citation)
        for law in laws
        for right in rights_for(law, request)
    ]
    found = [d for law in laws if (d := deadline_for(law, request, start))]
    return found + [d for law in laws if (d := opt_out_deadline(law, request, invoked, start))]


def _extended(law: Law, deadline: Deadline, start: dt.date) -> dt.date:
    extra = deadline.extension_days or 0
    if deadline.day_kind in (DayKind.CALENDAR, DayKind.MONTH):
        # "extended by 45 additional days": the law's whole period then runs from receipt (e.g. 90 days in all).
        return due_date(start, deadline.days + extra, deadline.day_kind, law.jurisdiction, _rules(law))
    return due_date(deadline.due_date, extra, DayKind.CALENDAR, law.jurisdiction, _rules(law))


def _first(events: list[LedgerEvent], kinds) -> LedgerEvent | None:
    return next((e for e in events if e.kind in kinds), None)


def view(request: LedgerRequest, events: list[LedgerEvent], catalog: Catalog, today: dt.date) -> RequestView:
    events = [e for e in events if e.on <= today]  # the request as it stood on `today` (--today replays the past)
    laws = [catalog.laws[i] for i in request.laws if i in catalog.laws]
    last = events[-1] if events else None
    status = last.kind if last else EventKind.DRAFTED
    sent = _first(events, {EventKind.SENT})
    answered = _first(events, ANSWERS)
    denied = _first(events, {EventKind.DENIED, EventKind.PARTIAL})
    start = sent.on if sent else request.letter_date
    facts: dict = {}

    if request.stage in (Stage.REQUEST, Stage.RE_REQUEST) and request.clock_applies:
        deadlines = request_deadlines(laws, request.request, start)
        main = [d for d in deadlines if d.part == "request"]
        opt_out = [d.due_date for d in deadlines if d.part == "opt-out"]
        if main:
            first = min(main, key=lambda d: d.due_date)
            facts |= {"due_on": first.due_date, "due_section": first.section}
        if opt_out:
            facts["opt_out_due_on"] = min(opt_out)
        extension = _first(events, {EventKind.EXTENDED})
        if extension is not None and main:
            facts |= _apply_extension(main, extension, start, catalog)
    elif request.stage is Stage.APPEAL and sent is not None:
        facts |= _appeal_clock(laws, sent.on, _first(events, {EventKind.EXTENDED}))

    if denied is not None and request.stage in (Stage.REQUEST, Stage.RE_REQUEST):
        facts |= _appeal_window(laws, denied.on)
    if request.renewal_law and status is EventKind.COMPLETED and last is not None:
        renewal = catalog.laws.get(request.renewal_law)
        if renewal is not None and renewal.response is not None:
            clock = renewal.response
            facts["renew_on"] = due_date(last.on, clock.days, clock.day_kind, renewal.jurisdiction, _rules(renewal))

    clocks = [d for d in (facts.get("due_on"), facts.get("opt_out_due_on")) if d is not None]
    overdue = status in WAITING and (any(today > d for d in clocks) or (status is EventKind.NO_RESPONSE and not clocks))
    upcoming = [d for d in clocks if d >= today] if status in WAITING or status is EventKind.DRAFTED else []
    upcoming += [d for d in (facts.get("appeal_until"), facts.get("renew_on")) if d is not None and d >= today]
    return RequestView(
        request=request,
        status=status,
        status_on=last.on if last else request.letter_date,
        sent_on=sent.on if sent else None,
        answered_on=answered.on if answered else None,
        denied_on=denied.on if denied else None,
        overdue=overdue,
        next_due=min(upcoming, default=None),
        events=events,
        **facts,
    )


def _apply_extension(main: list[Deadline], extension: LedgerEvent, start: dt.date, catalog: Catalog) -> dict:
    first_due = min(d.due_date for d in main)
    if extension.on > first_due:
        return {"extension_problem": f"announced on {extension.on.isoformat()}, after the due date {first_due.isoformat()}: "
                "the law requires notice of an extension within the first period, so the due date stands"}
    moved = []
    for deadline in main:
        law = catalog.laws[deadline.law_id]
        moved.append(_extended(law, deadline, start) if deadline.extension_days else deadline.due_date)
    extended_to = min(moved)
    if extended_to == first_due:
        return {"extension_problem": "the law allows no extension, so the due date stands"}
    return {"due_on": extended_to, "extended_to": extended_to}


def _appeal_clock(laws: list[Law], sent_on: dt.date, extension: LedgerEvent | None) -> dict:
    dates = []
    section = None
    for law in laws:
        appeal = law.appeal
        if appeal is None or not appeal.available or not appeal.days:
            continue
        days = appeal.days + ((appeal.extension_days or 0) if extension is not None else 0)
        dates.append(due_date(sent_on, days, appeal.day_kind, law.jurisdiction, _rules(law)))
        section = section or appeal.section
    if not dates:
        return {}
    return {"due_on": min(dates), "due_section": section}


def _appeal_window(laws: list[Law], denied_on: dt.date) -> dict:
    appeals = [law for law in laws if law.appeal is not None and law.appeal.available]
    if not appeals:
        return {"appeal_available": False}
    facts: dict = {"appeal_available": True, "appeal_section": next((a.appeal.section for a in appeals if a.appeal), None)}
    windows = [
        due_date(denied_on, law.appeal.window_days, DayKind.CALENDAR, law.jurisdiction, _rules(law))
        for law in appeals
        if law.appeal is not None and law.appeal.window_days
    ]
    if windows:
        facts["appeal_until"] = min(windows)
    return facts


def views(ledger, catalog: Catalog, today: dt.date) -> list[RequestView]:
    events = ledger.events()
    return [view(request, events.get(request.reference, []), catalog, today) for request in ledger.requests()]
