"""Deterministic YAML for broker records, written as hand-written records look (block style, dates unquoted)."""

from __future__ import annotations

import re

import yaml
from pydantic import ValidationError

from ..models import Broker, Source
from .facts import FLAG_FIELDS
from .registries import key_priority
from .report import MergeError


class FlowList(list):
    pass


class FlowDict(dict):
    pass


class CatalogDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


CatalogDumper.add_representer(str, _represent_str)
CatalogDumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
CatalogDumper.add_representer(FlowDict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))


def broker_yaml(record: Broker) -> str:
    """Deterministic YAML for a record: model field order, sorted dict keys, defaults left out."""
    try:
        valid = Broker.model_validate(record.model_dump())
    except ValidationError as exc:
        raise MergeError(f"{record.id}: merged record does not validate: {exc}") from exc
    data = valid.model_dump(mode="json", exclude_defaults=True)
    data["sources"] = {
        k: _source_data(valid.sources[k])
        for k in sorted(valid.sources, key=lambda k: (-key_priority(k)[0], -key_priority(k)[1], k))
    }
    if "brands" in data:
        data["brands"] = FlowList(data["brands"])
    for channel in data.get("channels", []):
        if "accepts" in channel:
            channel["accepts"] = FlowList(channel["accepts"])
    if "registrations" in data:
        data["registrations"] = [FlowDict(r) for r in data["registrations"]]
    for name in FLAG_FIELDS:
        if name in data:
            data[name] = dict(sorted(data[name].items()))
    return yaml.dump(data, Dumper=CatalogDumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def _source_data(source: Source) -> dict:
    # Dates stay dates so YAML writes them unquoted, as hand-written records do.
    data = source.model_dump(exclude_none=True)
    return data


REDIRECT_KEYS = ("aliases", "former_ids")
TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):")


def with_redirects(text: str, aliases: list[str], former_ids: list[str]) -> str:
    """A hand-written record's text with only its `aliases` and `former_ids` blocks replaced; every other line as it was.

    The merge never rewrites a curated record's facts, but it keeps the redirects of records merged into it.
    """
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        key = TOP_LEVEL_KEY.match(line)
        if key:
            skipping = key.group(1) in REDIRECT_KEYS
        elif not (line.startswith((" ", "-")) or not line.strip()):
            skipping = False
        if not skipping:
            kept.append(line)
    values = {k: v for k, v in (("aliases", aliases), ("former_ids", former_ids)) if v}
    block = yaml.dump(values, Dumper=CatalogDumper, sort_keys=False, allow_unicode=True, width=120) if values else ""
    at = next((i for i, line in enumerate(kept) if line.startswith("curated:")), len(kept))
    if kept and not kept[-1].endswith("\n") and at == len(kept):
        kept[-1] += "\n"
    return "".join(kept[:at]) + block + "".join(kept[at:])
