"""The reply letters: each answers one kind of broker reply, citing what the law catalog records (the clock, the
extension rule, the verification rule) and the earlier letter's reference. Wording: templates/letter/en/reply-*.txt.j2."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from ..catalog import Catalog
from ..errors import InputError
from ..lifecycle import GRACE_DAYS, PriorLetter, Setting, later_note, later_reference, render_title
from ..models import PERSON_TEXT_MAX, Agent, ChannelKind, Letter, Profile, check_text
from ..templating import long_date


class ReplyKind(StrEnum):
    ID_DEMAND = "id-demand"  # asks for a driver's license, passport, utility bill or SSN
    USE_FORM = "use-form"  # "submit your request through our web form / portal"
    NOT_RESIDENT = "not-resident"  # "you are not a resident of a state with a privacy law"
    SERVICE_PROVIDER = "service-provider"  # "we only process data for our clients"
    PARTIAL = "partial"  # did part of what was asked
    EXTENSION_NO_REASON = "extension-no-reason"  # extended the deadline without saying why


def compose_reply(
    catalog: Catalog,
    profile: Profile,
    prior: PriorLetter,
    kind: ReplyKind,
    *,
    today: dt.date,
    replied_on: dt.date | None = None,
    agent: Agent | None = None,
    missing: str | None = None,
) -> Letter:
    """A reply to the broker's answer to `prior`, received on `replied_on`."""
    setting = Setting(catalog, profile, prior, today, agent)
    if replied_on is not None and not prior.sent_on <= replied_on <= today:
        raise InputError(
            f"--replied-on {replied_on.isoformat()}: the answer must come between the letter "
            f"({prior.sent_on.isoformat()}) and today ({today.isoformat()})"
        )
    if missing is not None:
        try:
            # What the person says the broker left undone: one line of plain text, printed as typed.
            missing = check_text(missing, max_length=PERSON_TEXT_MAX)
        except ValueError as exc:
            raise InputError(f"--missing: {exc}") from None
    extension = None
    if kind is ReplyKind.EXTENSION_NO_REASON:
        extension = _extension_facts(setting, replied_on)
    webform = next((c.value for c in setting.broker.usable_channels() if c.kind is ChannelKind.WEBFORM), None)
    reference = later_reference("reply", profile, [prior.reference], today, extra=kind.value)
    context = setting.context(
        reference,
        kind=kind.value,
        replied_on=replied_on,
        missing=missing,
        extension=extension,
        follows=[prior.reference],
        broker_webform=webform,
        primary=next((law for law in setting.laws), None),
    )
    title = render_title("reply-subject.txt.j2", context)
    notes = [later_note(f"reply-{kind.value}", reference=prior.reference, webform=webform or "",
                        grace_until=long_date(today + dt.timedelta(days=GRACE_DAYS)))]
    return setting.letter(f"letter/en/reply-{kind.value}.txt.j2", title, reference, context, notes)


def _extension_facts(setting: Setting, replied_on: dt.date | None) -> dict:
    """The law's extension rule against what the broker announced: the longest it allows and whether the notice
    came within the first period."""
    for law in setting.laws:
        deadline = setting.request_deadline(law)
        if deadline is None or not deadline.extension_days:
            continue
        first_due = setting.prior.due_on or deadline.due_date
        latest = first_due + dt.timedelta(days=deadline.extension_days)
        if deadline.day_kind.value == "month":
            from ..deadlines import add_months

            latest = add_months(first_due, deadline.extension_days)
        extended_to = setting.prior.extended_to
        return {
            "law": law,
            "deadline": deadline,
            "first_due": first_due,
            "latest": latest,
            "too_long": extended_to is not None and extended_to > latest,
            "late_notice": replied_on is not None and replied_on > first_due,
        }
    if setting.voluntary or not setting.decision.clock_applies:
        raise InputError("no extension to contest: no law sets a deadline for this request")
    raise InputError(f"no extension to contest: the {setting.laws[0].name} allows no extension of the deadline for this request")
