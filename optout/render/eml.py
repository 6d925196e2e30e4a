"""An RFC 5322 draft (.eml) the person opens in their mail program and sends themselves.

Built with the standard library's EmailMessage under an SMTPUTF8 policy, so non-ASCII names and
addresses (josé@example.org) are written as UTF-8, and the library refuses any header value with a
line break, so no input can add a header. An agent's letter carries the person's signed-authorization
form as a PDF attachment. Everything is derived from the letter, so the same inputs give the same bytes.
"""

from __future__ import annotations

import calendar
import datetime as dt
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from ..models import Letter
from . import txt

# Subjects are not folded: a draft is opened by a mail program, which folds on sending; RFC 5322 allows 998.
POLICY = policy.SMTPUTF8.clone(linesep="\r\n", max_line_length=998)


class HeaderInjection(ValueError):
    """A header value with a line break: refused, never written."""


def _checked(name: str, value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise HeaderInjection(f"{name}: a line break in a header value is not allowed")
    return value


def message(letter: Letter, attachments: list[tuple[str, bytes]] | tuple = ()) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    if letter.recipient_email:
        msg["To"] = _checked("To", letter.recipient_email)
    if letter.sender_email:
        msg["From"] = _checked("From", letter.sender_email)
    msg["Subject"] = _checked("Subject", letter.subject)
    noon = dt.datetime.combine(letter.date, dt.time(12, 0))
    msg["Date"] = formatdate(calendar.timegm(noon.timetuple()), usegmt=True)
    # Derived from the reference so the same inputs give a byte-identical draft.
    msg["Message-ID"] = f"<{letter.reference.lower()}@optout.invalid>"
    # Tells mail programs (Outlook, Thunderbird) to open the file as an unsent draft.
    msg["X-Unsent"] = "1"
    msg.set_content(txt.body(letter), subtype="plain", charset="utf-8", cte="quoted-printable")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    if attachments:
        msg.set_boundary(f"=_optout_{letter.reference}")
    return msg


def render(letter: Letter, attachments: list[tuple[str, bytes]] | tuple = ()) -> bytes:
    return message(letter, attachments).as_bytes(policy=POLICY)
