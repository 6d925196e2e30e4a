"""`optout serve`, after the first letter: the next letter to a company the person already wrote to.

The person says which company, what the first letter asked, the date it carried (the day it was sent; the laws count
the company's time from receipt), its reference, any extension the company announced and what happened. The page
then says what their law gave and by when, from optout.lifecycle's own Setting (counted from the letter's date, and
the page and the letters say the due date holds if it arrived that day), and makes the letter `optout reply` and
`optout complaint` make: a follow-up when the deadline passed unanswered, an appeal of a refusal where the law gives
one, a complaint to the regulator the law names. Where the law gives no such letter (a deadline not yet passed, no
appeal, no regulator) the page says so and makes none, as the CLI refuses. Answers stay in the session's memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..deadlines import DEFAULT_RULES, due_date
from ..errors import InputError
from ..filenames import file_stem
from ..lifecycle import GRACE_DAYS, PriorLetter, Setting, compose_appeal, compose_complaint, compose_follow_up
from ..models import Deadline, Law, LawKind, Letter, Profile, RequestKind, check_text
from ..render import eml, txt
from . import flow
from .bundle import Bundle, letter_pdfs, zip_bytes
from .i18n import N_

if TYPE_CHECKING:
    from ..catalog import Catalog
    from .app import WebApp
    from .security import Session

LATER_PATHS = frozenset({"/later", "/later/letter"})
REFERENCE_MAX = 120  # PriorLetter's own limit for a reference

# What happened after the first letter -> the next letter optout.lifecycle makes for it.
OUTCOMES = {"no-answer": "follow-up", "refused": "appeal", "complain": "complaint"}
OUTCOME_LABELS = {
    "no-answer": (N_("No answer yet"),
                  N_("The company has not answered. Once the time your law gives it has passed, the next letter is a "
                     "follow-up: it repeats the request, says when the answer was due and gives a last short delay.")),
    "refused": (N_("It refused, or did only part of what I asked"),
                N_("Where your law lets you appeal a refusal to the company, the next letter is that appeal. Where it "
                   "does not, the page says so and offers a complaint instead. If the company cited an exemption, read "
                   "it before appealing; if you are unsure, ask a lawyer or legal aid.")),
    "complain": (N_("I want to complain to the regulator"),
                 N_("Still nothing after a follow-up or an appeal, or you want to report the company now: optout "
                    "drafts a complaint to the office your law names, and you file it yourself.")),
}
LETTER_NAMES = {"follow-up": N_("Follow-up"), "appeal": N_("Appeal"), "complaint": N_("Complaint to the regulator")}
# Errors next to each question, in the page's language; the codes come from read_answers.
ERROR_MESSAGES = {
    "broker": N_("Choose the company you wrote to: search for its name above, then pick it."),
    "request": N_("Choose what your first letter asked for."),
    "sent_on:not-date": N_("Enter the date as year-month-day, like 2026-09-01."),
    "sent_on:future": N_("This date is after today: enter the date of your letter, the day you sent it."),
    "extended_to:not-date": N_("Enter the date as year-month-day, like 2026-11-15."),
    "extended_to:before": N_("The extension cannot end before the date of your letter: check this date."),
    "reference": N_("Copy the reference as printed on the letter: one line, up to 120 characters."),
    "outcome": N_("Choose what happened."),
    "denied_on:missing": N_("Enter the date of the company's refusal: an appeal answers it."),
    "denied_on:not-date": N_("Enter the date as year-month-day, like 2026-10-20."),
    "denied_on:before": N_("The refusal cannot come before the date of your letter."),
    "denied_on:future": N_("This date is after today: enter the day the company refused."),
    "appeal_on:not-date": N_("Enter the date as year-month-day, like 2026-11-10."),
    "appeal_on:future": N_("This date is after today: enter the day you sent the appeal."),
    "appeal_on:before": N_("An appeal comes after the refusal it answers: check this date and the refusal's."),
    "appeal_on:missing": N_("Enter the day you sent the appeal, or leave its reference empty."),
    "appeal_reference": N_("Give the reference optout printed on your appeal: it starts with APL-. For an appeal you "
                           "wrote yourself, leave both empty and attach a copy to the complaint."),
}
FIELD_ORDER = ("broker", "request", "sent_on", "reference", "extended_to", "outcome", "denied_on", "appeal_on",
               "appeal_reference")
APPEAL_PREFIX = "APL-"  # the prefix optout.lifecycle gives an appeal's reference; the complaint reads the stage from it


@dataclass(frozen=True)
class LaterCase:
    """The first letter as the person describes it, and what happened to it.

    `sent_on` is the date the letter carried, the day it was sent: the next letter says "I wrote to you on" that day,
    and optout.lifecycle counts the law's clock from it, saying the due date holds "if it reached you on the day it
    was dated" (the laws count from receipt; the page says so too). `extended_to` is the end of
    an extension the company announced, which moves the due date as PriorLetter.extended_to does."""

    broker_id: str
    request: RequestKind
    sent_on: dt.date
    reference: str
    outcome: str
    denied_on: dt.date | None
    appeal_on: dt.date | None = None
    appeal_reference: str = ""
    extended_to: dt.date | None = None

    @property
    def letter_kind(self) -> str:
        return OUTCOMES[self.outcome]

    def prior(self) -> PriorLetter:
        # A follow-up answers silence: a refusal date typed before changing one's mind is not part of it.
        denied = None if self.outcome == "no-answer" else self.denied_on
        return PriorLetter(reference=self.reference, request=self.request, broker_id=self.broker_id,
                           sent_on=self.sent_on, denied_on=denied, extended_to=self.extended_to)

    def history(self) -> list[PriorLetter]:
        """What a complaint lists: the first letter and, if the person appealed with optout, the appeal."""
        if self.appeal_on is None:
            return [self.prior()]
        appeal = PriorLetter(reference=self.appeal_reference, request=self.request, broker_id=self.broker_id,
                             sent_on=self.appeal_on)
        return [self.prior(), appeal]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def read_answers(answers: dict[str, str], catalog: Catalog, today: dt.date) -> tuple[LaterCase | None, dict[str, str]]:
    """(case, {}) or (None, {field: error code}); every question is checked, so all errors show at once."""
    errors: dict[str, str] = {}
    broker_id = answers.get("broker", "")
    if broker_id not in catalog.brokers:
        errors["broker"] = "broker"
    request = answers.get("request", "")
    if request not in {kind.value for kind in flow.WEB_REQUESTS}:
        errors["request"] = "request"
    sent_on = _date(answers.get("sent_on", ""))
    if sent_on is None:
        errors["sent_on"] = "sent_on:not-date"
    elif sent_on > today:
        errors["sent_on"] = "sent_on:future"
    reference = " ".join(answers.get("reference", "").split())
    try:
        check_text(reference, max_length=REFERENCE_MAX)
    except ValueError:
        errors["reference"] = "reference"
    extended_text = answers.get("extended_to", "").strip()
    extended_to = _date(extended_text) if extended_text else None
    if extended_text and extended_to is None:
        errors["extended_to"] = "extended_to:not-date"
    elif extended_to is not None and sent_on is not None and extended_to < sent_on:
        errors["extended_to"] = "extended_to:before"
    outcome = answers.get("outcome", "")
    if outcome not in OUTCOMES:
        errors["outcome"] = "outcome"
    denied_text = answers.get("denied_on", "").strip()
    denied_on = _date(denied_text) if denied_text else None
    if denied_text and denied_on is None:
        errors["denied_on"] = "denied_on:not-date"
    elif denied_on is None and outcome == "refused":
        errors["denied_on"] = "denied_on:missing"
    elif denied_on is not None and denied_on > today:
        errors["denied_on"] = "denied_on:future"
    elif denied_on is not None and sent_on is not None and denied_on < sent_on:
        errors["denied_on"] = "denied_on:before"
    appeal_on, appeal_reference = None, ""
    if outcome == "complain":  # only a complaint lists the appeal; other letters ignore these answers
        appeal_on, appeal_reference = _read_appeal(answers, denied_on, today, errors)
    if errors:
        return None, errors
    assert sent_on is not None
    return LaterCase(broker_id, RequestKind(request), sent_on, reference, outcome, denied_on, appeal_on, appeal_reference,
                     extended_to), {}


def _read_appeal(answers: dict[str, str], denied_on: dt.date | None, today: dt.date,
                 errors: dict[str, str]) -> tuple[dt.date | None, str]:
    """The appeal a complaint lists: its date (after the refusal, which must be given) and optout's APL- reference."""
    text = answers.get("appeal_on", "").strip()
    reference = " ".join(answers.get("appeal_reference", "").split()).upper()  # optout's references are upper case
    appeal_on = _date(text) if text else None
    if text and appeal_on is None:
        errors["appeal_on"] = "appeal_on:not-date"
    elif appeal_on is None and reference:
        errors["appeal_on"] = "appeal_on:missing"
    elif appeal_on is not None and appeal_on > today:
        errors["appeal_on"] = "appeal_on:future"
    elif appeal_on is not None and denied_on is not None and appeal_on < denied_on:
        errors["appeal_on"] = "appeal_on:before"
    if appeal_on is not None and denied_on is None:
        errors.setdefault("denied_on", "denied_on:missing")
    if (text or reference) and not _is_appeal_reference(reference):
        errors["appeal_reference"] = "appeal_reference"
    return appeal_on, reference


