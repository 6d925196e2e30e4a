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
from .disclosure import MINIMAL, DiscloseChoice, place_of, plan_disclosure, residence_name, with_disclosure_notes
from .legal import OPT_OUT_RIGHTS, decide, is_consumer_reporting_agency, postal_channel
from .models import (
    Agent,
    Block,
    Broker,
    BrokerRole,
    ChannelKind,
    Decision,
    Disclosure,
    Identifier,
    Law,
    LawKind,
    Letter,
    Profile,
    Regulation,
    RequestKind,
    Right,
    Signer,
)
from .request_kinds import details_for
from .templating import UNSHIELD, render_note, squeeze, text_environment

_BLOCK_END = re.compile(r"[ \t]*¶[ \t]*$", re.MULTILINE)
_BLOCK_KIND = re.compile(r"^⟦(\w+)(?: ([^⟧]*))?⟧\s*")


def reference_for(
    profile: Profile, broker_id: str, request: RequestKind, letter_date: dt.date, details: list[str] | None = None
) -> str:
    """A reference derived only from the inputs, so the same inputs give the same files."""
    # A profile without corrections hashes as it did before the field existed: the same letter keeps its reference.
    person = profile.model_dump(mode="json", exclude={"corrections"} if not profile.corrections else None)
    inputs = [person, broker_id, request.value, letter_date.isoformat()]
    payload = json.dumps(
        inputs + [details] if details else inputs,
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:8].upper()
    return f"OPT-{letter_date:%Y%m%d}-{digest}"


def split_blocks(text: str) -> list[Block]:
    """Template text -> blocks. Line breaks inside a block are for readability only; a ¶ at the end of a
    line ends a block (at the end, because Jinja's trim_blocks can pull it onto the line before)."""
    blocks = []
    for chunk in _BLOCK_END.split(text):
        chunk = squeeze(chunk)
        if not chunk:
            continue
        kind, label = "paragraph", None
        if found := _BLOCK_KIND.match(chunk):
            kind, label = found.group(1), found.group(2)
            chunk = chunk[found.end() :]
        blocks.append(Block(kind=kind, label=label.translate(UNSHIELD) if label else None, text=chunk.translate(UNSHIELD)))
    return blocks


def recipient_lines(broker: Broker, decision: Decision) -> list[str]:
    postal = postal_channel(broker, decision.request)
    lines = [broker.name]
    if postal is not None:
        address = [line.strip() for line in postal.value.splitlines() if line.strip()]
        if address and address[0].casefold() == broker.name.casefold():
            address = address[1:]
        lines += address
    return lines


def sender_lines(profile: Profile, agent: Agent | None, disclosure: Disclosure | None = None) -> list[str]:
    """The return block: the agent's, or the person's name with the postal address where the letter discloses it,
    and the email the reply goes to where that is how the reply comes back."""
    if agent is not None:
        return [agent.organization, *agent.address.lines()]
    if disclosure is None:
        return [profile.full_name, *profile.mailing_address.lines()]
    lines = [profile.full_name]
    if Identifier.ADDRESS in disclosure.fields:
        lines += profile.mailing_address.lines()
    email = disclosure.get(Identifier.EMAIL)
    if email is not None and email.place == "sender":
        lines += email.values
    return lines


REGULATION_NAMES = {
    Regulation.GLBA: "Gramm-Leach-Bliley Act",
    Regulation.FCRA: "Fair Credit Reporting Act",
    Regulation.HIPAA: "Health Insurance Portability and Accountability Act",
    Regulation.DPPA: "Driver's Privacy Protection Act",
}


def template_name(broker: Broker, decision: Decision) -> str:
    """One template per request kind; a variant file for special recipients."""
    service_provider = broker.role is BrokerRole.SERVICE_PROVIDER and decision.request is RequestKind.ACCESS
    variant = "-service-provider" if service_provider else ""
    return f"letter/en/{decision.request.value}{variant}.txt.j2"


def _opt_out_sections(laws: list[Law], decision: Decision) -> list[str]:
    """Where the law says the opt-outs this letter invokes need no verification: their sections."""
    opting_out = {r.law_id for r in decision.rights if r.right in OPT_OUT_RIGHTS}
    return [
        law.verification.opt_out_section or law.citation
        for law in laws
        if law.id in opting_out and law.verification and law.verification.opt_out_verification is False
    ]


def _identification(laws: list[Law]) -> dict | None:
    for law in laws:
        if law.verification and law.verification.identification:
            return {
                "law": f"The {law.short_name}",
                "rule": law.verification.identification,
                "section": law.verification.identification_section or law.citation,
            }
    return None


