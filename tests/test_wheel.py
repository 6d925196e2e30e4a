"""A wheel built from the repo carries the catalog and templates and works outside the checkout."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    return next(dist.glob("optout-*.whl"))


def test_wheel_contains_catalog_and_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "optout/templates/letter/en/delete.txt.j2" in names
    assert "optout/broker_catalog/laws/va-vcdpa.yaml" in names
    assert any(n.startswith("optout/broker_catalog/brokers/") for n in names)
    assert "optout/broker_catalog/compiled.json" in names
    assert "optout/broker_catalog/disclosure.yaml" in names  # what each category of broker needs (optout/disclosure.py)
    assert "optout/templates/cli/identifiers.es.txt.j2" in names
    compiled = json.loads(zipfile.ZipFile(wheel).read("optout/broker_catalog/compiled.json"))
    assert "location" in compiled["disclosure"]["categories"]
    # optout serve: its pages, stylesheet and compiled Spanish catalog.
    assert "optout/templates/web/base.html.j2" in names
    assert "optout/templates/web/static/web.css" in names
    assert "optout/locale/es/LC_MESSAGES/optout.mo" in names


def test_installed_wheel_runs_the_example_from_another_directory(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # Dependencies come from the test environment (no network); optout itself only from the wheel.
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([python, "-c", "import optout; print(optout.__file__)"], cwd=elsewhere, env=env,
                           check=True, capture_output=True, text=True).stdout
    assert where.startswith(purelib), where
    result = subprocess.run([env_dir / "bin" / "optout", "example", "--out", "letters", "--date", "2026-11-27"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout
    assert list((elsewhere / "letters").glob("lexisnexis-risk-solutions-delete-*.pdf"))
    # The web page's templates and Spanish catalog load from the installed package.
    check = (
        "from optout.web.i18n import environment, gettext_for, LOCALE_DIR; import optout, pathlib;"
        "root = pathlib.Path(optout.__file__).parent;"
        "assert pathlib.Path(LOCALE_DIR).is_relative_to(root), LOCALE_DIR;"
        "assert gettext_for('es')('Where do you live?') == '¿Dónde vive?';"
        "print(environment('es').get_template('web/forgotten.html.j2').render(csrf='', step='forgotten'))"
    )
    page = subprocess.run([python, "-c", check], cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert page.returncode == 0, page.stderr
    assert "Sus respuestas se olvidaron" in page.stdout
