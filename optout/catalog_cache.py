"""The compiled catalog caches: parsing ~1,000 YAML files costs more than half a second; these spare it.

The YAML stays the source of truth. Two caches, two formats:

- The user's cache (XDG_CACHE_HOME/optout/catalog-*.json) is keyed by each catalog file's name, size and
  modification time (a stat per file, no reading; disclosure.yaml at the root included), by the request kinds
  and by the models' source files. It is one line of JSON, the header, then one line of JSON per record. The
  header holds the key, the catalog's content fingerprint, where each record's line starts and ends, and what
  `optout brokers list` prints; so a command validates only the records it reads (a letter: one broker and the
  laws), each as it was validated when the cache was built (context {"compiled": True}). Plain JSON read by
  pydantic: the file can hold no code, and a damaged record fails validation (the caller then reads its YAML).
- The cache built into a wheel (broker_catalog/compiled.json, `compile_catalog`) is one CompiledCatalog
  document, used when the hash of every catalog file and of the models' schema (`catalog_fingerprint`) matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel

from .fsutil import atomic_write
from .models import DEFERRED, Broker, DisclosureTable, Law

COMPILED_NAME = "compiled.json"
# The header-and-lines layout above; a file of another format is not read. Raise it when the layout or what the
# header's listing holds changes: a cache whose fingerprint still matches is otherwise kept with a new key.
USER_CACHE_FORMAT = 2


class CompiledCatalog(BaseModel):
    model_config = DEFERRED  # built only when the wheel's cache is read or written, or the fingerprint hashes its schema

    fingerprint: str
    brokers: list[Broker]
    laws: list[Law]
    disclosure: DisclosureTable | None = None
    stat_key: str = ""  # kept for the schema the fingerprint hashes; the wheel's cache leaves it empty


def catalog_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    # The models' shape too: a compiled cache written by an optout with fewer request kinds holds channels whose
    # default `accepts` lists only those kinds, so a new model must not reuse it.
    digest.update(json.dumps(CompiledCatalog.model_json_schema(), sort_keys=True).encode() + b"\0")
    for path in sorted([*root.glob("*/*.yaml"), *root.glob("*.yaml")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def catalog_stat_key(root: Path) -> str:
    """What changes when any catalog file is added, removed, renamed or written: names, sizes, mtimes (ns)."""
    from . import __version__

    entries = []
    for prefix in ("", *sorted(p.name + "/" for p in root.iterdir() if p.is_dir())):
        with os.scandir(root / prefix) as listing:
            for entry in listing:
                if entry.name.endswith(".yaml") and entry.is_file():
                    stat = entry.stat()
                    entries.append(f"{prefix}{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256(
        "\n".join([__version__, str(root.resolve()), *sorted(entries), *model_source_stats()]).encode()
    ).hexdigest()


def model_source_stats() -> list[str]:
    """The models' source files, by name, size and mtime: a cache built by models with other request kinds (whose
    channels' default `accepts` differ, and which the cache leaves out as defaults) or other fields must not be
    loaded unchecked. The content fingerprint covers the same by hashing the models' JSON schema; this is its
    cheap stand-in for the fast path."""
    from .kinds import RequestKind

    package = Path(__file__).parent
    stats = [",".join(kind.value for kind in RequestKind)]
    for path in sorted([package / "kinds.py", *(package / "models").glob("*.py")]):
        with contextlib.suppress(OSError):
            stat = path.stat()
            stats.append(f"{path.relative_to(package).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return stats


def user_cache_path(root: Path) -> Path:
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "optout"
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return user_cache / f"catalog-{key}.json"


def channel_kinds(broker: Broker) -> str:
    """The kinds of a broker's usable channels, sorted and comma-separated ("" when it has none)."""
    return ",".join(sorted({c.kind.value for c in broker.usable_channels()}))


Span = tuple[int, int]  # where a record's JSON starts and ends in the body (the bytes after the header line)


