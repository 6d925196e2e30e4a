"""Compose one letter: the engine's decision plus the wording in templates/letter/.

The wording is rendered once, as plain-text paragraphs; every output format (txt, html, pdf, eml)
is built from those same paragraphs, so they say the same sentences.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from .catalog import Catalog
from .legal import decide, postal_channel
from .models import Agent, Broker, ChannelKind, Decision, Letter, Profile, RequestKind
from .templating import text_environment

_PARAGRAPH_BREAK = re.compile(r"[ \t]*¶[ \t]*$", re.MULTILINE)
_WHITESPACE = re.compile(r"\s+")


def reference_for(profile: Profile, broker_id: str, request: RequestKind, letter_date: dt.date) -> str:
    """A reference derived only from the inputs, so the same inputs give the same files."""
    payload = json.dumps(
        [profile.model_dump(mode="json"), broker_id, request.value, letter_date.isoformat()],
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:8].upper()
    return f"OPT-{letter_date:%Y%m%d}-{digest}"


def split_paragraphs(text: str) -> list[str]:
    # Template line breaks are for readability only; a ¶ at the end of a line ends a paragraph
    # (at the end, because Jinja's trim_blocks can pull it onto the line before).
    return [p for p in (_WHITESPACE.sub(" ", chunk).strip() for chunk in _PARAGRAPH_BREAK.split(text)) if p]


def recipient_lines(broker: Broker, decision: Decision) -> list[str]:
    postal = postal_channel(broker, decision.request)
    lines = [broker.name]
    if postal is not None:
        address = [line.strip() for line in postal.value.splitlines() if line.strip()]
        if address and address[0].casefold() == broker.name.casefold():
            address = address[1:]
        lines += address
    return lines


def sender_lines(profile: Profile, agent: Agent | None) -> list[str]:
    if agent is not None:
        return [agent.organization, f"for {profile.full_name}", *agent.address.lines()]
    return [profile.full_name, *profile.mailing_address.lines()]


def letter_context(profile: Profile, broker: Broker, decision: Decision, letter_date: dt.date, reference: str, catalog: Catalog, agent: Agent | None) -> dict:
    laws = [catalog.law(law_id) for law_id in decision.laws]
    return {
        "profile": profile,
        "broker": broker,
        "decision": decision,
        "request": decision.request.value,
        "laws": laws,
        "rights_by_law": {law.id: [r for r in decision.rights if r.law_id == law.id] for law in laws},
        "deadlines": {d.law_id: d for d in decision.deadlines if d.part == "request"},
        "opt_out_deadlines": {d.law_id: d for d in decision.deadlines if d.part == "opt-out"},
        "date": letter_date,
        "reference": reference,
        "agent": agent,
        "show_real_address": profile.acp_substitute_address is None,
    }


def compose(
    profile: Profile,
    broker: Broker,
    request: RequestKind,
    letter_date: dt.date,
    catalog: Catalog,
    agent: Agent | None = None,
) -> Letter:
    decision = decide(profile, broker, request, letter_date, catalog, agent=agent)
    reference = reference_for(profile, broker.id, request, letter_date)
    context = letter_context(profile, broker, decision, letter_date, reference, catalog, agent)
    env = text_environment()
    body = env.get_template("letter/body.txt.j2").render(context)
    subject = _WHITESPACE.sub(" ", env.get_template("letter/subject.txt.j2").render(context)).strip()
    return Letter(
        reference=reference,
        date=letter_date,
        request=decision.request,
        broker_id=broker.id,
        broker_name=broker.name,
        decision=decision,
        subject=subject,
        paragraphs=split_paragraphs(body),
        recipient_lines=recipient_lines(broker, decision),
        sender_lines=sender_lines(profile, agent),
        sender_email=(agent.email if agent else None) or (profile.emails[0] if profile.emails else None),
        recipient_email=decision.channel.value if decision.channel and decision.channel.kind is ChannelKind.EMAIL else None,
        webform_url=decision.channel.value if decision.channel and decision.channel.kind is ChannelKind.WEBFORM else None,
    )
