"""What other layers ask of a model's tables, compiled here rather than parsed or built there.

`tables_read` names the warehouse tables a logical table reads (access rules restrict those);
`distinct_values_query` is the SQL that lists a dimension's values (the value index reads them).
Both read metrics.yml as it is written, DuckDB SQL, and the query is written for the warehouse's
engine, as `compile_query` writes it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import sqlglot

from semantic_layer.compile import DIALECTS, compile_query, distinct_values_query, tables_read
from semantic_layer.errors import UnknownNameError
from semantic_layer.model import Dimension, SemanticModel, Table
from semantic_layer.query import SemanticQuery

#: Tables whose SQL DuckDB, PostgreSQL and Spark each spell differently (a quoted identifier is a
#: string in Spark; PostgreSQL has no IF), and one whose SQL does not parse.
PRICES = SemanticModel(
    tables=(
        Table(
            name="plans",
            primary_key="plan_id",
            dimensions=(Dimension(name="tier", expr="""IF("List Price" >= 100, 'high', 'low')"""),),
        ),
        Table(
            name="priced_plans",
            sql='SELECT plan_id, "List Price" AS price FROM plans WHERE "List Price" IS NOT NULL',
            primary_key="plan_id",
            dimensions=(Dimension(name="price"),),
        ),
        Table(name="broken", sql="SELECT FROM (", primary_key="id"),
    )
)


def distinct(con: duckdb.DuckDBPyConnection, sql: str) -> list[object]:
    return [row[0] for row in con.execute(sql).fetchall()]


# --- the warehouse tables a table reads -----------------------------------------------------


def test_a_warehouse_table_reads_itself(demo_model: SemanticModel) -> None:
    assert tables_read(demo_model, "accounts") == ("accounts",)


def test_a_table_defined_by_sql_reads_the_tables_its_sql_names(demo_model: SemanticModel) -> None:
    assert tables_read(demo_model, "arr_movements") == ("subscriptions",)
    assert tables_read(PRICES, "priced_plans") == ("plans",)


def test_the_tables_read_are_those_a_compiled_query_names(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("net_new_arr",))
    compiled = compile_query(query, demo_model, as_of=date(2026, 3, 31))
    assert compiled.source_tables == tables_read(demo_model, "arr_movements")


def test_a_table_whose_sql_does_not_parse_reads_nothing() -> None:
    assert tables_read(PRICES, "broken") == ()


def test_an_unknown_table_is_refused_with_the_closest_names(demo_model: SemanticModel) -> None:
    with pytest.raises(UnknownNameError, match="Unknown table 'acounts'. Did you mean 'accounts'"):
        tables_read(demo_model, "acounts")


# --- the values of a dimension ---------------------------------------------------------------


def test_the_values_are_distinct_in_order_and_capped_by_the_limit(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    every = distinct_values_query(demo_model, "accounts", "segment", dialect="duckdb", limit=10)
    assert distinct(tiny_con, every) == ["Enterprise", "Mid-Market", "SMB"]
    two = distinct_values_query(demo_model, "accounts", "segment", dialect="duckdb", limit=2)
    assert distinct(tiny_con, two) == ["Enterprise", "Mid-Market"]


def test_null_is_not_a_value(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    sql = distinct_values_query(demo_model, "tickets", "csat_score", dialect="duckdb", limit=10)
    assert distinct(tiny_con, sql) == [2, 3, 4, 5]  # ticket 5 has no CSAT answer


def test_a_dimension_defined_by_an_expression_lists_the_expression_values(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    owners = distinct_values_query(
        demo_model, "accounts", "account_owner", dialect="duckdb", limit=10
    )
    assert distinct(tiny_con, owners) == ["Ana", "Ben"]
    churned = distinct_values_query(
        demo_model, "accounts", "is_churned", dialect="duckdb", limit=10
    )
    assert distinct(tiny_con, churned) == [False, True]


def test_a_dimension_of_a_table_defined_by_sql_lists_the_values_of_its_sql(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    sql = distinct_values_query(demo_model, "arr_movements", "movement", dialect="duckdb", limit=10)
    assert distinct(tiny_con, sql) == ["churn", "contraction", "expansion", "new"]


def test_the_duckdb_sql_of_metrics_yml_runs_on_duckdb() -> None:
    tiers = distinct_values_query(PRICES, "plans", "tier", dialect="duckdb", limit=10)
    prices = distinct_values_query(PRICES, "priced_plans", "price", dialect="duckdb", limit=10)
    with duckdb.connect() as con:
        con.execute('CREATE TABLE plans (plan_id INT, "List Price" INT)')
        con.execute("INSERT INTO plans VALUES (1, 20), (2, 250), (3, NULL), (4, 30)")
        assert distinct(con, tiers) == ["high", "low"]  # NULL >= 100 is not true: IF says low
        assert distinct(con, prices) == [20, 30, 250]


def test_the_query_is_written_for_postgres_not_read_as_postgres() -> None:
    tiers = distinct_values_query(PRICES, "plans", "tier", dialect="postgres", limit=10)
    assert "CASE WHEN" in tiers and "IF(" not in tiers  # PostgreSQL has no IF
    assert '"List Price"' in tiers
    assert sqlglot.parse_one(tiers, read="postgres").find(sqlglot.exp.Distinct) is not None


def test_the_query_is_written_for_spark_not_read_as_spark() -> None:
    # Read as Spark, "List Price" would be a string, and every plan the same tier.
    tiers = distinct_values_query(PRICES, "plans", "tier", dialect="spark", limit=10)
    prices = distinct_values_query(PRICES, "priced_plans", "price", dialect="spark", limit=10)
    for sql in (tiers, prices):
        assert "`List Price`" in sql and '"List Price"' not in sql
        assert sqlglot.parse_one(sql, read="spark") is not None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dimension_of_the_demo_lists_its_values_in_every_dialect(
    demo_model: SemanticModel, dialect: str
) -> None:
    for table in demo_model.tables:
        for dimension in table.dimensions:
            sql = distinct_values_query(
                demo_model, table.name, dimension.name, dialect=dialect, limit=51
            )
            assert sqlglot.parse_one(sql, read=dialect) is not None, sql


def test_an_unknown_dimension_or_dialect_is_refused(demo_model: SemanticModel) -> None:
    with pytest.raises(UnknownNameError, match="Unknown dimension 'segmnt'.*In table 'accounts'"):
        distinct_values_query(demo_model, "accounts", "segmnt", dialect="duckdb", limit=10)
    with pytest.raises(UnknownNameError, match="Unknown dialect 'postgresql'"):
        distinct_values_query(demo_model, "accounts", "segment", dialect="postgresql", limit=10)
