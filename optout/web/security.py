"""What keeps a page on 127.0.0.1 private: the Host check (DNS rebinding), the one-time launch token exchanged for a
session cookie, a CSRF token on every form, request size limits and the security headers of every response.

A web page on another site can make the person's browser send requests to 127.0.0.1; it cannot read the answers,
set the Host header to 127.0.0.1 through a rebinding name, know the launch token, or send the session cookie
(SameSite=Strict). Each check below closes one of those doors."""

from __future__ import annotations

import hmac
import secrets
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_BODY = 64 * 1024  # a form's answers are a few kilobytes; nothing bigger is ever needed
MAX_FORM_FIELDS = 400  # the broker picker posts one field per ticked company
SESSION_COOKIE = "optout_session"

# No script at all, styles and images only from the page itself, forms only to itself, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; script-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # never to another site, and own POSTs keep their Origin
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # Pages hold names and addresses: no copy in the browser's cache or on disk.
    (b"cache-control", b"no-store"),
]


def host_allowed(host_header: str | None) -> bool:
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):
        return False  # the server listens on 127.0.0.1 only
    name, _, port = host.partition(":")
    return name in ALLOWED_HOSTS and (not port or port.isdigit())


def origin_allowed(origin: str | None) -> bool:
    """A POST's Origin, when the browser sends one, must be this page."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme == "http" and (parts.hostname or "") in ALLOWED_HOSTS


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Session:
    """One person's answers, in memory only; gone when the server stops or the person asks to forget them."""

    id: str = field(default_factory=new_secret)
    csrf: str = field(default_factory=new_secret)
    language: str = "en"
    state: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    profile: object = None  # optout.models.Profile once step 2 is done
    preset: str | None = None
    picked: list[str] = field(default_factory=list)
    search: str = ""
    request: str | None = None
    later: dict[str, str] = field(default_factory=dict)  # the answers about a letter already sent (optout.web.later)

    def forget(self) -> None:
        language = self.language
        self.__init__(id=self.id, csrf=self.csrf)  # type: ignore[misc]
        self.language = language


class Sessions:
    """The launch token works once: it becomes a session cookie, so a copied address or the browser's history is no
    way in. A second person on the same computer would have to start their own `optout serve`."""

    def __init__(self, token: str | None = None) -> None:
        self.token: str | None = token or new_secret()
        self.by_id: dict[str, Session] = {}

    def redeem(self, token: str | None, language: str) -> Session | None:
        if self.token is None or not same(token, self.token):
            return None
        self.token = None
        session = Session(language=language)
        self.by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        for key, session in self.by_id.items():
            if same(key, session_id):
                return session
        return None


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class GuardMiddleware:
    """Outermost layer: refuses a foreign Host or Origin and oversized bodies before any route runs, and adds the
    security headers to every response, error pages included."""

    def __init__(self, app: ASGIApp, refuse) -> None:
        self.app = app
        self.refuse = refuse  # (scope, Refused) -> ASGI response app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + SECURITY_HEADERS
            await send(message)

        headers = Headers(scope=scope)
        problem = None
        if not host_allowed(headers.get("host")):
            problem = Refused(421, "host")
        elif scope["method"] not in ("GET", "HEAD", "POST"):
            problem = Refused(405, "method")
        elif scope["method"] == "POST" and not origin_allowed(headers.get("origin")):
            problem = Refused(403, "origin")
        elif not (length := headers.get("content-length") or "0").isdigit():
            problem = Refused(400, "size")
        elif int(length) > MAX_BODY:
            problem = Refused(413, "size")
        if problem is not None:
            await self.refuse(scope, problem)(scope, receive, send_with_headers)
            return

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # Starlette has already shown the error page and re-raises for the server's log, which would print a
            # traceback whose values may hold a name or address: one line instead, never the details.
            sys.stderr.write(f"optout serve: internal error ({type(exc).__name__}) on {scope.get('path', '')}; this is a bug\n")
            if not started:
                await self.refuse(scope, Refused(500, "internal"))(scope, receive, send_with_headers)
