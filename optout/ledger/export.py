"""What comes out of a ledger: a spreadsheet (formula-safe CSV), calendar reminders (RFC 5545 .ics), a dated
chronology of one request for a complaint (text and PDF), and counts (`ledger stats`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from ..batch.spreadsheet import csv_bytes
from ..catalog import Catalog
from ..errors import InputError
from .clocks import RequestView
from .records import ANSWERS, WAITING, EventKind, Stage

CSV_COLUMNS = [
    "reference", "stage", "follows", "client_id", "broker_id", "broker_name", "request", "letter_date", "sent_on", "status",
    "status_on", "due_on", "opt_out_due_on", "extended_to", "appeal_available", "appeal_until", "renew_on", "overdue",
    "channel_kind", "channel_value", "laws", "last_note",
]


def summary(item: RequestView) -> dict:
    """One request as JSON-ready data (also the CSV row)."""
    request = item.request
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    last_note = next((e.note for e in reversed(item.events) if e.note), None)
    return {
        "reference": request.reference, "stage": request.stage.value, "follows": request.parent,
        "client_id": request.client_id, "broker_id": request.broker_id, "broker_name": request.broker_name,
        "request": request.request.value, "letter_date": request.letter_date.isoformat(), "sent_on": iso(item.sent_on),
        "status": item.status.value, "status_on": item.status_on.isoformat(), "due_on": iso(item.due_on),
        "opt_out_due_on": iso(item.opt_out_due_on), "extended_to": iso(item.extended_to),
        "extension_problem": item.extension_problem, "appeal_available": item.appeal_available,
        "appeal_until": iso(item.appeal_until), "renew_on": iso(item.renew_on), "overdue": item.overdue,
        "next_due": iso(item.next_due), "channel_kind": request.channel_kind, "channel_value": request.channel_value,
        "laws": ";".join(request.laws), "last_note": last_note,
    }


def to_csv(views: list[RequestView]) -> bytes:
    """Every cell a spreadsheet shows as text: notes and names that start with = + - @ never run as formulas."""
    rows = []
    for item in views:
        row = summary(item)
        row |= {key: ("yes" if value else "no") for key, value in row.items() if isinstance(value, bool)}
        rows.append(row)
    return csv_bytes(CSV_COLUMNS, rows)


def reminders(item: RequestView) -> list[tuple[str, dt.date, str]]:
    """(kind, day, title) for each date this request has to be watched on."""
    who = f"{item.request.client_id}: " if item.request.client_id else ""
    name, ref = item.request.broker_name, item.reference
    found = []
    if item.status in WAITING:
        if item.due_on:
            label = "Appeal decision due" if item.request.stage is Stage.APPEAL else "Answer due"
            found.append(("due", item.due_on, f"{label}: {who}{name} ({ref})"))
        if item.opt_out_due_on:
            found.append(("opt-out-due", item.opt_out_due_on, f"Opt-outs due: {who}{name} ({ref})"))
    if item.status in (EventKind.DENIED, EventKind.PARTIAL) and item.appeal_until:
        found.append(("appeal-window", item.appeal_until, f"Last day to appeal: {who}{name} ({ref})"))
    if item.status is EventKind.COMPLETED and item.renew_on:
        found.append(("renew", item.renew_on, f"Deletion due again: {who}{name} ({ref})"))
    return found


def to_ics(views: list[RequestView], today: dt.date) -> bytes:
    """An all-day event, with a reminder the day before, for every date to watch. UIDs are stable across exports,
    so importing a newer export updates the calendar instead of doubling it."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//optout//ledger//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    stamp = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)  # from --today, so the same inputs give the same file
    for item in views:
        for kind, day, title in reminders(item):
            event = Event()
            event.add("uid", f"{item.reference}-{kind}@optout.ledger")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", title)
            status = f"status {item.status.value} since {item.status_on.isoformat()}"
            event.add("description", f"optout ledger: {item.request.request.value} request {item.reference}, {status}. "
                      "`optout ledger next` writes the next letter.")
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", dt.timedelta(days=-1))
            alarm.add("description", title)
            event.add_component(alarm)
            calendar.add_component(event)
    return calendar.to_ical()


# ------------------------------------------------------------------ chronology


def chain(views: list[RequestView], reference: str) -> list[RequestView]:
    """The request `reference` belongs to, and every letter that followed it, in date order."""
    by_reference = {item.reference: item for item in views}
    if reference not in by_reference:
        raise InputError(f"{reference}: no such reference in the ledger (`optout ledger list` shows them)")
    root = by_reference[reference]
    while root.request.parent and root.request.parent in by_reference:
        root = by_reference[root.request.parent]
    later = [item for item in views if item.request.parent == root.reference]
    return [root, *sorted(later, key=lambda item: (item.request.letter_date, item.reference))]


def chronology_context(views: list[RequestView], reference: str, catalog: Catalog, today: dt.date) -> dict:
    letters = chain(views, reference)
    root = letters[0]
    entries: list[dict[str, Any]] = []
    for item in letters:
        for event in item.events:
            entries.append({"on": event.on, "letter": item, "event": event})
    entries.sort(key=lambda entry: (entry["on"], entry["event"].id))
    laws = [catalog.laws[i] for i in root.request.laws if i in catalog.laws]
    return {"root": root, "letters": letters, "entries": entries, "laws": laws, "today": today}


def chronology_text(context: dict) -> bytes:
    from ..templating import render_text

    return (render_text("ledger/chronology.txt.j2", **context) + "\n").encode("utf-8")


def chronology_pdf(context: dict) -> bytes:
    from ..render.pdf import pinned_timestamps, render_html
    from ..templating import html_environment

    document = html_environment().get_template("ledger/chronology.html.j2").render(**context)
    with pinned_timestamps(context["today"]):
        return render_html(document)


# ----------------------------------------------------------------------- stats


def _counts(items: list[RequestView]) -> dict:
    days = {}
    for broker in sorted({item.request.broker_id for item in items}):
        waits = [
            (item.answered_on - item.sent_on).days
            for item in items
            if item.request.broker_id == broker and item.sent_on and item.answered_on
        ]
        if waits:
            days[broker] = statistics.median(waits)
    return {
        "requests": len(items),
        "by_status": dict(sorted(Counter(item.status.value for item in items).items())),
        "overdue": sum(item.overdue for item in items),
        "answered": sum(item.status in ANSWERS for item in items),
        "median_days_to_answer_by_broker": days,
    }


def stats(views: list[RequestView]) -> dict:
    """Counts over the requests themselves (follow-ups, appeals and complaints are steps of a request, not requests)."""
    requests = [item for item in views if item.request.stage in (Stage.REQUEST, Stage.RE_REQUEST)]
    result = _counts(requests)
    clients = sorted({item.request.client_id for item in requests if item.request.client_id})
    if clients:
        result["by_client"] = {c: _counts([i for i in requests if i.request.client_id == c]) for c in clients}
    return result
