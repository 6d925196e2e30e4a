"""What keeps `optout serve` private, through Starlette's TestClient (the real app, no browser): the Host check, the
one-time token, CSRF, Origin, size limits, headers, error pages without a trace, and no reference to another site."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from optout.web import create_app
from optout.web.security import CONTENT_SECURITY_POLICY, MAX_BODY, host_allowed, origin_allowed
from tests.web_support import CSRF, LETTER_DATE

BASE = "http://127.0.0.1:8765"
PERSON = {"full_name": "Alex Rivera", "emails": "alex@example.org", "street": "12 Elm St", "city": "Richmond",
          "state": "VA", "postal_code": "23220"}


@pytest.fixture
def app():
    return create_app(today=lambda: LETTER_DATE)


def started(app) -> tuple[TestClient, str]:
    """A client that opened the private link, and its CSRF token."""
    asgi, sessions = app
    client = TestClient(asgi, base_url=BASE, follow_redirects=False)
    assert client.get(f"/?token={sessions.token}").status_code == 303
    page = client.get("/state")
    return client, CSRF.search(page.text).group(1)


def walk(client: TestClient, csrf: str) -> list:
    """Every page of the flow, answered: the responses, in order."""
    pages = [client.get("/state")]
    client.post("/state", data={"csrf": csrf, "state": "VA"})
    pages.append(client.get("/you"))
    client.post("/you", data={"csrf": csrf, **PERSON})
    pages.append(client.get("/brokers"))
    client.post("/brokers/search", data={"csrf": csrf, "q": "spokeo"})
    pages.append(client.get("/brokers"))
    client.post("/brokers/pick", data={"csrf": csrf, "broker": "spokeo", "action": "add"})
    client.post("/brokers", data={"csrf": csrf, "preset": "pick"})
    pages.append(client.get("/ask"))
    client.post("/ask", data={"csrf": csrf, "request": "access"})
    pages.append(client.get("/letters"))
    return pages


def test_foreign_host_is_refused_before_anything_runs(app):
    client, _ = started(app)
    for host in ("evil.example", "attacker.localhost", "127.0.0.1.nip.io:8765", "[::1]:8765", ""):
        response = client.get("/state", headers={"host": host})
        assert response.status_code in (400, 421), host
        assert "Alex" not in response.text
    assert "only answers at 127.0.0.1 or localhost" in client.get("/state", headers={"host": "evil.example"}).text
    assert client.get("/state", headers={"host": "localhost:8765"}).status_code == 200


def test_a_page_without_the_token_is_refused(app):
    asgi, sessions = app
    client = TestClient(asgi, base_url=BASE, follow_redirects=False)
    for path in ("/", "/state", "/you", "/letters"):
        response = client.get(path)
        assert response.status_code == 403
        assert "private link" in response.text
    assert client.get("/?token=wrong").status_code == 403
    assert client.post("/letters", data={"csrf": "x"}).status_code == 403
    # A forged session cookie is no better than none.
    client.cookies.set("optout_session", "guess")
    assert client.get("/state").status_code == 403


def test_the_token_works_once(app):
    asgi, sessions = app
    token = sessions.token
    first = TestClient(asgi, base_url=BASE, follow_redirects=False)
    response = first.get(f"/?token={token}")
    assert response.status_code == 303 and response.headers["location"] == "/state"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    second = TestClient(asgi, base_url=BASE, follow_redirects=False)
    again = second.get(f"/?token={token}")
    assert again.status_code == 403 and "already been used" in again.text
    assert first.get("/state").status_code == 200


def test_every_form_needs_the_csrf_token(app):
    client, csrf = started(app)
    for path, data in [("/state", {"state": "VA"}), ("/language", {"language": "es"}), ("/forget", {})]:
        for bad in ({}, {"csrf": ""}, {"csrf": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}):
            response = client.post(path, data={"step": "1", **data, **bad})
            assert response.status_code == 403, (path, bad)
            assert "did not come from the page" in response.text
    assert client.get("/you").status_code == 303  # nothing changed: step 1 still unanswered
    html = client.get("/state").text
    forms = re.findall(r"<form\b.*?</form>", html, flags=re.S)
    assert forms and all('name="csrf"' in form for form in forms)


def test_every_form_of_every_page_carries_the_csrf_token(app):
    client, csrf = started(app)
    for page in walk(client, csrf):
        assert page.status_code == 200, page.url
        forms = re.findall(r"<form\b.*?</form>", page.text, flags=re.S)
        assert forms, page.url
        for form in forms:
            assert 'method="post"' in form and f'name="csrf" value="{csrf}"' in form, (page.url, form[:200])


def test_a_post_from_another_site_is_refused(app):
    client, csrf = started(app)
    for origin in ("http://evil.example", "null", "https://127.0.0.1.evil.example"):
        response = client.post("/state", data={"csrf": csrf, "state": "VA"}, headers={"origin": origin})
        assert response.status_code == 403, origin
    ok = client.post("/state", data={"csrf": csrf, "state": "VA"}, headers={"origin": BASE})
    assert ok.status_code == 303
    assert origin_allowed(None) and not origin_allowed("http://localhost.evil.example")
    assert host_allowed("localhost") and not host_allowed("127.0.0.1:80:80")


def test_request_size_and_shape_are_limited(app):
    client, csrf = started(app)
    big = client.post("/state", content=b"csrf=" + b"a" * (MAX_BODY + 1),
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413 and "more than a form" in big.text
    streamed = client.post("/state", content=iter([b"csrf=" + b"a" * MAX_BODY, b"a" * 10]),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(1000))
    assert client.post("/state", content=f"csrf={csrf}&{many}".encode(),
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 400
    multipart = client.post("/state", files={"file": ("a.txt", b"x")}, data={"csrf": csrf})
    assert multipart.status_code == 415
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post("/state", content=b"csrf=\xff", headers=form).status_code == 400
    assert client.request("PUT", "/state").status_code == 405
    assert client.get("/state", headers={"content-length": "x"}).status_code == 400


def test_headers_forbid_scripts_framing_and_caching(app):
    client, csrf = started(app)
    for response in [*walk(client, csrf), client.get("/static/web.css"), client.get("/nowhere")]:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'none'" in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)|url\(|@import|<script""", re.I)


