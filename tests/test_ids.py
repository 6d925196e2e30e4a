"""Record ids from company names: any name gives a valid, stable id (property tests), and collisions stay valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from optout.build.merge import merge
from optout.build.names import SLUG_MAX, free_id, name_hash, slugify
from optout.build.registries import Registry, RegistryEntry
from optout.models import SLUG_PATTERN, Slug

SLUG = re.compile(SLUG_PATTERN)
SLUG_TYPE = TypeAdapter(Slug)

# Company names as registries spell them: Latin words and legal suffixes, punctuation, digits, and any other script.
WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)
LATIN_WORD = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9&.,'\-]{0,25}", fullmatch=True)
NAMES = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(LATIN_WORD, WORD, st.sampled_from(["Inc.", "LLC", "d/b/a", "The", "&", "GmbH", "株式会社"])), max_size=40
    ).map(" ".join),
    st.builds(lambda n, cut: "a" * n + " " + "b" * cut, st.integers(1, 100), st.integers(1, 30)),
)


def is_id(value: str) -> bool:
    SLUG_TYPE.validate_python(value)  # the catalog's own id type: pattern and max length
    return bool(SLUG.fullmatch(value)) and len(value) <= SLUG_MAX


@settings(max_examples=400, deadline=None)
@given(NAMES)
@example("株式会社ソニー")
@example("Ωμέγα Δεδομένα")
@example("a" * 72 + " " + "b" * 7)
def test_any_name_gives_a_valid_stable_id(name):
    slug = slugify(name)
    assert is_id(slug), slug
    assert slugify(name) == slug
    assert slugify(f"  {name}\u00a0") == slug  # spacing around a name is no part of it


@settings(max_examples=400, deadline=None)
@given(NAMES, st.integers(0, 2))
@example("a" * 72 + " " + "b" * 7, 1)
def test_a_taken_id_gives_another_valid_stable_id(name, collisions):
    # Take the slug and the first `collisions` hash variants, as earlier records with other names would.
    taken = {slugify(name)}
    for _ in range(collisions):
        taken.add(free_id(name, taken))
    chosen = free_id(name, taken)
    assert is_id(chosen), chosen
    assert chosen not in taken
    assert "--" not in chosen
    assert free_id(name, taken) == chosen


def test_ids_run_out_only_after_every_hash_length():
    name = "Acme Data"
    taken = {slugify(name)}
    for _ in range(3):
        taken.add(free_id(name, taken))
    assert len(taken) == 4
    with pytest.raises(ValueError, match="cannot find a free id"):
        free_id(name, taken)


def test_truncated_collision_id_never_keeps_the_hyphen_it_was_cut_at():
    """merge.py cut 'aaa…a-bbbbbbb' to 73 characters, ending at the hyphen, and appended '-b20ed2'-style hashes."""
    name = "a" * 72 + " " + "b" * 7
    slug = slugify(name)
    assert len(slug) == SLUG_MAX and slug[72] == "-"
    chosen = free_id(name, {slug})
    assert chosen == "a" * 72 + "-" + name_hash(name)
    assert is_id(chosen)


def test_names_without_latin_letters_get_distinct_ids():
    names = ["株式会社ソニー", "株式会社日立", "Ωμέγα", "Δεδομένα", "Данные"]
    ids = {slugify(n) for n in names}
    assert len(ids) == len(names) and all(i.startswith("broker-") for i in ids)


def test_merge_writes_a_valid_id_when_a_long_slug_is_taken(tmp_path):
    name = "a" * 72 + " " + "b" * 7
    brokers = tmp_path / "brokers"
    brokers.mkdir()
    # A hand-checked record already holds the slug under another name.
    taken = slugify(name)
    (brokers / f"{taken}.yaml").write_text(
        yaml.safe_dump(
            {
                "id": taken,
                "name": "Someone Else Inc.",
                "curated": True,
                "channels": [{"kind": "email", "value": "privacy@else.example.com", "source": "page"}],
                "sources": {"page": {"title": "Someone Else privacy page", "url": "https://else.example.com/privacy"}},
            }
        ),
        encoding="utf-8",
    )
    entry = RegistryEntry(
        registry=Registry.CA, year=2026, source_file="x.csv", row=2, name=name, emails=["privacy@ab.example.com"]
    )
    report = merge([entry], tmp_path)
    assert len(report.created) == 1
    created = report.created[0]
    assert is_id(created) and "--" not in created
    assert (brokers / f"{created}.yaml").is_file()
    assert yaml.safe_load((brokers / f"{created}.yaml").read_text(encoding="utf-8"))["id"] == created


def test_ids_are_the_same_in_another_process():
    import subprocess
    import sys

    names = ["Acme Data, Inc.", "株式会社ソニー", "a" * 90]
    code = (
        "from optout.build.names import slugify, free_id; "
        f"print([slugify(n) for n in {names!r}], [free_id(n, {{slugify(n)}}) for n in {names!r}])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=Path(__file__).parent.parent,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
