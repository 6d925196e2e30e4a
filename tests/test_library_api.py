"""The library API: what the README's example does, through `import optout` alone."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from conftest import profile_data

import optout


def test_the_readme_example_runs_through_the_public_names(tmp_path):
    catalog = optout.load_catalog()
    person = optout.Profile.model_validate(profile_data())
    broker = catalog.broker("spokeo")
    day = dt.date(2026, 11, 27)
    decision = optout.decide(person, broker, optout.RequestKind.DELETE, day, catalog)
    assert decision.laws == ["va-vcdpa"]
    letter = optout.compose(person, broker, optout.RequestKind.DELETE, day, catalog)
    assert letter.decision == decision
    text = optout.render_letter(letter, "txt").decode()
    assert "Va. Code Ann. § 59.1-577(A)(3)" in text
    with pytest.raises(optout.InputError):
        optout.render_letter(letter, "docx")
    written = optout.write_letter(letter, ["txt", "eml"], str(tmp_path / "letters"))  # a str folder works too
    # Spokeo is a people-search site: the letter goes to its own opt-out page, so a -webform.txt comes too.
    assert sorted(p.suffix for p in written if not p.name.endswith(("-notes.txt", "-webform.txt"))) == [".eml", ".txt"]
    assert decision.channel is not None and "optout" in decision.channel.value.replace("-", "")

    from optout.clients import Client, Intake

    settings = optout.BatchSettings(request=optout.RequestKind.DELETE, letter_date=day, formats=("txt",))
    intake = Intake(clients=[Client(2, "C-1", person)])
    report = optout.run_batch(intake, [broker], settings, tmp_path / "batch", catalog=catalog)
    assert report.letters == 1 and (tmp_path / "batch" / "manifest.csv").exists()


def test_every_public_name_resolves_and_import_stays_light():
    for name in optout.__all__:
        assert getattr(optout, name) is not None, name
    code = "import sys, optout; print(any(m.startswith(('weasyprint', 'optout.batch', 'optout.legal')) for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    with pytest.raises(AttributeError):
        optout.no_such_name  # noqa: B018


def test_rendering_a_pdf_leaves_the_environment_as_it_was():
    import os

    catalog = optout.load_catalog()
    person = optout.Profile.model_validate(profile_data())
    letter = optout.compose(person, catalog.broker("spokeo"), optout.RequestKind.DELETE, dt.date(2026, 11, 27), catalog)
    before = os.environ.get("SOURCE_DATE_EPOCH")
    optout.render_letter(letter, "pdf")
    assert os.environ.get("SOURCE_DATE_EPOCH") == before
