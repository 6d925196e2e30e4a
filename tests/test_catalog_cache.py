"""The compiled catalog cache gives the same records as the YAML and never outlives a YAML change."""

from __future__ import annotations

import shutil

from optout.catalog import COMPILED_NAME, catalog_fingerprint, load_catalog
from optout.paths import catalog_dir


def test_cache_matches_yaml_and_follows_edits(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "catalog"
    shutil.copytree(catalog_dir(), root, ignore=shutil.ignore_patterns(COMPILED_NAME))
    root.chmod(0o755)
    first = load_catalog(root)  # parses YAML, writes the cache in the user's cache folder, never beside the catalog
    assert not (root / COMPILED_NAME).exists()
    assert list((tmp_path / "cache" / "optout").glob("catalog-*.json"))
    second = load_catalog(root)  # from the cache
    assert first.brokers == second.brokers and first.laws == second.laws

    path = root / "laws" / "va-vcdpa.yaml"
    path.write_text(path.read_text().replace("short_name: VCDPA", "short_name: VCDPA-EDITED"))
    assert load_catalog(root).laws["va-vcdpa"].short_name == "VCDPA-EDITED"


def test_fingerprint_changes_with_content(tmp_path):
    root = tmp_path / "c"
    (root / "laws").mkdir(parents=True)
    (root / "laws" / "a.yaml").write_text("x: 1\n")
    before = catalog_fingerprint(root)
    (root / "laws" / "a.yaml").write_text("x: 2\n")
    assert catalog_fingerprint(root) != before


def test_loaded_records_cannot_be_changed():
    import pytest
    from pydantic import ValidationError

    broker = load_catalog().brokers["acxiom"]
    with pytest.raises(ValidationError):
        broker.name = "changed"  # frozen: a cached catalog is shared by every caller and worker


def _cached_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "catalog"
    shutil.copytree(catalog_dir(), root, ignore=shutil.ignore_patterns(COMPILED_NAME))
    root.chmod(0o755)
    parsed = load_catalog(root)
    (cache,) = (tmp_path / "cache" / "optout").glob("catalog-*.json")
    return root, parsed, cache


def test_the_cache_carries_the_disclosure_table_and_follows_its_edits(tmp_path, monkeypatch):
    root, parsed, _ = _cached_copy(tmp_path, monkeypatch)
    assert parsed.disclosure is not None
    assert load_catalog(root).disclosure == parsed.disclosure  # from the cache, table included

    path = root / "disclosure.yaml"  # at the catalog's root, beside brokers/ and laws/
    path.write_text(path.read_text().replace("people-search sites find a person", "EDITED, people-search sites find"))
    edited = load_catalog(root).disclosure
    assert edited is not None and edited.categories["people-search"].why.startswith("EDITED")


def _rewrite_cache(cache, catalog, laws=None) -> None:
    """The user's cache as optout writes it, with these laws in place of the catalog's."""
    from optout.catalog_cache import build_user_cache, read_user_cache

    header = read_user_cache(cache)
    assert header is not None
    laws = list(catalog.laws.values()) if laws is None else laws
    build_user_cache(catalog.brokers.values(), laws, catalog.disclosure, header.fingerprint, header.stat_key).write(cache)


def test_a_cache_from_models_with_other_request_kinds_is_not_loaded(tmp_path, monkeypatch):
    """The fast path (file names, sizes, times) must not hand out records validated by other models: channels'
    default `accepts` lists the request kinds the models had when the cache was written (and the cache leaves
    defaults out)."""
    from optout import catalog_cache

    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    laws = [
        law.model_copy(update={"short_name": "FROM-THE-CACHE"}) if law.id == "va-vcdpa" else law
        for law in parsed.laws.values()
    ]
    _rewrite_cache(cache, parsed, laws)
    assert load_catalog(root).laws["va-vcdpa"].short_name == "FROM-THE-CACHE"  # the cache is what loads

    schema = catalog_cache.CompiledCatalog.model_json_schema()
    schema["$defs"]["RequestKind"]["enum"] = ["delete", "opt-out", "access"]
    monkeypatch.setattr(catalog_cache.CompiledCatalog, "model_json_schema", classmethod(lambda cls: schema))
    monkeypatch.setattr(catalog_cache, "model_source_stats", lambda: ["delete,opt-out,access"])
    assert load_catalog(root).laws["va-vcdpa"].short_name == "VCDPA"


def test_a_command_validates_only_the_records_it_reads(tmp_path, monkeypatch):
    """From the user's cache, a letter's broker is validated and the ~1,000 others are not; reading them all
    gives exactly the records the YAML gives."""
    from optout.models import Broker

    root, parsed, _ = _cached_copy(tmp_path, monkeypatch)
    validated = []
    real = Broker.model_validate_json
    monkeypatch.setattr(Broker, "model_validate_json", lambda *a, **k: validated.append(1) or real(*a, **k))
    cached = load_catalog(root)
    assert cached.broker("spokeo") == parsed.brokers["spokeo"] and len(validated) == 1
    assert cached.broker("spokeo") is cached.broker("spokeo") and len(validated) == 1  # validated once
    assert "acxiom" in cached.brokers and "no-such-broker" not in cached.brokers and len(validated) == 1
    assert list(cached.brokers) == list(parsed.brokers) and list(cached.laws) == list(parsed.laws)
    assert dict(cached.brokers) == dict(parsed.brokers) and dict(cached.laws) == dict(parsed.laws)
    assert cached.fingerprint == parsed.fingerprint == catalog_fingerprint(root)


def test_the_listing_in_the_cache_is_what_the_records_say(tmp_path, monkeypatch):
    """`optout brokers list` prints the cache's listing; it must be what the records give, in id order."""
    from optout.catalog import Catalog, channel_kinds

    root, parsed, _ = _cached_copy(tmp_path, monkeypatch)
    cached = load_catalog(root)
    assert cached.listing is not None and parsed.listing is None
    expected = sorted((b.id, b.name, channel_kinds(b)) for b in parsed.brokers.values())
    assert cached.broker_listing() == parsed.broker_listing() == expected
    assert any(kinds == "" for _, _, kinds in expected)  # a broker without a usable channel ("no channel")
    assert Catalog(brokers=dict(cached.brokers), laws={}).broker_listing() == expected


def test_defaults_are_left_out_of_the_cache_and_come_back(tmp_path, monkeypatch):
    """A channel that takes every request kind (the default) does not write the 13 kinds into the cache; one
    that takes fewer keeps its list."""
    import json

    from optout.catalog_cache import read_user_cache

    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    header = read_user_cache(cache)
    assert header is not None
    from optout.models import RequestKind

    written = [c for key in header.brokers for c in json.loads(header.record(header.brokers[key])).get("channels", [])]
    loaded = [c for broker in parsed.brokers.values() for c in broker.channels]
    assert len(written) == len(loaded)
    every_kind = [("accepts" not in w) for w, c in zip(written, loaded, strict=True) if c.accepts == list(RequestKind)]
    fewer = [("accepts" in w) for w, c in zip(written, loaded, strict=True) if c.accepts != list(RequestKind)]
    assert every_kind and all(every_kind) and fewer and all(fewer)
    assert dict(load_catalog(root).brokers) == dict(parsed.brokers)


def test_a_damaged_record_is_read_from_its_yaml_and_the_cache_rebuilt(tmp_path, monkeypatch):
    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    data = cache.read_bytes()
    start = data.index(b'{"id":"spokeo"')
    cache.write_bytes(data[:start] + b'{"id":"spokeX"' + data[start + len(b'{"id":"spokeo"') :])  # same size
    damaged = load_catalog(root)
    assert damaged.broker("spokeo") == parsed.brokers["spokeo"]  # from broker_catalog/brokers/spokeo.yaml
    assert not cache.exists()  # removed, so that the next start writes a whole one
    assert load_catalog(root).brokers["spokeo"] == parsed.brokers["spokeo"] and cache.exists()


def test_a_cut_or_foreign_cache_file_is_not_read(tmp_path, monkeypatch):
    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    whole = cache.read_bytes()
    for content in (whole[: len(whole) // 2], b"", b"{}\n", b'{"format": 1}\n' + whole.partition(b"\n")[2], b"\x80\n"):
        cache.write_bytes(content)
        loaded = load_catalog(root)
        assert loaded.brokers["spokeo"] == parsed.brokers["spokeo"] and loaded.fingerprint == parsed.fingerprint
        assert cache.read_bytes() == whole  # written anew


def test_a_touched_file_gives_the_cache_a_new_key_and_keeps_its_records(tmp_path, monkeypatch):
    import os

    from optout.catalog_cache import read_user_cache

    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    before = read_user_cache(cache)
    path = root / "laws" / "va-vcdpa.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # same content, another time
    touched = load_catalog(root)
    after = read_user_cache(cache)
    assert before is not None and after is not None
    assert after.stat_key != before.stat_key and after.body == before.body and after.fingerprint == before.fingerprint
    assert touched.laws["va-vcdpa"] == parsed.laws["va-vcdpa"] and touched.listing == before.listing


def test_a_damaged_disclosure_table_is_read_from_its_yaml(tmp_path, monkeypatch):
    root, parsed, cache = _cached_copy(tmp_path, monkeypatch)
    data = cache.read_bytes()
    start = data.rindex(b'\n{"default":')  # the table is the last line
    cache.write_bytes(data[:start] + b'\n{"defaulX":' + data[start + len(b'\n{"default":') :])  # same size
    damaged = load_catalog(root)
    assert damaged.disclosure == parsed.disclosure and damaged.fingerprint == parsed.fingerprint
    assert not cache.exists()