def _is_appeal_reference(reference: str) -> bool:
    try:
        check_text(reference, max_length=REFERENCE_MAX)
    except ValueError:
        return False
    return reference.startswith(APPEAL_PREFIX) and len(reference) > len(APPEAL_PREFIX)


@dataclass
class Plan:
    """What the law gave for the first letter, and whether it gives the next one now (`blocked` says why not)."""

    case: LaterCase
    setting: Setting
    today: dt.date
    deadlines: list[tuple[Law, Deadline]]
    appeal_law: Law | None
    regulator_law: Law | None
    blocked: str | None = None
    window_end: dt.date | None = None
    decide_by: dt.date | None = None

    @property
    def opt_out_deadlines(self) -> list[tuple[Law, Deadline]]:
        """The shorter clocks some laws set for the opt-outs a deletion letter also invokes (CCPA regulations)."""
        laws = {law.id: law for law in self.setting.laws}
        return [(laws[d.law_id], d) for d in self.setting.decision.deadlines if d.part == "opt-out" and d.law_id in laws]

    @property
    def due(self) -> dt.date:
        return self.setting.due

    @property
    def passed(self) -> bool:
        return self.today > self.setting.due

    @property
    def follow_up_from(self) -> dt.date:
        return self.setting.due + dt.timedelta(days=1)

    @property
    def grace_until(self) -> dt.date:
        """The day a follow-up gives the company before the request counts as refused (the letter names it)."""
        return self.today + dt.timedelta(days=GRACE_DAYS)

    @property
    def laws(self) -> list[Law]:
        return [] if self.setting.voluntary else self.setting.laws

    @property
    def lawsuit_law(self) -> Law | None:
        """Where no law names a regulator, a law the person enforces in court (New Jersey's Daniel's Law: a civil
        action, no administrative regulator), so the page says that instead of pointing to a complaint."""
        if self.regulator_law is not None:
            return None
        return next((law for law in self.laws if law.kind is LawKind.COVERED_PERSON), None)

    @property
    def can_complain(self) -> bool:
        """A complaint is open where a regulator is named and the company refused or let the deadline pass."""
        return self.regulator_law is not None and (self.case.denied_on is not None or self.passed)


