"""Hatch build hook: ship the project's data directories inside the wheel.

`ontology/`, `graph/` and `queries/` live at the repository root; in the wheel they become
`peacetalks/_data/<name>/`, where `peacetalks.resources` finds them. Directories that do not exist
(yet) are skipped, so a partial checkout still builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DATA_DIRS = ("ontology", "graph", "queries")


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds `force_include` entries for the data directories of a standard wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        root = Path(self.root)
        for name in DATA_DIRS:
            if (root / name).is_dir():
                build_data["force_include"][str(root / name)] = f"peacetalks/_data/{name}"
