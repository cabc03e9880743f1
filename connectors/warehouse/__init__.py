"""Warehouses: where compiled SQL runs and where its rows come back from.

- `base`: the `Warehouse` protocol every engine implements, its `QueryResult` and the
  `WarehouseError`s it raises.
- `duckdb`: `DuckDBWarehouse`, a read-only DuckDB file, and `DUCKDB_SETTINGS`, how it is opened
  (`duckdb_frame` turns its results into typed pandas frames).

Import from here: `from connectors.warehouse import DuckDBWarehouse, Warehouse, WarehouseError`.
This package imports nothing from `cortex` or `skills`.
"""

from connectors.warehouse.base import (
    QueryResult,
    Warehouse,
    WarehouseError,
    WarehouseNotFound,
    WarehouseTimeout,
)
from connectors.warehouse.duckdb import DUCKDB_SETTINGS, DuckDBWarehouse

__all__ = [
    "DUCKDB_SETTINGS",
    "DuckDBWarehouse",
    "QueryResult",
    "Warehouse",
    "WarehouseError",
    "WarehouseNotFound",
    "WarehouseTimeout",
]