def make_plan(catalog: Catalog, profile: Profile, case: LaterCase, today: dt.date) -> Plan:
    """The checks optout.lifecycle makes before each letter, as reasons the page can word (the same order and the
    same dates: the due date is Setting's, the appeal's decision date the deadline code's, the window and the day
    after the due date as compose_appeal and compose_follow_up count them)."""
    setting = Setting(catalog, profile, case.prior(), today, None)
    deadlines = [(law, d) for law in setting.laws if (d := setting.request_deadline(law)) is not None]
    appeal_law = next((law for law in setting.laws if law.appeal is not None and law.appeal.available), None)
    regulator_law = next((law for law in setting.laws if law.regulator is not None), None)
    plan = Plan(case, setting, today, deadlines, appeal_law, regulator_law)
    kind = case.letter_kind
    if kind == "follow-up" and not plan.passed:
        plan.blocked = "not-yet"
    elif kind == "appeal":
        if appeal_law is None or appeal_law.appeal is None:
            plan.blocked = "no-appeal-voluntary" if setting.voluntary else "no-appeal"
        else:
            appeal = appeal_law.appeal
            assert case.denied_on is not None  # read_answers asks for it
            if appeal.window_days:
                plan.window_end = case.denied_on + dt.timedelta(days=appeal.window_days)
            if plan.window_end is not None and today > plan.window_end:
                plan.blocked = "appeal-window-closed"
            elif appeal.days:
                rules = appeal_law.due_date_rules or DEFAULT_RULES
                plan.decide_by = due_date(today, appeal.days, appeal.day_kind, appeal_law.jurisdiction, rules)
    elif kind == "complaint":
        if regulator_law is None:
            plan.blocked = "no-regulator-voluntary" if setting.voluntary else "no-regulator"
        elif not plan.can_complain:
            plan.blocked = "too-early"
    return plan


def compose_next(catalog: Catalog, profile: Profile, plan: Plan) -> Letter:
    prior, today = plan.case.prior(), plan.today
    if plan.case.letter_kind == "follow-up":
        return compose_follow_up(catalog, profile, prior, today=today)
    if plan.case.letter_kind == "appeal":
        return compose_appeal(catalog, profile, prior, today=today)
    return compose_complaint(catalog, profile, plan.case.history(), today=today)


