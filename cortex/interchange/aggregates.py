"""Aggregate SQL expressions (`SUM(amount)`, `COUNT(DISTINCT ticket_id)`) to and from Cortex
measures: what the Snowflake and OSI formats write metrics as."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from semantic_layer.model import Measure

_SIMPLE: dict[type[Any], str] = {
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
    exp.Median: "median",
}
_WRITTEN = {"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX", "median": "MEDIAN"}


@dataclass(frozen=True)
class Aggregate:
    """One aggregation read from SQL: what it computes over which row-level expression."""

    aggregation: str
    expr: str | None
    percentile: float | None = None


def measure_sql(measure: Measure, columns: Mapping[str, str] | None = None) -> str:
    """The aggregate SQL computing `measure` (its filter folded in as a CASE)."""
    inner = measure.expr or ("1" if measure.aggregation == "count" else measure.name)
    if measure.filter is not None:
        inner = f"CASE WHEN {measure.filter} THEN {inner} END"
    if columns:
        inner = qualify(inner, columns)
    if measure.aggregation == "count":
        return f"COUNT({inner})"
    if measure.aggregation == "count_distinct":
        return f"COUNT(DISTINCT {inner})"
    if measure.aggregation == "percentile":
        return f"PERCENTILE_CONT({measure.percentile}) WITHIN GROUP (ORDER BY {inner})"
    return f"{_WRITTEN[measure.aggregation]}({inner})"


def qualify(sql: str, columns: Mapping[str, str]) -> str:
    """`sql` with each column renamed as `columns` says (unnamed ones kept)."""
    tree = sqlglot.parse_one(sql, read="duckdb")

    def swap(node: Any) -> Any:
        if isinstance(node, exp.Column) and not node.table and node.name in columns:
            return sqlglot.parse_one(columns[node.name], read="duckdb")
        return node

    return str(tree.transform(swap).sql(dialect="duckdb"))


def read_aggregate(sql: str, dialect: str, columns: Mapping[str, str]) -> Aggregate | None:
    """The aggregation `sql` computes, with each column renamed by `columns` (facts and
    dimensions to their row-level SQL, `table.column` to `column`); None if it is not one
    aggregate over row-level SQL."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return None
    percentile: float | None = None
    if isinstance(tree, exp.WithinGroup) and isinstance(tree.this, exp.PercentileCont):
        order = tree.expression
        inner_node = order.expressions[0].this if isinstance(order, exp.Order) else None
        fraction = tree.this.this
        if inner_node is None or not isinstance(fraction, exp.Literal):
            return None
        aggregation, inner, percentile = "percentile", inner_node, float(fraction.this)
    elif isinstance(tree, exp.Count):
        inner = tree.this
        if isinstance(inner, exp.Distinct):
            aggregation, inner = "count_distinct", inner.expressions[0]
        else:
            aggregation = "count"
    elif type(tree) in _SIMPLE:
        aggregation, inner = _SIMPLE[type(tree)], tree.this
    else:
        return None
    if inner is None or inner.find(exp.AggFunc) is not None:
        return None

    def swap(node: Any) -> Any:
        if isinstance(node, exp.Column):
            key = node.name
            if key in columns:
                return sqlglot.parse_one(columns[key], read="duckdb")
            return exp.column(key)
        return node

    text = inner.transform(swap).sql(dialect="duckdb")
    if aggregation == "count" and text in ("1", "*"):
        return Aggregate("count", None)
    return Aggregate(aggregation, text, percentile)
