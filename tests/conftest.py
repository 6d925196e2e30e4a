from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from optout.cli import app


def profile_data(**overrides) -> dict:
    data = {
        "full_name": "Alex Rivera",
        "residence_state": "VA",
        "emails": ["alex@example.org"],
        "phones": ["+1 804 555 0100"],
        "addresses": [{"street": "12 Elm St", "city": "Richmond", "state": "VA", "postal_code": "23220"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def write_profile(tmp_path):
    def write(name: str = "profile.yaml", **overrides) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(profile_data(**overrides), allow_unicode=True), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def words(text: str) -> str:
    """Whitespace-insensitive form, for comparing text laid out differently (PDF lines vs wrapped txt)."""
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:])\s+", words(text)) if s]
