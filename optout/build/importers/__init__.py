"""Registry importers: one module per registry file layout, each exposing `read(path) -> list[RegistryEntry]`.

- `california`: CPPA registry CSV (2025 and 2026 layouts);
- `vermont`: Vermont Secretary of State registry in the state's own layout (ACTIVE rows only);
- `consolidated`: Privacy Rights Clearinghouse workbook (.xlsx) or its per-state CSV extracts (any registry of
  registries.yaml but California).

Every reader raises `RegistryFormatError` (message: file, row, column) on a malformed file.
"""

from __future__ import annotations

from pathlib import Path

from ..registries import CONSOLIDATED, Registry, RegistryEntry, reader_choices
from . import california, consolidated, vermont
from ._common import RegistryFormatError

__all__ = ["RegistryFormatError", "california", "consolidated", "read_registry", "vermont"]


def read_registry(registry: str, path: Path | str, year: int | None = None) -> list[RegistryEntry]:
    """Read `path` as a file of `registry` (a registry code such as ca, or consolidated), choosing the reader by layout."""
    kind = registry.lower()
    if kind not in reader_choices():
        raise ValueError(f"unknown registry '{registry}' (choose from {', '.join(reader_choices())})")
    path = Path(path)
    if not path.is_file():
        raise RegistryFormatError(path, "no such file")
    if kind == CONSOLIDATED:
        return consolidated.read(path, None, year)
    if kind not in [r.value.lower() for r in Registry]:
        return consolidated.read_former(path)  # a former registry (ca-ag): merge with optout.build.former
    code = Registry(kind.upper())
    if code == Registry.CA:
        return california.read(path, year)
    if code == Registry.VT and path.suffix.lower() == ".csv" and vermont.is_state_layout(path):
        return vermont.read(path, year)
    return consolidated.read(path, code, year)
