"""Rule e: filters and verified queries name dimensions, metrics and filters that exist and
are reachable from where they apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlglot import exp

from semantic_layer.errors import Issue, suggest
from semantic_layer.model import (
    GRAINS,
    METRIC_TIME,
    Location,
    Metric,
    SemanticModel,
)
from semantic_layer.rules.context import (
    RuleContext,
    columns_in,
    hint_for,
    issue_at,
)
from semantic_layer.rules.metrics import metric_refs


def _base_tables(model: SemanticModel, metric: Metric, seen: frozenset[str]) -> set[str]:
    """The tables of the measures a metric is built from, through ratios and derived metrics."""
    if metric.measure is not None and metric.type in ("simple", "cumulative"):
        found = model.measure(metric.measure)
        return {found[0].name} if found else set()
    tables: set[str] = set()
    for _, name in metric_refs(metric):
        ref = model.metric(name)
        if ref is not None and name not in seen:
            tables |= _base_tables(model, ref, seen | {name})
    return tables


def _dimension_ref_issue(
    context: RuleContext, column: exp.Column, tables: list[str], where: str
) -> str | None:
    """Why a filter's column reference is not a dimension of `tables` (None when it is)."""
    name, qualifier = column.name, column.table
    if name == METRIC_TIME and not qualifier:
        return None
    available = context.dimensions(tables)
    if qualifier:
        if qualifier in tables and qualifier in available.get(name, []):
            return None
        return f"'{qualifier}.{name}', which is not a dimension {where}"
    if name in available or name in context.unloaded:
        return None
    return f"'{name}', which is not a dimension {where}"


def _qualified_hint(table: str, name: str, available: Mapping[str, list[str]]) -> str:
    """The "Did you mean" for `table.name`: that dimension of other tables, else of `table`."""
    found = [f"{owner}.{name}" for owner in available.get(name, [])]
    if not found:
        own = [dim for dim, owners in available.items() if table in owners]
        found = [f"{table}.{dim}" for dim in suggest(name, own)]
    return "Did you mean " + " or ".join(f"'{f}'" for f in found) + "?" if found else ""


def _filter_issues(
    context: RuleContext,
    sql: str,
    tables: list[str],
    where: str,
    location: Location,
    path: str,
    what: str,
) -> Iterator[Issue]:
    available = context.dimensions(tables)
    everywhere = context.dimensions(t.name for t in context.model.tables)
    for column in columns_in(sql):
        problem = _dimension_ref_issue(context, column, tables, where)
        if problem is None:
            continue
        if column.table:
            hint = _qualified_hint(column.table, column.name, available)
        else:
            hint = hint_for(column.name, [*available, METRIC_TIME])
        owners = everywhere.get(column.name, [])
        if not hint and owners:
            hint = f"It is a dimension of {', '.join(repr(t) for t in owners)}, not joined here."
        elif not hint:
            hint = "Filters use dimension names, not column names."
        yield issue_at(location, path, f"{what} refers to {problem}.", hint)


def check_filter_names(context: RuleContext) -> Iterator[Issue]:
    """e. Metric filters name dimensions reachable from the metric; named filters, some table's."""
    model = context.model
    every_table = [table.name for table in model.tables]
    for metric in model.metrics:
        if metric.filter is None:
            continue
        bases = sorted(_base_tables(model, metric, frozenset({metric.name})))
        if not bases:
            continue
        reachable = [
            t
            for t in context.reachable(bases[0])
            if all(t in context.reachable(other) for other in bases[1:])
        ]
        where = (
            f"reachable from table '{bases[0]}'"
            if len(bases) == 1
            else (f"reachable from all of tables {', '.join(repr(b) for b in bases)}")
        )
        yield from _filter_issues(
            context,
            metric.filter,
            reachable,
            where,
            metric.location,
            f"metric '{metric.name}'",
            "filter",
        )
    for named in model.filters:
        yield from _filter_issues(
            context,
            named.where,
            every_table,
            "of any table",
            named.location,
            f"filter '{named.name}'",
            "where",
        )


def _dimension_problem(context: RuleContext, written: str) -> tuple[str, str] | None:
    """Why a verified query's dimension (`name`, `table.name`, `name:grain`) is not valid."""
    model = context.model
    name, _, grain = written.partition(":")
    qualifier, _, bare = name.rpartition(".")
    if grain and grain not in GRAINS:
        hint = hint_for(grain, GRAINS) or f"Grains: {', '.join(GRAINS)}."
        return f"dimension '{written}' has an unknown grain '{grain}'.", hint
    if bare == METRIC_TIME and not qualifier:
        return None
    tables = [model.table(qualifier)] if qualifier else list(model.tables)
    found = [d for t in tables if t is not None for d in t.dimensions if d.name == bare]
    if not found:
        if bare in context.unloaded or qualifier in context.unloaded:
            return None
        if qualifier:
            hint = _qualified_hint(
                qualifier, bare, context.dimensions(t.name for t in model.tables)
            )
            return f"dimension '{written}' does not exist.", hint
        names = [d.name for t in model.tables for d in t.dimensions]
        return f"dimension '{written}' does not exist.", hint_for(bare, [*names, METRIC_TIME])
    if grain and all(d.type != "time" for d in found):
        return f"dimension '{written}' has a grain but '{bare}' is not a time dimension.", ""
    return None


def check_verified_queries(context: RuleContext) -> Iterator[Issue]:
    """e. Verified queries name existing metrics, dimensions and filters, and order by them."""
    model = context.model
    metric_names = [m.name for m in model.metrics]
    filter_names = [f.name for f in model.filters]
    every_table = [table.name for table in model.tables]
    for verified in model.verified_queries:
        query, path = verified.query, f"verified query '{verified.question}'"
        for name in query.metrics:
            if name not in metric_names and name not in context.unloaded:
                yield issue_at(
                    query.location,
                    path,
                    f"metric '{name}' does not exist.",
                    hint_for(name, metric_names),
                )
        for written in query.dimensions:
            problem = _dimension_problem(context, written)
            if problem is not None:
                yield issue_at(query.location, path, *problem)
        for name in query.filters:
            if name not in filter_names and name not in context.unloaded:
                yield issue_at(
                    query.location,
                    path,
                    f"filter '{name}' does not exist.",
                    hint_for(name, filter_names),
                )
        for where in query.where:
            yield from _filter_issues(
                context, where, every_table, "of any table", query.location, path, "where"
            )
        selected = [*query.metrics, *query.dimensions]
        for written in query.dimensions:
            selected.append(written.partition(":")[0].rpartition(".")[2])
        for entry in query.order_by:
            if entry.removeprefix("-") not in selected:
                yield issue_at(
                    query.location,
                    path,
                    f"order_by '{entry}' is not a selected metric or dimension.",
                    hint_for(entry.removeprefix("-"), selected)
                    or "Order by `name` or `-name` of a metric or dimension the query selects.",
                )
