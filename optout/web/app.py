"""`optout serve`: the letters, one question at a time, on a page served to the person's own browser.

Steps: where you live -> who you are -> which companies -> what to ask -> your letters (a ZIP). Every step is a
plain HTML form (no script), answered with a redirect to the next step; answers stay in this process's memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..catalog import Catalog, default_catalog
from ..errors import InputError
from ..fsutil import OutputError
from ..jurisdictions import us_jurisdictions, us_state_name
from ..models import LawKind, Letter, RequestKind
from . import flow
from .bundle import build_bundle
from .i18n import LANGUAGES, environment, language_from_header, pick_language
from .later import LATER_PATHS, later_routes, return_after_details
from .security import (
    MAX_BODY,
    MAX_FORM_FIELDS,
    SESSION_COOKIE,
    GuardMiddleware,
    Refused,
    Session,
    Sessions,
    same,
)

STEPS = [
    ("/state", "state", flow.N_("Where you live")),
    ("/you", "you", flow.N_("Who you are")),
    ("/brokers", "brokers", flow.N_("Which companies")),
    ("/ask", "ask", flow.N_("What to ask")),
    ("/letters", "letters", flow.N_("Your letters")),
]
STEP_PATHS = [path for path, _, _ in STEPS]


class WebApp:
    def __init__(self, catalog: Catalog, sessions: Sessions, today: Callable[[], dt.date],
                 ledger: Path | None = None) -> None:
        self.catalog = catalog
        self.ledger = ledger  # None: the user's own ledger, where `optout letter --record` keeps it
        self.sessions = sessions
        self.today = today
        self.presets = {p.key: p for p in flow.presets(catalog)}

    # -- plumbing -------------------------------------------------------------

    def session(self, request: Request) -> Session:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise HTTPException(403, "token")
        return session

    async def form(self, request: Request, session: Session) -> dict[str, str]:
        """The posted answers (urlencoded only, at most MAX_BODY bytes and MAX_FORM_FIELDS fields), after the CSRF
        check. Repeated fields (ticked companies) are joined with newlines."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            raise HTTPException(415, "form")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413, "size")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(400, "form") from None
        answers: dict[str, str] = {}
        for key, value in pairs:
            answers[key] = f"{answers[key]}\n{value}" if key in answers and key == "broker" else value
        if not same(answers.get("csrf"), session.csrf):
            raise HTTPException(403, "csrf")
        return answers

    def page(self, session: Session, template: str, status: int = 200, **context) -> HTMLResponse:
        env = environment(session.language)
        html = env.get_template(f"web/{template}.html.j2").render(
            session=session, csrf=session.csrf, steps=STEPS, step=template, reachable=self.reachable(session), **context
        )
        return HTMLResponse(html, status_code=status)

    def reachable(self, session: Session) -> set[str]:
        done = {"state": session.state is not None, "you": session.profile is not None,
                "brokers": bool(self.chosen_ids(session)), "ask": session.request is not None}
        open_steps = {"state"}
        for _, name, _ in STEPS[1:]:
            previous = STEPS[[n for _, n, _ in STEPS].index(name) - 1][1]
            if previous in open_steps and done[previous]:
                open_steps.add(name)
        return open_steps

    def guard_step(self, session: Session, name: str) -> Response | None:
        """A step whose earlier answers are missing sends the person to the furthest step they can answer."""
        reachable = self.reachable(session)
        if name in reachable:
            return None
        return RedirectResponse([path for path, step, _ in STEPS if step in reachable][-1], status_code=303)

    def chosen_ids(self, session: Session) -> list[str]:
        if session.preset == "pick":
            return list(session.picked)
        preset = self.presets.get(session.preset or "")
        return [b.id for b in flow.preset_brokers(preset, self.catalog)] if preset else []

    # -- entry ----------------------------------------------------------------

    async def start(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            session = self.sessions.redeem(token, language_from_header(request.headers.get("accept-language")))
            if session is None:
                raise HTTPException(403, "token-used" if self.sessions.token is None else "token")
            response = RedirectResponse("/state", status_code=303)
            response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="strict", path="/")
            return response
        self.session(request)
        return RedirectResponse("/state", status_code=303)

    async def language(self, request: Request) -> Response:
        session = self.session(request)
        answers = await self.form(request, session)
        session.language = pick_language(answers.get("language"))
        target = answers.get("next", "/state")
        return RedirectResponse(target if target in STEP_PATHS or target in LATER_PATHS else "/state", status_code=303)

    async def forget(self, request: Request) -> Response:
        session = self.session(request)
        await self.form(request, session)
        session.forget()
        return self.page(session, "forgotten")

    # -- step 1: where you live ---------------------------------------------

    async def state(self, request: Request) -> Response:
        session = self.session(request)
        errors: dict[str, str] = {}
        if request.method == "POST":
            answers = await self.form(request, session)
            code = answers.get("state", "").strip().upper()
            if code in us_jurisdictions():
                if code != session.state:
                    session.state, session.profile = code, None
                return RedirectResponse("/you", status_code=303)
            errors["state"] = "choose"
        # The Delete Act's facts (name, citation) come from the catalog; the words from the page's catalog.
        drop = [law for law in self.catalog.laws.values() if law.kind is LawKind.DELETE_ACT and law.in_force(self.today())]
        return self.page(session, "state", status=422 if errors else 200, states=flow.states(), errors=errors, drop=drop)

    # -- step 2: who you are --------------------------------------------------

    async def you(self, request: Request) -> Response:
        session = self.session(request)
        if (redirect := self.guard_step(session, "you")) is not None:
            return redirect
        assert session.state is not None
        errors: dict[str, str] = {}
        error_lines: dict[str, int] = {}
        if request.method == "POST":
            answers = await self.form(request, session)
            # The correction items are step 4's answer, used only by a correction request: kept, not asked here.
            session.answers.update({spec.name: answers.get(spec.name, "") for spec in flow.FIELDS if spec.group != "ask"})
            checked = flow.check_answers({**session.answers, "corrections": ""}, session.state, session.language,
                                         self.catalog)
            errors, error_lines = checked.errors, checked.lines
            if checked.profile is not None:
                session.profile = checked.profile
                return RedirectResponse(return_after_details(session) or "/brokers", status_code=303)
            session.profile = None
        answers = dict(session.answers)
        for name in ("state", "acp_state"):
            answers.setdefault(name, session.state)
        today = self.today()
        # The laws that protect every resident (as the engine picks them), not programs one must join.
        general = (LawKind.COMPREHENSIVE, LawKind.SALE_OPT_OUT)
        laws = [(law, law.in_force(today)) for law in flow.state_laws(self.catalog, session.state, today) if law.kind in general]
        return self.page(
            session, "you", status=422 if errors else 200, fields=flow.FIELDS, groups=flow.GROUPS, answers=answers,
            errors=errors, states=flow.states(), hints=flow.ERROR_HINTS, generic_hint=flow.GENERIC_HINT,
            labels=flow.FIELD_LABELS, state_name=us_state_name(session.state), laws=laws, error_lines=error_lines,
            ids_open=request.query_params.get("more") == "1"
            or any(answers.get(s.name, "").strip() or s.name in errors for s in flow.FIELDS if s.group == "ids"),
        )

    # -- step 3: which companies ----------------------------------------------

    async def brokers(self, request: Request) -> Response:
        session = self.session(request)
        if (redirect := self.guard_step(session, "brokers")) is not None:
            return redirect
        errors: dict[str, str] = {}
        if request.method == "POST":
            answers = await self.form(request, session)
            choice = answers.get("preset", "")
            if choice in self.presets or (choice == "pick" and session.picked):
                session.preset = choice
                return RedirectResponse("/ask", status_code=303)
            errors["preset"] = "pick-empty" if choice == "pick" else "choose"
        counts = {key: len(flow.preset_brokers(p, self.catalog)) for key, p in self.presets.items()}
        found = flow.search_brokers(session.search, self.catalog)
        picked = [self.catalog.brokers[b] for b in session.picked if b in self.catalog.brokers]
        return self.page(session, "brokers", status=422 if errors else 200, presets=list(self.presets.values()),
                         counts=counts, found=found, picked=picked, errors=errors, search_limit=flow.SEARCH_LIMIT)

    async def brokers_search(self, request: Request) -> Response:
        session = self.session(request)
        answers = await self.form(request, session)
        session.search = answers.get("q", "")[:100]
        return RedirectResponse("/brokers#search", status_code=303)

    async def brokers_pick(self, request: Request) -> Response:
        session = self.session(request)
        answers = await self.form(request, session)
        ids = [b for b in answers.get("broker", "").split("\n") if b in self.catalog.brokers]
        if answers.get("action") == "remove":
            session.picked = [b for b in session.picked if b not in ids]
        else:
            session.picked = list(dict.fromkeys([*session.picked, *ids]))
            session.preset = "pick" if session.picked else session.preset
        return RedirectResponse("/brokers#picked", status_code=303)

    # -- step 4: what to ask --------------------------------------------------

    async def ask(self, request: Request) -> Response:
        session = self.session(request)
        if (redirect := self.guard_step(session, "ask")) is not None:
            return redirect
        errors: dict[str, str] = {}
        error_lines: dict[str, int] = {}
        today = self.today()
        chosen = [self.catalog.brokers[b] for b in self.chosen_ids(session)]
        offered = flow.offered_requests(session.profile, chosen[0], today, self.catalog)  # type: ignore[arg-type]
        if request.method == "POST":
            answers = await self.form(request, session)
            choice = answers.get("request")
            session.answers["corrections"] = answers.get("corrections", session.answers.get("corrections", ""))
            if choice not in {kind.value for kind, _ in offered}:
                errors["request"] = "choose"
            elif choice == RequestKind.CORRECT.value:
                checked = self.letter_profile(session, RequestKind.CORRECT)
                errors, error_lines = checked.errors, checked.lines
            if not errors:
                session.request = choice
                return RedirectResponse("/letters", status_code=303)
        options = []
        for kind, decision in offered:
            laws = [self.catalog.law(law_id) for law_id in decision.laws if law_id != "no-law"]
            options.append((kind, flow.request_label(kind), decision, laws))
        missing = flow.missing_identifiers(session.profile, chosen, self.catalog)  # type: ignore[arg-type]
        return self.page(session, "ask", status=422 if errors else 200, options=options, errors=errors,
                         right_labels=flow.RIGHT_LABELS, today=today, sample_name=chosen[0].name,
                         corrections=flow.FIELD_BY_NAME["corrections"], answers=session.answers, hints=flow.ERROR_HINTS,
                         error_lines=error_lines, missing=missing, missing_words=flow.MISSING_IDENTIFIER_WORDS)

    def letter_profile(self, session: Session, kind: RequestKind) -> flow.Checked:
        """The profile the letters are written from: step 2's answers, and for a correction the items of step 4."""
        if kind is not RequestKind.CORRECT:
            return flow.Checked(session.profile, {}, {})  # type: ignore[arg-type]
        assert session.state is not None
        checked = flow.with_corrections(session.answers, session.answers.get("corrections", ""), session.state,
                                        session.language)
        if checked.profile is not None and not checked.profile.corrections:  # a correction must say what is wrong
            return flow.Checked(None, {"corrections": "empty"}, {})
        return checked

    # -- step 5: the letters --------------------------------------------------

    def ledger_path(self) -> Path:
        from ..ledger.store import default_ledger_path

        return self.ledger if self.ledger is not None else default_ledger_path()

    def has_ledger(self) -> bool:
        """A record is offered only to someone who already keeps a ledger (`optout letter --record` made it)."""
        return self.ledger_path().expanduser().is_file()

    def record(self, letters: list[Letter]) -> None:
        """As `optout letter --record`: each letter drafted, in one transaction. The ledger keeps no personal details
        (and here no profile file either: the answers were never a file)."""
        from ..ledger import letter_entry, open_ledger

        with open_ledger(self.ledger_path(), create=False) as ledger:
            ledger.add_requests([letter_entry(letter, self.catalog, None) for letter in letters])

    async def letters(self, request: Request) -> Response:
        session = self.session(request)
        if (redirect := self.guard_step(session, "letters")) is not None:
            return redirect
        assert session.request is not None  # the guard let only an answered step 4 through
        ids = self.chosen_ids(session)
        kind = RequestKind(session.request)
        first = self.catalog.brokers[ids[0]]
        offered = {k for k, _ in flow.offered_requests(session.profile, first, self.today(), self.catalog)}  # type: ignore[arg-type]
        checked = self.letter_profile(session, kind)
        if kind not in offered or checked.profile is None:  # the answers changed since step 4: choose again
            return RedirectResponse("/ask", status_code=303)
        errors: dict[str, str] = {}
        if request.method == "POST":
            answers = await self.form(request, session)
            brokers = [self.catalog.brokers[b] for b in ids]
            record = answers.get("record") == "yes" and self.has_ledger()
            bundle = build_bundle(checked.profile, brokers, kind, self.today(), self.catalog, session.language,
                                  recorded_in=str(self.ledger_path()) if record else None)
            try:
                if record:
                    self.record(bundle.made)
            except (InputError, OutputError) as exc:  # nothing is half-recorded: one transaction
                errors["record"] = str(exc)
            else:
                return Response(bundle.data, media_type="application/zip",
                                headers={"content-disposition": f'attachment; filename="{bundle.name}"'})
        label = flow.request_label(kind)[0]
        return self.page(session, "letters", status=422 if errors else 200, count=len(ids), request_label=label,
                         has_ledger=self.has_ledger(), ledger_path=str(self.ledger_path()), errors=errors)

    # -- errors ---------------------------------------------------------------

    def error_page(self, request: Request, status: int, reason: str) -> HTMLResponse:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        language = session.language if session else language_from_header(request.headers.get("accept-language"))
        html = environment(language).get_template("web/error.html.j2").render(
            status=status, reason=reason, has_session=session is not None, csrf=session.csrf if session else "",
        )
        return HTMLResponse(html, status_code=status)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        reason = exc.detail if exc.status_code != 404 else "not-found"
        return self.error_page(request, exc.status_code, reason if isinstance(reason, str) else "internal")

    async def input_error(self, request: Request, exc: Exception) -> Response:
        return self.error_page(request, 422, "input")

    async def internal_error(self, request: Request, exc: Exception) -> Response:
        return self.error_page(request, 500, "internal")

    def refuse(self, scope, problem: Refused):
        return self.error_page(Request(scope), problem.status, problem.reason)


