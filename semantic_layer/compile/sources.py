"""A model table as SQL: what FROM reads, the warehouse tables behind it, a dimension's values.

A logical table is a warehouse table or a query (`sql:` in metrics.yml, DuckDB SQL). The
compiler reads it through `table_source`; other layers ask here which warehouse tables it reads
(`tables_read`) and for the SQL that lists a dimension's values (`distinct_values_query`),
rather than parse or build SQL themselves.
"""

from __future__ import annotations

from typing import Final

from sqlglot import exp
from sqlglot.errors import SqlglotError

from semantic_layer.compile.sql import check_dialect, parse, parsed, qualify, render, table_ref
from semantic_layer.errors import UnknownNameError
from semantic_layer.model import SemanticModel, Table

#: Marks a table's `(sql)` in the compiled tree, for `prune_derived_columns`.
DERIVED: Final = "derived_table"
#: What makes rows in a SELECT list (or may: a function sqlglot does not know), so dropping it
#: would change how many rows a table has.
_ROW_MAKERS: Final = (exp.UDTF, exp.GenerateSeries, exp.ExplodeOuter, exp.Stack, exp.Anonymous)


def table_source(table: Table) -> exp.Expr:
    """A model table in FROM or JOIN, aliased by its name: the warehouse table, or `(sql)`."""
    if table.sql:
        alias = exp.TableAlias(this=exp.to_identifier(table.name))
        subquery = exp.Subquery(this=parse(table.sql), alias=alias)
        subquery.meta[DERIVED] = True
        return subquery
    return table_ref(table.source, table.name)


def prune_derived_columns(tree: exp.Expr) -> exp.Expr:
    """`tree` with the columns no one reads dropped from its tables' `(sql)`: a query over a
    table defined by SQL reads a few of its columns, and an engine that computes the others
    (a string built per row, say) loses time on them (bench/RESULTS.md). Only what is sure to
    mean the same is pruned: a SELECT without DISTINCT or `*`, or a UNION ALL of such SELECTs,
    whose dropped columns nothing else in it names (a later column, WHERE, ORDER BY, ...), that
    groups and orders by no position or ALL, and whose dropped columns neither aggregate an
    ungrouped SELECT nor make rows (UNNEST, explode, an unknown function); a column is kept
    when the query names it qualified by the table's alias or unqualified anywhere."""
    subqueries = [s for s in tree.find_all(exp.Subquery) if s.meta.get(DERIVED)]
    if not subqueries:
        return tree
    inside = {id(node) for s in subqueries for node in s.this.walk()}
    outside = [s for s in tree.find_all(exp.Select) if id(s) not in inside]
    if any(p.is_star for select in outside for p in select.expressions):
        return tree  # `SELECT *` or `d.*` reads every column
    read: dict[str, set[str]] = {}
    bare: set[str] = set()
    for column in tree.find_all(exp.Column):
        if id(column) in inside:
            continue
        if column.table:
            read.setdefault(column.table, set()).add(column.name)
        else:
            bare.add(column.name)
    for subquery in subqueries:
        wanted = read.get(subquery.alias, set()) | bare
        _prune(subquery.this, wanted)
    return tree


def _prune(query: exp.Expr, wanted: set[str]) -> None:
    branches = _branches(query)
    if branches is None:
        return
    names = [p.alias_or_name for p in branches[0].expressions]
    keep = [i for i, name in enumerate(names) if name in wanted]
    if not keep or len(keep) == len(names):
        return
    for select in branches:
        dropped = [p for i, p in enumerate(select.expressions) if i not in keep]
        inside_dropped = {id(node) for p in dropped for node in p.walk()}
        named_elsewhere = {
            c.name for c in select.find_all(exp.Column) if id(c) not in inside_dropped
        }
        grouped = select.args.get("group") is not None
        if {p.alias_or_name for p in dropped} & named_elsewhere or any(
            p.find(*_ROW_MAKERS) or (not grouped and p.find(exp.AggFunc)) for p in dropped
        ):
            return
    for select in branches:
        select.set("expressions", [p for i, p in enumerate(select.expressions) if i in keep])


