"""The next letter on the page (`/later`), through Starlette's TestClient and the real library: a follow-up once the
deadline passed, an appeal where the law gives one, a complaint to the regulator the law names, the honest refusals
(too early, no appeal in Utah, no regulator without a law), errors next to their field, and CSRF on every form. The
letters come back out of the ZIP and are read with pypdf."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from optout.catalog import default_catalog
from optout.deadlines import due_date
from optout.errors import InputError
from optout.legal import decide
from optout.lifecycle import PriorLetter, compose_follow_up
from optout.models import DayKind, RequestKind
from optout.render import txt
from optout.templating import long_date
from optout.web import create_app, flow
from optout.web.later import LaterCase, make_plan
from tests.web_support import CSRF, LETTER_DATE

BASE = "http://127.0.0.1:8765"
VIRGINIA = {"full_name": "Alex Rivera", "emails": "alex@example.org", "street": "12 Elm St", "city": "Richmond",
            "state": "VA", "postal_code": "23220"}
UTAH = {"full_name": "Sam Ortega", "emails": "sam@example.org", "street": "40 Pine Ave", "city": "Salt Lake City",
        "state": "UT", "postal_code": "84111"}
REFERENCE = "OPT-20260901-1A2B3C4D"
FIRST = {"broker": "spokeo", "request": "delete", "sent_on": "2026-09-01", "reference": REFERENCE}


@pytest.fixture
def app():
    return create_app(today=lambda: LETTER_DATE)


def started(app, person: dict | None = VIRGINIA, language: str = "en") -> tuple[TestClient, str]:
    """A client that opened the private link (and, with a person, gave where they live and who they are)."""
    asgi, sessions = app
    client = TestClient(asgi, base_url=BASE, follow_redirects=False, headers={"accept-language": language})
    assert client.get(f"/?token={sessions.token}").status_code == 303
    csrf = CSRF.search(client.get("/state").text).group(1)
    if person is not None:
        client.post("/state", data={"csrf": csrf, "state": person["state"]})
        assert client.post("/you", data={"csrf": csrf, **person}).status_code == 303
    return client, csrf


def answer(client: TestClient, csrf: str, **answers) -> object:
    return client.post("/later", data={"csrf": csrf, **answers})


def text_of(response) -> str:
    main = response.text.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def download(client: TestClient, csrf: str) -> zipfile.ZipFile:
    response = client.post("/later/letter", data={"csrf": csrf, "action": "download"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip", text_of(response)
    return zipfile.ZipFile(io.BytesIO(response.content))


def pdf_text(archive: zipfile.ZipFile) -> str:
    [name] = [n for n in archive.namelist() if n.endswith(".pdf")]
    pages = PdfReader(io.BytesIO(archive.read(name))).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def profile_of(person: dict):
    profile, errors = flow.build_profile(person, person["state"], "en")
    assert profile is not None, errors
    return profile


def test_the_first_page_leads_here_and_details_come_from_step_two(app):
    client, csrf = started(app, person=None)
    assert 'href="/later"' in client.get("/state").text
    # Answers before the details are kept, but lead back to the question of who you are.
    assert answer(client, csrf, **FIRST, outcome="no-answer").headers["location"] == "/later"
    page = client.get("/later")
    assert page.status_code == 200 and 'action="/later/details"' in page.text and 'name="sent_on"' not in page.text
    # Step 1 and step 2 ask (the same form, the same rules); step 2 then sends the person back here, once.
    assert client.post("/later/details", data={"csrf": csrf}).headers["location"] == "/state"
    client.post("/state", data={"csrf": csrf, "state": "VA"})
    refused = client.post("/you", data={"csrf": csrf, **VIRGINIA, "postal_code": "2322"})
    assert refused.status_code == 422 and "5-digit ZIP code" in refused.text
    assert client.post("/you", data={"csrf": csrf, **VIRGINIA}).headers["location"] == "/later"
    assert client.post("/you", data={"csrf": csrf, **VIRGINIA}).headers["location"] == "/brokers"
    assert 'name="sent_on"' in client.get("/later").text


def test_the_company_is_searched_and_picked_as_on_the_brokers_step(app):
    client, csrf = started(app)
    client.post("/later/search", data={"csrf": csrf, "q": "spokeo"})
    page = client.get("/later")
    assert 'name="broker" value="spokeo"' in page.text
    client.post("/later/search", data={"csrf": csrf, "q": "no such company zzz"})
    assert "No company matches" in client.get("/later").text


def test_follow_up_after_the_deadline_is_the_clis_letter(app):
    client, csrf = started(app)
    response = answer(client, csrf, **FIRST, outcome="no-answer")
    assert response.status_code == 303 and response.headers["location"] == "/later/letter"
    page = text_of(client.get("/later/letter"))
    assert "Virginia Consumer Data Protection Act" in page and "45 calendar days" in page
    assert "Va. Code Ann. § 59.1-577(B)(1)" in page
    assert "The answer was due by October 16, 2026. That day has passed." in page
    archive = download(client, csrf)
    names = archive.namelist()
    assert {n.rsplit(".", 1)[1] for n in names} >= {"pdf", "eml", "txt"}
    assert all(n.startswith("letters/spokeo-delete-FUP-20261127-") for n in names)
    text = pdf_text(archive)
    assert f"Follow-up to {REFERENCE} of September 1, 2026, unanswered" in text
    assert "(reference OPT-20260901-1A2B3C4D)" in text and "Spokeo, Inc." in text
    assert "Va. Code Ann. § 59.1-577(B)(1)" in text and "by October 16, 2026" in text
    # The same letter `optout reply --to no-response` writes for these details.
    prior = PriorLetter(reference=REFERENCE, request=RequestKind.DELETE, broker_id="spokeo", sent_on=dt.date(2026, 9, 1))
    cli_letter = compose_follow_up(default_catalog(), profile_of(VIRGINIA), prior, today=LETTER_DATE)
    [txt_name] = [n for n in names if n.endswith(".txt") and not n.endswith("-webform.txt")]
    assert archive.read(txt_name) == txt.render(cli_letter)


def test_no_follow_up_before_the_deadline_and_the_page_says_when(app):
    client, csrf = started(app)
    answer(client, csrf, **{**FIRST, "sent_on": "2026-11-01"}, outcome="no-answer")
    response = client.get("/later/letter")
    page = text_of(response)
    # The due date is the engine's, for a letter dated the day it was sent; the page adds no arithmetic of its own.
    catalog = default_catalog()
    due = decide(profile_of(VIRGINIA), catalog.brokers["spokeo"], RequestKind.DELETE, dt.date(2026, 11, 1), catalog).due_date
    assert due is not None and due > LETTER_DATE
    assert f"The answer is due by {long_date(due)}. That day has not passed yet." in page
    assert f"A follow-up can be sent from {long_date(due + dt.timedelta(days=1))}" in page
    assert "Download the letter" not in page
    refused = client.post("/later/letter", data={"csrf": csrf, "action": "download"})
    assert refused.headers["content-type"].startswith("text/html") and "too early" in text_of(refused)
    # The CLI refuses the same letter for the same reason.
    prior = PriorLetter(reference=REFERENCE, request=RequestKind.DELETE, broker_id="spokeo", sent_on=dt.date(2026, 11, 1))
    with pytest.raises(InputError, match="a follow-up can be sent from"):
        compose_follow_up(catalog, profile_of(VIRGINIA), prior, today=LETTER_DATE)


def test_appeal_of_a_refusal_where_the_law_gives_one(app):
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "The Virginia Consumer Data Protection Act lets you appeal the refusal to the company" in page
    assert "Va. Code Ann. § 59.1-577(C)" in page
    text = pdf_text(download(client, csrf))
    assert f"Appeal of your refusal of October 20, 2026 ({REFERENCE})" in text
    assert "Spokeo, Inc." in text and "Va. Code Ann. § 59.1-577(C)" in text


def test_a_refusal_needs_its_date(app):
    client, csrf = started(app)
    response = answer(client, csrf, **FIRST, outcome="refused")
    assert response.status_code == 422 and 'id="error-denied_on"' in response.text
    assert "Enter the date of the company" in response.text


def test_a_law_without_appeal_says_so_and_offers_the_complaint(app):
    client, csrf = started(app, person=UTAH)
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    response = client.get("/later/letter")
    page = text_of(response)
    assert "The Utah Consumer Privacy Act gives no right to appeal a refusal to the company" in page
    assert "Download the letter" not in page and "Draft a complaint instead" in page
    no_zip = client.post("/later/letter", data={"csrf": csrf, "action": "download"})
    assert no_zip.headers["content-type"].startswith("text/html")
    switched = client.post("/later/letter", data={"csrf": csrf, "action": "complaint"})
    assert switched.status_code == 303 and switched.headers["location"] == "/later/letter"
    page = text_of(client.get("/later/letter"))
    assert "The complaint goes to Utah Division of Consumer Protection" in page and "https://dcp.utah.gov/ucpa/" in page
    archive = download(client, csrf)
    text = pdf_text(archive)
    assert "Utah Division of Consumer Protection" in text and "Spokeo, Inc." in text
    assert REFERENCE in text and "Utah Code Ann." in text
    assert any(name.endswith("-webform.txt") for name in archive.namelist())  # the regulator's form takes the text


def test_complaint_to_the_regulator_the_law_names(app):
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="complain", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "The complaint goes to Office of the Attorney General of Virginia, Consumer Protection Section" in page
    assert "Mail it to: 202 North Ninth Street, Richmond, Virginia 23219." in page
    assert "also gives you an appeal to the company" in page
    text = pdf_text(download(client, csrf))
    assert "Office of the Attorney General of Virginia" in text and "202 North Ninth Street" in text
    assert f"request {REFERENCE} of September 1, 2026 refused" in text
    assert "Spokeo, Inc." in text and "Va. Code Ann." in text


def test_no_complaint_before_a_refusal_or_the_deadline(app):
    client, csrf = started(app)
    answer(client, csrf, **{**FIRST, "sent_on": "2026-11-20"}, outcome="complain")
    page = text_of(client.get("/later/letter"))
    assert "It is too early to complain that the company did not answer" in page and "Download the letter" not in page


def test_without_a_law_there_is_no_regulator_and_the_page_says_so(app):
    person = {**VIRGINIA, "city": "Albany", "state": "NY", "postal_code": "12207"}
    client, csrf = started(app, person=person)
    answer(client, csrf, **FIRST, outcome="complain", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "No privacy law gives you this right against this company where you live" in page
    assert "attorney general" in page and "Download the letter" not in page


def test_a_letter_without_a_reference_names_it_by_its_date(app):
    client, csrf = started(app)
    answer(client, csrf, **{**FIRST, "reference": ""}, outcome="no-answer")
    assert "none given" in text_of(client.get("/later/letter"))
    text = pdf_text(download(client, csrf))
    assert "Follow-up to the letter of September 1, 2026, unanswered" in text
    assert "(reference )" not in text and "reference OPT-" not in text
    # The complaint's chronology and subject too.
    answer(client, csrf, **{**FIRST, "reference": ""}, outcome="complain", denied_on="2026-10-20")
    text = pdf_text(download(client, csrf))
    assert "request of September 1, 2026 refused" in text and "(reference )" not in text
    assert 'the request "Request to delete personal information under the VCDPA". On October 20, 2026' in text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sent_on", "2026-02-30", "Enter the date as year-month-day"),
    ("sent_on", "09/01/2026", "Enter the date as year-month-day"),
    ("sent_on", "2026-12-25", "This date is after today"),
    ("denied_on", "2026-08-01", "The refusal cannot come before the date of your letter"),
    ("denied_on", "2026-12-01", "This date is after today: enter the day the company refused"),
    ("denied_on", "20 Oct", "Enter the date as year-month-day, like 2026-10-20"),
    ("reference", "OPT-1\u202eX", "Copy the reference as printed"),
])
def test_bad_input_gets_its_error_next_to_the_field(app, field, value, message):
    client, csrf = started(app)
    response = answer(client, csrf, **{**FIRST, "outcome": "refused", "denied_on": "2026-10-20", field: value})
    assert response.status_code == 422
    html = response.text
    # The message sits inside the field's own block, before its input, tied to it by aria-describedby.
    block = html[html.index(f'id="error-{field}"'):html.index(f'id="field-{field}"')]
    assert message in block and "<div" not in block
    assert f'aria-describedby="help-{field} error-{field}"' in html
    assert f'href="#field-{field}"' in html  # and in the summary at the top
    assert client.get("/later/letter").headers["location"] == "/later"  # nothing to download from bad answers


def test_every_later_form_needs_the_csrf_token(app):
    client, csrf = started(app)
    forms = {"/later": {**FIRST, "outcome": "no-answer"}, "/later/search": {"q": "spokeo"}, "/later/details": {"go": "1"},
             "/later/letter": {"action": "download"}}
    for path, data in forms.items():
        for token in ({"csrf": "forged"}, {}):
            response = client.post(path, data={**data, **token})
            assert response.status_code == 403, path
            assert "did not come from the page optout showed you" in response.text
    assert client.get("/later/letter").headers["location"] == "/later"  # nothing was kept
    assert "spokeo" not in client.get("/later").text.lower()
    # With the token, the same answers work.
    assert answer(client, csrf, **FIRST, outcome="no-answer").status_code == 303


def test_the_later_pages_speak_spanish_and_forget_their_answers(app):
    client, csrf = started(app, language="es")
    assert client.get("/later").text.count('lang="es"') >= 1
    assert client.post("/language", data={"csrf": csrf, "language": "es", "next": "/later"}).headers["location"] == "/later"
    answer(client, csrf, **FIRST, outcome="no-answer")
    page = text_of(client.get("/later/letter"))
    assert "Recordatorio" in page and "Ese día ya pasó" in page
    assert "Virginia Consumer Data Protection Act" in page  # a law keeps its name
    assert "16 de octubre de 2026" in page and "45 días calendario" in page
    # An English law name inside a Spanish sentence: «la ley de su estado (…)», marked as English for screen readers.
    html = client.get("/later/letter").text
    assert 'Según la ley de su estado (<span lang="en">Virginia Consumer Data Protection Act</span>)' in html
    client.post("/forget", data={"csrf": csrf})
    assert client.get("/later/letter").headers["location"] == "/later"
    assert REFERENCE not in client.get("/later").text


def test_the_law_s_own_clocks_show_the_opt_out_clock_and_the_appeal_decision(app):
    california = {**VIRGINIA, "city": "Fresno", "state": "CA", "postal_code": "93721"}
    client, csrf = started(app, person=california)
    answer(client, csrf, **FIRST, outcome="no-answer")
    page = text_of(client.get("/later/letter"))
    assert "California Consumer Privacy Act" in page and "had to be honored sooner: within 15 business days" in page
    connecticut = {**VIRGINIA, "city": "Hartford", "state": "CT", "postal_code": "06103"}
    client, csrf = started(create_app(today=lambda: LETTER_DATE), person=connecticut)
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    decide_by = due_date(LETTER_DATE, 60, DayKind.CALENDAR, "CT")
    assert f"The company must decide within 60 calendar days: by {long_date(decide_by)}" in page
    assert "Conn. Gen. Stat. § 42-518(d)" in page


def test_an_appeal_window_that_closed_offers_the_complaint():
    """No law in the catalog limits the time to appeal yet; a record that did would close the appeal after it."""
    catalog = copy.copy(default_catalog())
    virginia = catalog.laws["va-vcdpa"]
    assert virginia.appeal is not None
    closing = virginia.model_copy(update={"appeal": virginia.appeal.model_copy(update={"window_days": 30})})
    catalog.laws = {**catalog.laws, "va-vcdpa": closing}
    profile = profile_of(VIRGINIA)
    late = LaterCase("spokeo", RequestKind.DELETE, dt.date(2026, 9, 1), REFERENCE, "refused", dt.date(2026, 10, 20))
    plan = make_plan(catalog, profile, late, LETTER_DATE)
    assert plan.blocked == "appeal-window-closed" and plan.window_end == dt.date(2026, 11, 19) and plan.can_complain
    in_time = make_plan(catalog, profile, LaterCase(**{**late.__dict__, "denied_on": dt.date(2026, 11, 10)}), LETTER_DATE)
    assert in_time.blocked is None and in_time.window_end == dt.date(2026, 12, 10)
    asgi, sessions = create_app(catalog=catalog, today=lambda: LETTER_DATE)
    client, csrf = started((asgi, sessions))
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "appeal within 30 days of the refusal, that is by November 19, 2026" in page
    assert "Draft a complaint instead" in page and "Download the letter" not in page


def test_no_appeal_without_a_law(app):
    person = {**VIRGINIA, "city": "Albany", "state": "NY", "postal_code": "12207"}
    client, csrf = started(app, person=person)
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "so there is no appeal to make" in page and "Draft a complaint instead" not in page


def test_a_reason_the_library_gives_and_the_page_does_not_know_is_shown_as_it_is(app, monkeypatch):
    from optout.web import later

    def refuse(*args):
        raise InputError("letter OPT-1: a reason only the library knows")

    monkeypatch.setattr(later, "compose_next", refuse)
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="no-answer")
    response = client.post("/later/letter", data={"csrf": csrf, "action": "download"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "optout cannot make this letter: letter OPT-1: a reason only the library knows" in text_of(response)


def test_a_complaint_after_an_appeal_lists_the_appeal(app):
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="complain", denied_on="2026-10-20", appeal_on="2026-10-25",
           appeal_reference="apl-20261025-1a2b3c4d")
    page = text_of(client.get("/later/letter"))
    assert "Your appeal sent on October 25, 2026 (APL-20261025-1A2B3C4D)" in page
    assert "also gives you an appeal" not in page  # it was made
    text = pdf_text(download(client, csrf))
    assert "October 25, 2026: I sent Spokeo, Inc. an appeal (reference APL-20261025-1A2B3C4D)" in text
    assert "I appealed as" in text and "Va. Code Ann. § 59.1-577(C)" in text


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"appeal_on": "2026-10-25", "appeal_reference": REFERENCE}, "appeal_reference", "it starts with APL-"),
    ({"appeal_on": "2026-10-25"}, "appeal_reference", "it starts with APL-"),
    ({"appeal_on": "2026-10-25", "appeal_reference": "APL-1\u202eX"}, "appeal_reference", "it starts with APL-"),
    ({"appeal_reference": "APL-20261025-1A2B3C4D"}, "appeal_on", "Enter the day you sent the appeal"),
    ({"appeal_on": "2026-10-01", "appeal_reference": "APL-1"}, "appeal_on", "An appeal comes after the refusal"),
    ({"appeal_on": "2026-12-01", "appeal_reference": "APL-1"}, "appeal_on", "This date is after today"),
    ({"appeal_on": "25/10/2026", "appeal_reference": "APL-1"}, "appeal_on", "like 2026-11-10"),
    ({"appeal_on": "2026-10-25", "appeal_reference": "APL-1", "denied_on": ""}, "denied_on", "an appeal answers it"),
])
def test_the_appeal_a_complaint_lists_is_checked(app, change, field, message):
    client, csrf = started(app)
    response = answer(client, csrf, **{**FIRST, "outcome": "complain", "denied_on": "2026-10-20", **change})
    assert response.status_code == 422
    html = response.text
    block = html[html.index(f'id="error-{field}"'):html.index(f'id="field-{field}"')]
    assert message in block
    # The same answers are ignored by the letters that do not list an appeal.
    assert answer(client, csrf, **{**FIRST, "outcome": "no-answer", **change}).status_code == 303


def test_the_date_asked_is_the_letters_date_and_the_page_says_the_law_counts_from_receipt(app):
    """The next letter says "I wrote to you on" this date and that the due date holds "if it reached you on the day
    it was dated": the page asks for that date, not the delivery date, and says how mail moves the deadline."""
    client, csrf = started(app)
    form = " ".join(client.get("/later").text.split())
    assert "The date of your letter (the day you sent it)" in form and "The day the company received it" not in form
    assert "so a letter sent by mail had a few more days" in form
    answer(client, csrf, **FIRST, outcome="no-answer")
    page = text_of(client.get("/later/letter"))
    assert "dated September 1, 2026" in page
    assert "by October 16, 2026, counted as if your letter reached the company the day it was dated" in page
    assert "a letter sent by mail arrives a few days later, and its deadline moves with it" in page
    assert "a courtesy period optout suggests, not a legal deadline" in page
    archive = download(client, csrf)
    [name] = [n for n in archive.namelist() if n.endswith(".txt") and not n.endswith("-webform.txt")]
    letter = " ".join(archive.read(name).decode().split())
    assert "I wrote to you on September 1, 2026" in letter and "if it reached you on the day it was dated" in letter


