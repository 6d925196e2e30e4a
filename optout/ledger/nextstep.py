"""`optout ledger next`: for each overdue or denied request, the letter to send next, written in one go.

- overdue, no follow-up yet: a follow-up;
- denied (or answered only in part), no appeal yet: an appeal where the law gives one, else a complaint;
- the appeal denied or overdue, or the follow-up sent and the request marked no-response: a complaint;
- completed where the law makes the broker repeat the deletion (DROP) and the cycle has passed: a new request.

The letters are written by optout.lifecycle from the person's facts, which the ledger does not copy: it reloads
the profile file (or the clinic's clients CSV row) and agent file each request was written from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..clients import CLIENT_ID
from ..errors import InputError
from ..models import Agent, Letter, Profile
from .clocks import RequestView
from .recording import letter_entry
from .records import EventKind, Frozen, Source, Stage
from .store import Ledger

DENIALS = frozenset({EventKind.DENIED, EventKind.PARTIAL})


class Step(Frozen):
    """One letter to write: which kind, for which request, and why."""

    follows: str
    stage: Stage
    reason: str
    client_id: str | None = None
    broker_id: str


@dataclass
class Overrides:
    """Files to use instead of those the ledger recorded (moved, or for a request recorded without them)."""

    profile: Path | None = None
    clients: Path | None = None
    agent: Path | None = None
    notices: list[str] = field(default_factory=list)
    _loaded: dict = field(default_factory=dict)


def plan(views: list[RequestView], today: dt.date) -> list[tuple[Step, RequestView, list[RequestView]]]:
    """What to write next, for each request that needs it: (step, the request, its later letters)."""
    children: dict[str, list[RequestView]] = {}
    for item in views:
        if item.request.parent:
            children.setdefault(item.request.parent, []).append(item)
    steps = []
    for root in views:
        if root.request.stage not in (Stage.REQUEST, Stage.RE_REQUEST):
            continue
        later = children.get(root.reference, [])
        by_stage = {child.request.stage: child for child in later}
        stage, reason = _next_stage(root, by_stage, later, today)
        if stage is not None:
            step = Step(follows=root.reference, stage=stage, reason=reason, client_id=root.request.client_id,
                        broker_id=root.request.broker_id)
            steps.append((step, root, later))
    return steps


def _next_stage(root: RequestView, by_stage: dict, later: list[RequestView], today: dt.date) -> tuple[Stage | None, str]:
    if Stage.COMPLAINT in by_stage:
        return None, ""
    if root.status in DENIALS:
        appeal = by_stage.get(Stage.APPEAL)
        if appeal is None:
            # Where the law records no appeal (Utah, California), the regulator is the next step.
            stage = Stage.COMPLAINT if root.appeal_available is False else Stage.APPEAL
            return stage, f"{root.status.value} on {root.status_on.isoformat()}"
        if appeal.status in DENIALS:
            return Stage.COMPLAINT, f"appeal {appeal.reference} {appeal.status.value} on {appeal.status_on.isoformat()}"
        if appeal.overdue:
            return Stage.COMPLAINT, f"appeal {appeal.reference} unanswered, due {appeal.due_on}"
        return None, ""
    if root.overdue:
        follow_up = by_stage.get(Stage.FOLLOW_UP)
        if follow_up is None:
            due = root.due_on if root.due_on and root.due_on < today else root.opt_out_due_on
            return Stage.FOLLOW_UP, f"no answer; due {due.isoformat()}" if due else "no answer"
        if follow_up.sent_on and root.status is EventKind.NO_RESPONSE:
            return Stage.COMPLAINT, f"no answer after the follow-up sent on {follow_up.sent_on.isoformat()}"
        return None, ""
    renewed = any(c.request.stage is Stage.RE_REQUEST and c.request.letter_date >= root.status_on for c in later)
    if root.status is EventKind.COMPLETED and root.renew_on and root.renew_on <= today and not renewed:
        return Stage.RE_REQUEST, f"completed on {root.status_on.isoformat()}; due again {root.renew_on.isoformat()}"
    return None, ""


def prior_letter(item: RequestView):
    from ..lifecycle import PriorLetter

    sent = next((e for e in item.events if e.kind is EventKind.SENT), None)
    return PriorLetter(
        reference=item.reference,
        request=item.request.request,
        broker_id=item.request.broker_id,
        sent_on=item.sent_on or item.request.letter_date,
        due_on=item.due_on,
        extended_to=item.extended_to,
        answered_on=item.answered_on,
        denied_on=item.denied_on,
        channel=(sent.channel if sent else None) or item.request.channel_kind,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def facts_for(source: Source | None, client_id: str | None, overrides: Overrides) -> tuple[Profile, Agent | None]:
    """The person (and agent) a request was written for, reloaded from the files the ledger points to."""
    from ..clients import read_clients
    from ..profiles import load_agent, load_profile

    if client_id is not None:
        path = overrides.clients or (Path(source.path) if source and source.kind == "clients" else None)
        what = "--clients CLIENTS.csv"
    else:
        path = overrides.profile or (Path(source.path) if source and source.kind == "profile" else None)
        what = "--profile FILE"
    if path is None:
        raise InputError(f"the ledger does not say which file this letter was written from; give {what}")
    if not path.exists():
        raise InputError(f"{path}: the file this letter was written from is gone; give {what}")
    agent_path = overrides.agent or (Path(source.agent_path) if source and source.agent_path else None)
    if source and path == Path(source.path) and _sha256(path) != source.sha256:
        overrides.notices.append(f"{path} changed since the letter was written; the next letter uses it as it is now")
    key = (str(path), str(agent_path))
    if key not in overrides._loaded:
        agent = load_agent(agent_path) if agent_path else None
        if client_id is None:
            overrides._loaded[key] = ({None: load_profile(path)}, agent)
        else:
            intake = read_clients(path)
            overrides._loaded[key] = ({c.client_id: c.profile for c in intake.clients}, agent)
    profiles, agent = overrides._loaded[key]
    if client_id not in profiles:
        raise InputError(f"{path}: no valid row for client {client_id}")
    return profiles[client_id], agent


def compose_step(step: Step, root: RequestView, later: list[RequestView], catalog: Catalog, profile: Profile,
                 agent: Agent | None, today: dt.date, notices: list[str]) -> tuple[Stage, Letter]:
    from .. import lifecycle

    prior = prior_letter(root)
    if step.stage is Stage.FOLLOW_UP:
        return step.stage, lifecycle.compose_follow_up(catalog, profile, prior, today=today, agent=agent)
    if step.stage is Stage.APPEAL:
        try:
            return step.stage, lifecycle.compose_appeal(catalog, profile, prior, today=today, agent=agent)
        except InputError as exc:
            notices.append(f"{root.reference}: {exc}; writing a complaint instead")  # no appeal: the regulator is next
    if step.stage is Stage.RE_REQUEST:
        from ..letters import compose

        return step.stage, compose(profile, catalog.broker(root.request.broker_id), root.request.request, today, catalog, agent)
    history = [prior] + [prior_letter(c) for c in later if c.sent_on is not None]
    return Stage.COMPLAINT, lifecycle.compose_complaint(catalog, profile, history, today=today, agent=agent)


def write_next(ledger: Ledger, views: list[RequestView], catalog: Catalog, today: dt.date, out_dir: Path,
               formats: list[str], overrides: Overrides, write: Callable[[Letter, list[str], Path], list[Path]]) -> list[dict]:
    """Write every next letter and record it in the ledger (as drafted, following its request)."""
    done = []
    for step, root, later in plan(views, today):
        profile, agent = facts_for(root.request.source, root.request.client_id, overrides)
        stage, letter = compose_step(step, root, later, catalog, profile, agent, today, overrides.notices)
        client_id = root.request.client_id
        if client_id is not None and not CLIENT_ID.match(client_id):
            raise InputError(f"{root.reference}: the ledger's client id '{client_id}' cannot name a folder")
        folder = out_dir / client_id if client_id else out_dir
        paths = write(letter, formats, folder)
        ledger.add_requests(
            [letter_entry(letter, catalog, root.request.source, root.request.client_id, stage=stage, parent=root.reference)]
        )
        done.append({"follows": root.reference, "kind": stage.value, "reference": letter.reference,
                     "client_id": root.request.client_id, "broker_id": letter.broker_id, "reason": step.reason,
                     "files": [str(p) for p in paths]})
    return done
