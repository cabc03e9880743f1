"""Rule a: every SQL string of metrics.yml parses as DuckDB SQL.

That is every expression and filter, the snapshot bounds, each table's `sql`, and the `where` of
named filters and verified queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from semantic_layer.errors import Issue
from semantic_layer.model import (
    Location,
    SemanticModel,
)
from semantic_layer.rules.context import (
    RuleContext,
    issue_at,
    parse_sql,
    table_path,
)


@dataclass(frozen=True)
class _Sql:
    location: Location
    path: str
    what: str
    text: str
    query: bool = False


def _sql_strings(model: SemanticModel) -> Iterator[_Sql]:
    for table in model.tables:
        if table.sql is not None:
            yield _Sql(table.location, table_path(table), "sql", table.sql, query=True)
        for dim in table.dimensions:
            if dim.expr is not None:
                yield _Sql(dim.location, table_path(table, dim), "expr", dim.expr)
        for measure in table.measures:
            path = table_path(table, measure)
            if measure.expr is not None:
                yield _Sql(measure.location, path, "expr", measure.expr)
            if measure.filter is not None:
                yield _Sql(measure.location, path, "filter", measure.filter)
            if measure.snapshot is not None:
                snap = measure.snapshot
                yield _Sql(snap.location, path, "snapshot valid_from", snap.valid_from)
                yield _Sql(snap.location, path, "snapshot valid_to", snap.valid_to)
    for metric in model.metrics:
        if metric.expr is not None:
            yield _Sql(metric.location, f"metric '{metric.name}'", "expr", metric.expr)
        if metric.filter is not None:
            yield _Sql(metric.location, f"metric '{metric.name}'", "filter", metric.filter)
    for named in model.filters:
        yield _Sql(named.location, f"filter '{named.name}'", "where", named.where)
    for verified in model.verified_queries:
        for where in verified.query.where:
            path = f"verified query '{verified.question}'"
            yield _Sql(verified.query.location, path, "where", where)


def check_sql_parses(context: RuleContext) -> Iterator[Issue]:
    """a. Every SQL string (expressions, filters, snapshot bounds, table `sql`) parses."""
    for sql in _sql_strings(context.model):
        parsed = parse_sql(sql.text, query=sql.query)
        if isinstance(parsed, str):
            yield issue_at(
                sql.location,
                sql.path,
                f"{sql.what} `{sql.text}` is not valid DuckDB SQL: {parsed}.",
            )
