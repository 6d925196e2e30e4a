"""Batch PDFs: many sections in one WeasyPrint document, split into per-letter files and client packets.

One document per chunk amortises WeasyPrint's fixed cost (CSS, fonts, PDF writing); the stylesheet and
font configuration are parsed once per process and reused.

Page numbers: in a chunk document counter(pages) counts the whole chunk, so the chunk is laid out without the
"Page N of M" footer and each section's pages get their own numbers afterwards. For a section of M pages, a small
M-page overlay (nothing but "Page 1 of M" ... "Page M of M", laid out by WeasyPrint with the same @page rules as a
single letter, so it sits exactly where a single letter's footer does) is rendered once per process; each of its
pages becomes a form XObject that is drawn on top of the section's page with pypdf. The page's own content
stream is left as it is (wrapped in q/Q), so stamping costs well under a millisecond a page and the files stay
compressed. Cover sheets are numbered the same way, in the client's language; authorization forms are not.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, IndirectObject, NameObject
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from ..filenames import authorization_name, file_stem
from ..models import Agent, Letter
from ..paths import templates_dir
from ..templating import html_environment
from .drawn_lines import install_remembered_drawing, remembered_drawing
from .linebreaks import install_remembered_lines, remembered_lines
from .pdf import PackagedFilesOnly, pinned_timestamps

PACKET_NAME = "00-print-packet.pdf"
AUTHORIZATION_TITLE = "Authorization of an authorized agent"  # as in letter/authorization.html.j2


@dataclass
class Section:
    kind: str  # cover | letter | authorization
    anchor: str
    client_id: str
    packet: object = None
    letter: Letter | None = None
    agent: Agent | None = None


# Named pages (letter.css) that carry "Page N of M", and the markup of one empty section on such a page.
NUMBERED_PAGES = {
    "letter": '<section class="letter"></section>',
    "cover": '<section class="cover"></section>',
    "cover-es": '<section class="cover es"></section>',
}
# The chunk document: no page numbers (they would count the whole chunk); they are stamped per section.
_CHUNK_CSS = "".join(f"@page {name} {{ @bottom-right {{ content: none }} }}" for name in NUMBERED_PAGES)
# An overlay: nothing but the page numbers.
_OVERLAY_CSS = "@page { @bottom-left { content: none } }"


# WeasyPrint's user-agent stylesheet gives every element six pseudo-element styles (::marker, and the calls and
# markers of footnotes and notes): nine in ten of a chunk's computed styles, and much of its garbage. Batch documents
# have no footnotes or notes and no list items but <li>, so those rules go (the pages are the same bytes,
# tests/test_speed_invariants.py); if WeasyPrint's stylesheet no longer reads as expected, it is used as it is.
_UNUSED_PSEUDO_RULES = re.compile(r"^::(?:footnote|note)-(?:call|marker|callback) \{[^}\n]*\}\n", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def _user_agent_stylesheet() -> CSS:
    from weasyprint import html as weasyprint_html

    text, removed = _UNUSED_PSEUDO_RULES.subn("", weasyprint_html.UA)
    if removed != 5 or text.count("\n::marker {") != 1:
        return weasyprint_html.UA_STYLESHEET
    text = text.replace("\n::marker {", "\nli::marker {")
    return CSS(string=text, counter_style=weasyprint_html.UA_COUNTER_STYLE)


# Blank text between block-level tags (the templates' indentation and line breaks) is laid out as nothing, but
# WeasyPrint parses it, builds boxes for it and walks past them; a chunk document goes without it (the same bytes,
# tests/test_speed_invariants.py). Only HTML whitespace (space, tab, line breaks; never a no-break space) between a
# block-level tag and another tag goes; text and markup are untouched, and the escaped data of a letter never holds
# a "<".
_BLOCK_TAG = r"(?:html|head|body|section|div|p|table|thead|tbody|tr|td|th|h1|h2|ol|ul|li|meta|title)"
_BLANK_BESIDE_BLOCK = re.compile(
    rf"(<{_BLOCK_TAG}\b[^>]*>|</{_BLOCK_TAG}>)[ \t\r\n\f]+(?=<)|(?<=>)[ \t\r\n\f]+(?=</?{_BLOCK_TAG}\b)"
)


def _without_blank_text(html: str) -> str:
    return _BLANK_BESIDE_BLOCK.sub(lambda match: match.group(1) or "", html)


class BatchHTML(HTML):
    """A batch document (or page-number overlay): HTML with the lighter user-agent stylesheet above."""

    def _ua_stylesheets(self, forms=False):
        return [_user_agent_stylesheet()] if not forms else super()._ua_stylesheets(forms)


def _document(html: str) -> BatchHTML:
    return BatchHTML(string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=PackagedFilesOnly())


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
def _overlay(page_name: str, count: int, letter_date: dt.date) -> list[IndirectObject]:
    """Form XObjects for the pages of a `count`-page section on `page_name` pages: "Page 1 of count" ...

    Deterministic: the result depends only on the arguments (letter_date pins the embedded font's timestamp)."""
    with pinned_timestamps(letter_date):
        return _render_overlay(page_name, count)


def warm_up(letter_date: dt.date) -> None:
    """What every process rendering chunks would do first, done once in the process that forks them: WeasyPrint
    loaded and patched, the stylesheets parsed, the fonts found and the overlays of one- and two-page letters made.
    Forked workers inherit all of it (about a second of CPU each, under load, not spent again)."""
    install_remembered_lines()
    install_remembered_drawing()
    _user_agent_stylesheet()
    _extra_styles()
    html_environment().get_template("batch/packet.html.j2")
    for count in (1, 2):
        _overlay("letter", count, letter_date)


def _render_overlay(page_name: str, count: int) -> list[IndirectObject]:
    fonts, css = _shared_style()
    _, overlay_css = _extra_styles()
    html = f'<!DOCTYPE html><html lang="en"><body>{NUMBERED_PAGES[page_name] * count}</body></html>'
    document = _document(html).render(stylesheets=[css, overlay_css], font_config=fonts)
    if len(document.pages) != count:
        raise RuntimeError(f"page-number overlay for {page_name} has {len(document.pages)} pages, not {count}")
    owner = PdfWriter()  # holds the forms (and the font they use); each output file copies what it draws
    forms = []
    for page in PdfReader(io.BytesIO(document.write_pdf())).pages:
        form = DecodedStreamObject()
        contents = page.get_contents()
        form.set_data(contents.get_data() if contents is not None else b"")
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): page.mediabox,
                NameObject("/Resources"): page["/Resources"],
            }
        )
        forms.append(owner._add_object(form.clone(owner)))
    return forms


