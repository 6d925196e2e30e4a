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


def test_a_cache_from_models_with_other_request_kinds_is_not_loaded(tmp_path, monkeypatch):
    """The fast path (file names, sizes, times) must not hand out records validated by other models: channels'
    default `accepts` lists the request kinds the models had when the cache was written."""
    import json

    from optout import catalog as catalog_module

    root, _, cache = _cached_copy(tmp_path, monkeypatch)
    data = json.loads(cache.read_text())
    for law in data["laws"]:
        if law["id"] == "va-vcdpa":
            law["short_name"] = "FROM-THE-CACHE"
    cache.write_text(json.dumps(data))
    assert load_catalog(root).laws["va-vcdpa"].short_name == "FROM-THE-CACHE"  # the cache is what loads

    schema = catalog_module.CompiledCatalog.model_json_schema()
    schema["$defs"]["RequestKind"]["enum"] = ["delete", "opt-out", "access"]
    monkeypatch.setattr(catalog_module.CompiledCatalog, "model_json_schema", classmethod(lambda cls: schema))
    monkeypatch.setattr(catalog_module, "_model_source_stats", lambda: ["delete,opt-out,access"])
    assert load_catalog(root).laws["va-vcdpa"].short_name == "VCDPA"
