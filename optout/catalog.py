"""Loading and validating the broker and law catalog."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError
from .fsutil import atomic_write
from .models import Broker, DisclosureTable, Law
from .paths import catalog_dir

Model = TypeVar("Model", Broker, Law)  # catalog records: each has an id equal to its file name


class CatalogError(InputError):
    """A catalog file is missing, unreadable or invalid; the message names the file and field."""


@dataclass(frozen=True)
class Problem:
    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


# The C loader is several times faster on the full catalog; fall back when libyaml is absent.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _mapping_without_repeats(loader, node, deep=False):
    """A YAML mapping in which a key given twice is an error, not "the last one wins"."""
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: the base constructor reports it
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key '{key}' more than once", key_node.start_mark
            )
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


class UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]  # chosen at import time, see above
    """The safe loader, refusing repeated keys (profiles, agent files and catalog records)."""


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, lambda loader, node: loader.construct_mapping(node)
)
UniqueKeyLoader.construct_mapping = _mapping_without_repeats

# YAML 1.1 reads 02134 as the octal number 1116 and 0x1F or 1:30 as numbers too: a ZIP code like 02134 written
# without quotes would silently become another number. Only plain decimals without a leading zero are integers
# here; everything else stays text.
UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in UniqueKeyLoader.yaml_implicit_resolvers.items()
}
UniqueKeyLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))


def yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML error on one line: where and what ("line 2, column 1: found the key 'x' more than once")."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return " ".join(f"{where}{problem}".split())


def read_yaml(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=UniqueKeyLoader)


def validation_problems(path: Path, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(record)"
        problems.append(Problem(path, where, item["msg"]))
    return problems


def parse_record(path: Path, model: type[Model]) -> tuple[Model | None, list[Problem]]:
    """One catalog file: the record, or the problems that name its file and field."""
    try:
        data = read_yaml(path)
    except OSError as exc:
        return None, [Problem(path, "(file)", f"cannot read: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return None, [Problem(path, "(file)", f"not UTF-8 text (byte {exc.start})")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, "(file)", f"not valid YAML: {yaml_problem(exc)}")]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        return None, validation_problems(path, exc)
    if record.id != path.stem:
        return record, [Problem(path, "id", f"'{record.id}' does not match the file name '{path.stem}'")]
    return record, []


def load_record(path: Path, model: type[Model]) -> Model:
    record, problems = parse_record(path, model)
    if problems or record is None:
        raise CatalogError("; ".join(str(p) for p in problems))
    return record


def contact_problems(path: Path, broker: Broker) -> list[Problem]:
    """The importers' contact rules (optout.contacts) applied to a record's usable channels and website.

    Hand-written records get no less scrutiny than imported ones: a channel a letter may use must be a valid
    email address, an http(s) page, a valid phone number, or a postal address with a street and a city and
    no markup.
    """
    from .build.contacts import (
        check_email,
        check_phone,
        check_postal,
        check_url,
        website_or_none,
    )
    from .build.hygiene import own_domains, typo_problem
    from .models import ChannelProblem

    checks = {"email": check_email, "webform": check_url, "phone": check_phone, "fax": check_phone}
    problems = []
    emails = [c.value for c in broker.channels if c.kind.value == "email" and c.usable]
    owned = own_domains(broker.website, emails)
    for index, channel in enumerate(broker.channels):
        if not channel.usable:
            continue
        where = f"channels.{index}.value"
        kind = channel.kind.value
        if channel.problem not in (None, ChannelProblem.PRIVACY_NOTICE):
            problems.append(Problem(path, f"channels.{index}.problem", f"'{channel.problem.value}' on a usable channel"))
        if kind in ("email", "webform") and (typo := typo_problem(channel.value, kind == "email", owned, broker.name)):
            problems.append(Problem(path, where, f"{typo[1]}; fix it or set usable: false, problem: typo-domain"))
        if kind == "webform" and channel.problem is None and not channel.route:
            page = check_url(channel.value)
            if page.problem is ChannelProblem.PRIVACY_NOTICE:
                problems.append(Problem(path, where, f"{page.note}: set problem: privacy-notice (or route: true if it is one)"))
        if kind == "postal":
            if re.search(r"[<>{}]", channel.value):
                problems.append(Problem(path, where, "markup characters (< > { }) in a postal address"))
            # The importers' rule (a street line, then a city line), allowing the name and attention lines
            # hand-written addresses start with: some line before the last has a number or a P.O. box.
            lines = [line for line in channel.value.splitlines() if line.strip()]
            street = next((i for i, line in enumerate(lines[:-1]) if re.search(r"\d|\bbox\b", line, re.IGNORECASE)), 0)
            checked = check_postal(lines[street:])
        else:
            checked = checks[kind](channel.value)
        if not checked.usable:
            problems.append(Problem(path, where, f"{checked.note}; fix it or set usable: false"))
    if broker.website and website_or_none(broker.website) is None:
        problems.append(Problem(path, "website", f"'{broker.website}' is not an http(s) web address"))
    return problems


def provenance_problems(path: Path, record: Broker | Law) -> list[Problem]:
    """Every source says when it was read; every broker has a category."""
    problems = [
        Problem(path, f"sources.{key}.retrieved", "undated source: add the date it was read (or the snapshot was taken)")
        for key, source in record.sources.items()
        if source.retrieved is None
    ]
    if isinstance(record, Broker) and not record.categories:
        problems.append(Problem(path, "categories", "no category: add one (`other` when none fits)"))
    return problems


def check_files(paths: list[Path], model: type[Model]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in paths:
        record, found = parse_record(path, model)
        problems += found
        if record is None:
            continue
        if isinstance(record, Broker):
            problems += contact_problems(path, record)
            problems += provenance_problems(path, record)
        if record.id in seen:
            problems.append(Problem(path, "id", f"duplicate of {seen[record.id]}"))
        seen[record.id] = path
    return problems


DISCLOSURE_NAME = "disclosure.yaml"  # what each category of broker needs to find a person (optout/disclosure.py)


def parse_disclosure_table(path: Path) -> tuple[DisclosureTable | None, list[Problem]]:
    try:
        data = read_yaml(path)
    except OSError as exc:
        return None, [Problem(path, "(file)", f"cannot read: {exc.strerror or exc}")]
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [Problem(path, "(file)", f"not valid UTF-8 YAML: {exc}")]
    try:
        return DisclosureTable.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(path, exc)


def validate_catalog(root: Path | None = None) -> list[Problem]:
    root = root or catalog_dir()
    problems = check_files(sorted((root / "brokers").glob("*.yaml")), Broker)
    problems += check_files(sorted((root / "laws").glob("*.yaml")), Law)
    if (root / DISCLOSURE_NAME).exists():
        table, found = parse_disclosure_table(root / DISCLOSURE_NAME)
        problems += found
        if table is not None:
            for path in sorted((root / "brokers").glob("*.yaml")):
                record, _ = parse_record(path, Broker)
                for category in record.categories if record else []:
                    if category not in table.categories:
                        problems.append(
                            Problem(path, "categories", f"'{category}' is not a category of {DISCLOSURE_NAME}")
                        )
    return problems


class UnknownRecord(InputError, KeyError):
    """An id or state the catalog does not have."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass
