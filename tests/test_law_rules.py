"""`optout catalog validate` rules that keep a law record from silently weakening a letter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

LAWS = Path(__file__).resolve().parent.parent / "broker_catalog" / "laws"


def catalog_with(tmp_path: Path, law_id: str, change) -> Path:
    root = tmp_path / "catalog"
    (root / "laws").mkdir(parents=True)
    (root / "brokers").mkdir()
    shutil.copy(Path(__file__).parent.parent / "broker_catalog" / "brokers" / "acxiom.yaml", root / "brokers")
    data = yaml.safe_load((LAWS / f"{law_id}.yaml").read_text(encoding="utf-8"))
    change(data)
    (root / "laws" / f"{law_id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


@pytest.mark.parametrize(("law_id", "change", "message"), [
    # Louisiana's record once granted no rights, so its residents would have got a "no law" letter.
    ("la-ldpa", lambda d: d.update(rights={}), "must list the rights it grants"),
    ("ca-ccpa", lambda d: d.pop("due_date_rules"), "must name its holiday calendar"),
    ("nj-daniels-law", lambda d: d.pop("due_date_rules"), "must name its holiday calendar"),
])
def test_validate_rejects_a_law_that_would_weaken_letters(cli, tmp_path, law_id, change, message):
    result = cli("catalog", "validate", "--catalog", catalog_with(tmp_path, law_id, change))
    assert result.exit_code == 1
    assert f"{law_id}.yaml" in result.output and message in result.output


def test_the_shipped_laws_pass(cli, tmp_path):
    result = cli("catalog", "validate", "--catalog", catalog_with(tmp_path, "va-vcdpa", lambda d: None))
    assert result.exit_code == 0, result.output
