"""Rule c: a table's and a measure's `time_dimension` name a `type: time` dimension of it."""

from __future__ import annotations

from collections.abc import Iterator

from semantic_layer.errors import Issue
from semantic_layer.model import (
    Location,
    Table,
)
from semantic_layer.rules.context import (
    RuleContext,
    hint_for,
    issue_at,
    table_path,
)


def _time_dimension_issue(
    table: Table, name: str, location: Location, path: str, unloaded: frozenset[str]
) -> Issue | None:
    dim = next((d for d in table.dimensions if d.name == name), None)
    times = [d.name for d in table.dimensions if d.type == "time"]
    if dim is None and name in unloaded:
        return None
    if dim is None:
        return issue_at(
            location,
            path,
            f"time_dimension '{name}' is not a dimension of table '{table.name}'.",
            hint_for(name, times) or f"Its time dimensions: {', '.join(times) or 'none'}.",
        )
    if dim.type != "time":
        return issue_at(
            location,
            path,
            f"time_dimension '{name}' is a {dim.type} dimension, not a time dimension.",
            f"Set `type: time` on dimension '{name}' or name one of: {', '.join(times) or 'none'}.",
        )
    return None


def check_time_dimensions(context: RuleContext) -> Iterator[Issue]:
    """c. A table's and a measure's time_dimension name a `type: time` dimension of the table."""
    for table in context.model.tables:
        named = [(table.time_dimension, table.location, table_path(table))]
        for measure in table.measures:
            named.append((measure.time_dimension, measure.location, table_path(table, measure)))
        for name, location, path in named:
            if name is not None:
                issue = _time_dimension_issue(table, name, location, path, context.unloaded)
                if issue is not None:
                    yield issue