class Catalog:
    brokers: dict[str, Broker]
    laws: dict[str, Law]
    fingerprint: str = ""  # hash of every catalog file, recorded by batches so --resume can tell a changed catalog
    disclosure: DisclosureTable | None = None  # broker_catalog/disclosure.yaml; None: the packaged one

    def broker(self, broker_id: str) -> Broker:
        """The broker with this id, or the record it was merged into (its `former_ids` list the old id)."""
        if broker_id in self.brokers:
            return self.brokers[broker_id]
        target = self.merged_into(broker_id)
        if target is not None:
            return self.brokers[target]
        raise UnknownRecord(f"unknown broker '{broker_id}': `optout brokers list --search NAME` shows the ids")

    def merged_into(self, broker_id: str) -> str | None:
        """The id of the record an old id was merged into, or None when the id is current or unknown."""
        if broker_id in self.brokers:
            return None
        return next((b.id for b in self.brokers.values() if broker_id in b.former_ids), None)

    def law(self, law_id: str) -> Law:
        try:
            return self.laws[law_id]
        except KeyError:
            raise UnknownRecord(f"unknown law '{law_id}': `optout laws list` shows the ids") from None


def _load_dir(folder: Path, model: type[Model]) -> dict[str, Model]:
    records = {}
    for path in sorted(folder.glob("*.yaml")):
        record = load_record(path, model)
        records[record.id] = record
    return records


