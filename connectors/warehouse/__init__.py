"""Warehouses: where compiled SQL runs and where its rows come back from.

- `base`: the `Warehouse` protocol every engine implements, its `QueryResult` and the
  `WarehouseError`s it raises.
- `cache`: `CachedWarehouse`, any warehouse with a `ResultCache` in front (hit, miss or off).
- `duckdb`: `DuckDBWarehouse`, a read-only DuckDB file, and `DUCKDB_SETTINGS`, how it is opened
  (`duckdb_frame` turns its results into typed pandas frames).
- `spark`: `SparkWarehouse`, Apache Spark in local mode over Parquet files, a cluster or Spark
  Connect (`spark_frame` types its rows like DuckDB's). Import it from `connectors.warehouse.spark`:
  it is not imported here, so nothing pays for pyspark until a Spark URL is configured.

Import from here: `from connectors.warehouse import DuckDBWarehouse, Warehouse, WarehouseError`.
This package imports nothing from `cortex` or `skills`.
"""

from connectors.warehouse.base import (
    CacheStatus,
    QueryResult,
    Warehouse,
    WarehouseError,
    WarehouseNotFound,
    WarehouseTimeout,
)
from connectors.warehouse.cache import CachedWarehouse, ResultCache
from connectors.warehouse.duckdb import DUCKDB_SETTINGS, DuckDBWarehouse

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
