"""The dialect traps between DuckDB and Spark: each a named test that the same semantic query
gives the same numbers on both engines, over the same data (the test demo, as Parquet on Spark).

A trap is SQL that runs on both engines but means something else on one: an average of a
DECIMAL rounded on Spark, a percentile estimated, a week starting on another day, NULLs sorted
first. Each found in the demo's query set is fixed in the compiler (semantic_layer/compile/
sql.py, `render`) and pinned here; the others are pinned so that they stay equal.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from connectors.warehouse import DuckDBWarehouse
from connectors.warehouse.spark import SparkWarehouse
from semantic_layer import SemanticModel, compile_query, load_model
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.engines.spark_compare import assert_same_rows
from tests.engines.spark_session import demo_parquet, needs_java, spark_demo

__all__ = ["demo_parquet", "spark_demo"]  # the fixtures these tests use

pytestmark = needs_java

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def duck(demo_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(demo_path, timeout_seconds=60)


def run_both(
    duck: DuckDBWarehouse,
    spark: SparkWarehouse,
    model: SemanticModel,
    **fields: object,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The query's frame on DuckDB and on Spark, and its Spark SQL."""
    query = SemanticQuery.model_validate(fields)
    on_duck = compile_query(query, model, as_of=DEMO_AS_OF, dialect="duckdb")
    on_spark = compile_query(query, model, as_of=DEMO_AS_OF, dialect="spark")
    return duck.run(on_duck.sql).frame, spark.run(on_spark.sql).frame, on_spark.sql


def test_week_starts_on_monday_on_both_engines(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["ticket_volume"],
        dimensions=["metric_time:week"],
        time_range="last 8 weeks",
    )
    assert {day.weekday() for day in actual["metric_time__week"]} == {0}  # Monday
    assert_same_rows(expected, actual, ordered=True)


def test_months_and_quarters_truncate_to_their_first_day(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    for grain in ("month", "quarter"):
        expected, actual, _ = run_both(
            duck,
            spark_demo,
            model,
            metrics=["ticket_volume"],
            dimensions=[f"metric_time:{grain}"],
            time_range="this year",
        )
        assert {day.day for day in actual[f"metric_time__{grain}"]} == {1}
        assert str(actual[f"metric_time__{grain}"].dtype) == "datetime64[us]"  # as DuckDB's
        assert_same_rows(expected, actual, ordered=True)


def test_an_average_of_decimals_is_not_rounded_on_spark(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    # AVG(CASE ... THEN 1.0 ...) is an average of DECIMAL(2,1): Spark kept 5 digits (0.83328).
    expected, actual, sql = run_both(
        duck,
        spark_demo,
        model,
        metrics=["csat_satisfied_rate"],
        dimensions=["channel"],
        time_range="this year",
    )
    assert "AVG(CAST(" in "".join(sql.split()) and "AS DOUBLE" in sql
    assert_same_rows(expected, actual, ordered=True, rel_tol=1e-12)
    assert any(round(value, 5) != value for value in actual["csat_satisfied_rate"])


def test_a_ratio_of_counts_divides_as_floats(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["ai_automation_rate"],
        dimensions=["metric_time:month"],
        time_range="this year",
    )
    assert all(0 < value < 1 for value in actual["ai_automation_rate"])  # not 0 or 1
    assert_same_rows(expected, actual, ordered=True, rel_tol=1e-12)


def test_a_median_is_exact_on_spark(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, sql = run_both(
        duck,
        spark_demo,
        model,
        metrics=["first_response_time"],
        dimensions=["channel"],
        time_range="last 30 days",
    )
    assert "APPROX" not in sql.upper()
    assert_same_rows(expected, actual, ordered=True, rel_tol=1e-12)


def test_a_percentile_is_exact_not_approximate_on_spark(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, tmp_path: Path
) -> None:
    document = yaml.safe_load((ROOT / "metrics.yml").read_text(encoding="utf-8"))
    tickets = next(table for table in document["tables"] if table["name"] == "tickets")
    tickets["measures"].append(
        {
            "name": "first_response_seconds_p90",
            "aggregation": "percentile",
            "percentile": 0.9,
            "expr": "date_diff('second', created_at, first_response_at)",
        }
    )
    document["metrics"].append(
        {
            "name": "first_response_p90",
            "label": "First response time (p90)",
            "description": "The 90th percentile of seconds to the first response.",
            "measure": "first_response_seconds_p90",
        }
    )
    (tmp_path / "metrics.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with_p90 = load_model(tmp_path / "metrics.yml")
    expected, actual, sql = run_both(
        duck,
        spark_demo,
        with_p90,
        metrics=["first_response_p90"],
        dimensions=["channel"],
        time_range="last 30 days",
    )
    assert "PERCENTILE(" in sql and "APPROX" not in sql.upper()
    assert_same_rows(expected, actual, ordered=True, rel_tol=1e-12)


def test_nulls_sort_last_in_ascending_order_on_both_engines(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    # Spark puts NULLs first in ascending order unless told; the compiler tells it.
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["first_response_time"],
        dimensions=["account_name"],
        time_range="last 7 days",
        order_by=[{"field": "first_response_time"}],
        limit=1000,
    )
    values = actual["first_response_time"]
    assert values.isna().any() and not values.isna().iloc[0]
    assert values.isna().iloc[-1]
    assert_same_rows(expected, actual, ordered=True)


def test_snapshots_join_each_period_end_to_the_rows_valid_on_it(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    # A VALUES spine of period ends, joined on started_on <= day < COALESCE(ended_on, 9999-12-31)
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["arr", "active_customers"],
        dimensions=["metric_time:month", "segment"],
        time_range="last 12 months",
    )
    assert len(actual) >= 12
    assert_same_rows(expected, actual, ordered=False)


def test_trailing_windows_add_intervals_of_days_alike(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["tickets_rolling_7d", "bookings_qtd"],
        dimensions=["metric_time:day"],
        time_range="last 30 days",
    )
    assert len(actual) == 30
    assert_same_rows(expected, actual, ordered=True)


def test_a_comparison_shifts_the_range_by_a_year_alike(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["win_rate"],
        dimensions=["source"],
        time_range="this year",
        compare="previous_year",
    )
    assert_same_rows(expected, actual, ordered=True, rel_tol=1e-12)


def test_boolean_dimensions_and_literals_read_alike(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse, model: SemanticModel
) -> None:
    expected, actual, _ = run_both(
        duck,
        spark_demo,
        model,
        metrics=["arr"],
        dimensions=["ai_agent_enabled"],
        filters=[{"field": "ai_agent_enabled", "op": "=", "values": [True]}],
    )
    assert actual["ai_agent_enabled"].tolist() == [True]
    assert_same_rows(expected, actual, ordered=True)


def test_timestamps_are_read_as_utc_wall_clock_time(
    duck: DuckDBWarehouse, spark_demo: SparkWarehouse
) -> None:
    # Spark's session time zone is UTC and DuckDB's TIMESTAMPs arrive as TIMESTAMP_NTZ: the
    # latest ticket is the same instant on both, not shifted by the machine's time zone.
    sources = ["tickets", "subscriptions"]
    latest_duck = duck.run("SELECT 1 AS one", source_tables=sources).freshness
    latest_spark = spark_demo.run("SELECT 1 AS one", source_tables=sources).freshness
    assert latest_spark == latest_duck
    assert latest_spark is not None and latest_spark.date() <= date(2026, 11, 24)
