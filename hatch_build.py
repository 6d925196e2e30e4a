"""Wheel build hook: compile the YAML catalog into broker_catalog/compiled.json inside the wheel.

The YAML files stay the source of truth and ship too; the compiled file only spares an installed
optout from parsing ~1,000 YAML files on every start.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # a checkout compiles its own cache on first use
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from optout.catalog import compile_catalog
        finally:
            sys.path.pop(0)
        destination = Path(tempfile.mkdtemp(prefix="optout-build-")) / "compiled.json"
        compile_catalog(root / "broker_catalog", destination)
        build_data["force_include"][str(destination)] = "optout/broker_catalog/compiled.json"
