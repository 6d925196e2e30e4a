"""Letters after the first: a follow-up when the deadline passed unanswered, an appeal of a refusal, and a draft
complaint to the regulator the law names.

Each later letter rests on the engine's decision for the earlier request, as of the day it was sent (the same
laws, rights, sections and clock the first letter stated), and names the references of the letters it follows.
When the law gives no such letter (no appeal in Utah, a deadline not yet passed, no regulator named), the
functions raise InputError with the reason in plain words. The wording lives in templates/letter/en/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .catalog import Catalog
from .deadlines import DEFAULT_RULES, due_date
from .errors import InputError
from .letters import compose as compose_first
from .letters import letter_context, place_of, recipient_lines, sender_lines, split_blocks, template_name
from .models import Agent, ChannelKind, Decision, Law, LawKind, Letter, Profile, RequestKind, Signer, check_text
from .templating import UNSHIELD, long_date, squeeze, text_environment

# A request with no statutory clock (no law, or a service provider) was asked to answer within 45 days
# (templates/letter/en/base.txt.j2); a follow-up counts from that request, never from a law.
VOLUNTARY_DAYS = 45
# How long a follow-up or reply gives before the person complains: a courtesy the letter names, not a legal period.
GRACE_DAYS = 15
# Later letters have references of their own, their stage in the prefix (first requests are OPT-...).
STAGE_PREFIX = {"follow-up": "FUP", "appeal": "APL", "complaint": "CMP", "reply": "RPL"}


class PriorLetter(BaseModel):
    """An earlier letter, as the person or the ledger recorded it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The earlier letter's reference (optout.letters.reference_for).")
    request: RequestKind
    broker_id: str
    sent_on: dt.date
    due_on: dt.date | None = None
    extended_to: dt.date | None = None
    answered_on: dt.date | None = None
    denied_on: dt.date | None = None
    channel: str | None = Field(default=None, description='How it was sent, e.g. "email", "postal (certified 9407...)".')

    @field_validator("reference", "broker_id", "channel")
    @classmethod
    def _one_line(cls, value):
        # References and channels are printed in letters and email subjects: one line, no control characters.
        return value if value is None else check_text(value, max_length=120)

    @property
    def stage(self) -> str:
        """'request' for a first letter; 'follow-up', 'appeal', 'complaint' or 'reply' from the reference prefix."""
        prefix = self.reference.split("-", 1)[0]
        return next((stage for stage, p in STAGE_PREFIX.items() if p == prefix), "request")


def later_reference(stage: str, profile: Profile, follows: list[str], today: dt.date, extra: str = "") -> str:
    """Derived only from the inputs (like letters.reference_for), so the same inputs give the same files."""
    payload = json.dumps(
        [profile.model_dump(mode="json"), stage, follows, today.isoformat(), extra], sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:8].upper()
    return f"{STAGE_PREFIX[stage]}-{today:%Y%m%d}-{digest}"


def check_dates(prior: PriorLetter, today: dt.date) -> None:
    """Dates in the history must be in order and not after today."""
    where = f"letter {prior.reference}"
    if prior.sent_on > today:
        raise InputError(f"{where}: sent on {prior.sent_on.isoformat()}, after today ({today.isoformat()})")
    for name in ("due_on", "extended_to", "answered_on", "denied_on"):
        value = getattr(prior, name)
        if value is not None and value < prior.sent_on:
            raise InputError(
                f"{where}: {name.replace('_', ' ')} {value.isoformat()} is before it was sent ({prior.sent_on.isoformat()})"
            )
    for name in ("answered_on", "denied_on"):
        value = getattr(prior, name)
        if value is not None and value > today:
            raise InputError(f"{where}: {name.replace('_', ' ')} {value.isoformat()} is after today ({today.isoformat()})")


