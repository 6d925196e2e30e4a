"""The lowest dependency versions optout allows are the ones it is tested with."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)", requirement)
        assert match, f"{requirement}: every dependency needs a tested floor (name>=version) and nothing else"
        found[match.group(1).lower()] = match.group(2)
    return found


def test_constraints_file_pins_exactly_the_floors():
    pins = {}
    for line in (ROOT / "constraints-lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[name.lower()] = pinned
    assert pins == floors()


def test_installed_versions_meet_the_floors():
    for name, floor in floors().items():
        assert Version(version(name)) >= Version(floor), f"{name} {version(name)} is below the floor {floor}"
