"""An RFC 5322 draft (.eml) the person opens in their mail program and sends themselves."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ..models import Letter
from . import txt


def build_message(letter: Letter) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    # The header classes reject CR/LF in values, so no input can add a header.
    if letter.recipient_email:
        message["To"] = letter.recipient_email
    if letter.sender_email:
        message["From"] = letter.sender_email
    message["Subject"] = letter.subject
    noon = dt.datetime.combine(letter.date, dt.time(12, 0), tzinfo=dt.timezone.utc)
    message["Date"] = format_datetime(noon)
    # Derived from the reference so the same inputs give a byte-identical draft.
    message["Message-ID"] = f"<{letter.reference.lower()}@optout.invalid>"
    # Tells mail programs (Outlook, Thunderbird) to open the file as an unsent draft.
    message["X-Unsent"] = "1"
    message.set_content(txt.body(letter), charset="utf-8", cte="quoted-printable")
    return message


def render(letter: Letter) -> bytes:
    return build_message(letter).as_bytes()