class Setting:
    """Everything a later letter needs about the earlier one: the broker, the original letter and its decision."""

    def __init__(self, catalog: Catalog, profile: Profile, prior: PriorLetter, today: dt.date, agent: Agent | None) -> None:
        check_dates(prior, today)
        self.catalog, self.profile, self.prior, self.today = catalog, profile, prior, today
        self.broker = catalog.broker(prior.broker_id)
        # The first letter as it was written on the day it was sent: its title, laws, rights and clock.
        self.original: Letter = compose_first(profile, self.broker, prior.request, prior.sent_on, catalog, agent=agent)
        self.decision: Decision = self.original.decision
        self.laws: list[Law] = [catalog.law(law_id) for law_id in self.decision.laws]
        self.agent = agent if self.decision.signer is Signer.AGENT else None
        self.voluntary = all(law.kind is LawKind.NONE for law in self.laws)

    @property
    def statutory_due(self) -> dt.date | None:
        return self.prior.due_on or self.decision.due_date

    @property
    def due(self) -> dt.date:
        """The day the answer was due: the extension if announced, the law's deadline, else the 45 days asked for."""
        return self.prior.extended_to or self.statutory_due or self.prior.sent_on + dt.timedelta(days=VOLUNTARY_DAYS)

    def request_deadline(self, law: Law):
        return next((d for d in self.decision.deadlines if d.law_id == law.id and d.part == "request"), None)

    def context(self, reference: str, **extra) -> dict:
        base = letter_context(self.profile, self.broker, self.decision, self.today, reference, self.catalog, self.agent)
        base.update(
            prior=self.prior,
            original_title=self.original.title,
            original_template=template_name(self.broker, self.decision),
            due=self.due,
            statutory_due=self.statutory_due,
            grace_until=self.today + dt.timedelta(days=GRACE_DAYS),
            regulators=[law for law in self.laws if law.regulator],
            today=self.today,
            days_since=(self.today - self.prior.sent_on).days,
            stage_names=STAGE_NAMES,
        )
        base.update(extra)
        return base

    def letter(
        self, template: str, title: str, reference: str, context: dict, notes: list[str], to_regulator: Law | None = None
    ) -> Letter:
        env = text_environment()
        body = env.get_template(template).render(context)
        title = squeeze(title).translate(UNSHIELD)
        channel = self.decision.channel
        if to_regulator is not None and to_regulator.regulator is not None:
            regulator = to_regulator.regulator
            recipients = [regulator.name, *address_lines(regulator.address)]
            email, webform = None, regulator.complaint_url
        else:
            recipients = recipient_lines(self.broker, self.decision)
            email = channel.value if channel and channel.kind is ChannelKind.EMAIL else None
            webform = channel.value if channel and channel.kind is ChannelKind.WEBFORM else None
        return Letter(
            discloses=context["disclosure"].items,
            reference=reference,
            date=self.today,
            request=self.decision.request,
            broker_id=self.broker.id,
            broker_name=self.broker.name,
            decision=self.decision,
            signer=self.decision.signer,
            title=title,
            subject=f"{title} ({reference})",
            blocks=split_blocks(body),
            notes=notes,
            recipient_lines=recipients,
            sender_lines=sender_lines(self.profile, self.agent, context["disclosure"]),
            sender_email=(self.agent.email if self.agent else None)
            or (self.profile.emails[0] if self.profile.emails and "email" in context["disclosure"].fields else None),
            recipient_email=email,
            webform_url=webform,
            agent=self.agent,
            person_name=self.profile.full_name,
            person_place=place_of(self.profile),
            law_names=[] if self.voluntary else [law.name for law in self.laws],
        )


def address_lines(address: str | None) -> list[str]:
    """A regulator's address as recorded ("202 North Ninth Street, Richmond, Virginia 23219") as envelope lines."""
    if not address:
        return []
    if "\n" in address:
        return [line.strip() for line in address.splitlines() if line.strip()]
    street, _, rest = address.partition(", ")
    return [part for part in (street.strip(), rest.strip()) if part]


STAGE_NAMES = {"request": "request", "follow-up": "follow-up", "appeal": "appeal", "complaint": "complaint", "reply": "reply"}


def render_title(name: str, context: dict) -> str:
    return text_environment().get_template(f"letter/en/{name}").render(context)


def later_note(code: str, **facts) -> str:
    """A note for the person about a later letter (templates/notes/en/later-<code>.txt.j2)."""
    text = text_environment().get_template(f"notes/en/later-{code}.txt.j2").render(**facts)
    return squeeze(text).translate(UNSHIELD)


