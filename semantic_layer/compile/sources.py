"""A model table as SQL: what FROM reads, and the warehouse tables behind it.

A logical table is a warehouse table or a query (`sql:` in metrics.yml, DuckDB SQL).
"""

from __future__ import annotations

from sqlglot import exp

from semantic_layer.compile.sql import parse, parsed, table_ref
from semantic_layer.model import Table


def table_source(table: Table) -> exp.Expr:
    """A model table in FROM or JOIN, aliased by its name: the warehouse table, or `(sql)`."""
    if table.sql:
        alias = exp.TableAlias(this=exp.to_identifier(table.name))
        return exp.Subquery(this=parse(table.sql), alias=alias)
    return table_ref(table.source, table.name)


def warehouse_tables(table: Table) -> tuple[str, ...]:
    """The warehouse tables `table` reads: its own, or those its `sql` names, in order.

    Raises sqlglot's ParseError when its `sql` does not parse.
    """
    if table.sql is None:
        return (table.source,)
    named = parsed(table.sql).find_all(exp.Table)
    return tuple(dict.fromkeys(".".join(part.name for part in t.parts) for t in named))
