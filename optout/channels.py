"""Which of a broker's channels a letter goes to, and why.

Order, for the channels that take the request kind:
1. the broker's own request route (`route: true`: the portal, form or address its own notice names);
2. for a people-search site, its own opt-out or removal page (those sites act on the page, not on mail);
3. otherwise email first because it leaves a dated record, then a request form, a postal address, fax, phone;
   a privacy notice (a page that says how to ask, not a form that takes the request) comes after postal.
Within one kind, the channel from the most recently read source comes first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .models import Broker, Channel, ChannelKind, ChannelProblem, RequestKind

# A channel the person can use without a phone call; email first because it leaves a dated record.
CHANNEL_PREFERENCE = [ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.POSTAL, ChannelKind.FAX, ChannelKind.PHONE]
ROUTE_PREFERENCE = [ChannelKind.WEBFORM, ChannelKind.POSTAL, ChannelKind.EMAIL, ChannelKind.FAX, ChannelKind.PHONE]
PEOPLE_SEARCH = "people-search"
OPT_OUT_PAGE = re.compile(r"opt[-_]?out|optout|opt[-_]?form|remov|suppress|do[-_]?not[-_]?sell|delet", re.IGNORECASE)

KIND_REASONS = {
    ChannelKind.EMAIL: "email leaves a dated record of the request",
    ChannelKind.WEBFORM: "no email address is known; the broker's request form takes it",
    ChannelKind.POSTAL: "no email address or request form is known; a letter by post",
    ChannelKind.FAX: "only a fax number or phone is known",
    ChannelKind.PHONE: "only a phone number is known",
}


@dataclass(frozen=True)
class ChannelChoice:
    channel: Channel | None
    reason: str


def channel_takes(channel: Channel, request: RequestKind) -> bool:
    """A channel takes the kinds it lists; a narrower kind also goes where its general kind goes (a request to
    limit through an opt-out form, a Daniel's Law notice through a removal form)."""
    from .request_kinds import rule_for  # request_kinds imports the catalog; channels stays importable on its own

    rule = rule_for(request)
    return request in channel.accepts or bool(rule and rule.channel_family in channel.accepts)


def _newest_first(broker: Broker, request: RequestKind) -> list[Channel]:
    """Usable channels for the request, those from the most recently read source first."""
    candidates = [c for c in broker.usable_channels() if channel_takes(c, request)]
    retrieved = lambda c: broker.sources[c.source].retrieved or dt.date.min  # noqa: E731
    return sorted(candidates, key=retrieved, reverse=True)


def _first_by_kind(channels: list[Channel], order: list[ChannelKind]) -> Channel | None:
    for kind in order:
        for channel in channels:
            if channel.kind is kind:
                return channel
    return None


def is_opt_out_page(channel: Channel) -> bool:
    return channel.kind is ChannelKind.WEBFORM and bool(OPT_OUT_PAGE.search(channel.value.split("://", 1)[-1]))


def channel_choice(broker: Broker, request: RequestKind) -> ChannelChoice:
    """The channel a letter for `request` goes to, with the reason in plain words."""
    candidates = _newest_first(broker, request)
    source = lambda c: f" (source: {c.source})"  # noqa: E731
    route = _first_by_kind([c for c in candidates if c.route], ROUTE_PREFERENCE)
    if route is not None:
        return ChannelChoice(route, "the broker's own request route, as its own pages describe it" + source(route))
    if PEOPLE_SEARCH in broker.categories:
        page = next((c for c in candidates if is_opt_out_page(c) and c.problem is None), None)
        if page is not None:
            return ChannelChoice(page, "a people-search site's own opt-out page, where it acts on removals" + source(page))
    forms = [c for c in candidates if c.problem is not ChannelProblem.PRIVACY_NOTICE]
    chosen = _first_by_kind(forms, CHANNEL_PREFERENCE)
    if chosen is not None:
        return ChannelChoice(chosen, KIND_REASONS[chosen.kind] + source(chosen))
    notice = next((c for c in candidates if c.problem is ChannelProblem.PRIVACY_NOTICE), None)
    if notice is not None:
        return ChannelChoice(notice, "only the privacy notice is known; it says how to make the request" + source(notice))
    return ChannelChoice(None, broker.no_channel_reason or f"no usable channel takes a {request.value} request")


def choose_channel(broker: Broker, request: RequestKind) -> Channel | None:
    return channel_choice(broker, request).channel


def postal_channel(broker: Broker, request: RequestKind) -> Channel | None:
    return next((c for c in _newest_first(broker, request) if c.kind is ChannelKind.POSTAL), None)
