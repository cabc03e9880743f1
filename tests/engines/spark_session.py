"""Fixtures for the Spark tests: the test demo as Parquet, and one local Spark for the session.

A local SparkSession takes seconds to start, so every Spark test shares `spark_demo`, built
once. The tests are skipped, with the reason, only when there is no Java to run Spark on
(CI installs openjdk-17-jre-headless). Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from connectors.warehouse.spark import SparkWarehouse

__all__ = ["demo_parquet", "needs_java", "spark_demo"]

needs_java = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
    reason="Spark's local mode needs Java 17 (apt-get install openjdk-17-jre-headless)",
)


@pytest.fixture(scope="session")
def demo_parquet(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test demo's tables as `<table>.parquet` files, written from its DuckDB file."""
    folder = tmp_path_factory.mktemp("demo_parquet")
    writer = duckdb.connect()  # file access is off in the warehouse's own connections
    try:
        writer.execute(f"ATTACH '{demo_path}' AS demo (READ_ONLY)")
        tables = [
            row[0]
            for row in writer.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'demo'"
            ).fetchall()
        ]
        for table in tables:
            writer.execute(f"COPY demo.{table} TO '{folder / table}.parquet' (FORMAT PARQUET)")
    finally:
        writer.close()
    return folder


@pytest.fixture(scope="session")
def spark_demo(demo_parquet: Path) -> Iterator[SparkWarehouse]:
    """Spark in local mode over the test demo's Parquet files, shared by the session."""
    with SparkWarehouse(f"spark://local?parquet={demo_parquet}", timeout_seconds=120) as spark:
        yield spark
