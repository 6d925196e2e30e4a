"""Plain text: the letter as it would be printed, wrapped for a mail client or a web form."""

from __future__ import annotations

import functools
import textwrap

from ..models import Block, Letter
from ..templating import long_date

WIDTH = 76


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent + "  " if indent else "",
                         break_long_words=False, break_on_hyphens=False)


def header_lines(letter: Letter) -> list[str]:
    return [*letter.sender_lines, "", long_date(letter.date), "", *letter.recipient_lines, "",
            f"Reference: {letter.reference}", f"Subject: {letter.subject}"]


def _block_text(block: Block) -> str:
    if block.kind == "detail":
        return _wrap(f"{block.label}: {block.text}", indent="  ")
    if block.kind == "enclosure":
        return _wrap(f"Enclosure: {block.text}")
    return _wrap(block.text)


@functools.lru_cache(maxsize=256)
def _joined(blocks: tuple[tuple[str, str], ...]) -> str:
    # Details and signature lines stay together as one group; every other block is its own paragraph.
    out: list[str] = []
    previous = None
    for kind, text in blocks:
        grouped = kind == previous and kind in ("detail", "signature")
        out.append(("\n" if grouped else ("\n\n" if out else "")) + text)
        previous = kind
    return "".join(out) + "\n"


def body(letter: Letter) -> str:
    # Cached: the txt file, the web-form text and the email draft of one letter share this body.
    return _joined(tuple((b.kind, _block_text(b)) for b in letter.blocks))


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


def render_notes(letter: Letter) -> bytes:
    """The notes that go with a letter: what to know before sending it."""
    head = [f"Notes for your letter to {letter.broker_name} (reference {letter.reference})", ""]
    return ("\n".join(head) + "\n" + "\n\n".join(_wrap(f"- {note}") for note in letter.notes) + "\n").encode("utf-8")
