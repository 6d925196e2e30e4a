"""Registry importers: one module per registry file layout, each exposing `read(path) -> list[RegistryEntry]`.

- `california`: CPPA registry CSV (2025 and 2026 layouts);
- `vermont`: Vermont Secretary of State registry in the state's own layout (ACTIVE rows only);
- `consolidated`: Privacy Rights Clearinghouse workbook (.xlsx) or its per-state CSV extracts (TX, OR, VT).

Every reader raises `RegistryFormatError` (message: file, row, column) on a malformed file.
"""

from __future__ import annotations

from pathlib import Path

from ...models import Registry, RegistryEntry
from . import california, consolidated, vermont
from ._common import RegistryFormatError

REGISTRY_CHOICES = ("ca", "vt", "tx", "or", "consolidated")

__all__ = ["REGISTRY_CHOICES", "RegistryFormatError", "california", "consolidated", "read_registry", "vermont"]


def read_registry(registry: str, path: Path | str, year: int | None = None) -> list[RegistryEntry]:
    """Read `path` as a file of `registry` (ca|vt|tx|or|consolidated), choosing the reader by layout."""
    path = Path(path)
    if not path.is_file():
        raise RegistryFormatError(path, "no such file")
    kind = registry.lower()
    if kind == "ca":
        return california.read(path, year)
    if kind == "vt":
        if path.suffix.lower() == ".csv" and vermont.is_state_layout(path):
            return vermont.read(path, year)
        return consolidated.read(path, Registry.VT, year)
    if kind in ("tx", "or"):
        return consolidated.read(path, Registry(kind.upper()), year)
    if kind == "consolidated":
        return consolidated.read(path, None, year)
    raise ValueError(f"unknown registry '{registry}' (choose from {', '.join(REGISTRY_CHOICES)})")