def test_no_served_page_or_asset_references_another_site(app):
    client, csrf = started(app)
    pages = walk(client, csrf)
    letters = client.post("/letters", data={"csrf": csrf})
    assert letters.status_code == 200 and letters.headers["content-type"] == "application/zip"
    errors = [client.get("/nowhere"), client.post("/state", data={"csrf": "bad"})]
    assets = [client.get("/static/web.css")]
    for response in pages + errors + assets:
        assert not EXTERNAL.search(response.text), (response.url, EXTERNAL.search(response.text))
    assert "http://" not in assets[0].text and "https://" not in assets[0].text


def test_errors_show_a_page_never_a_trace(app, monkeypatch, capsys):
    client, csrf = started(app)
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "no such page" in missing.text
    from optout.web import app as web_app

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail Alex Rivera")

    monkeypatch.setattr(web_app.flow, "states", broken)
    response = client.get("/state")
    assert response.status_code == 500
    assert "This is a bug" in response.text
    assert "Traceback" not in response.text and "secret detail" not in response.text and "RuntimeError" not in response.text
    logged = capsys.readouterr().err
    assert "internal error (RuntimeError)" in logged and "secret detail" not in logged


def test_forgetting_clears_every_answer(app):
    client, csrf = started(app)
    walk(client, csrf)
    page = client.post("/forget", data={"csrf": csrf})
    assert page.status_code == 200 and "forgotten" in page.text
    assert client.get("/you").headers["location"] == "/state"
    assert "Alex Rivera" not in client.get("/state").text