# What the letter asks the business to do with the information it does not claim is exempt.
EXEMPTION_ACTIONS = {
    RequestKind.DELETE: "delete",
    RequestKind.ACCESS: "disclose",
    RequestKind.CORRECT: "correct",
    RequestKind.GDPR_ERASURE: "erase",
    RequestKind.GDPR_ACCESS: "disclose",
}


def letter_context(
    profile: Profile,
    broker: Broker,
    decision: Decision,
    letter_date: dt.date,
    reference: str,
    catalog: Catalog,
    agent: Agent | None,
    details: list[str] | None = None,
    disclosure: Disclosure | None = None,
) -> dict:
    laws = [catalog.law(law_id) for law_id in decision.laws]
    if disclosure is None:
        disclosure = plan_disclosure(profile, broker, decision, catalog)
    sale = next((r for r in decision.rights if r.right is Right.OPT_OUT_SALE), None)
    return {
        "profile": profile,
        "broker": broker,
        "decision": decision,
        "request": decision.request.value,
        "laws": laws,
        "voluntary": all(law.kind is LawKind.NONE for law in laws),
        "residence": residence_name(profile),
        "rights_by_law": {law.id: [r for r in decision.rights if r.law_id == law.id] for law in laws},
        "deadlines": {d.law_id: d for d in decision.deadlines if d.part == "request"},
        "opt_out_deadlines": {d.law_id: d for d in decision.deadlines if d.part == "opt-out"},
        "sale_terms": sale.terms if sale else None,
        "exemptions": [REGULATION_NAMES[r] for r in broker.regulated_by if r in REGULATION_NAMES],
        "exemption_action": EXEMPTION_ACTIONS.get(decision.request, "honor this request for"),
        "opt_out_unverified": _opt_out_sections(laws, decision),
        "covered_person_notice": any(law.kind is LawKind.COVERED_PERSON for law in laws),
        "consumer_reporting": is_consumer_reporting_agency(broker),
        "identification": _identification(laws),
        "date": letter_date,
        "reference": reference,
        "agent": agent if decision.signer is Signer.AGENT else None,
        "show_real_address": profile.acp_substitute_address is None,
        "details": details or [],
        # The identity block: every letter template prints the person's details from this one variable.
        "disclosure": disclosure,
    }


def compose(
    profile: Profile,
    broker: Broker,
    request: RequestKind,
    letter_date: dt.date,
    catalog: Catalog,
    agent: Agent | None = None,
    details: list[str] | None = None,
    disclose: DiscloseChoice = MINIMAL,
) -> Letter:
    """One letter. `details`: for `correct` and `fcra-dispute`, each item that is wrong and what it should say
    (default: the profile's `corrections`); a refused request raises RequestRefused, an InputError. `disclose`: which
    of the person's details it carries beyond what the broker needs (optout/disclosure.py); the default carries only
    those."""
    decision = decide(profile, broker, request, letter_date, catalog, agent=agent)
    chosen = details_for(decision.request, profile, details)
    disclosure = plan_disclosure(profile, broker, decision, catalog, disclose)
    decision = with_disclosure_notes(decision, disclosure, broker, catalog)
    reference = reference_for(profile, broker.id, request, letter_date, chosen)
    context = letter_context(profile, broker, decision, letter_date, reference, catalog, agent, chosen, disclosure)
    env = text_environment()
    body = env.get_template(template_name(broker, decision)).render(context)
    title = squeeze(env.get_template("letter/en/subject.txt.j2").render(context)).translate(UNSHIELD)
    signed_by_agent = decision.signer is Signer.AGENT
    return Letter(
        reference=reference,
        date=letter_date,
        request=decision.request,
        broker_id=broker.id,
        broker_name=broker.name,
        decision=decision,
        signer=decision.signer,
        title=title,
        subject=f"{title} ({reference})",
        blocks=split_blocks(body),
        notes=[render_note(note, "en") for note in decision.notes],
        recipient_lines=recipient_lines(broker, decision),
        sender_lines=sender_lines(profile, agent if signed_by_agent else None, disclosure),
        sender_email=(agent.email if signed_by_agent and agent else None)
        or (profile.emails[0] if profile.emails and Identifier.EMAIL in disclosure.fields else None),
        recipient_email=decision.channel.value if decision.channel and decision.channel.kind is ChannelKind.EMAIL else None,
        webform_url=decision.channel.value if decision.channel and decision.channel.kind is ChannelKind.WEBFORM else None,
        agent=agent if signed_by_agent else None,
        person_name=profile.full_name,
        person_place=place_of(profile),
        law_names=[] if context["voluntary"] else [law.name for law in context["laws"]],
        discloses=disclosure.items,
    )