def _branches(query: exp.Expr) -> list[exp.Select] | None:
    """The SELECTs a query's columns come from, when each can lose columns safely."""
    if isinstance(query, exp.Union) and not query.args.get("distinct"):
        left, right = _branches(query.this), _branches(query.expression)
        return None if left is None or right is None else left + right
    if not isinstance(query, exp.Select) or query.args.get("distinct"):
        return None
    if any(isinstance(p.unalias(), exp.Star) or p.is_star for p in query.expressions):
        return None
    group, order = query.args.get("group"), query.args.get("order")
    keys = [
        *(group.expressions if group else []),
        *(o.this for o in (order.expressions if order else [])),
    ]
    if (group and group.args.get("all")) or any(_positional(key) for key in keys):
        return None  # GROUP BY 1, ORDER BY ALL: a dropped column would move what they mean
    return [query]


def _positional(key: exp.Expr) -> bool:
    """Whether a GROUP BY or ORDER BY key names columns by place: a number, or ALL."""
    if isinstance(key, exp.Literal):
        return not key.is_string
    bare = isinstance(key, exp.Var) or (isinstance(key, exp.Column) and not key.table)
    return bare and key.name.upper() == "ALL"


def warehouse_tables(table: Table) -> tuple[str, ...]:
    """The warehouse tables `table` reads: its own, or those its `sql` names, in order.

    Raises sqlglot's ParseError when its `sql` does not parse.
    """
    if table.sql is None:
        return (table.source,)
    named = parsed(table.sql).find_all(exp.Table)
    return tuple(dict.fromkeys(".".join(part.name for part in t.parts) for t in named))


def tables_read(model: SemanticModel, table_name: str) -> tuple[str, ...]:
    """The warehouse tables the logical table `table_name` reads, as a compiled query names them
    in its `source_tables`: its own warehouse table, or those its `sql` names.

    Empty when its `sql` does not parse (`cortex check` reports that, and no query over the
    table compiles). Raises UnknownNameError for a table the model lacks.
    """
    table = _table(model, table_name)
    try:
        return warehouse_tables(table)
    except SqlglotError:
        return ()


def distinct_values_query(
    model: SemanticModel, table_name: str, dimension_name: str, *, dialect: str, limit: int
) -> str:
    """SQL for `dialect` listing the values of a dimension of a logical table: the distinct
    non-null values of the dimension's expression over the table's source, in order, at most
    `limit` of them, in one column called `value`.

    The expression and the table's `sql` are read as metrics.yml is written and written for
    `dialect`, as `compile_query` writes them. Raises UnknownNameError for a table, dimension or
    dialect the model or the compiler lacks.
    """
    check_dialect(dialect)
    table = _table(model, table_name)
    dimension = next((d for d in table.dimensions if d.name == dimension_name), None)
    if dimension is None:
        names = [d.name for d in table.dimensions]
        raise UnknownNameError("dimension", dimension_name, names, f"In table '{table.name}'.")
    value = qualify(dimension.sql, table.name)
    if not isinstance(value, exp.Column):
        value = exp.paren(value, copy=False)  # `a IS NOT NULL` must stay one operand of IS
    query = (
        exp.select(exp.alias_(value.copy(), "value", copy=False))
        .distinct()
        .from_(table_source(table))
        .where(exp.not_(exp.Is(this=value, expression=exp.Null()), copy=False))
        .order_by(exp.Ordered(this=exp.Literal.number(1)))
        .limit(limit)
    )
    return render(query, dialect)


def _table(model: SemanticModel, name: str) -> Table:
    table = model.table(name)
    if table is None:
        raise UnknownNameError("table", name, [t.name for t in model.tables])
    return table
