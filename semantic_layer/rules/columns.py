"""Rule b: the columns metrics.yml refers to exist in the warehouse (when its columns are given)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from semantic_layer.errors import Issue
from semantic_layer.model import (
    Location,
    Table,
)
from semantic_layer.rules.context import (
    RuleContext,
    columns_in,
    hint_for,
    issue_at,
    table_path,
)


def _table_columns(table: Table, columns: Mapping[str, Collection[str]]) -> dict[str, str] | None:
    """Its source table's columns (lowercased -> as spelled); None when not in the warehouse."""
    by_lower = {name.lower(): cols for name, cols in columns.items()}
    found = by_lower.get(table.source.lower())
    return None if found is None else {col.lower(): col for col in found}


def _column_refs(table: Table) -> Iterator[tuple[Location, str, str, str]]:
    """(location, path, what, column) for every column a table's definitions reference."""
    yield table.location, table_path(table), "primary_key", table.primary_key
    if table.freshness:
        yield table.location, table_path(table), "freshness", table.freshness
    for dim in table.dimensions:
        for col in columns_in(dim.sql):
            yield dim.location, table_path(table, dim), "expr", col.name
    for measure in table.measures:
        path = table_path(table, measure)
        if measure.expr is not None or measure.aggregation != "count":
            for col in columns_in(measure.sql):
                yield measure.location, path, "expr", col.name
        for col in columns_in(measure.filter or ""):
            yield measure.location, path, "filter", col.name
        if measure.snapshot is not None:
            snap = measure.snapshot
            for what, bound in (("valid_from", snap.valid_from), ("valid_to", snap.valid_to)):
                for col in columns_in(bound):
                    yield snap.location, path, f"snapshot {what}", col.name


def check_columns_exist(context: RuleContext) -> Iterator[Issue]:
    """b. Columns referenced by tables and relationships exist in their warehouse tables."""
    warehouse = context.warehouse_columns
    if warehouse is None:
        return
    known: dict[str, dict[str, str]] = {}
    for table in context.model.tables:
        if table.sql is not None:
            continue
        columns = _table_columns(table, warehouse)
        if columns is None:
            yield issue_at(
                table.location,
                table_path(table),
                f"warehouse table '{table.source}' not found.",
                hint_for(table.source, warehouse) or "Set `table:` to the warehouse table's name.",
            )
            continue
        known[table.name] = columns
        for location, path, what, column in _column_refs(table):
            if column.lower() not in columns:
                yield issue_at(
                    location,
                    path,
                    f"{what} refers to column '{column}', which is not in warehouse table "
                    f"'{table.source}'.",
                    hint_for(column, columns.values()),
                )
    for rel in context.model.relationships:
        for table_name, side in ((rel.from_table, 0), (rel.to_table, 1)):
            columns = known.get(table_name)
            if columns is None:
                continue
            for pair in rel.keys.items():
                if pair[side].lower() not in columns:
                    source = context.model.table(table_name)
                    yield issue_at(
                        rel.location,
                        f"relationship '{rel.label}'",
                        f"key column '{pair[side]}' is not in warehouse table "
                        f"'{source.source if source else table_name}'.",
                        hint_for(pair[side], columns.values()),
                    )
