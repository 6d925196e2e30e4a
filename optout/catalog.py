"""Loading and validating the broker and law catalog."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import ValidationError

from .catalog_cache import (  # noqa: F401  (COMPILED_NAME, CompiledCatalog, catalog_fingerprint: also used from here)
    COMPILED_NAME,
    CompiledCatalog,
    Span,
    UserCache,
    build_user_cache,
    catalog_fingerprint,
    catalog_stat_key,
    channel_kinds,
    read_compiled,
    read_user_cache,
    user_cache_path,
    write_compiled,
)
from .errors import InputError
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
    brokers: Mapping[str, Broker]  # a dict, or Records: validated as they are read
    laws: Mapping[str, Law]
    fingerprint: str = ""  # hash of every catalog file, recorded by batches so --resume can tell a changed catalog
    disclosure: DisclosureTable | None = None  # broker_catalog/disclosure.yaml; None: the packaged one
    # (id, name, kinds of usable channel) of every broker, by id, when the user's cache has them; see broker_listing.
    listing: list[tuple[str, str, str]] | None = field(default=None, compare=False, repr=False)

    def broker_listing(self) -> list[tuple[str, str, str]]:
        """(id, name, kinds of usable channel) of every broker, by id: what `optout brokers list` prints, without
        validating every record when the user's cache has it."""
        if self.listing is not None:
            return self.listing
        return sorted((b.id, b.name, channel_kinds(b)) for b in self.brokers.values())

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
# Loading: from the user's cache when its key matches, else from the wheel's cache or the YAML (optout/catalog_cache.py)


class Records(Mapping[str, Model]):
    """A catalog's brokers or laws by id, each validated from the user's cache the first time it is read.

    A letter reads one broker of ~1,000; validating them all would cost more than the rest of the command. A
    record the cache cannot give (a damaged file) is read from its YAML file instead, and the cache is removed
    so that the next start writes a whole one.
    """

    def __init__(self, model: type[Model], cache: UserCache, spans: dict[str, Span], folder: Path, cache_file: Path):
        self._model: type[Model] = model
        self._cache = cache
        self._spans = spans
        self._folder = folder
        self._cache_file = cache_file
        self._read: dict[str, Model] = {}

    def __getitem__(self, key: str) -> Model:
        record = self._read.get(key)
        if record is None:
            span = self._spans[key]  # KeyError for an id the catalog does not have
            try:
                record = self._model.model_validate_json(self._cache.record(span), context={"compiled": True})
            except ValueError:
                record = None
            if record is None or record.id != key:
                with contextlib.suppress(OSError):
                    self._cache_file.unlink()
                record = load_record(self._folder / f"{key}.yaml", self._model)
            self._read[key] = record
        return record

    def __contains__(self, key: object) -> bool:
        return key in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __or__(self, other: Mapping[str, Model]) -> dict[str, Model]:
        """`catalog.laws | {id: law}` as with the dict a catalog parsed from YAML has: a dict of every record."""
        return {**self, **other}


def _parse_yaml_catalog(root: Path) -> Catalog:
    disclosure = None
    if (root / DISCLOSURE_NAME).exists():
        disclosure, problems = parse_disclosure_table(root / DISCLOSURE_NAME)
        if problems:
            raise CatalogError("; ".join(str(p) for p in problems))
    return Catalog(brokers=_load_dir(root / "brokers", Broker), laws=_load_dir(root / "laws", Law), disclosure=disclosure)


def compile_catalog(root: Path, destination: Path) -> None:
    """Parse and validate the YAML catalog and write the cache built into a wheel, atomically."""
    catalog = _parse_yaml_catalog(root)
    write_compiled(list(catalog.brokers.values()), list(catalog.laws.values()), catalog.disclosure,
                   catalog_fingerprint(root), destination)


def _from_user_cache(cache: UserCache, root: Path, cache_file: Path) -> Catalog:
    disclosure = None
    if cache.disclosure is not None:
        try:
            disclosure = DisclosureTable.model_validate_json(cache.record(cache.disclosure))
        except ValueError:
            with contextlib.suppress(OSError):
                cache_file.unlink()
            catalog = _parse_yaml_catalog(root)
            catalog.fingerprint = cache.fingerprint
            return catalog
    return Catalog(
        brokers=Records(Broker, cache, cache.brokers, root / "brokers", cache_file),
        laws=Records(Law, cache, cache.laws, root / "laws", cache_file),
        fingerprint=cache.fingerprint,
        disclosure=disclosure,
        listing=cache.listing,
    )


def load_catalog(root: Path | None = None) -> Catalog:
    root = root or catalog_dir()
    stat_key = catalog_stat_key(root)
    cache_file = user_cache_path(root)
    cache = read_user_cache(cache_file)
    if cache is not None and cache.stat_key == stat_key:
        return _from_user_cache(cache, root, cache_file)
    fingerprint = catalog_fingerprint(root)
    if cache is not None and cache.fingerprint == fingerprint:  # the same files, touched or copied: a new key only
        with contextlib.suppress(OSError):
            cache.with_stat_key(stat_key).write(cache_file)
        return _from_user_cache(cache, root, cache_file)
    compiled = read_compiled(root / COMPILED_NAME)  # the one built into the wheel
    if compiled is not None and compiled.fingerprint == fingerprint:
        catalog = Catalog(
            brokers={b.id: b for b in compiled.brokers},
            laws={law.id: law for law in compiled.laws},
            fingerprint=fingerprint,
            disclosure=compiled.disclosure,
        )
    else:
        catalog = _parse_yaml_catalog(root)
        catalog.fingerprint = fingerprint
    with contextlib.suppress(OSError):  # no writable home (a locked-down account): simply go without a cache
        build_user_cache(catalog.brokers.values(), catalog.laws.values(), catalog.disclosure, fingerprint, stat_key).write(
            cache_file
        )
    return catalog


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()
