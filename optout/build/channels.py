"""Identity and order of contact channels: two spellings of one mailbox, page or postal address are one channel."""

from __future__ import annotations

import re

from ..models import Channel, ChannelKind

CHANNEL_ORDER = [ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.POSTAL, ChannelKind.PHONE, ChannelKind.FAX]


def channel_key(channel: Channel) -> tuple[str, str]:
    """Identity of a channel value: two spellings of one mailbox, page or address compare equal."""
    value = channel.value.lower()
    if channel.kind == ChannelKind.WEBFORM:
        value = re.sub(r"^https?://(www\.)?", "", value).rstrip("/")
    elif channel.kind == ChannelKind.POSTAL:
        value = postal_key(value)
    return (channel.kind.value, value)


POSTAL_ABBREVIATIONS = {
    "street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd", "suite": "ste",
    "north": "n", "south": "s", "east": "e", "west": "w", "floor": "fl", "parkway": "pkwy", "lane": "ln",
    "highway": "hwy", "place": "pl", "court": "ct", "square": "sq", "building": "bldg", "post": "", "po": "",
    "office": "", "p": "", "o": "", "box": "box", "number": "", "no": "",
}


def postal_key(value: str) -> str:
    """'301 East Dave Ward Drive, Conway, AR 72032-7114' and '301 E Dave Ward Dr\nConway, AR 72032' compare equal."""
    text = re.sub(r"\b(\d{5})-\d{4}\b", r"\1", value.lower())
    words = re.sub(r"[^a-z0-9]+", " ", text.replace("#", " ste ")).split()
    return " ".join(w for w in (POSTAL_ABBREVIATIONS.get(w, w) for w in words) if w)