def create_app(
    catalog: Catalog | None = None,
    token: str | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    ledger: Path | None = None,
) -> tuple[GuardMiddleware, Sessions]:
    """The ASGI app and its sessions (whose `token` is the one-time launch token). `ledger`: the ledger the page may
    record letters in (default: the user's own, if it exists)."""
    from ..paths import templates_dir

    sessions = Sessions(token)
    web = WebApp(catalog or default_catalog(), sessions, today, ledger)
    both = ["GET", "POST"]
    routes = [
        Route("/", web.start),
        Route("/language", web.language, methods=["POST"]),
        Route("/forget", web.forget, methods=["POST"]),
        Route("/state", web.state, methods=both),
        Route("/you", web.you, methods=both),
        Route("/brokers", web.brokers, methods=both),
        Route("/brokers/search", web.brokers_search, methods=["POST"]),
        Route("/brokers/pick", web.brokers_pick, methods=["POST"]),
        Route("/ask", web.ask, methods=both),
        Route("/letters", web.letters, methods=both),
        *later_routes(web),
        Mount("/static", StaticFiles(directory=templates_dir() / "web" / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: web.http_error, InputError: web.input_error, Exception: web.internal_error},
    )
    return GuardMiddleware(app, web.refuse), sessions


__all__ = ["LANGUAGES", "STEPS", "create_app"]
