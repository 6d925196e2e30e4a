"""The next letter on the page in a real browser: headless Chromium (Debian's package) driven by Playwright, in
Spanish with JavaScript turned off, from the first page's link through step 1 and 2 and back, to a follow-up whose
ZIP is downloaded and read back with pypdf. Screenshots of every page are kept in test-artifacts/web/
(OPTOUT_TEST_ARTIFACTS elsewhere), beside tests/test_web_browser.py's."""

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


def test_spanish_follow_up_without_javascript(browser, server):
    base, sessions = server
    context = browser.new_context(java_script_enabled=False, accept_downloads=True, locale="es-US",
                                  viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/?token={sessions.token}")
    page.wait_for_url(f"{base}/state")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Ya envié una carta").click()

    page.wait_for_url(f"{base}/later")
    assert page.locator("h1").inner_text() == "Ya envié una carta"
    shot(page, "es", "later-1-start")
    page.get_by_role("button", name="Continuar: dónde vive y quién es").click()
    page.wait_for_url(f"{base}/state")
    page.select_option("#field-state", "VA")
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url(f"{base}/you")
    page.fill("#field-full_name", "Alex Rivera")
    page.fill("#field-emails", "alex@example.org")
    page.fill("#field-street", "12 Elm St")
    page.fill("#field-city", "Richmond")
    page.fill("#field-postal_code", "23220")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url(f"{base}/later")  # step 2 sends the person back here
    assert "Alex Rivera" in page.locator(".aside").inner_text()
    page.fill("#field-q", "spokeo")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url(f"{base}/later#company")
    page.check("input[name=broker][value=spokeo]")
    page.check("#request-delete")
    page.fill("#field-sent_on", "2026-09-01")
    page.fill("#field-reference", "OPT-20260901-1A2B3C4D")
    page.get_by_role("button", name="Continuar").click()  # "what happened" left unanswered

    page.wait_for_url(f"{base}/later")
    assert "Elija lo que pasó." in page.locator("#errors").inner_text()
    assert "Elija lo que pasó." in page.locator("#field-outcome .error").inner_text()  # next to the question too
    assert page.locator("#field-reference").input_value() == "OPT-20260901-1A2B3C4D"  # answers kept
    shot(page, "es", "later-2-error")
    page.check("#outcome-no-answer")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url(f"{base}/later/letter")
    main = page.locator("main").inner_text()
    assert page.locator("h1").inner_text() == "Recordatorio"
    assert "Va. Code Ann. § 59.1-577(B)(1)" in main and "16 de octubre de 2026" in main and "Ese día ya pasó" in main
    shot(page, "es", "later-3-letter")
    with page.expect_download() as info:
        page.get_by_role("button", name="Descargar la carta (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    [pdf] = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert pdf.startswith("letters/spokeo-delete-FUP-") and pdf.replace(".pdf", ".eml") in archive.namelist()
    text = pdf_text(archive.read(pdf))
    # The letter stays in English: the company reads it.
    assert "Follow-up to OPT-20260901-1A2B3C4D of September 1, 2026, unanswered" in text
    assert "Spokeo, Inc." in text and "Va. Code Ann. § 59.1-577(B)(1)" in text and "Alex Rivera" in text
    context.close()
