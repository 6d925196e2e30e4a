"""What the speed work must not change: the bytes of a batch, the collector's state, what a batch and a single
letter share, and the --no-packet record. (No timings here: bench/ measures those.)"""

from __future__ import annotations

import datetime as dt
import gc
import threading

import yaml
from conftest import pdf_text, words
from test_batch import DATE, client_rows, read_manifest, write_csv

from optout.batch import BatchSettings, plan_chunks
from optout.batch.chunk import _render_chunk_files, collector_paused, render_chunk_files
from optout.catalog import default_catalog
from optout.clients import read_clients
from optout.models import RequestKind

BROKERS = "penlink,spokeo"


def test_pausing_the_collector_changes_no_byte(tmp_path):
    catalog = default_catalog()
    intake = read_clients(write_csv(tmp_path / "c.csv", client_rows(3)))
    [chunk] = plan_chunks(intake.clients, BROKERS.split(","))
    settings = BatchSettings(RequestKind.DELETE, dt.date.fromisoformat(DATE), ("pdf", "txt", "eml"))
    paused = render_chunk_files(chunk, settings, catalog)
    assert gc.isenabled()
    unpaused = _render_chunk_files(chunk, settings, catalog)  # the collector on throughout
    assert [(c, n, d) for c, n, d, _ in paused.files] == [(c, n, d) for c, n, d, _ in unpaused.files]
    assert any(name.endswith(".pdf") for _, name, _, _ in paused.files)


