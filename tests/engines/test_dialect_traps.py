"""Dialect traps: where an engine would answer a governed query differently (or not at all),
each pinned by name. Every test runs the compiler's SQL on DuckDB and on the engine and shows
the engine's answer equals DuckDB's; where the naive SQL fails or differs, it shows that too, so
the trap is real. The fixes live in semantic_layer/compile/ (dialects.py and sqlglot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.warehouse import DuckDBWarehouse, Warehouse, WarehouseError
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.engines.differential import ROOT, difference

MODEL = load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def duck(demo_path: Path) -> Warehouse:
    return DuckDBWarehouse(demo_path)


@pytest.fixture()
def postgres(open_engine: dict[str, Warehouse]) -> Warehouse:
    return open_engine["postgres"]


def _both(spec: dict[str, object], duck: Warehouse, other: Warehouse) -> tuple[str, str]:
    query = SemanticQuery.model_validate(spec)
    ours = compile_query(query, MODEL, as_of=DEMO_AS_OF, dialect=other.dialect).sql
    theirs = compile_query(query, MODEL, as_of=DEMO_AS_OF, dialect=duck.dialect).sql
    found = difference(duck.run(theirs).frame, other.run(ours).frame, ordered=False)
    return ours, found


def test_full_join_on_null_safe_keys_is_hash_joinable_on_postgres(
    duck: Warehouse, postgres: Warehouse
) -> None:
    # Two groups (tickets, subscriptions) merged on a dimension with a FULL JOIN.
    sql, found = _both({"metrics": ["ticket_volume", "expansion_arr"], "dimensions":
                        ["account_name"]}, duck, postgres)  # fmt: skip
    assert found == ""
    assert "FULL JOIN" in sql and "IS NOT DISTINCT FROM" not in sql
    with pytest.raises(WarehouseError, match="hash-joinable"):  # what the naive SQL gets
        postgres.run(
            "SELECT * FROM (VALUES ('a'), (NULL)) AS x(k) FULL JOIN (VALUES ('a'), (NULL)) "
            "AS y(k) ON x.k IS NOT DISTINCT FROM y.k"
        )


def test_null_safe_keys_still_match_null_with_null_and_never_with_empty_text(
    postgres: Warehouse,
) -> None:
    from sqlglot import parse_one

    from semantic_layer.compile.dialects import for_dialect

    naive = (
        "SELECT x.k AS a, y.k AS b FROM (VALUES ('a'), (NULL), ('')) AS x(k) "
        "FULL JOIN (VALUES ('a'), (NULL)) AS y(k) ON x.k IS NOT DISTINCT FROM y.k"
    )
    sql = for_dialect(parse_one(naive, read="duckdb"), "postgres").sql("postgres")
    rows = postgres.run(sql).frame.astype(object).where(lambda f: f.notna(), None)
    pairs = sorted((tuple(row) for row in rows.itertuples(index=False)), key=repr)
    assert pairs == sorted([("a", "a"), (None, None), ("", None)], key=repr)


def test_week_starts_on_monday_on_every_engine(duck: Warehouse, postgres: Warehouse) -> None:
    _, found = _both({"metrics": ["ticket_volume"], "dimensions": ["metric_time:week"],
                      "time_range": "last 8 weeks"}, duck, postgres)  # fmt: skip
    assert found == ""
    weeks = postgres.run(
        compile_query(
            SemanticQuery.model_validate(
                {
                    "metrics": ["ticket_volume"],
                    "dimensions": ["metric_time:week"],
                    "time_range": "last 8 weeks",
                }  # fmt: skip
            ),
            MODEL,
            as_of=DEMO_AS_OF,
            dialect="postgres",
        ).sql
    ).frame["metric_time__week"]
    assert {day.weekday() for day in weeks} == {0}


def test_a_ratio_of_counts_is_not_integer_division(duck: Warehouse, postgres: Warehouse) -> None:
    # PostgreSQL divides integers as integers (7 / 2 = 3); a ratio of two counts must not.
    assert postgres.run("SELECT 7 / 2 AS naive").frame["naive"].tolist() == [3]
    _, found = _both({"metrics": ["ai_automation_rate"], "dimensions": ["channel"]}, duck, postgres)
    assert found == ""
    query = SemanticQuery.model_validate({"metrics": ["ai_automation_rate"]})
    sql = compile_query(query, MODEL, as_of=DEMO_AS_OF, dialect="postgres").sql
    rate = postgres.run(sql).frame["ai_automation_rate"].iloc[0]
    assert 0 < rate < 1


def test_medians_agree_across_engines(duck: Warehouse, postgres: Warehouse) -> None:
    median = next(m.name for m in MODEL.metrics if "median" in m.name or "time" in m.name)
    _, found = _both({"metrics": [median], "dimensions": ["channel"]}, duck, postgres)
    assert found == ""


def test_month_truncation_and_snapshot_days_agree(duck: Warehouse, postgres: Warehouse) -> None:
    _, found = _both({"metrics": ["arr"], "dimensions": ["metric_time:month"],
                      "time_range": "last 12 months"}, duck, postgres)  # fmt: skip
    assert found == ""
