"""What a command starts from: the settings of its environment, and a warehouse to query."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cortex.cli.render import err, progress
from cortex.settings import Settings, load_settings

if TYPE_CHECKING:
    from connectors.warehouse.open import WarehouseUrl


def read_settings(as_of: str | None = None) -> Settings:
    """The settings from the environment and the working directory, with `--as-of` if given."""
    options = {"as_of": ("--as-of", as_of)} if as_of is not None else {}
    return load_settings(os.environ, cwd=Path.cwd(), options=options)


def ensure_warehouse(settings: Settings) -> Path | WarehouseUrl:
    """Where the warehouse is; the demo is built first (with a progress bar) when it is missing."""
    from cortex import workspace  # the warehouse connectors: only for a command that queries

    where = settings.warehouse
    if not isinstance(where, Path) or where.exists() or not settings.warehouse_is_demo:
        return workspace.ensure_warehouse(settings)
    err.print(f"No warehouse yet: building the demo company into {settings.warehouse} (once).")
    with progress("Building the demo company") as update:
        return workspace.ensure_warehouse(settings, update)