def compose_follow_up(
    catalog: Catalog, profile: Profile, prior: PriorLetter, *, today: dt.date, agent: Agent | None = None
) -> Letter:
    """A second letter when the deadline passed with no answer: the original date, the deadline, the extension."""
    setting = Setting(catalog, profile, prior, today, agent)
    if prior.denied_on is not None:
        raise InputError(
            f"letter {prior.reference}: the company refused it on {long_date(prior.denied_on)}; "
            "send an appeal (optout reply --to denial) or a complaint instead of a follow-up"
        )
    if prior.answered_on is not None:
        raise InputError(
            f"letter {prior.reference}: the company answered on {long_date(prior.answered_on)}; "
            "`optout reply classify` reads its answer and names the reply to send"
        )
    if today <= setting.due:
        raise InputError(
            f"letter {prior.reference}: the answer is due by {long_date(setting.due)}; "
            f"a follow-up can be sent from {long_date(setting.due + dt.timedelta(days=1))}"
        )
    extension_limits = []
    if prior.extended_to is not None and setting.statutory_due is not None:
        for law in setting.laws:
            deadline = setting.request_deadline(law)
            if deadline and deadline.extension_days is not None:
                latest = setting.statutory_due + dt.timedelta(days=deadline.extension_days)
                if deadline.day_kind.value == "month":
                    latest = due_date(setting.statutory_due, deadline.extension_days, deadline.day_kind, law.jurisdiction)
                extension_limits.append({"law": law, "days": deadline.extension_days, "latest": latest,
                                         "kind": deadline.day_kind, "exceeded": prior.extended_to > latest})
    reference = later_reference("follow-up", profile, [prior.reference], today)
    context = setting.context(reference, extension_limits=extension_limits, follows=[prior.reference])
    title = render_title("follow-up-subject.txt.j2", context)
    notes = [
        later_note(
            "follow-up",
            reference=prior.reference,
            grace_until=long_date(context["grace_until"]),
            regulator=bool(context["regulators"]),  # no complaint is offered where no law names a regulator
        )
    ]
    return setting.letter("letter/en/follow-up.txt.j2", title, reference, context, notes)


def appeal_law(setting: Setting) -> Law:
    """The law whose appeal the letter invokes, or InputError naming why there is none."""
    for law in setting.laws:
        if law.appeal is not None and law.appeal.available:
            return law
    if setting.voluntary:
        raise InputError(
            "no appeal: no privacy law gives you this right where you live, so there is no appeal to make; "
            "you can ask the company again or write to your state attorney general"
        )
    law = setting.laws[0]
    where = f" ({law.appeal.to.strip()})" if law.appeal and law.appeal.to else ""
    raise InputError(f"no appeal: the {law.name} gives no right to appeal a refusal to the company{where}")


def compose_appeal(
    catalog: Catalog, profile: Profile, prior: PriorLetter, *, today: dt.date, agent: Agent | None = None
) -> Letter:
    """An appeal of a refusal, where the law gives one and within its window, naming the refusal and its date."""
    setting = Setting(catalog, profile, prior, today, agent)
    law = appeal_law(setting)
    appeal = law.appeal
    assert appeal is not None  # appeal_law returns only a law with an available appeal
    if prior.denied_on is None:
        raise InputError(
            f"letter {prior.reference}: an appeal answers a refusal; give the date the company refused (--denied-on)"
        )
    window_end = prior.denied_on + dt.timedelta(days=appeal.window_days) if appeal.window_days else None
    if window_end is not None and today > window_end:
        raise InputError(
            f"no appeal: {law.short_name} lets you appeal within {appeal.window_days} days of the refusal "
            f"({long_date(prior.denied_on)}), that is by {long_date(window_end)}; you can still complain to the regulator"
        )
    rules = law.due_date_rules or DEFAULT_RULES
    decide_by = due_date(today, appeal.days, appeal.day_kind, law.jurisdiction, rules) if appeal.days else None
    reference = later_reference("appeal", profile, [prior.reference], today)
    context = setting.context(reference, appeal_law=law, appeal=appeal, decide_by=decide_by, window_end=window_end,
                              follows=[prior.reference])
    title = render_title("appeal-subject.txt.j2", context)
    notes = [later_note("appeal", law=law.short_name, decide_by=long_date(decide_by) if decide_by else "",
                        regulator=law.regulator.name if law.regulator else "")]
    return setting.letter("letter/en/appeal.txt.j2", title, reference, context, notes)


def complaint_ground(setting: Setting, history: list[PriorLetter], today: dt.date) -> str:
    """Why a complaint is due: 'denied', 'unanswered'; InputError when neither holds yet."""
    if any(p.denied_on for p in history):
        return "denied"
    first = setting.prior
    if first.answered_on is None and today > setting.due:
        return "unanswered"
    if first.answered_on is not None:
        return "answered"
    raise InputError(
        f"letter {first.reference}: nothing to complain about yet: the answer is due by {long_date(setting.due)} "
        "and the company has not refused"
    )


