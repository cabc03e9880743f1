"""The Spark warehouse keeps the DuckDB warehouse's guarantees: it sends only single SELECTs, a
query past the time limit is cancelled, rows are capped, freshness is read, errors are clear
and frames are typed as DuckDB types them."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from connectors.warehouse import (
    CachedWarehouse,
    DuckDBWarehouse,
    WarehouseError,
    WarehouseNotFound,
)
from connectors.warehouse.base import WarehouseTimeout
from connectors.warehouse.spark import (
    SparkTarget,
    SparkWarehouse,
    parse_spark_url,
    read_only_check,
)
from semantic_layer import compile_query, load_model
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.engines.spark_session import demo_parquet, needs_java, spark_demo

__all__ = ["demo_parquet", "spark_demo"]  # the fixtures these tests use

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE tickets",
        "INSERT INTO tickets SELECT * FROM tickets",
        "CREATE TABLE copy AS SELECT * FROM tickets",
        "SET spark.sql.runSQLOnFiles = true",
        "CACHE TABLE tickets",
        "ADD JAR /tmp/evil.jar",
        "SELECT 1; DROP TABLE tickets",
        "SELECT * FROM parquet.`/etc/passwd`",
    ],
)
def test_anything_but_one_select_is_refused_before_it_is_sent(sql: str) -> None:
    with pytest.raises(WarehouseError) as refused:
        read_only_check(sql)
    assert refused.value.hint is not None and "SELECT" in refused.value.hint


def test_a_compiled_query_passes_the_read_only_check() -> None:
    query = SemanticQuery.model_validate({"metrics": ["arr"], "dimensions": ["metric_time:month"]})
    compiled = compile_query(
        query, load_model(ROOT / "metrics.yml"), as_of=DEMO_AS_OF, dialect="spark"
    )
    read_only_check(compiled.sql)  # a WITH ... SELECT over a VALUES spine


def test_spark_urls_name_local_mode_a_cluster_or_spark_connect() -> None:
    assert parse_spark_url("spark://local?parquet=/data") == SparkTarget(
        "local[2]", None, Path("/data")
    )
    assert parse_spark_url("local[4]") == SparkTarget("local[4]", None, None)
    assert parse_spark_url("spark://spark-master:7077") == SparkTarget(
        "spark://spark-master:7077", None, None
    )
    assert parse_spark_url("sc://connect:15002") == SparkTarget(None, "sc://connect:15002", None)
    with pytest.raises(WarehouseError, match="Unknown option 'parket'"):
        parse_spark_url("spark://local?parket=/data")
    with pytest.raises(WarehouseError, match="not a Spark URL"):
        parse_spark_url("spark:///data")


def test_a_missing_parquet_folder_is_named_before_spark_starts(tmp_path: Path) -> None:
    with pytest.raises(WarehouseNotFound, match="no Parquet folder") as missing:
        SparkWarehouse(f"spark://local?parquet={tmp_path / 'nowhere'}")
    assert missing.value.hint is not None and "cortex demo export" in missing.value.hint


@needs_java
def test_a_query_past_the_time_limit_is_cancelled(
    demo_parquet: Path, spark_demo: SparkWarehouse
) -> None:
    slow = SparkWarehouse(f"spark://local?parquet={demo_parquet}", timeout_seconds=2)
    started = time.perf_counter()
    with pytest.raises(WarehouseTimeout, match="stopped after 2 s") as stopped:
        slow.run(
            "SELECT count(*) FROM tickets AS a CROSS JOIN tickets AS b "
            "WHERE a.ticket_id * 7 + b.ticket_id = -1"
        )
    assert time.perf_counter() - started < 20  # minutes of work, cancelled
    assert stopped.value.hint is not None and "CORTEX_QUERY_TIMEOUT" in stopped.value.hint
    tracker = spark_demo._spark.sparkContext.statusTracker()  # noqa: SLF001 - the jobs are gone
    deadline = time.perf_counter() + 10
    while tracker.getActiveJobsIds() and time.perf_counter() < deadline:
        time.sleep(0.1)
    assert tracker.getActiveJobsIds() == []
    assert spark_demo.run("SELECT count(*) AS n FROM accounts").frame["n"].iloc[0] > 0


@needs_java
def test_rows_are_capped_and_the_cap_is_reported(demo_parquet: Path) -> None:
    capped = SparkWarehouse(f"spark://local?parquet={demo_parquet}", max_rows=5)
    result = capped.run("SELECT ticket_id FROM tickets ORDER BY ticket_id")
    assert result.row_count == 5 and result.truncated
    assert result.frame["ticket_id"].is_monotonic_increasing


@needs_java
def test_frames_are_typed_as_duckdb_types_them(demo_path: Path, spark_demo: SparkWarehouse) -> None:
    query = SemanticQuery.model_validate(
        {
            "metrics": ["ticket_volume", "csat", "arr"],
            "dimensions": ["metric_time:month", "segment"],
            "time_range": "last 3 months",
        }
    )
    model = load_model(ROOT / "metrics.yml")
    with DuckDBWarehouse(demo_path) as duck:
        expected = duck.run(compile_query(query, model, as_of=DEMO_AS_OF).sql).frame
    actual = spark_demo.run(compile_query(query, model, as_of=DEMO_AS_OF, dialect="spark").sql)
    assert actual.frame.dtypes.astype(str).to_dict() == expected.dtypes.astype(str).to_dict()


@needs_java
def test_freshness_and_columns_come_from_the_tables(
    demo_path: Path, spark_demo: SparkWarehouse
) -> None:
    with DuckDBWarehouse(demo_path) as duck:
        assert spark_demo.columns() == duck.columns()
        fresh = {"tickets": "created_at"}
        want = duck.run("SELECT 1 AS one", source_tables=["tickets"], freshness_columns=fresh)
    got = spark_demo.run("SELECT 1 AS one", source_tables=["tickets"], freshness_columns=fresh)
    assert got.freshness == want.freshness
    with pytest.raises(WarehouseError, match="Did you mean 'tickets'"):
        spark_demo.run("SELECT 1 AS one", source_tables=["tikets"])


@needs_java
def test_spark_errors_are_one_line_with_a_hint(spark_demo: SparkWarehouse) -> None:
    with pytest.raises(WarehouseError) as failed:
        spark_demo.run("SELECT nope FROM tickets")
    assert "nope" in failed.value.message and "\n" not in failed.value.message
    assert failed.value.hint is not None and "column names" in failed.value.hint


@needs_java
def test_one_spark_session_serves_the_process(
    demo_parquet: Path, spark_demo: SparkWarehouse
) -> None:
    again = SparkWarehouse(f"spark://local?parquet={demo_parquet}")
    assert again._spark is spark_demo._spark  # noqa: SLF001
    assert again.startup_seconds == spark_demo.startup_seconds > 0


@needs_java
def test_local_mode_leaves_nothing_in_the_working_directory(spark_demo: SparkWarehouse) -> None:
    spark_demo.run("SELECT COUNT(*) AS tickets FROM tickets")
    catalog = Path(spark_demo._spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))  # noqa: SLF001
    assert not catalog.is_relative_to(Path.cwd())
    assert not (Path.cwd() / "spark-warehouse").exists()


def _write_probe(folder: Path, rows: str) -> None:
    """`folder/probe.parquet` holding `rows` (a VALUES list of (day, amount))."""
    target = folder / "probe.parquet"
    duckdb.sql(
        f"COPY (SELECT CAST(day AS DATE) AS day, amount FROM (VALUES {rows}) AS t(day, amount)) "
        f"TO '{target}' (FORMAT parquet)"
    )


@needs_java
def test_unchanged_files_are_answered_from_the_result_cache_and_new_files_are_read(
    tmp_path: Path,
) -> None:
    _write_probe(tmp_path, "('2026-11-01', 1), ('2026-11-02', 2)")
    query = "SELECT SUM(amount) AS total FROM probe"
    url = f"spark://local?parquet={tmp_path}"
    with CachedWarehouse(SparkWarehouse(url, timeout_seconds=120)) as warehouse:
        first = warehouse.run(query, source_tables=["probe"])
        again = warehouse.run(query, source_tables=["probe"])
        _write_probe(tmp_path, "('2026-11-01', 1), ('2026-11-02', 2), ('2026-11-24', 40)")
        changed = warehouse.run(query, source_tables=["probe"])
        catalog_only = warehouse.warehouse.data_version(["some_catalog_table"])  # type: ignore[attr-defined]

    assert (first.cache, again.cache, changed.cache) == ("miss", "hit", "miss")
    assert changed.frame["total"].tolist() == [43]
    assert (first.freshness, changed.freshness) == (datetime(2026, 11, 2), datetime(2026, 11, 24))
    assert catalog_only is None  # a table Cortex cannot watch is never cached
