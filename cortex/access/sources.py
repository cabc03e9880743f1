"""Which warehouse tables a table of metrics.yml reads, and a warehouse table's one name.

A table over a warehouse table reads that table; a table defined by SQL in metrics.yml reads
the tables its SQL names (`arr_movements` reads `subscriptions`), found by parsing the SQL.
`source_key` names a warehouse table as DuckDB resolves it, so two spellings are one table.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from semantic_layer.compile import SOURCE_DIALECT
from semantic_layer.model import Metric, SemanticModel, Table


def measure_tables(model: SemanticModel, metric: Metric) -> list[Table]:
    """The table of a simple or cumulative metric's measure; none for other metrics."""
    if metric.type not in ("simple", "cumulative"):
        return []
    found = model.measure(metric.measure or "")
    return [found[0]] if found is not None else []


def source_key(name: str) -> str:
    """A warehouse table's name as DuckDB resolves it: case-folded, unquoted, without the
    default catalog and schema (`main.Subscriptions` and `subscriptions` are one table)."""
    parts = [part.strip('"').lower() for part in name.split(".")]
    while len(parts) > 1 and parts[0] in ("memory", "main", "temp"):
        parts = parts[1:]
    return ".".join(parts)


def tables_read(table: Table) -> frozenset[str]:
    """The warehouse tables `table` reads: its own, or those its SQL names."""
    if table.sql is None:
        return frozenset({table.source})
    try:
        tree = sqlglot.parse_one(table.sql, read=SOURCE_DIALECT)
    except SqlglotError:
        return frozenset()  # the compiler refuses it too
    return frozenset(".".join(part.name for part in t.parts) for t in tree.find_all(exp.Table))