def later_bundle(profile: Profile, letter: Letter, kind: str, request: RequestKind, today: dt.date) -> Bundle:
    """The letter as the first letters' ZIP holds each one: PDF (the batch renderer), .eml, text, web-form text."""
    stem = f"letters/{file_stem(letter)}"
    pdfs = letter_pdfs(profile, [letter], request, today)
    entries = [(f"{stem}.pdf", pdfs[letter.reference]), (f"{stem}.eml", eml.render(letter)), (f"{stem}.txt", txt.render(letter))]
    if letter.webform_url:
        entries.append((f"{stem}-webform.txt", txt.render_webform(letter)))
    name = f"optout-{kind}-{today.isoformat()}.zip"  # kind: a value of OUTCOMES, never typed text
    return Bundle(name, zip_bytes(entries), 1, [entry for entry, _ in entries])


def return_after_details(session: Session) -> str | None:
    """Where step 2 sends the person who came from here to give or change their details (once)."""
    return "/later" if session.later.pop("pending", None) else None


class LaterPages:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    async def start(self, request: Request) -> Response:
        """The questions about the first letter; without a state and details yet, the way to give them first."""
        web = self.web
        session = web.session(request)
        errors: dict[str, str] = {}
        if request.method == "POST":
            answers = await web.form(request, session)
            kept = {name: answers.get(name, "")[:200] for name in FIELD_ORDER}
            session.later.update(kept)
            session.later.pop("ready", None)
            if session.profile is None:
                return RedirectResponse("/later", status_code=303)
            case, errors = read_answers(kept, web.catalog, web.today())
            if case is not None:
                session.later["ready"] = "yes"
                return RedirectResponse("/later/letter", status_code=303)
        chosen = web.catalog.brokers.get(session.later.get("broker", ""))
        found = [b for b in flow.search_brokers(session.later.get("q", ""), web.catalog) if chosen is None or b.id != chosen.id]
        return self.web.page(
            session, "later", status=422 if errors else 200, errors={k: ERROR_MESSAGES[v] for k, v in errors.items()},
            answers=session.later, chosen=chosen, found=found, search_limit=flow.SEARCH_LIMIT,
            requests=[(kind, flow.request_label(kind)) for kind in flow.WEB_REQUESTS], outcomes=OUTCOME_LABELS,
            today=web.today(), field_order=FIELD_ORDER,
        )

    async def search(self, request: Request) -> Response:
        session = self.web.session(request)
        answers = await self.web.form(request, session)
        session.later["q"] = answers.get("q", "")[:100]
        return RedirectResponse("/later#company", status_code=303)

    async def details(self, request: Request) -> Response:
        """Step 1 and 2 of the first letters ask where the person lives and who they are; then back here."""
        session = self.web.session(request)
        await self.web.form(request, session)
        session.later["pending"] = "yes"
        return RedirectResponse("/state" if session.state is None else "/you", status_code=303)

    async def letter(self, request: Request) -> Response:
        web = self.web
        session = web.session(request)
        answers = await web.form(request, session) if request.method == "POST" else {}
        case, _ = read_answers(session.later, web.catalog, web.today())
        if session.profile is None or case is None or not session.later.get("ready"):
            return RedirectResponse("/later", status_code=303)
        profile: Profile = session.profile  # type: ignore[assignment]
        if answers.get("action") == "complaint":
            session.later["outcome"] = "complain"
            return RedirectResponse("/later/letter", status_code=303)
        try:
            plan = make_plan(web.catalog, profile, case, web.today())
            if answers.get("action") == "download" and plan.blocked is None:
                composed = compose_next(web.catalog, profile, plan)
                bundle = later_bundle(profile, composed, case.letter_kind, case.request, web.today())
                return Response(bundle.data, media_type="application/zip",
                                headers={"content-disposition": f'attachment; filename="{bundle.name}"'})
        except InputError as exc:
            # The page's checks mirror optout.lifecycle's; a reason it knows and the page does not shows as it is.
            return self.letter_page(session, case, None, problem=str(exc), status=422)
        return self.letter_page(session, case, plan)

    def letter_page(self, session: Session, case: LaterCase, plan: Plan | None, problem: str | None = None,
                    status: int = 200) -> Response:
        return self.web.page(session, "later-letter", status=status, plan=plan, case=case, problem=problem,
                             broker=self.web.catalog.brokers[case.broker_id], names=LETTER_NAMES,
                             request_label=flow.request_label(case.request)[0])


def later_routes(web: WebApp) -> list[Route]:
    pages = LaterPages(web)
    both = ["GET", "POST"]
    return [
        Route("/later", pages.start, methods=both),
        Route("/later/search", pages.search, methods=["POST"]),
        Route("/later/details", pages.details, methods=["POST"]),
        Route("/later/letter", pages.letter, methods=both),
    ]
