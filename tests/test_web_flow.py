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
    # The letters do not explain appeals: the checklist says optout makes the next letter, and where.
    assert "optout puede hacer la carta siguiente" in flat and "la carta dice cómo apelar" not in flat
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

    words = {"en": ("45 calendar days", "1 business day", "1 month"), "es": ("45 días calendario", "1 día hábil", "1 mes")}
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


# ---------------------------------------------------------------------------
# Identifiers, the narrower requests and the ledger record (issue 13's "who you are", "what to ask" and "result")

ANDROID_ID = "38400000-8cf0-11bd-b23e-10b96e40000d"
IOS_ID = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
SPOKEO_PAGE = "https://www.spokeo.com/Alex-Rivera/Virginia/Richmond/p555010"


def test_identifier_answers_become_the_profiles_identifiers():
    answers = {**ANSWERS, "ad_ids_android": ANDROID_ID.upper(), "ad_ids_ios": f"\n{IOS_ID.lower()}\n",
               "vehicle_plates": "abc  1234\nXYZ-9, md", "listing_urls": SPOKEO_PAGE}
    checked = flow.check_answers(answers, "VA", "en", default_catalog())
    assert checked.errors == {} and checked.profile is not None
    profile = checked.profile
    # The CLI's own normalisation: Android IDs as Android shows them (lower case), Apple's upper case.
    assert [(ad.platform.value, ad.id) for ad in profile.advertising_ids] == [("android", ANDROID_ID), ("ios", IOS_ID)]
    # A plate without a state is the home state's; "PLATE, ST" names another.
    assert [(p.plate, p.state) for p in profile.vehicle_plates] == [("ABC 1234", "VA"), ("XYZ-9", "MD")]
    assert [item.url for item in profile.listing_urls] == [SPOKEO_PAGE]


def test_identifier_errors_name_the_question_and_the_line():
    catalog = default_catalog()
    cases = {
        "ad_ids_ios": ({"ad_ids_ios": f"{IOS_ID}\n\nnot-an-id"}, 3),
        "ad_ids_android": ({"ad_ids_android": "00000000-0000-0000-0000-000000000000"}, 1),  # all zeros: filed under nothing
        "vehicle_plates": ({"vehicle_plates": "ABC 1234\nABC 1234, ZZ"}, 2),
        "listing_urls": ({"listing_urls": "https://people.example.org/alex"}, 1),  # not a known company's own site
    }
    for name, (change, line) in cases.items():
        checked = flow.check_answers({**ANSWERS, **change}, "VA", "en", catalog)
        assert checked.profile is None and set(checked.errors) == {name}, (name, checked.errors)
        assert checked.lines == {name: line}, name
    # A list longer than a field takes is refused, never cut short into one that would pass.
    checked = flow.check_answers({**ANSWERS, "vehicle_plates": "ABC 1234\n" * 300}, "VA", "en", catalog)
    assert checked.profile is None and "vehicle_plates" in checked.errors


def test_narrow_requests_are_offered_only_where_the_law_or_status_gives_them():
    catalog = default_catalog()
    broker = catalog.broker("spokeo")

    def offered(state: str, **statuses: str) -> set[str]:
        profile, errors = flow.build_profile({**ANSWERS, "state": state, **statuses}, state, "en")
        assert profile is not None, errors
        return {kind.value for kind, _ in flow.offered_requests(profile, broker, LETTER_DATE, catalog)}

    general = {"delete", "opt-out", "access"}
    assert offered("VA") == general | {"correct"}  # Virginia's law gives a correction right, nothing narrower
    assert offered("CA") >= general | {"correct", "limit-sensitive"}
    assert "nevada-opt-out" in offered("NV") and "nevada-opt-out" not in offered("CA")
    assert offered("MS") == general  # no privacy law: the general requests, asked voluntarily
    assert "daniels-law" in offered("NJ", daniels_law="yes") and "daniels-law" not in offered("NJ")
    acp = {"acp": "yes", "acp_street": "PO Box 1201", "acp_city": "Sacramento", "acp_state": "CA", "acp_postal_code": "95812"}
    assert "acp" in offered("CA", **acp) and "acp" not in offered("CA")
    assert set(flow.WEB_REQUESTS).isdisjoint({RequestKind.FCRA_DISPUTE, RequestKind.GDPR_ERASURE})  # CLI-only


