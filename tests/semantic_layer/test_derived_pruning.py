"""A table defined by SQL loses the columns a query does not read, and only where that is sure to
mean the same rows (`semantic_layer.compile.sources.prune_derived_columns`)."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from semantic_layer.compile.sources import DERIVED, prune_derived_columns


def outer(inner_sql: str, *select: str) -> exp.Expr:
    """`SELECT <select...> FROM (<inner_sql>) AS d`, the subquery marked as a model table's SQL."""
    subquery = exp.Subquery(
        this=sqlglot.parse_one(inner_sql, read="duckdb"),
        alias=exp.TableAlias(this=exp.to_identifier("d")),
    )
    subquery.meta[DERIVED] = True
    return exp.select(*(select or ("SUM(d.amount) AS total",))).from_(subquery)


def inner_columns(tree: exp.Expr) -> list[str]:
    subquery = tree.find(exp.Subquery)
    assert subquery is not None
    query = subquery.this
    first = query.this if isinstance(query, exp.Union) else query
    while isinstance(first, exp.Union):
        first = first.this
    return [p.alias_or_name for p in first.expressions]


ROWS = "(VALUES (1, 'a', 10.0), (2, 'b', 20.0), (2, 'b', 20.0)) AS t(id, kind, amount)"


def test_columns_no_one_reads_are_dropped_from_a_select_and_from_every_union_branch() -> None:
    tree = outer(
        f"SELECT id || '-x' AS label, kind, amount FROM {ROWS} "
        f"UNION ALL SELECT id || '-y' AS label, 'z' AS kind, -amount AS amount FROM {ROWS}"
    )
    before = tree.sql("duckdb")
    pruned = prune_derived_columns(tree)
    assert inner_columns(pruned) == ["amount"]
    assert duckdb.sql(pruned.sql("duckdb")).fetchall() == duckdb.sql(before).fetchall()


@pytest.mark.parametrize(
    "inner_sql",
    [
        f"SELECT DISTINCT id, kind, amount FROM {ROWS}",
        f"SELECT id, kind, amount FROM {ROWS} UNION SELECT id, kind, amount FROM {ROWS}",
        f"SELECT *, id AS extra FROM {ROWS}",
        f"SELECT id AS ident, kind, amount FROM {ROWS} ORDER BY ident",
        f"SELECT id * 10 AS big, big + amount AS amount FROM {ROWS}",
        f"SELECT kind, id, SUM(amount) AS amount FROM {ROWS} GROUP BY 1, 2",
        f"SELECT kind, id, SUM(amount) AS amount FROM {ROWS} GROUP BY ALL",
        f"SELECT kind, id, amount FROM {ROWS} ORDER BY ALL",
        f"SELECT COUNT(*) AS n, 1.0 AS amount FROM {ROWS}",
        f"SELECT UNNEST([id, id]) AS copy, amount FROM {ROWS}",
        f"SELECT generate_series(1, id) AS copy, amount FROM {ROWS}",
        f"SELECT some_table_function(id) AS copy, amount FROM {ROWS}",
    ],
    ids=[
        "DISTINCT",
        "UNION without ALL",
        "a star",
        "a dropped alias named inside",
        "a dropped alias named by a later column",
        "GROUP BY position",
        "GROUP BY ALL",
        "ORDER BY ALL",
        "an aggregate without GROUP BY",
        "UNNEST",
        "generate_series",
        "a function sqlglot does not know",
    ],
)
def test_a_table_whose_rows_could_change_keeps_every_column(inner_sql: str) -> None:
    tree = outer(inner_sql)
    columns = inner_columns(tree)
    assert inner_columns(prune_derived_columns(tree)) == columns


def test_a_column_named_unqualified_anywhere_is_kept() -> None:
    tree = outer(f"SELECT id, kind, amount FROM {ROWS}", "SUM(d.amount) AS total", "kind")
    assert inner_columns(prune_derived_columns(tree)) == ["kind", "amount"]


def test_a_subquery_the_compiler_built_is_left_alone() -> None:
    tree = exp.select("SUM(d.amount)").from_(
        exp.Subquery(
            this=sqlglot.parse_one(f"SELECT id, amount FROM {ROWS}"),
            alias=exp.TableAlias(this=exp.to_identifier("d")),
        )
    )
    assert inner_columns(prune_derived_columns(tree)) == ["id", "amount"]


@pytest.mark.parametrize("select", ["*", "d.*"])
def test_a_query_reading_every_column_keeps_every_column(select: str) -> None:
    tree = outer(f"SELECT id, kind, amount FROM {ROWS}", select)
    assert inner_columns(prune_derived_columns(tree)) == ["id", "kind", "amount"]


def test_a_dropped_aggregate_of_a_grouped_select_keeps_its_rows() -> None:
    tree = outer(
        f"SELECT kind AS k, COUNT(*) AS n, SUM(amount) AS amount FROM {ROWS} GROUP BY kind"
    )
    before = tree.sql("duckdb")
    pruned = prune_derived_columns(tree)
    assert inner_columns(pruned) == ["amount"]
    assert duckdb.sql(pruned.sql("duckdb")).fetchall() == duckdb.sql(before).fetchall()
