"""Placeholder for the letters that follow a request (follow-up, appeal, complaint), with the interface the
`lifecycle` branch implements; that module replaces this file at merge. Nothing else belongs here."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from .catalog import Catalog
from .errors import InputError
from .letters import compose
from .models import Agent, Letter, Profile, RequestKind


class PriorLetter(BaseModel):
    model_config = ConfigDict(frozen=True)

    reference: str
    request: RequestKind
    broker_id: str
    sent_on: dt.date
    due_on: dt.date | None = None
    extended_to: dt.date | None = None
    answered_on: dt.date | None = None
    denied_on: dt.date | None = None
    channel: str | None = None


def _again(catalog: Catalog, profile: Profile, prior: PriorLetter, today: dt.date, agent: Agent | None, label: str) -> Letter:
    letter = compose(profile, catalog.broker(prior.broker_id), prior.request, today, catalog, agent=agent)
    reference, title = f"{letter.reference}-{label[0]}", f"{label} to {prior.reference}: {letter.title}"
    return letter.model_copy(update={"reference": reference, "title": title, "subject": f"{title} ({reference})"})


def compose_follow_up(catalog: Catalog, profile: Profile, prior: PriorLetter, *, today: dt.date, agent: Agent | None = None):
    return _again(catalog, profile, prior, today, agent, "Follow-up")


def compose_appeal(catalog: Catalog, profile: Profile, prior: PriorLetter, *, today: dt.date, agent: Agent | None = None):
    letter = _again(catalog, profile, prior, today, agent, "Appeal")
    if not any((law := catalog.law(i)).appeal and law.appeal.available for i in letter.decision.laws):
        raise InputError(f"{prior.reference}: the law gives no appeal; complain to the regulator instead")
    return letter


def compose_complaint(
    catalog: Catalog, profile: Profile, history: list[PriorLetter], *, today: dt.date, agent: Agent | None = None
) -> Letter:
    return _again(catalog, profile, history[0], today, agent, "Complaint")
