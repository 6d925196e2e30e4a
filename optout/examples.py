"""The built-in example: a fictional person writes to the brokers that sell to the government."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from .catalog import default_catalog
from .letters import compose
from .models import Profile, RequestKind
from .output import render_files, write_files
from .profiles import EXAMPLE_PROFILE
from .query import BrokerFilter, filter_brokers

EXAMPLE_FORMATS = ["pdf", "eml", "txt"]


@dataclass
class ExampleResult:
    person: str
    state: str
    brokers: list[str]
    paths: list[Path]
    due_dates: dict[str, str | None]
    channels: dict[str, str]


def example_profile() -> Profile:
    return Profile.model_validate(yaml.safe_load(EXAMPLE_PROFILE))


def government_facing_brokers() -> list:
    """Curated brokers that, by their own filing or cited reporting, sold data to federal agencies or police."""
    catalog = default_catalog()
    found = {}
    for recipient in ("federal_government", "law_enforcement"):
        for broker in filter_brokers(catalog.brokers, BrokerFilter(sold_to=[recipient])):
            if broker.curated:
                found[broker.id] = broker
    return [found[key] for key in sorted(found)]


def run_example(out: Path, letter_date: dt.date) -> ExampleResult:
    catalog = default_catalog()
    person = example_profile()
    brokers = government_facing_brokers()
    # Render everything before writing anything, so a failure leaves no partial example folder.
    rendered, due, channels = [], {}, {}
    for broker in brokers:
        letter = compose(person, broker, RequestKind.DELETE, letter_date, catalog)
        rendered += render_files(letter, EXAMPLE_FORMATS)
        due[broker.id] = letter.decision.due_date.isoformat() if letter.decision.due_date else None
        channel = letter.decision.channel
        channels[broker.id] = (
            f"{channel.kind.value}: {channel.value.splitlines()[0]}" if channel else "no known channel (see notes)"
        )
    paths = write_files(rendered, out)
    return ExampleResult(person.full_name, person.residence_state or "", [b.id for b in brokers], paths, due, channels)
