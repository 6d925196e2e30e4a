"""Batch PDFs: many sections in one WeasyPrint document, split into per-letter files and client packets.

One document per chunk amortises WeasyPrint's fixed cost (CSS, fonts, PDF writing); the stylesheet and
font configuration are parsed once per process and reused.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from ..models import Agent, Letter
from ..output import authorization_name, file_stem
from ..paths import templates_dir
from ..templating import html_environment
from .pdf import PackagedFilesOnly, pin_timestamps

PACKET_NAME = "00-print-packet.pdf"


@dataclass
class Section:
    kind: str  # cover | letter | authorization
    anchor: str
    client_id: str
    packet: object = None
    letter: Letter | None = None
    agent: Agent | None = None


@functools.lru_cache(maxsize=1)
def _shared_style() -> tuple[FontConfiguration, CSS]:
    fonts = FontConfiguration()
    css_text = html_environment().get_template("letter/letter.css").render()
    return fonts, CSS(string=css_text, font_config=fonts, url_fetcher=PackagedFilesOnly())


def sections_for(packets) -> list[Section]:
    sections: list[Section] = []
    for packet, letters in packets:
        sections.append(Section("cover", f"s{len(sections)}", packet.client_id, packet=packet))
        for letter in letters:
            sections.append(Section("letter", f"s{len(sections)}", packet.client_id, letter=letter))
            if letter.agent is not None:
                sections.append(Section("authorization", f"s{len(sections)}", packet.client_id, packet=packet, letter=letter, agent=letter.agent))
    return sections


def _pdf_bytes(reader: PdfReader, pages: list[int]) -> bytes:
    writer = PdfWriter()
    for index in pages:
        writer.add_page(reader.pages[index])
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if k in ("/Title", "/CreationDate", "/ModDate", "/Creator")})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def render_packets(packets, letter_date: dt.date) -> Iterator[tuple[str, str, Letter | None, str, bytes]]:
    """Yield (client_id, file name, letter or None for the packet, kind, PDF bytes); kind is letter, authorization or packet."""
    sections = sections_for(packets)
    if not sections:
        return
    pin_timestamps(letter_date)
    fonts, css = _shared_style()
    html = html_environment().get_template("batch/packet.html.j2").render(sections=sections, letter_date=letter_date)
    document = HTML(string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=PackagedFilesOnly()).render(
        stylesheets=[css], font_config=fonts)
    first_page = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    starts = [first_page[s.anchor] for s in sections] + [len(document.pages)]
    pages_of = {s.anchor: list(range(starts[i], starts[i + 1])) for i, s in enumerate(sections)}
    reader = PdfReader(io.BytesIO(document.write_pdf()))

    by_client: dict[str, list[int]] = {}
    for section in sections:
        pages = pages_of[section.anchor]
        by_client.setdefault(section.client_id, []).extend(pages)
        if section.kind == "letter":
            yield section.client_id, f"{file_stem(section.letter)}.pdf", section.letter, "letter", _pdf_bytes(reader, pages)
        elif section.kind == "authorization":
            yield section.client_id, authorization_name(section.letter), section.letter, "authorization", _pdf_bytes(reader, pages)
    for client_id, pages in by_client.items():
        yield client_id, PACKET_NAME, None, "packet", _pdf_bytes(reader, pages)