# ---------------------------------------------------------------------------
# Compiled cache: parsing ~1,000 YAML files costs more than half a second, loading one JSON file a tenth of
# that. The YAML stays the source of truth. The user's cache is keyed by each catalog file's name, size and
# modification time (a stat per file, no reading; disclosure.yaml at the root included), by the request kinds and
# by the models' source files (the content fingerprint hashes the models' schema instead); when that key matches,
# the records load as they were validated when the cache was built, and the content hash it stores is the
# catalog's fingerprint. Otherwise the files are read and hashed: the cache built into a wheel is used if that
# hash matches, else the YAML is parsed; either way a fresh user cache is written for the next start.

COMPILED_NAME = "compiled.json"


class CompiledCatalog(BaseModel):
    fingerprint: str
    brokers: list[Broker]
    laws: list[Law]
    disclosure: DisclosureTable | None = None
    stat_key: str = ""  # see catalog_stat_key; empty in the cache built into a wheel


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
        "\n".join([__version__, str(root.resolve()), *sorted(entries), *_model_source_stats()]).encode()
    ).hexdigest()


def _model_source_stats() -> list[str]:
    """The models' source files, by name, size and mtime: a cache built by models with other request kinds (whose
    channels' default `accepts` differ) or other fields must not be loaded unchecked. The content fingerprint
    covers the same by hashing the models' JSON schema; this is its cheap stand-in for the fast path."""
    from .kinds import RequestKind

    package = Path(__file__).parent
    stats = [",".join(kind.value for kind in RequestKind)]
    for path in sorted([package / "kinds.py", *(package / "models").glob("*.py")]):
        with contextlib.suppress(OSError):
            stat = path.stat()
            stats.append(f"{path.relative_to(package).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return stats


def _user_cache(root: Path) -> Path:
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "optout"
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return user_cache / f"catalog-{key}.json"


def _parse_yaml_catalog(root: Path) -> Catalog:
    disclosure = None
    if (root / DISCLOSURE_NAME).exists():
        disclosure, problems = parse_disclosure_table(root / DISCLOSURE_NAME)
        if problems:
            raise CatalogError("; ".join(str(p) for p in problems))
    return Catalog(brokers=_load_dir(root / "brokers", Broker), laws=_load_dir(root / "laws", Law), disclosure=disclosure)


def compile_catalog(root: Path, destination: Path) -> None:
    """Parse and validate the YAML catalog and write the compiled cache atomically."""
    _write_compiled(_parse_yaml_catalog(root), catalog_fingerprint(root), destination)


def _write_compiled(catalog: Catalog, fingerprint: str, destination: Path, stat_key: str = "") -> None:
    compiled = CompiledCatalog(
        fingerprint=fingerprint,
        brokers=list(catalog.brokers.values()),
        laws=list(catalog.laws.values()),
        disclosure=catalog.disclosure,
        stat_key=stat_key,
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Defaults are written out in the user's cache, so loading it calls no default factories; the wheel's stays small.
    data = compiled.model_dump_json(exclude_defaults=not stat_key).encode("utf-8")
    # Readable by all: an installed package's cache serves every user of the machine.
    atomic_write(destination, data, mode=0o644, durable=False)


def _read_compiled(cache: Path) -> CompiledCatalog | None:
    try:
        # context compiled: the per-record text checks of the YAML were passed when the cache was built.
        return CompiledCatalog.model_validate_json(cache.read_bytes(), context={"compiled": True})
    except (OSError, ValueError):
        return None


def _from_compiled(compiled: CompiledCatalog) -> Catalog:
    return Catalog(
        brokers={b.id: b for b in compiled.brokers},
        laws={law.id: law for law in compiled.laws},
        fingerprint=compiled.fingerprint,
        disclosure=compiled.disclosure,
    )


def load_catalog(root: Path | None = None) -> Catalog:
    root = root or catalog_dir()
    stat_key = catalog_stat_key(root)
    user_cache = _user_cache(root)
    compiled = _read_compiled(user_cache)
    if compiled is not None and compiled.stat_key == stat_key:
        return _from_compiled(compiled)
    fingerprint = catalog_fingerprint(root)
    if compiled is None or compiled.fingerprint != fingerprint:
        compiled = _read_compiled(root / COMPILED_NAME)  # the one built into the wheel
    if compiled is not None and compiled.fingerprint == fingerprint:
        catalog = _from_compiled(compiled)
    else:
        catalog = _parse_yaml_catalog(root)
        catalog.fingerprint = fingerprint
    with contextlib.suppress(OSError):  # no writable home (a locked-down account): simply go without a cache
        _write_compiled(catalog, fingerprint, user_cache, stat_key)
    return catalog


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()
