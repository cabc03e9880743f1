"""The compiler's small builders of sqlglot trees, and the engines it writes SQL for.

Every model expression is parsed here, once (cached), in the dialect analysts write metrics.yml
in; every other piece of SQL is built as a tree without parsing, and rendered for one engine
only at the end (`render`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from semantic_layer.compile.dialects import for_dialect
from semantic_layer.errors import UnknownNameError
from semantic_layer.expressions import SOURCE_DIALECT
from semantic_layer.model import Grain
from semantic_layer.query import FilterValue

#: The engines the compiler writes SQL for.
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark", "trino")


def check_dialect(dialect: str) -> None:
    """Raise UnknownNameError (with suggestions) unless `dialect` is one of `DIALECTS`."""
    if dialect not in DIALECTS:
        raise UnknownNameError("dialect", dialect, DIALECTS)


def render(tree: exp.Expr, dialect: str) -> str:
    """`tree` as pretty SQL for `dialect` (the tree is used up, not copied)."""
    return Dialect.get_or_raise(dialect).generate(
        for_dialect(tree, dialect), copy=False, pretty=True
    )


@lru_cache(maxsize=16)
def counts_conditions(dialect: str) -> bool:
    """Whether `COUNT_IF(cond)` is a count on `dialect` (0 over no rows), not a SUM of a CASE
    (NULL over no rows, as sqlglot writes it for PostgreSQL)."""
    written = render(exp.CountIf(this=exp.column("x")), dialect).upper()
    return not written.startswith("SUM")


@lru_cache(maxsize=4096)
def parsed(sql: str) -> exp.Expr:
    """`sql`, a model expression or query, parsed (shared: never modify it; see `parse`)."""
    return sqlglot.parse_one(sql, read=SOURCE_DIALECT)


def parse(sql: str) -> exp.Expr:
    """`sql` parsed, a tree of its own to modify."""
    return parsed(sql).copy()


def qualify(sql: str, alias: str) -> exp.Expr:
    """`sql` (over one table's columns) with every unqualified column prefixed by `alias`."""
    tree = parse(sql)
    for column in tree.find_all(exp.Column):
        if not column.table:
            column.set("table", exp.to_identifier(alias))
    return tree


def date_literal(day: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE, copy=False)


def literal(value: FilterValue) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, date):
        return date_literal(value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def and_all(parts: Iterable[exp.Expr]) -> exp.Expr | None:
    items = list(parts)
    return exp.and_(*items, copy=False) if items else None


def null_safe_eq(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return exp.NullSafeEQ(this=left, expression=right)


def truncate_to(value: exp.Expr, grain: Grain) -> exp.Expr:
    if grain == "day":
        return exp.cast(value, exp.DataType.Type.DATE, copy=False)
    truncated = exp.func("DATE_TRUNC", exp.Literal.string(grain.upper()), value, copy=False)
    return exp.cast(truncated, exp.DataType.Type.DATE, copy=False)


def add_months(value: exp.Expr, months: int, days: int) -> exp.Expr:
    unit, amount = ("DAY", days) if days else ("MONTH", months)
    interval = exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit))
    return exp.cast(exp.Add(this=value, expression=interval), exp.DataType.Type.DATE, copy=False)


def table_ref(name: str, alias: str | None = None) -> exp.Table:
    """A table reference `schema.name AS alias`, built without parsing."""
    *schema, table_name = name.split(".")
    table = exp.Table(this=exp.to_identifier(table_name))
    if schema:
        table.set("db", exp.to_identifier(schema[-1]))
    if alias is not None:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


JoinKind = Literal["inner", "left", "full", "cross"]


def add_join(select: exp.Select, source: exp.Expr, on: exp.Expr | None, kind: JoinKind) -> None:
    """Append `kind JOIN source ON on` to `select`, built without parsing."""
    join = exp.Join(this=source)
    if on is not None:
        join.set("on", on)
    if kind in ("left", "full"):
        join.set("side", kind.upper())
    else:
        join.set("kind", kind.upper())
    select.append("joins", join)
