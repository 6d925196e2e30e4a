"""The web page's pieces with the real library underneath: answers -> Profile under the CLI's rules, broker presets
as `optout brokers list` selectors, the ZIP's letters (the same bytes the library writes), the calendar file, and
`optout serve` itself."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile

import httpx2 as httpx  # what Starlette 1.x TestClient uses; the test extra installs it
import pytest
from pypdf import PdfReader

from optout.catalog import default_catalog
from optout.letters import compose
from optout.models import RequestKind, Status
from optout.query import select_brokers
from optout.render import render_letter
from optout.web import bundle, flow, ics
from optout.web.i18n import gettext_for
from tests.web_support import LETTER_DATE

ANSWERS = {"full_name": "Alex Rivera", "emails": "alex@example.org\n\n alex.r@example.org ", "phones": "+1 804 555 0100",
           "street": "12 Elm St", "city": "Richmond", "state": "VA", "postal_code": "23220"}


def test_answers_become_the_profile_a_file_would_give():
    profile, errors = flow.build_profile(ANSWERS, "VA", "es")
    assert errors == {} and profile is not None
    assert profile.emails == ["alex@example.org", "alex.r@example.org"]
    assert profile.addresses[0].lines() == ["12 Elm St", "Richmond, VA 23220"]
    assert profile.language == "es" and profile.statuses == [] and profile.acp_substitute_address is None


def test_program_participants_get_the_substitute_address_and_daniels_law():
    acp = {"acp": "yes", "acp_street": "PO Box 1201", "acp_city": "Sacramento", "acp_state": "CA", "acp_postal_code": "95812"}
    profile, errors = flow.build_profile({**ANSWERS, **acp, "daniels_law": "yes"}, "CA", "en")
    assert errors == {} and profile is not None
    assert set(profile.statuses) == {Status.ACP, Status.DANIELS_LAW}
    assert profile.mailing_address.street == "PO Box 1201"
    # Without the box ticked, a substitute address typed by mistake is not used.
    plain, _ = flow.build_profile({**ANSWERS, **acp, "acp": ""}, "VA", "en")
    assert plain is not None and plain.acp_substitute_address is None


def test_the_clis_rules_name_the_question_that_broke_them():
    cases = {
        "postal_code": {"postal_code": "2322"},
        "emails": {"emails": "not an email"},
        "full_name": {"full_name": ""},
        "street": {"street": ""},
        "birth_date": {"birth_date": "1980-02-31"},
        "state": {"state": "ZZ"},
    }
    for name, change in cases.items():
        profile, errors = flow.build_profile({**ANSWERS, **change}, "VA", "en")
        assert profile is None and name in errors, (name, errors)
    _, errors = flow.build_profile({**ANSWERS, "acp": "yes"}, "VA", "en")
    assert set(errors) == {"acp_street"}
    _, errors = flow.build_profile({**ANSWERS, "full_name": "Alex\u202eRivera"}, "VA", "en")
    assert "full_name" in errors  # the same hostile-text rule as a profile file


def test_presets_are_the_selectors_of_brokers_list():
    catalog = default_catalog()
    presets = {p.key: p for p in flow.presets(catalog)}
    assert [b.id for b in flow.preset_brokers(presets["government"], catalog)] == [
        b.id for b in select_brokers("sold-to:federal-government,sold-to:law-enforcement", catalog)]
    assert all("people-search" in b.categories for b in flow.preset_brokers(presets["people-search"], catalog))
    assert all(b.registrations for b in flow.preset_brokers(presets["registered"], catalog))
    assert [b.id for b in flow.search_brokers("spokeo", catalog)] == ["spokeo"]
    assert flow.search_brokers("  ", catalog) == []


def test_the_zip_holds_the_librarys_letters_a_checklist_and_a_calendar():
    catalog = default_catalog()
    profile, _ = flow.build_profile(ANSWERS, "VA", "es")
    assert profile is not None
    brokers = [catalog.broker(b) for b in ("spokeo", "acxiom", "lexisnexis-risk-solutions")]
    made = bundle.build_bundle(profile, brokers, RequestKind.DELETE, LETTER_DATE, catalog, "es")
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    assert made.letters == 3 and archive.namelist() == made.files
    assert all(info.date_time == bundle.ZIP_TIME for info in archive.infolist())
    assert not any(name.startswith("/") or ".." in name for name in made.files)
    for broker in brokers:
        letter = compose(profile, broker, RequestKind.DELETE, LETTER_DATE, catalog)
        stem = f"letters/{broker.id}-delete-{letter.reference}"
        assert archive.read(f"{stem}.txt") == render_letter(letter, "txt")
        assert archive.read(f"{stem}.eml") == render_letter(letter, "eml")
        text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(archive.read(f"{stem}.pdf"))).pages)
        assert letter.reference in text and "Alex Rivera" in text
    checklist = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(archive.read("00-checklist.pdf"))).pages)
    assert "Lista de control" in " ".join(checklist.split())
    # What each letter tells the company, in the page's language (issue 16's preview): Spokeo, a people-search
    # site, is told the name and town; Acxiom, a marketing list, the postal address.
    flat = " ".join(checklist.split())
    assert flat.count("Se le dice:") == 3, flat
    assert "nombre" in flat
    again = bundle.build_bundle(profile, brokers, RequestKind.DELETE, LETTER_DATE, catalog, "es")
    assert again.data == made.data  # the same answers give the same bytes


def test_letters_rendered_side_by_side_are_the_same_as_in_one_process():
    catalog = default_catalog()
    profile, _ = flow.build_profile(ANSWERS, "VA", "en")
    assert profile is not None
    brokers = select_brokers("category:people-search", catalog)[:3] + select_brokers("sold-to:law-enforcement", catalog)[:10]
    letters = bundle.compose_all(profile, brokers, RequestKind.ACCESS, LETTER_DATE, catalog)
    assert len(letters) >= bundle.PARALLEL_FROM
    def read(pdfs: dict[str, bytes]) -> dict[str, list[str]]:
        return {ref: [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages] for ref, data in pdfs.items()}

    # The bytes differ (each part embeds its own font subset); every page reads the same.
    side_by_side = bundle.letter_pdfs(profile, letters, RequestKind.ACCESS, LETTER_DATE, jobs=2)
    assert read(side_by_side) == read(bundle.letter_pdfs(profile, letters, RequestKind.ACCESS, LETTER_DATE, jobs=1))
    assert set(side_by_side) == {letter.reference for letter in letters}


class _Row:
    def __init__(self, letter, due):
        self.letter, self.due_date = letter, due


def test_calendar_values_stay_values():
    catalog = default_catalog()
    profile, _ = flow.build_profile(ANSWERS, "VA", "en")
    letter = compose(profile, catalog.broker("spokeo"), RequestKind.DELETE, LETTER_DATE, catalog)  # type: ignore[arg-type]
    hostile = letter.model_copy(update={"broker_name": "Evil, Inc.;\r\nEND:VEVENT\r\nBEGIN:VEVENT\nSUMMARY:x" + "é" * 80})
    data = ics.calendar([_Row(hostile, LETTER_DATE), _Row(letter, None)], gettext_for("en")).decode("utf-8")
    lines = data.replace("\r\n ", "").split("\r\n")  # unfolded: one property a line
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert [line for line in lines if line.startswith("SUMMARY:")] == [
        "SUMMARY:Answer due: Evil\\, Inc.\\;\\nEND:VEVENT\\nBEGIN:VEVENT\\nSUMMARY:x" + "é" * 80]
    assert all(len(line.encode()) <= 75 for line in data.split("\r\n"))
    assert data.startswith("BEGIN:VCALENDAR\r\n") and data.endswith("END:VCALENDAR\r\n")
    assert f"DTSTART;VALUE=DATE:{LETTER_DATE:%Y%m%d}" in data


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_optout_serve_listens_on_127_0_0_1_and_prints_a_one_time_link(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "optout", "serve", "--no-browser", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if found := re.search(r"http://127\.0\.0\.1:(\d+)/\?token=[\w-]+", line):
                url = found.group(0)
        assert url and url.startswith(f"http://127.0.0.1:{port}/")
        for _ in range(100):
            try:
                first = httpx.get(url, follow_redirects=False)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert first.status_code == 303 and first.headers["location"] == "/state"
        assert httpx.get(url, follow_redirects=False).status_code == 403  # once only
        with socket.socket() as other:  # nothing listens beyond loopback
            other.settimeout(1)
            assert other.connect_ex(("127.0.0.2", port)) != 0
        busy = subprocess.run([sys.executable, "-m", "optout", "serve", "--no-browser", "--port", str(port)],
                              capture_output=True, text=True, timeout=60, check=False)
        assert busy.returncode == 3 and f"--port {port}: cannot listen" in busy.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("language", ["en", "es"])
def test_days_are_counted_in_the_pages_language(language):
    from optout.web.i18n import days_phrase

    words = {"en": ("45 calendar days", "1 business day", "1 month"), "es": ("45 días naturales", "1 día hábil", "1 mes")}
    assert (days_phrase(45, "calendar", language), days_phrase(1, "business", language), days_phrase(1, "month", language)) \
        == words[language]


def test_serve_opens_the_private_link_in_the_browser(cli, monkeypatch):
    """In-process, with the server's loop replaced: the link printed is the one the browser is asked to open."""
    import uvicorn

    opened: list[str] = []
    served: list[object] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: served.append(sockets))
    monkeypatch.setattr("optout.web.bundle.warm_up", lambda catalog: None)
    result = cli("serve", "--port", "0")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", result.output)
    assert link and opened == [link.group(0)] and len(served) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = cli("serve", "--no-browser", "--port", str(taken.getsockname()[1]))
    assert busy.exit_code == 3 and len(opened) == 1


def test_warm_up_renders_once_without_error():
    bundle.warm_up(default_catalog())