@dataclass(frozen=True)
class UserCache:
    """A user cache as read: its header, and the body its records are validated from when asked for."""

    fingerprint: str
    stat_key: str
    body: bytes
    brokers: dict[str, Span]  # in the order the catalog had them
    laws: dict[str, Span]
    disclosure: Span | None
    listing: list[tuple[str, str, str]]  # (id, name, channel_kinds) of every broker, by id

    def record(self, span: Span) -> bytes:
        return self.body[span[0] : span[1]]

    def header(self) -> bytes:
        return json.dumps(
            {
                "format": USER_CACHE_FORMAT,
                "fingerprint": self.fingerprint,
                "stat_key": self.stat_key,
                "size": len(self.body),
                "brokers": [[key, *span] for key, span in self.brokers.items()],
                "laws": [[key, *span] for key, span in self.laws.items()],
                "disclosure": list(self.disclosure) if self.disclosure else None,
                "listing": self.listing,
            },
            ensure_ascii=True,
        ).encode()

    def write(self, destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(destination, self.header() + b"\n" + self.body, mode=0o644, durable=False)

    def with_stat_key(self, stat_key: str) -> UserCache:
        return replace(self, stat_key=stat_key)


def build_user_cache(
    brokers: Iterable[Broker], laws: Iterable[Law], disclosure: DisclosureTable | None, fingerprint: str, stat_key: str
) -> UserCache:
    """The cache of validated records. Defaults are left out (a channel's `accepts` is all kinds unless it says
    otherwise): the key covers the models, so the defaults that fill them in are the ones they were left out by."""
    lines: list[bytes] = []
    offset = 0

    def add(model: BaseModel) -> Span:
        nonlocal offset
        data = model.model_dump_json(exclude_defaults=True).encode("utf-8")  # one line: JSON escapes newlines
        lines.append(data + b"\n")
        span = (offset, offset + len(data))
        offset += len(data) + 1
        return span

    broker_list = list(brokers)
    broker_spans = {broker.id: add(broker) for broker in broker_list}
    law_spans = {law.id: add(law) for law in laws}
    disclosure_span = add(disclosure) if disclosure is not None else None
    listing = sorted((b.id, b.name, channel_kinds(b)) for b in broker_list)
    return UserCache(fingerprint, stat_key, b"".join(lines), broker_spans, law_spans, disclosure_span, listing)


def read_user_cache(path: Path) -> UserCache | None:
    """The cache's header and body, or None when there is none or it is not one this optout wrote whole."""
    try:
        data = path.read_bytes()
        end = data.index(b"\n")
        header = json.loads(data[:end])
        body = data[end + 1 :]
        if header.get("format") != USER_CACHE_FORMAT or header["size"] != len(body):
            return None
        disclosure = header["disclosure"]
        return UserCache(
            fingerprint=str(header["fingerprint"]),
            stat_key=str(header["stat_key"]),
            body=body,
            brokers={str(key): (int(start), int(stop)) for key, start, stop in header["brokers"]},
            laws={str(key): (int(start), int(stop)) for key, start, stop in header["laws"]},
            disclosure=(int(disclosure[0]), int(disclosure[1])) if disclosure else None,
            listing=[(str(key), str(name), str(kinds)) for key, name, kinds in header["listing"]],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_compiled(path: Path) -> CompiledCatalog | None:
    """The cache built into a wheel, validated whole."""
    try:
        # context compiled: the per-record text checks of the YAML were passed when the cache was built.
        return CompiledCatalog.model_validate_json(path.read_bytes(), context={"compiled": True})
    except (OSError, ValueError):
        return None


def write_compiled(brokers: list[Broker], laws: list[Law], disclosure: DisclosureTable | None, fingerprint: str,
                   destination: Path) -> None:
    compiled = CompiledCatalog(fingerprint=fingerprint, brokers=brokers, laws=laws, disclosure=disclosure)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Readable by all: an installed package's cache serves every user of the machine.
    atomic_write(destination, compiled.model_dump_json(exclude_defaults=True).encode("utf-8"), mode=0o644, durable=False)
