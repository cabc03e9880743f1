"""Warehouses: where compiled SQL runs and where its rows come back from.

- `base`: the `Warehouse` protocol every engine implements, its `QueryResult` and the
  `WarehouseError`s it raises.
- `deadline`: `cancel_after`, the time limit that cancels any engine's running query.
- `cache`: `CachedWarehouse`, any warehouse with a `ResultCache` in front (hit, miss or off).
- `duckdb`: `DuckDBWarehouse`, a read-only DuckDB file (`duckdb_file`: `DUCKDB_SETTINGS`, how
  it is opened, its version and time limit; `duckdb_frame` turns its results into typed pandas
  frames).
- `spark`: `SparkWarehouse`, Apache Spark in local mode over Parquet files, a cluster or Spark
  Connect (`spark_frame` types its rows like DuckDB's). Import it from `connectors.warehouse.spark`:
  it is not imported here, so nothing pays for pyspark until a Spark URL is configured.

Import from here: `from connectors.warehouse import DuckDBWarehouse, Warehouse, WarehouseError`
(each name is loaded on first use).
This package imports nothing from `cortex` or `skills`.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.warehouse.base import (
        CacheStatus,
        QueryResult,
        Warehouse,
        WarehouseError,
        WarehouseNotFound,
        WarehouseTimeout,
    )
    from connectors.warehouse.cache import CachedWarehouse, ResultCache
    from connectors.warehouse.duckdb import DuckDBWarehouse
    from connectors.warehouse.duckdb_file import DUCKDB_SETTINGS

#: Where each name lives: imported on first use, so that a module of this package that needs
#: none of them (`open`, which reads a warehouse URL for the settings) loads no pandas or DuckDB.
_HOME = {
    "CacheStatus": "base",
    "QueryResult": "base",
    "Warehouse": "base",
    "WarehouseError": "base",
    "WarehouseNotFound": "base",
    "WarehouseTimeout": "base",
    "CachedWarehouse": "cache",
    "ResultCache": "cache",
    "DUCKDB_SETTINGS": "duckdb_file",
    "DuckDBWarehouse": "duckdb",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "DUCKDB_SETTINGS",
    "CacheStatus",
    "CachedWarehouse",
    "DuckDBWarehouse",
    "QueryResult",
    "ResultCache",
    "Warehouse",
    "WarehouseError",
    "WarehouseNotFound",
    "WarehouseTimeout",
]
