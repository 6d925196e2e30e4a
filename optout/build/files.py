"""Where a catalog's broker files live, and reading and writing them as text."""

from __future__ import annotations

from pathlib import Path

from ..fsutil import atomic_write


def brokers_dir(catalog: Path | str) -> Path:
    """The folder of broker files: `<catalog>/brokers`, or `catalog` itself when it is that folder."""
    catalog = Path(catalog)
    if (catalog / "brokers").is_dir() or catalog.name != "brokers":
        return catalog / "brokers"
    return catalog


def disk_text(path: Path) -> str | None:
    """A file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_atomically(path: Path, text: str) -> None:
    # Catalog records are public data kept in git: readable by all.
    atomic_write(path, text.encode("utf-8"), mode=0o644)
