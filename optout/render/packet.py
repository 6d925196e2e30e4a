"""Batch PDFs: many sections in one WeasyPrint document, split into per-letter files and client packets.

One document per chunk amortises WeasyPrint's fixed cost (CSS, fonts, PDF writing); the stylesheet and
font configuration are parsed once per process and reused.

Page numbers: in a chunk document counter(pages) counts the whole chunk, so the chunk is laid out without the
"Page N of M" footer and each section's pages get their own numbers afterwards. For a section of M pages, a small
M-page overlay (nothing but "Page 1 of M" ... "Page M of M", laid out by WeasyPrint with the same @page rules as a
single letter, so it sits exactly where a single letter's footer does) is rendered once per process and merged
onto the section's pages with pypdf. Cover sheets are numbered the same way, in the client's language;
authorization forms are not numbered.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter
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


# Named pages (letter.css) that carry "Page N of M", and the markup of one empty section on such a page.
NUMBERED_PAGES = {"letter": '<section class="letter"></section>', "cover": '<section class="cover"></section>',
                  "cover-es": '<section class="cover es"></section>'}
# The chunk document: no page numbers (they would count the whole chunk); they are stamped per section.
_CHUNK_CSS = "".join(f"@page {name} {{ @bottom-right {{ content: none }} }}" for name in NUMBERED_PAGES)
# An overlay: nothing but the page numbers.
_OVERLAY_CSS = "@page { @bottom-left { content: none } }"


@functools.lru_cache(maxsize=1)
def _shared_style() -> tuple[FontConfiguration, CSS]:
    fonts = FontConfiguration()
    css_text = html_environment().get_template("letter/letter.css").render()
    return fonts, CSS(string=css_text, font_config=fonts, url_fetcher=PackagedFilesOnly())


@functools.lru_cache(maxsize=1)
def _extra_styles() -> tuple[CSS, CSS]:
    fonts, _ = _shared_style()
    return CSS(string=_CHUNK_CSS, font_config=fonts), CSS(string=_OVERLAY_CSS, font_config=fonts)


@functools.lru_cache(maxsize=64)
def _overlay(page_name: str, count: int, letter_date: dt.date) -> PdfReader:
    """`count` pages saying "Page 1 of count" ... "Page count of count" on `page_name` pages, and nothing else.

    Deterministic: it depends only on its arguments (letter_date pins the embedded font's timestamp)."""
    pin_timestamps(letter_date)
    fonts, css = _shared_style()
    _, overlay_css = _extra_styles()
    html = f"<!DOCTYPE html><html lang=\"en\"><body>{NUMBERED_PAGES[page_name] * count}</body></html>"
    document = HTML(string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=PackagedFilesOnly()).render(
        stylesheets=[css, overlay_css], font_config=fonts)
    if len(document.pages) != count:
        raise RuntimeError(f"page-number overlay for {page_name} has {len(document.pages)} pages, not {count}")
    return PdfReader(io.BytesIO(document.write_pdf()))


def page_name(section: Section) -> str | None:
    """The named page a section is laid out on, if its pages are numbered."""
    if section.kind == "letter":
        return "letter"
    if section.kind == "cover":
        return "cover-es" if section.packet.language == "es" else "cover"
    return None


def sections_for(packets) -> list[Section]:
    sections: list[Section] = []
    for packet, letters in packets:
        sections.append(Section("cover", f"s{len(sections)}", packet.client_id, packet=packet))
        for letter in letters:
            sections.append(Section("letter", f"s{len(sections)}", packet.client_id, letter=letter))
            if letter.agent is not None:
                sections.append(Section("authorization", f"s{len(sections)}", packet.client_id, packet=packet, letter=letter, agent=letter.agent))
    return sections


def _pdf_bytes(reader: PdfReader, pages: list[int], stamps: dict[int, PageObject]) -> bytes:
    writer = PdfWriter()
    for index in pages:
        page = writer.add_page(reader.pages[index])
        if index in stamps:
            page.merge_page(stamps[index])
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
    chunk_css, _ = _extra_styles()
    html = html_environment().get_template("batch/packet.html.j2").render(sections=sections, letter_date=letter_date)
    document = HTML(string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=PackagedFilesOnly()).render(
        stylesheets=[css, chunk_css], font_config=fonts)
    first_page = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    starts = [first_page[s.anchor] for s in sections] + [len(document.pages)]
    pages_of = {s.anchor: list(range(starts[i], starts[i + 1])) for i, s in enumerate(sections)}
    reader = PdfReader(io.BytesIO(document.write_pdf()))
    stamps: dict[int, PageObject] = {}  # chunk page index -> its "Page k of M" overlay page
    for section in sections:
        name, pages = page_name(section), pages_of[section.anchor]
        if name is not None:
            overlay = _overlay(name, len(pages), letter_date)
            stamps.update((index, overlay.pages[k]) for k, index in enumerate(pages))

    by_client: dict[str, list[int]] = {}
    for section in sections:
        pages = pages_of[section.anchor]
        by_client.setdefault(section.client_id, []).extend(pages)
        if section.kind == "letter":
            yield section.client_id, f"{file_stem(section.letter)}.pdf", section.letter, "letter", _pdf_bytes(reader, pages, stamps)
        elif section.kind == "authorization":
            yield section.client_id, authorization_name(section.letter), section.letter, "authorization", _pdf_bytes(reader, pages, stamps)
    for client_id, pages in by_client.items():
        yield client_id, PACKET_NAME, None, "packet", _pdf_bytes(reader, pages, stamps)
