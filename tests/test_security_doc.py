"""SECURITY.md names the test behind each promise: every test it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    current = None
    named = []
    for match in re.finditer(r"(test_\w+\.py)?::(test_\w+)|(test_\w+\.py)", text):
        file_name = match.group(1) or match.group(3)
        if file_name:
            current = file_name
            assert (ROOT / "tests" / file_name).is_file(), file_name
        if match.group(2):
            named.append((current, match.group(2)))
    assert len(named) >= 30
    for file_name, test in named:
        source = (ROOT / "tests" / file_name).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.MULTILINE), f"SECURITY.md names {file_name}::{test}, which does not exist"