def compose_complaint(
    catalog: Catalog, profile: Profile, history: list[PriorLetter], *, today: dt.date, agent: Agent | None = None
) -> Letter:
    """A draft complaint to the regulator the law names, with the request history as a chronology."""
    if not history:
        raise InputError("complaint: give at least the first letter (its reference, broker, request and date)")
    ordered = sorted(history, key=lambda p: (p.sent_on, p.reference))
    brokers = {p.broker_id for p in ordered}
    if len(brokers) > 1:
        raise InputError(
            f"complaint: the letters concern several companies ({', '.join(sorted(brokers))}); one complaint per company"
        )
    first = next((p for p in ordered if p.stage == "request"), ordered[0])
    setting = Setting(catalog, profile, first, today, agent)
    for p in ordered:
        check_dates(p, today)
    law = next((law for law in setting.laws if law.regulator is not None), None)
    if law is None or law.regulator is None:
        if setting.voluntary:
            raise InputError(
                "no complaint: no privacy law gives you this right where you live, so no regulator enforces it; "
                "you can still report the company to your state attorney general's consumer protection office"
            )
        raise InputError(f"no complaint: the catalog names no regulator for {setting.laws[0].name}")
    ground = complaint_ground(setting, ordered, today)
    titles = {p.reference: _describe(setting, p) for p in ordered}
    appeal_offered = law.appeal is not None and law.appeal.available
    appealed = any(p.stage == "appeal" for p in ordered)
    reference = later_reference("complaint", profile, [p.reference for p in ordered], today)
    context = setting.context(reference, history=ordered, titles=titles, ground=ground, regulator_law=law,
                              regulator=law.regulator, appeal_offered=appeal_offered, appealed=appealed,
                              follows=[p.reference for p in ordered])
    title = render_title("complaint-subject.txt.j2", context)
    notes = [later_note("complaint", regulator=law.regulator.name, url=law.regulator.complaint_url or "",
                        address=law.regulator.address or "", references=", ".join(p.reference for p in ordered),
                        appeal_missing="yes" if appeal_offered and not appealed else "")]
    return setting.letter("letter/en/complaint.txt.j2", title, reference, context, notes, to_regulator=law)


def _describe(setting: Setting, prior: PriorLetter) -> str:
    """What an earlier letter was, in words: the first request's title, or the stage of a later letter."""
    if prior.stage == "request":
        broker = setting.catalog.broker(prior.broker_id)
        original = compose_first(setting.profile, broker, prior.request, prior.sent_on, setting.catalog, agent=setting.agent)
        return original.title
    return prior.stage


def basis_for(catalog: Catalog, profile: Profile, broker_id: str, request: RequestKind, sent_on: dt.date) -> dict[str, str]:
    """What the catalog gives the later letters for one person, broker and request: for `optout reply explain`."""
    from .legal import decide

    broker = catalog.broker(broker_id)
    decision = decide(profile, broker, request, sent_on, catalog)
    laws = [catalog.law(law_id) for law_id in decision.laws]
    deadline = next((d for d in decision.deadlines if d.part == "request"), None)
    appeal = next((law for law in laws if law.appeal and law.appeal.available), None)
    regulator = next((law.regulator for law in laws if law.regulator), None)
    refusal = next((law.appeal.to for law in laws if law.appeal and law.appeal.to), None)
    if appeal is not None and appeal.appeal is not None:
        appeal_text = f"yes, {appeal.appeal.section or appeal.citation}"
        if appeal.appeal.days:
            appeal_text += f"; decided within {appeal.appeal.days} {appeal.appeal.day_kind.value} days"
    elif all(law.kind is LawKind.NONE for law in laws):
        appeal_text = "none: no privacy law gives you this right where you live"
    else:
        appeal_text = "none in this law" + (f" ({' '.join(refusal.split())})" if refusal else "")
    if regulator is not None:
        where = regulator.complaint_url or regulator.address or regulator.url or "no complaint address recorded"
        regulator_text = f"{regulator.name.strip()}: {where}"
    else:
        regulator_text = "none named"
    clock = ""
    if deadline is not None and decision.clock_applies:
        clock = f"{deadline.days} {deadline.day_kind.value} days ({deadline.section}), by {deadline.due_date.isoformat()}"
    return {
        "broker": broker.name,
        "laws": ", ".join(law.name for law in laws),
        "clock": clock,
        "appeal": appeal_text,
        "regulator": regulator_text,
    }