def _walk_to_ask(state: str = "VA", preset: str = "pick", **person: str):
    from starlette.testclient import TestClient

    from optout.web import create_app
    from tests.web_support import CSRF

    asgi, sessions = create_app(today=lambda: LETTER_DATE)
    client = TestClient(asgi, base_url="http://127.0.0.1:8765", follow_redirects=False)
    client.get(f"/?token={sessions.token}")
    csrf = CSRF.search(client.get("/state").text).group(1)
    client.post("/state", data={"csrf": csrf, "state": state})
    answers = {"full_name": "Alex Rivera", "emails": "alex@example.org", "street": "12 Elm St", "city": "Richmond",
               "state": state, "postal_code": "23220", **person}
    assert client.post("/you", data={"csrf": csrf, **answers}).status_code == 303
    client.post("/brokers/pick", data={"csrf": csrf, "broker": "spokeo", "action": "add"})
    assert client.post("/brokers", data={"csrf": csrf, "preset": preset}).status_code == 303
    return client, csrf


def test_identifier_errors_show_next_to_their_field_on_the_page():
    client, csrf = _walk_to_ask()
    page = client.post("/you", data={"csrf": csrf, "full_name": "Alex Rivera", "street": "12 Elm St", "city": "Richmond",
                                     "state": "VA", "postal_code": "23220", "ad_ids_android": f"{ANDROID_ID}\n1234"})
    assert page.status_code == 422
    error = re.search(r'<p class="error" id="error-ad_ids_android">(.*?)</p>', page.text, flags=re.S)
    assert error and "Line 2:" in error.group(1) and "8-4-4-4-12" in error.group(1)
    assert 'aria-describedby="help-ad_ids_android error-ad_ids_android"' in page.text
    assert '<details id="identifiers" open>' in page.text  # the folded questions open where an answer is wrong
    fresh, _ = _walk_to_ask()
    assert '<details id="identifiers">' in fresh.get("/you").text  # folded when empty
    assert '<details id="identifiers" open>' in fresh.get("/you?more=1").text  # opened by step 4's link


def test_step_4_says_which_chosen_companies_need_an_identifier_not_given():
    client, _ = _walk_to_ask(preset="location")
    page = client.get("/ask").text
    assert "find people by a phone's advertising ID" in page and 'href="/you?more=1#field-ad_ids_android"' in page
    given, _ = _walk_to_ask(preset="location", ad_ids_android=ANDROID_ID)
    assert "find people by a phone's advertising ID" not in given.get("/ask").text


def test_a_correction_says_what_is_wrong_and_reaches_the_letter():
    client, csrf = _walk_to_ask()
    page = client.get("/ask").text
    assert 'id="request-correct"' in page and 'id="request-limit-sensitive"' not in page  # Virginia: no limit right
    assert client.post("/ask", data={"csrf": csrf, "request": "limit-sensitive"}).status_code == 422
    empty = client.post("/ask", data={"csrf": csrf, "request": "correct", "corrections": "  "})
    assert empty.status_code == 422 and 'id="error-corrections"' in empty.text
    hostile = client.post("/ask", data={"csrf": csrf, "request": "correct", "corrections": "ok\nbad\u202etext"})
    assert hostile.status_code == 422 and "Line 2:" in hostile.text  # the profile file's rule on hidden characters
    item = "Address: lists 9 Oak St, Reno, NV as my home; I have never lived there, delete it"
    assert client.post("/ask", data={"csrf": csrf, "request": "correct", "corrections": item}).status_code == 303
    made = client.post("/letters", data={"csrf": csrf})
    assert made.status_code == 200 and made.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(made.content))
    [text_name] = [n for n in archive.namelist() if n.endswith(".txt") and "-correct-" in n]
    letter = " ".join(archive.read(text_name).decode().split())
    assert "9 Oak St, Reno, NV" in letter and "59.1-577(A)(2)" in letter  # Virginia's correction right
    # The items belong to the correction only: a deletion letter does not carry them.
    assert client.post("/ask", data={"csrf": csrf, "request": "delete"}).status_code == 303
    deletion = zipfile.ZipFile(io.BytesIO(client.post("/letters", data={"csrf": csrf}).content))
    assert all("9 Oak St" not in deletion.read(n).decode() for n in deletion.namelist() if n.endswith(".txt"))