def test_an_announced_extension_moves_the_due_date_as_the_cli_does(app):
    client, csrf = started(app)
    # Still inside the extension: no follow-up, and no complaint for silence either.
    answer(client, csrf, **FIRST, outcome="no-answer", extended_to="2026-12-01")
    page = text_of(client.get("/later/letter"))
    assert "More time the company asked for until December 1, 2026" in page
    assert "The answer is due by December 1, 2026. That day has not passed yet." in page
    assert "too early for a follow-up" in page and "Download the letter" not in page
    answer(client, csrf, **FIRST, outcome="complain", extended_to="2026-12-01")
    assert "its time runs until December 1, 2026" in text_of(client.get("/later/letter"))
    # An extension that ran out: the follow-up says so, word for word as `optout reply` writes it.
    answer(client, csrf, **FIRST, outcome="no-answer", extended_to="2026-11-15")
    page = text_of(client.get("/later/letter"))
    assert "The answer was due by November 15, 2026. That day has passed." in page
    archive = download(client, csrf)
    assert "extending the time to answer to November 15, 2026" in pdf_text(archive)
    prior = PriorLetter(reference=REFERENCE, request=RequestKind.DELETE, broker_id="spokeo", sent_on=dt.date(2026, 9, 1),
                        extended_to=dt.date(2026, 11, 15))
    cli_letter = compose_follow_up(default_catalog(), profile_of(VIRGINIA), prior, today=LETTER_DATE)
    [txt_name] = [n for n in archive.namelist() if n.endswith(".txt") and not n.endswith("-webform.txt")]
    assert archive.read(txt_name) == txt.render(cli_letter)


