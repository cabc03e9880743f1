"""A metric's tables, and a warehouse table's one name.

Which warehouse tables a table of metrics.yml reads (`arr_movements`, defined by SQL, reads
`subscriptions`) the semantic layer says (`semantic_layer.compile.tables_read`), as its
compiler reads them. `source_key` names a warehouse table as DuckDB resolves it, so two
spellings are one table.
"""

from __future__ import annotations

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
