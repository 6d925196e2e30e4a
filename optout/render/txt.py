"""Plain text: the letter as it would be printed, wrapped for a mail client or a web form."""

from __future__ import annotations

import functools
import textwrap

from ..models import Letter

WIDTH = 76


def _wrap(paragraph: str) -> str:
    return textwrap.fill(paragraph, width=WIDTH, break_long_words=False, break_on_hyphens=False)


def header_lines(letter: Letter) -> list[str]:
    return [*letter.sender_lines, "", f"{letter.date:%B} {letter.date.day}, {letter.date.year}", "", *letter.recipient_lines, "", f"Reference: {letter.reference}", f"Subject: {letter.subject}"]


@functools.lru_cache(maxsize=256)
def _wrapped(paragraphs: tuple[str, ...]) -> str:
    return "\n\n".join(_wrap(p) for p in paragraphs) + "\n"


def body(letter: Letter) -> str:
    # Cached: the txt file, the web-form text and the email draft of one letter share this body.
    return _wrapped(tuple(letter.paragraphs))


def render(letter: Letter) -> bytes:
    return ("\n".join(header_lines(letter)) + "\n\n" + body(letter)).encode("utf-8")


def render_webform(letter: Letter) -> bytes:
    """What to paste into a broker's web form: the URL first, then only the letter text."""
    intro = [
        f"Open this form in your browser: {letter.webform_url}",
        f"Paste the text below into its message box. Keep this file: your reference is {letter.reference}.",
        "-" * WIDTH,
    ]
    return ("\n".join(intro) + "\n\n" + body(letter)).encode("utf-8")
