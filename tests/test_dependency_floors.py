"""The lowest dependency versions optout allows are the ones it is tested with."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


# Extras whose every requirement is a dependency of optout with a tested floor.
PINNED_EXTRAS = ("build", "dask")
# Tools of the test extra whose floor is tested too (pytest, build and hatchling only run the tests). The gates
# are pinned because a newer ruff or mypy finds new things: CI must run the versions the code was checked with.
PINNED_TEST_TOOLS = ("hypothesis", "ruff", "mypy", "types-pyyaml", "types-openpyxl", "pytest-cov", "coverage", "httpx2",
                     "playwright", "babel")


def floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + [r for extra in PINNED_EXTRAS for r in extras[extra]]
    requirements += [r for r in extras["test"] if re.split(r"[<>=\[]", r)[0].lower() in PINNED_TEST_TOOLS]
    found = {}
    for requirement in requirements:
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
