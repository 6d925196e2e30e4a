"""`optout catalog validate` rules of issue 9: typo'd domains, home pages and notices as forms, undated sources,
missing categories, a problem on a usable channel."""

from __future__ import annotations

from pathlib import Path

import yaml

from optout.catalog import validate_catalog

RECORD = {
    "id": "acme",
    "name": "Acme Inc",
    "curated": True,
    "categories": ["marketing"],
    "website": "https://www.acmeanalytics.com",
    "channels": [
        {"kind": "email", "value": "privacy@acmeanalytics.com", "source": "page"},
        {"kind": "webform", "value": "https://acmeanalytics.com/opt-out", "source": "page"},
    ],
    "sources": {"page": {"title": "Acme privacy notice", "url": "https://acmeanalytics.com/privacy", "retrieved": "2026-11-27"}},
}


def problems_for(tmp_path: Path, **changes) -> list[str]:
    record = {**RECORD, **changes}
    folder = tmp_path / "catalog"
    (folder / "brokers").mkdir(parents=True, exist_ok=True)
    (folder / "laws").mkdir(exist_ok=True)
    (folder / "brokers" / "acme.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")
    return [f"{p.field}: {p.message}" for p in validate_catalog(folder)]


def test_a_sound_record_passes(tmp_path):
    assert problems_for(tmp_path) == []


def test_typo_domain_on_a_usable_email(tmp_path):
    channels = [{"kind": "email", "value": "privacy@acmeanaltyics.com", "source": "page"}]
    found = problems_for(tmp_path, channels=channels)
    assert any("channels.0.value" in p and "typo" in p for p in found)
    channels[0].update(usable=False, problem="typo-domain")
    assert problems_for(tmp_path, channels=channels, no_channel_reason="only a typo'd mailbox") == []


def test_home_page_and_privacy_notice_filed_as_forms(tmp_path):
    home = [{"kind": "webform", "value": "https://www.acmeanalytics.com/", "source": "page"}]
    assert any("a home page, not a request form" in p for p in problems_for(tmp_path, channels=home))
    notice = [{"kind": "webform", "value": "https://acmeanalytics.com/privacy-policy", "source": "page"}]
    assert any("set problem: privacy-notice" in p for p in problems_for(tmp_path, channels=notice))
    notice[0]["problem"] = "privacy-notice"
    assert problems_for(tmp_path, channels=notice) == []


def test_undated_source_and_missing_category(tmp_path):
    sources = {"page": {"title": "Acme privacy notice"}}
    found = problems_for(tmp_path, sources=sources, categories=[])
    assert "sources.page.retrieved: undated source: add the date it was read (or the snapshot was taken)" in found
    assert "categories: no category: add one (`other` when none fits)" in found


def test_problem_on_a_usable_channel_is_refused(tmp_path):
    channels = [{"kind": "email", "value": "tax@acmeanalytics.com", "problem": "not-privacy-address", "source": "page"}]
    assert any("'not-privacy-address' on a usable channel" in p for p in problems_for(tmp_path, channels=channels))
