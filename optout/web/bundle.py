"""The result of the web page: one ZIP with every letter (PDF, .eml, text, web-form text), a printable checklist in
the person's language with due dates, and a calendar file. Built in memory: nothing touches the disk.

The letters come from the library (optout.letters.compose, the batch's one-document PDF renderer, the eml and txt
renderers), so they are the same bytes `optout batch` writes for the same person, brokers, request and date."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ..batch.chunk import MAILING_ORDER, ClientPacket, PacketEntry
from ..catalog import Catalog
from ..disclosure import table_for
from ..filenames import file_stem
from ..letters import compose
from ..models import Broker, Letter, Profile, RequestKind
from ..render import eml, txt
from ..templating import render_note
from . import ics
from .i18n import environment, gettext_for

# Fixed timestamp inside the ZIP (1980 is the earliest a ZIP can hold): the same letters give the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CHECKLIST_NAME = "00-checklist.pdf"
CALENDAR_NAME = "due-dates.ics"


@dataclass
class ChecklistRow:
    letter: Letter
    files: list[str]
    notes: list[str] = field(default_factory=list)
    tells: list[str] = field(default_factory=list)  # the person's details the letter gives, in the page's language

    @property
    def channel(self):
        return self.letter.decision.channel

    @property
    def due_date(self) -> dt.date | None:
        return self.letter.decision.due_date


@dataclass
class Bundle:
    name: str
    data: bytes
    letters: int
    files: list[str]
    made: list[Letter] = field(default_factory=list)  # the letters themselves, for a ledger record


def _mailing_key(letter: Letter) -> tuple:
    channel = letter.decision.channel
    return (MAILING_ORDER[channel.kind.value if channel else None], letter.broker_name.casefold(), letter.broker_id)


def compose_all(profile: Profile, brokers: list[Broker], request: RequestKind, on: dt.date, catalog: Catalog) -> list[Letter]:
    return sorted((compose(profile, broker, request, on, catalog) for broker in brokers), key=_mailing_key)


def _render_part(profile: Profile, letters: list[Letter], request: RequestKind, on: dt.date) -> dict[str, bytes]:
    from ..render.packet import render_packets  # WeasyPrint loads only when letters are made

    packet = ClientPacket("letters", profile.full_name, profile.language, request.value, on, None)
    packet.entries = [PacketEntry(x.reference, x.broker_name, None, None, x.decision.due_date) for x in letters]
    return {
        letter.reference: data
        for _, _, letter, kind, data in render_packets([(packet, letters)], on)
        if kind == "letter" and letter is not None
    }


# Below this many letters a second process costs more than it saves.
PARALLEL_FROM = 12


def _parts(letters: list[Letter], jobs: int) -> list[list[Letter]]:
    jobs = max(1, min(jobs, len(letters) // (PARALLEL_FROM // 2) or 1))
    if len(letters) < PARALLEL_FROM:
        jobs = 1
    size = -(-len(letters) // jobs)
    return [letters[i : i + size] for i in range(0, len(letters), size)]


def letter_pdfs(
    profile: Profile,
    letters: list[Letter],
    request: RequestKind,
    on: dt.date,
    jobs: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> dict[str, bytes]:
    """Every letter's PDF, from the batch renderer (one WeasyPrint document per part, split per letter). Large sets
    are cut into one part per CPU, rendered side by side; a letter reads the same whichever part it was in (only
    the embedded font subset differs), and the same answers on the same machine give the same bytes."""
    parts = _parts(letters, jobs or os.cpu_count() or 1)
    if len(parts) == 1:
        pdfs = _render_part(profile, letters, request, on)
        if meanwhile is not None:
            meanwhile()
        return pdfs
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    pdfs = {}
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=context) as pool:
        futures = [pool.submit(_render_part, profile, part, request, on) for part in parts]
        if meanwhile is not None:
            meanwhile()  # the parent's own work (the checklist) while the workers lay out the letters
        for future in futures:
            pdfs.update(future.result())
    return pdfs


def checklist_pdf(rows: list[ChecklistRow], profile: Profile, request: RequestKind, on: dt.date, language: str,
                  recorded_in: str | None = None) -> bytes:
    from ..render.pdf import pinned_timestamps, render_html

    html = environment(language).get_template("web/checklist.html.j2").render(
        rows=rows, profile=profile, request=request.value, letter_date=on, recorded_in=recorded_in
    )
    with pinned_timestamps(on):
        return render_html(html)


def warm_up(catalog: Catalog) -> None:
    """Pay WeasyPrint's start (import, fonts, the shared stylesheet, the page-number overlays) once, when the
    server starts: the processes forked for each ZIP inherit it, so a click pays only for its own letters."""
    from .flow import build_profile

    answers = {"full_name": "Warm Up", "street": "1 Main St", "city": "Richmond", "state": "VA", "postal_code": "23220"}
    profile, _ = build_profile(answers, "VA", "en")
    broker = next(iter(catalog.brokers.values()), None)
    if profile is None or broker is None:  # pragma: no cover  (fixed answers; a catalog always has brokers)
        return
    on = dt.date.today()
    letters = compose_all(profile, [broker], RequestKind.DELETE, on, catalog)
    _render_part(profile, letters, RequestKind.DELETE, on)
    checklist_pdf([], profile, RequestKind.DELETE, on, "en")


def build_bundle(
    profile: Profile,
    brokers: list[Broker],
    request: RequestKind,
    on: dt.date,
    catalog: Catalog,
    language: str,
    recorded_in: str | None = None,
) -> Bundle:
    """`recorded_in`: the ledger the caller records these letters in; the checklist says so and how to mark them."""
    letters = compose_all(profile, brokers, request, on, catalog)
    labels = table_for(catalog).labels  # what each letter discloses, named as `optout explain` names it
    texts: dict[str, list[tuple[str, bytes]]] = {}
    rows: list[ChecklistRow] = []
    for letter in letters:
        stem = f"letters/{file_stem(letter)}"
        files = [(f"{stem}.eml", eml.render(letter)), (f"{stem}.txt", txt.render(letter))]
        if letter.webform_url:
            files.append((f"{stem}-webform.txt", txt.render_webform(letter)))
        texts[letter.reference] = files
        rows.append(ChecklistRow(letter, [f"{stem}.pdf", *(name for name, _ in files)],
                                 [render_note(note, language) for note in letter.decision.notes],
                                 [labels[item.field].get(language, labels[item.field]["en"]) for item in letter.discloses]))
    checklist: list[bytes] = []
    pdfs = letter_pdfs(profile, letters, request, on,
                       meanwhile=lambda: checklist.append(checklist_pdf(rows, profile, request, on, language, recorded_in)))
    entries = [(CHECKLIST_NAME, checklist[0]), (CALENDAR_NAME, ics.calendar(rows, gettext_for(language)))]
    for letter in letters:
        entries += [(f"letters/{file_stem(letter)}.pdf", pdfs[letter.reference]), *texts[letter.reference]]
    return Bundle(f"optout-letters-{on.isoformat()}.zip", zip_bytes(entries), len(letters), [name for name, _ in entries],
                  letters)


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """The files as one ZIP, in the order given, with fixed timestamps and private permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # private, as optout writes every file
            archive.writestr(info, data)
    return buffer.getvalue()