class _Stamper:
    """Draws a form XObject over pages of one output file, leaving their own content streams untouched."""

    NAME = NameObject("/OptoutPageNumber")

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        self.begin = writer._add_object(self._stream(b"q\n"))
        self.end = writer._add_object(self._stream(b"\nQ\nq " + self.NAME.encode() + b" Do Q\n"))

    @staticmethod
    def _stream(data: bytes) -> DecodedStreamObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return stream

    def stamp(self, page, form: IndirectObject) -> None:
        # A fresh /Resources and /XObject for this page: WeasyPrint may share them between pages.
        resources = DictionaryObject(page["/Resources"].get_object())
        existing = resources["/XObject"].get_object() if "/XObject" in resources else None
        xobjects = DictionaryObject(existing) if isinstance(existing, DictionaryObject) else DictionaryObject()
        xobjects[self.NAME] = form.clone(self.writer)  # copied once per file, however many pages draw it
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.raw_get("/Contents")
        contents = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([self.begin, *contents, self.end])


def page_name(section: Section) -> str | None:
    """The named page a section is laid out on, if its pages are numbered."""
    if section.kind == "letter":
        return "letter"
    if section.kind == "cover":
        return "cover-es" if getattr(section.packet, "language", "en") == "es" else "cover"
    return None