def test_a_request_the_new_answers_no_longer_allow_goes_back_to_step_4():
    client, csrf = _walk_to_ask(state="NJ", daniels_law="yes")
    assert client.post("/ask", data={"csrf": csrf, "request": "daniels-law"}).status_code == 303
    client.post("/you", data={"csrf": csrf, "full_name": "Alex Rivera", "street": "12 Elm St", "city": "Newark",
                              "state": "NJ", "postal_code": "07102"})  # the Daniel's Law box no longer ticked
    response = client.get("/letters")
    assert response.status_code == 303 and response.headers["location"] == "/ask"


def _ledger_requests(path):
    from optout.ledger import open_ledger

    with open_ledger(path, create=False) as ledger:
        return ledger.requests()


def test_keep_a_record_only_when_asked_and_only_in_an_existing_ledger(tmp_path, monkeypatch):
    from optout.ledger import default_ledger_path, open_ledger

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ledger_path = default_ledger_path()
    assert str(ledger_path).startswith(str(tmp_path))
    client, csrf = _walk_to_ask()
    assert client.post("/ask", data={"csrf": csrf, "request": "delete"}).status_code == 303
    assert 'name="record"' not in client.get("/letters").text  # no ledger: nothing to offer, nothing made
    assert client.post("/letters", data={"csrf": csrf, "record": "yes"}).status_code == 200
    assert not ledger_path.exists()

    open_ledger(ledger_path).close()  # as `optout letter --record` leaves it
    page = client.get("/letters").text
    assert 'name="record" value="yes"' in page and "checked" not in page.split('name="record"')[1].split(">")[0]
    assert client.post("/letters", data={"csrf": csrf}).status_code == 200
    assert _ledger_requests(ledger_path) == []  # unticked: nothing stored

    made = client.post("/letters", data={"csrf": csrf, "record": "yes"})
    archive = zipfile.ZipFile(io.BytesIO(made.content))
    recorded = _ledger_requests(ledger_path)
    letters = [n for n in archive.namelist() if n.endswith(".pdf") and n.startswith("letters/")]
    assert len(recorded) == len(letters) == 1
    assert recorded[0].broker_id == "spokeo" and recorded[0].request is RequestKind.DELETE
    assert recorded[0].reference in letters[0] and recorded[0].source is None  # no profile file, no personal details
    checklist = " ".join(" ".join((p.extract_text() or "").split())
                         for p in PdfReader(io.BytesIO(archive.read("00-checklist.pdf"))).pages)
    assert "recorded in your ledger" in checklist and "optout ledger mark" in checklist
    assert client.post("/letters", data={"csrf": csrf, "record": "yes"}).status_code == 200
    assert len(_ledger_requests(ledger_path)) == 1  # the same letter twice is one record, as with the CLI

    ledger_path.unlink()
    ledger_path.write_bytes(b"not a database at all")
    broken = client.post("/letters", data={"csrf": csrf, "record": "yes"})
    assert broken.status_code == 422 and broken.headers["content-type"].startswith("text/html")
    assert 'id="error-record"' in broken.text and "not an optout ledger" in broken.text
    assert ledger_path.read_bytes() == b"not a database at all"  # left as it was


def test_emptying_the_correction_items_sends_the_person_back_to_step_4():
    client, csrf = _walk_to_ask()
    assert client.post("/ask", data={"csrf": csrf, "request": "correct", "corrections": "Phone: wrong"}).status_code == 303
    assert client.post("/ask", data={"csrf": csrf, "request": "correct", "corrections": ""}).status_code == 422
    response = client.get("/letters")
    assert response.status_code == 303 and response.headers["location"] == "/ask"