def test_the_collector_comes_back_as_it_was_even_with_chunks_in_threads():
    assert gc.isenabled()
    inside = threading.Barrier(2)
    states = []

    def chunk() -> None:
        with collector_paused():
            inside.wait(timeout=10)  # both "chunks" render at once
            states.append(gc.isenabled())
            inside.wait(timeout=10)

    threads = [threading.Thread(target=chunk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert states == [False, False] and gc.isenabled()

    gc.disable()  # a program that runs with the collector off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_batch_text_and_email_are_byte_identical_to_single_letters_and_pdfs_say_the_same(cli, tmp_path):
    """README: a batch's .txt and .eml files are byte for byte what `optout letter` writes for the same person,
    broker, request and date; its PDFs hold the same text, but not the same bytes (a chunk's pages share fonts)."""
    rows = client_rows(2)
    out = tmp_path / "batch"
    result = cli("batch", write_csv(tmp_path / "c.csv", rows), "--brokers", BROKERS, "--out", out, "--date", DATE,
                 "--format", "pdf,txt,eml", "--quiet")
    assert result.exit_code == 0, result.output
    batch_files = {row["file"]: out / row["file"] for row in read_manifest(out) if row["reference"]}
    intake = read_clients(tmp_path / "c.csv")
    compared = 0
    for client in intake.clients:
        profile = tmp_path / f"{client.client_id}.yaml"
        profile.write_text(yaml.safe_dump(client.profile.model_dump(mode="json", exclude_none=True), allow_unicode=True))
        single = tmp_path / "single" / client.client_id
        result = cli("letter", "--profile", profile, "-b", BROKERS, "--date", DATE, "--format", "pdf,txt,eml", "--out", single)
        assert result.exit_code == 0, result.output
        for path in sorted(single.iterdir()):
            batch_path = batch_files[f"{client.client_id}/{path.name}"]
            if path.suffix == ".pdf":
                assert words(pdf_text(path)) == words(pdf_text(batch_path)), path.name
            else:
                assert path.read_bytes() == batch_path.read_bytes(), path.name
            compared += 1
    assert compared >= len(rows) * 2 * 3


def test_no_packet_writes_only_letters_and_resume_refuses_the_other_setting(cli, tmp_path):
    csv_path = write_csv(tmp_path / "c.csv", client_rows(2))
    out = tmp_path / "out"
    common = ["--brokers", BROKERS, "--out", out, "--date", DATE, "--format", "pdf", "--quiet"]
    result = cli("batch", csv_path, *common, "--no-packet")
    assert result.exit_code == 0, result.output
    files = [row["file"] for row in read_manifest(out)]
    assert files and not any(name.endswith("00-print-packet.pdf") for name in files)
    assert all(row["reference"] for row in read_manifest(out))  # letters only: no cover, no packet
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf")) == sorted(f for f in files if f.endswith(".pdf"))

    result = cli("batch", csv_path, *common, "--resume")
    assert result.exit_code == 3 and "--no-packet was given, now not given" in result.output
    result = cli("batch", csv_path, *common, "--resume", "--no-packet")
    assert result.exit_code == 0, result.output
    assert "00-print-packet.pdf" not in "".join(row["file"] for row in read_manifest(out))


def test_remembered_line_breaks_and_drawing_change_no_byte(tmp_path, monkeypatch):
    """The line-break memory (optout/render/linebreaks.py) and the drawing memory (optout/render/drawn_lines.py)
    answer equal questions with the first answer: the PDFs are the same bytes with them cold, warm (answers from
    earlier chunks) and without them."""
    import contextlib

    from optout.render import drawn_lines, linebreaks, packet

    catalog = default_catalog()
    rows = client_rows(6)
    intake = read_clients(write_csv(tmp_path / "c.csv", rows))
    chunks = plan_chunks(intake.clients, BROKERS.split(","), size=6)  # two chunks of three clients
    assert len(chunks) == 2
    settings = BatchSettings(RequestKind.DELETE, dt.date.fromisoformat(DATE), ("pdf",))

    def pdfs(chunk) -> list[tuple[str, str, bytes]]:
        return [(c, n, d) for c, n, d, _ in render_chunk_files(chunk, settings, catalog).files]

    linebreaks._PATCH.entries.clear()
    drawn_lines._PATCH.entries.clear()
    cold = [pdfs(chunk) for chunk in chunks]
    remembered, drawn = len(linebreaks._PATCH.entries), len(drawn_lines._PATCH.entries)
    warm = [pdfs(chunk) for chunk in chunks]  # every line now answered and drawn from memory
    assert remembered > 0 and len(linebreaks._PATCH.entries) == remembered
    assert drawn > 0 and len(drawn_lines._PATCH.entries) == drawn
    monkeypatch.setattr(packet, "remembered_lines", contextlib.nullcontext)
    monkeypatch.setattr(packet, "remembered_drawing", contextlib.nullcontext)
    without = [pdfs(chunk) for chunk in chunks]
    assert cold == warm == without


def test_the_lighter_chunk_document_changes_no_byte(tmp_path, monkeypatch):
    """A chunk document drops the user-agent rules that give every element footnote, note and marker
    pseudo-element styles, and the blank text between block-level tags (optout/render/packet.py): cover sheets (with
    their numbered lists, in English and Spanish), letters, an agent's authorization forms and the packets are the
    same bytes as with WeasyPrint's own stylesheet and the template's text as it is."""
    from weasyprint import HTML
    from weasyprint import html as weasyprint_html

    from optout.models import Agent
    from optout.render import packet

    assert packet._user_agent_stylesheet() is not weasyprint_html.UA_STYLESHEET  # the rules were found and dropped
    assert packet._without_blank_text('<div class="a">\n  <p>Dear  Ann, </p>\n <span>x</span> <b>y</b>\n</div>') == (
        '<div class="a"><p>Dear  Ann, </p><span>x</span> <b>y</b></div>'
    )
    assert packet._without_blank_text("<span>x</span>\u00a0</p>") == "<span>x</span>\u00a0</p>"  # a no-break space stays
    catalog = default_catalog()
    intake = read_clients(write_csv(tmp_path / "c.csv", client_rows(2)))  # one English, one Spanish client
    [chunk] = plan_chunks(intake.clients, BROKERS.split(","))
    agent = Agent.model_validate({
        "organization": "Example Legal Clinic", "contact_name": "Sam Lee", "email": "clinic@example.org",
        "address": {"street": "1 Court St", "city": "Oakland", "state": "CA", "postal_code": "94612"},
    })
    settings = BatchSettings(RequestKind.DELETE, dt.date.fromisoformat(DATE), ("pdf",), agent=agent)

    def pdfs() -> list[tuple[str, str, bytes]]:
        packet._overlay.cache_clear()
        return [(c, n, d) for c, n, d, _ in render_chunk_files(chunk, settings, catalog).files]

    lighter = pdfs()
    monkeypatch.setattr(packet.BatchHTML, "_ua_stylesheets", HTML._ua_stylesheets)
    monkeypatch.setattr(packet, "_without_blank_text", lambda html: html)
    stock = pdfs()
    names = [name for _, name, _ in lighter]
    assert "00-print-packet.pdf" in names and any("authorization" in name for name in names)
    assert lighter == stock