@pytest.mark.parametrize(("value", "message"), [
    ("2026-08-15", "The extension cannot end before the date of your letter"),
    ("15/11/2026", "like 2026-11-15"),
])
def test_a_bad_extension_date_gets_its_error(app, value, message):
    client, csrf = started(app)
    response = answer(client, csrf, **FIRST, outcome="no-answer", extended_to=value)
    assert response.status_code == 422
    html = response.text
    assert message in html[html.index('id="error-extended_to"'):html.index('id="field-extended_to"')]


def test_replies_that_ask_for_verification_point_to_optout_reply(app):
    client, csrf = started(app)
    form = " ".join(client.get("/later").text.split())
    assert ("If the company asked you to verify who you are or to use its own form, answer that first; optout reply "
            "(the command line) drafts those answers.") in form
    assert "If the company cited an exemption, read it before appealing" in form


def test_daniels_law_is_enforced_in_court_and_the_page_says_so(app):
    person = {**VIRGINIA, "city": "Trenton", "state": "NJ", "postal_code": "08608", "daniels_law": "yes"}
    client, csrf = started(app, person=person)
    answer(client, csrf, **{**FIRST, "request": "daniels-law"}, outcome="complain", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "it is enforced through a lawsuit, not a complaint to a regulator" in page
    assert "Talk to a lawyer before the next step." in page and "Download the letter" not in page
    assert "In most states the attorney general" not in page


def test_a_law_without_a_regulator_in_the_catalog_says_who_usually_enforces(app):
    catalog = copy.copy(default_catalog())
    catalog.laws = {**catalog.laws, "va-vcdpa": catalog.laws["va-vcdpa"].model_copy(update={"regulator": None})}
    plan = make_plan(catalog, profile_of(VIRGINIA), LaterCase("spokeo", RequestKind.DELETE, dt.date(2026, 9, 1), REFERENCE,
                                                               "complain", dt.date(2026, 10, 20)), LETTER_DATE)
    assert plan.blocked == "no-regulator" and plan.lawsuit_law is None
    client, csrf = started(create_app(catalog=catalog, today=lambda: LETTER_DATE))
    answer(client, csrf, **FIRST, outcome="complain", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "In most states the attorney general enforces privacy laws; optout has no complaint address for this one." in page


def test_an_appeal_without_a_window_is_to_be_made_soon(app):
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="refused", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "Appeal soon: the law asks for an appeal within a reasonable time after you received the refusal." in page


def test_the_complaint_page_says_what_a_complaint_does_and_who_sees_it(app):
    client, csrf = started(app)
    answer(client, csrf, **FIRST, outcome="complain", denied_on="2026-10-20")
    page = text_of(client.get("/later/letter"))
    assert "the office decides whether to act, and usually does not get your data deleted for you" in page
    assert "is usually shared with the company and may become a public record" in page
    assert "If you are in danger or have an immigration case, talk to a lawyer or legal aid first." in page
    assert "Appealing first is not required, but some complaint forms ask whether you appealed." in page
    assert "regulators often expect" not in page


def test_a_library_reason_in_english_is_explained_on_the_spanish_page(app, monkeypatch):
    from optout.web import later

    def refuse(*args):
        raise InputError("letter OPT-1: a reason only the library knows")

    monkeypatch.setattr(later, "compose_next", refuse)
    client, csrf = started(app, language="es")
    client.post("/language", data={"csrf": csrf, "language": "es", "next": "/later"})
    answer(client, csrf, **FIRST, outcome="no-answer")
    page = text_of(client.post("/later/letter", data={"csrf": csrf, "action": "download"}))
    assert "a reason only the library knows" in page
    assert "(detalle en inglés; revise las fechas y la empresa elegida)" in page
