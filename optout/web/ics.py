"""A calendar file (RFC 5545): one all-day event per letter on the day its answer is due.

Broker names and references are untrusted text: every value is escaped (backslash, ';', ',', line breaks) and long
lines are folded at 75 octets, so no value can add a property or an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

CRLF = "\r\n"


def escape_text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20)


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space; never splits a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return CRLF.join(out)


def calendar(rows: Iterable, gettext: Callable[[str], str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//optout//letters//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for row in rows:
        letter = row.letter
        due = row.due_date
        if due is None:
            continue
        summary = gettext("Answer due: %(company)s") % {"company": letter.broker_name}
        description = gettext(
            "Your letter %(reference)s to %(company)s: the answer is due today, counted from the letter's date. "
            "If the company has not answered, optout can make the next letter (optout serve, \u201cI already sent a "
            "letter\u201d)."
        ) % {"reference": letter.reference, "company": letter.broker_name}
        stamp = dt.datetime.combine(letter.date, dt.time(12, 0)).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{letter.reference.lower()}@optout.invalid",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{due + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return (CRLF.join(fold(line) for line in lines) + CRLF).encode("utf-8")
