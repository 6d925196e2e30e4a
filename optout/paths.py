"""Where the packaged catalog and templates live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # In a wheel the data is installed inside the package (see pyproject's force-include);
    # in a checkout it sits beside the package.
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"optout is installed without its {name}/ directory")


def catalog_dir() -> Path:
    return _find("broker_catalog")


def templates_dir() -> Path:
    return _find("templates")
