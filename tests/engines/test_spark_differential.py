"""DuckDB and Spark give the same answers to the demo's query set, on the same data.

The set: the verified queries of metrics.yml and, from the eval sets' expected queries, the
first for each combination of metrics (every metric the evals ask about, with its grains,
filters and comparisons as asked). Rows must match within float tolerance, in order only where
the query orders them (by `order_by` or a time grain). CORTEX_DIFFERENTIAL_ALL=1 runs every
distinct expected query instead (about 240; minutes on Spark's local mode).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.warehouse import DuckDBWarehouse
from connectors.warehouse.spark import SparkWarehouse
from cortex.evaluation import load_eval
from semantic_layer import compile_query, load_model
from semantic_layer.errors import SemanticLayerError
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.engines.spark_compare import differences
from tests.engines.spark_session import demo_parquet, needs_java, spark_demo

__all__ = ["demo_parquet", "spark_demo"]  # the fixtures these tests use

pytestmark = needs_java

ROOT = Path(__file__).resolve().parents[2]
MODEL = load_model(ROOT / "metrics.yml")


def _query_set(every: bool) -> list[tuple[str, SemanticQuery]]:
    chosen = [
        (f"verified: {v.question}", SemanticQuery.from_spec(v.query))
        for v in MODEL.verified_queries
    ]
    seen = {query.model_dump_json() for _, query in chosen}
    metric_sets = {query.metrics for _, query in chosen}
    for path in sorted((ROOT / "evals").glob("*.yml")):
        _, cases = load_eval(path)
        for case in cases:
            for turn in case.turns:
                query = turn.query
                if query is None or query.model_dump_json() in seen:
                    continue
                if not every and query.metrics in metric_sets:
                    continue
                if not _compiles(query):  # a query the model refuses, on every engine alike
                    continue
                seen.add(query.model_dump_json())
                metric_sets.add(query.metrics)
                chosen.append((f"{path.stem}: {case.id}", query))
    return chosen


def _compiles(query: SemanticQuery) -> bool:
    try:
        compile_query(query, MODEL, as_of=DEMO_AS_OF)
    except SemanticLayerError:
        return False
    return True


QUERIES = _query_set(os.environ.get("CORTEX_DIFFERENTIAL_ALL") == "1")


@pytest.fixture(scope="module")
def duck(demo_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(demo_path, timeout_seconds=60)


def _ordered(query: SemanticQuery) -> bool:
    return bool(query.order_by) or any(d.startswith("metric_time") for d in query.dimensions)


@pytest.mark.parametrize(("name", "query"), QUERIES, ids=[name for name, _ in QUERIES])
def test_duckdb_and_spark_agree(
    name: str, query: SemanticQuery, duck: DuckDBWarehouse, spark_demo: SparkWarehouse
) -> None:
    on_duck = compile_query(query, MODEL, as_of=DEMO_AS_OF, dialect="duckdb")
    on_spark = compile_query(query, MODEL, as_of=DEMO_AS_OF, dialect="spark")
    expected = duck.run(on_duck.sql).frame
    actual = spark_demo.run(on_spark.sql).frame
    found = differences(expected, actual, ordered=_ordered(query))
    assert not found, f"{name}: {found}\n{on_spark.sql}"