def sections_for(packets, covers: bool = True) -> list[Section]:
    sections: list[Section] = []
    for packet, letters in packets:
        if covers:
            sections.append(Section("cover", f"s{len(sections)}", packet.client_id, packet=packet))
        for letter in letters:
            sections.append(Section("letter", f"s{len(sections)}", packet.client_id, letter=letter))
            if letter.agent is not None:
                sections.append(
                    Section(
                        "authorization", f"s{len(sections)}", packet.client_id, packet=packet, letter=letter, agent=letter.agent
                    )
                )
    return sections


def _pdf_bytes(reader: PdfReader, pages: list[int], stamps: dict[int, IndirectObject], title: str | None = None) -> bytes:
    writer = PdfWriter()
    stamper = _Stamper(writer) if any(index in stamps for index in pages) else None
    for index in pages:
        page = writer.add_page(reader.pages[index])
        if stamper is not None and index in stamps:
            stamper.stamp(page, stamps[index])
    if reader.metadata:
        writer.add_metadata(
            {k: v for k, v in reader.metadata.items() if k in ("/Title", "/CreationDate", "/ModDate", "/Creator")}
        )
    if title:  # the same title as a single letter's or form's PDF, not the chunk's
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def render_packets(packets, letter_date: dt.date, with_packets: bool = True) -> list[tuple[str, str, Letter | None, str, bytes]]:
    """(client_id, file name, letter or None for the packet, kind, PDF bytes); kind is letter, authorization or packet.

    Without packets (--no-packet) there are no cover sheets and no packet files: only the letters and forms."""
    with pinned_timestamps(letter_date):
        return list(_render_packets(packets, letter_date, with_packets))


def _render_packets(packets, letter_date: dt.date, with_packets: bool) -> Iterator[tuple[str, str, Letter | None, str, bytes]]:
    sections = sections_for(packets, covers=with_packets)
    if not sections:
        return
    fonts, css = _shared_style()
    chunk_css, _ = _extra_styles()
    html = html_environment().get_template("batch/packet.html.j2").render(sections=sections, letter_date=letter_date)
    html = _without_blank_text(html)
    with remembered_lines():  # the paragraphs letters share are broken into lines once per process
        document = _document(html).render(stylesheets=[css, chunk_css], font_config=fonts)
    first_page: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    starts = [first_page[s.anchor] for s in sections] + [len(document.pages)]
    pages_of = {s.anchor: list(range(starts[i], starts[i + 1])) for i, s in enumerate(sections)}
    with remembered_drawing():  # and the lines they share are drawn once per process
        reader = PdfReader(io.BytesIO(document.write_pdf()))
    stamps: dict[int, IndirectObject] = {}  # chunk page index -> its "Page k of M" form
    for section in sections:
        name, pages = page_name(section), pages_of[section.anchor]
        if name is not None:
            stamps.update(zip(pages, _overlay(name, len(pages), letter_date), strict=True))  # one overlay page per page

    by_client: dict[str, list[int]] = {}
    for section in sections:
        pages = pages_of[section.anchor]
        by_client.setdefault(section.client_id, []).extend(pages)
        letter = section.letter
        if section.kind == "letter" and letter is not None:
            yield (
                section.client_id,
                f"{file_stem(letter)}.pdf",
                letter,
                "letter",
                _pdf_bytes(reader, pages, stamps, letter.subject),
            )
        elif section.kind == "authorization" and letter is not None:
            yield (
                section.client_id,
                authorization_name(letter),
                letter,
                "authorization",
                _pdf_bytes(reader, pages, stamps, AUTHORIZATION_TITLE),
            )
    if with_packets:
        for client_id, pages in by_client.items():
            yield client_id, PACKET_NAME, None, "packet", _pdf_bytes(reader, pages, stamps)
