"""The whole page in a real browser: headless Chromium (Debian's package) driven by Playwright, in English with
JavaScript turned off and in Spanish at 200% zoom with the keyboard; the ZIP is downloaded and its letters read
back with pypdf. Screenshots of every step are kept in test-artifacts/web/ (OPTOUT_TEST_ARTIFACTS elsewhere)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.browser_support import launched, pdf_text, require_chromium, shot
from tests.web_support import running_server

sync_api = pytest.importorskip("playwright.sync_api")
require_chromium()


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as browser:
        yield browser


@pytest.fixture
def server():
    with running_server() as running:
        yield running


def assert_accessible(page) -> None:
    """Every form control has a label, and nothing is wider than the window (readable when zoomed)."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.name)"""
    )
    assert unlabelled == [], unlabelled
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"


def external_references(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('[src], [href], [action]')]
              .map(el => el.getAttribute('src') || el.getAttribute('href') || el.getAttribute('action'))
              .filter(url => /^[a-z]+:|^\\/\\//i.test(url))"""
    )


def download_zip(page) -> zipfile.ZipFile:
    with page.expect_download() as info:
        page.locator("form[action='/letters'] button[type=submit]").click()
    return zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))


def test_english_flow_without_javascript(browser, server):
    base, sessions = server
    context = browser.new_context(java_script_enabled=False, accept_downloads=True, locale="en-US",
                                  viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/?token={sessions.token}")
    page.wait_for_url(f"{base}/state")
    assert page.locator("h1").inner_text() == "Where do you live?"
    shot(page, "en", "1-state")
    page.select_option("#field-state", "VA")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/you")
    assert "Virginia Consumer Data Protection Act" in page.locator(".aside").inner_text()
    shot(page, "en", "2-you")
    page.fill("#field-full_name", "Alex Rivera")
    page.fill("#field-emails", "alex@example.org")
    page.fill("#field-phones", "+1 804 555 0100")
    page.fill("#field-street", "12 Elm St")
    page.fill("#field-city", "Richmond")
    page.fill("#field-postal_code", "2322")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/you")  # the CLI's ZIP rule refused it
    assert "5-digit ZIP code" in page.locator("#errors").inner_text()
    assert page.locator("#field-full_name").input_value() == "Alex Rivera"  # answers kept
    shot(page, "en", "2b-you-error")
    page.fill("#field-postal_code", "23220")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/brokers")
    shot(page, "en", "3-brokers")
    page.check("#preset-people-search")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/ask")
    ask = page.locator("main").inner_text()
    assert "Va. Code Ann. § 59.1-577" in ask and "must answer by January 11, 2027" in ask
    shot(page, "en", "4-ask")
    page.check("#request-delete")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/letters")
    shot(page, "en", "5-letters")
    archive = download_zip(page)
    names = archive.namelist()
    assert names[:2] == ["00-checklist.pdf", "due-dates.ics"]
    letters = [n for n in names if n.startswith("letters/") and n.endswith(".pdf")]
    from optout.catalog import default_catalog
    from optout.query import select_brokers

    assert len(letters) == len(select_brokers("category:people-search", default_catalog()))
    for name in letters:
        text = pdf_text(archive.read(name))
        # Minimal disclosure: the name and state always; the street only where a reply comes back by post.
        assert "Alex Rivera" in text and "Virginia" in text, name
        assert archive.read(name.replace(".pdf", ".eml")).startswith(b"")
        assert "Subject:" in archive.read(name.replace(".pdf", ".txt")).decode()
    checklist = pdf_text(archive.read("00-checklist.pdf"))
    assert "Checklist: your privacy letters" in checklist and "January 11, 2027" in checklist
    calendar = archive.read("due-dates.ics").decode()
    assert calendar.count("BEGIN:VEVENT") == len(letters) and "DTSTART;VALUE=DATE:20270111" in calendar
    context.close()


def test_spanish_flow_keyboard_and_zoom(browser, server):
    base, sessions = server
    # 200% zoom of a 1280-pixel-wide window: the page gets 640 CSS pixels.
    context = browser.new_context(accept_downloads=True, locale="es-US", viewport={"width": 640, "height": 900},
                                  device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{base}/?token={sessions.token}")
    assert page.locator("html").get_attribute("lang") == "es"  # from the browser's language
    page.get_by_role("button", name="English").click()  # switch, and back: the switch is on every page
    assert page.locator("h1").inner_text() == "Where do you live?"
    page.get_by_role("button", name="Español").click()
    assert page.locator("h1").inner_text() == "¿Dónde vive?"
    assert "DROP" in page.locator(".aside").inner_text()
    assert_accessible(page)
    shot(page, "es", "1-state")
    # The keyboard alone: Tab to the state list, choose by typing, Tab to the button, Enter.
    for _ in range(12):
        if page.evaluate("() => document.activeElement.id") == "field-state":
            break
        page.keyboard.press("Tab")
    page.keyboard.type("California")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{base}/you")
    assert_accessible(page)
    shot(page, "es", "2-you")
    page.fill("#field-full_name", "José Núñez")
    page.fill("#field-emails", "jose@example.org")
    page.fill("#field-street", "500 Oak Ave")
    page.fill("#field-city", "Fresno")
    page.fill("#field-postal_code", "93721")
    page.check("#field-acp")
    page.fill("#field-acp_street", "PO Box 1201")
    page.fill("#field-acp_city", "Sacramento")
    page.fill("#field-acp_postal_code", "95812")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url(f"{base}/brokers")
    page.fill("#field-q", "spokeo")
    page.get_by_role("button", name="Buscar").click()
    page.locator("#search input[type=checkbox]").first.check()
    page.get_by_role("button", name="Añadir las empresas marcadas").click()
    page.fill("#field-q", "acxiom")
    page.get_by_role("button", name="Buscar").click()
    page.locator("#search input[type=checkbox]").first.check()
    page.get_by_role("button", name="Añadir las empresas marcadas").click()
    assert page.locator("#picked li").count() == 2
    assert_accessible(page)
    shot(page, "es", "3-brokers")
    page.check("#preset-pick")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url(f"{base}/ask")
    assert "California Consumer Privacy Act" in page.locator("main").inner_text()  # a law keeps its own name
    assert_accessible(page)
    shot(page, "es", "4-ask")
    page.check("#request-opt-out")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url(f"{base}/letters")
    assert_accessible(page)
    shot(page, "es", "5-letters")
    archive = download_zip(page)
    letters = [n for n in archive.namelist() if n.startswith("letters/") and n.endswith(".pdf")]
    assert len(letters) == 2 and any("spokeo" in n for n in letters) and any("acxiom" in n for n in letters)
    for name in letters:
        text = pdf_text(archive.read(name))
        # Letters stay in English; the program's address stands in for the home address.
        assert "José Núñez" in text and "PO Box 1201" in text and "500 Oak Ave" not in text, name
        assert "opt out" in text.lower() or "sale" in text.lower()
    checklist = pdf_text(archive.read("00-checklist.pdf"))
    assert "Lista de control" in checklist and "José Núñez" in checklist
    assert "Fecha límite de respuesta" in archive.read("due-dates.ics").decode("utf-8").replace("\r\n ", "")
    context.close()


def test_no_page_or_asset_references_another_site(browser, server):
    base, sessions = server
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/?token={sessions.token}")
    assert external_references(page) == []
    page.goto(f"{base}/static/web.css")
    assert "url(" not in page.content() and "@import" not in page.content()
    assert all(url.startswith(base) for url in requested), requested
    context.close()


def test_an_identifier_and_a_narrow_request_reach_the_letter(browser, server):
    """A Californian gives a phone's advertising ID (in the folded questions) and asks a location company to limit
    the use of sensitive data: the request only California's law gives, in a letter that names the ID."""
    base, sessions = server
    android_id = "38400000-8cf0-11bd-b23e-10b96e40000d"
    context = browser.new_context(accept_downloads=True, locale="en-US", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/?token={sessions.token}")
    page.select_option("#field-state", "CA")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/you")
    page.fill("#field-full_name", "Dana Reyes")
    page.fill("#field-street", "500 Oak Ave")
    page.fill("#field-city", "Fresno")
    page.fill("#field-postal_code", "93721")
    assert not page.locator("#field-ad_ids_android").is_visible()  # folded away: most people need none of it
    page.locator("#identifiers summary").click()
    page.fill("#field-ad_ids_android", "38400000-8cf0-11bd")  # cut short when copied
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/you")
    assert "Line 1:" in page.locator("#error-ad_ids_android").inner_text()
    assert page.locator("#field-ad_ids_android").is_visible()  # opened where the answer is wrong
    shot(page, "en", "ids-2-you-error")
    page.fill("#field-ad_ids_android", android_id)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/brokers")
    page.fill("#field-q", "venntel")
    page.get_by_role("button", name="Search").click()
    page.locator("#search input[type=checkbox]").first.check()
    page.get_by_role("button", name="Add the ticked companies").click()
    page.check("#preset-pick")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/ask")
    ask = page.locator("main").inner_text()
    assert "Limit the use of my sensitive data" in ask and "Cal. Civ. Code § 1798.121(a)" in ask
    assert page.locator("#request-nevada-opt-out").count() == 0  # Nevada's law is not a Californian's
    assert page.locator("#request-correct").count() == 1 and page.locator("#field-corrections").count() == 1
    assert_accessible(page)
    shot(page, "en", "ids-4-ask")
    page.check("#request-limit-sensitive")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{base}/letters")
    shot(page, "en", "ids-5-letters")
    archive = download_zip(page)
    [name] = [n for n in archive.namelist() if n.startswith("letters/") and n.endswith(".pdf")]
    assert "venntel-limit-sensitive-" in name
    text = pdf_text(archive.read(name))
    assert android_id in text.replace(" ", "") and "Android advertising ID" in text
    assert "limit your use and disclosure of my sensitive personal information" in text
    assert "Dana Reyes" in text and "§ 1798.121(a)" in text
    context.close()
