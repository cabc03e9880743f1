"""Rule d: the measures and metrics a metric is built from exist, no metric depends on itself,
a cumulative metric's window is a duration, a table's `count_metric` counts its rows, and its
`name_dimension` is a categorical dimension of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from semantic_layer.errors import Issue
from semantic_layer.model import (
    Metric,
)
from semantic_layer.rules.context import (
    RuleContext,
    columns_in,
    cycles,
    hint_for,
    issue_at,
)

_WINDOW = re.compile(r"^\s*[1-9]\d*\s+(day|week|month|quarter|year)s?\s*$")


def metric_refs(metric: Metric) -> list[tuple[str, str]]:
    """(role, metric name) for every metric a ratio or derived metric is built from."""
    if metric.type == "ratio":
        return [("numerator", metric.numerator or ""), ("denominator", metric.denominator or "")]
    if metric.type == "derived":
        return [("expr", col.name) for col in columns_in(metric.expr or "")]
    return []


def check_metric_references(context: RuleContext) -> Iterator[Issue]:
    """d. Measures and metrics referenced exist, no metric depends on itself, windows parse."""
    model = context.model
    measures = [m.name for table in model.tables for m in table.measures]
    metrics = [m.name for m in model.metrics]
    graph: dict[str, list[str]] = {}
    for metric in model.metrics:
        path = f"metric '{metric.name}'"
        if metric.measure is not None and metric.type in ("simple", "cumulative"):
            name = metric.measure
            if model.measure(name) is None and name not in context.unloaded:
                yield issue_at(
                    metric.location,
                    path,
                    f"measure '{name}' does not exist.",
                    hint_for(name, measures),
                )
        for role, name in metric_refs(metric):
            if name not in metrics and name not in context.unloaded:
                what = f"{role} '{name}'" if role != "expr" else f"expr refers to '{name}', which"
                yield issue_at(
                    metric.location,
                    path,
                    f"{what} is not a metric.",
                    hint_for(name, metrics),
                )
        graph[metric.name] = [name for _, name in metric_refs(metric) if name in metrics]
        if metric.window is not None and not _WINDOW.match(metric.window):
            yield issue_at(
                metric.location,
                path,
                f"window '{metric.window}' is not a duration like '7 days' or '3 months'.",
                "Write a number and a unit: day, week, month, quarter or year.",
            )
    for table in model.tables:
        named = table.name_dimension
        if named is not None:
            categorical = [d.name for d in table.dimensions if d.type == "categorical"]
            if named not in categorical:
                yield issue_at(
                    table.location,
                    f"table '{table.name}'",
                    f"name_dimension '{named}' is not a categorical dimension of '{table.name}'.",
                    hint_for(named, categorical) or f"Name one of: {', '.join(categorical)}.",
                )
        counted = table.count_metric
        if counted is None or counted in context.unloaded:
            continue
        counting = model.metric(counted)
        found = model.measure(counting.measure or "") if counting else None
        if counting is None:
            yield issue_at(
                table.location,
                f"table '{table.name}'",
                f"count_metric '{counted}' is not a metric.",
                hint_for(counted, metrics),
            )
        elif (
            found is None
            or found[0].name != table.name
            or found[1].aggregation not in ("count", "count_distinct")
        ):
            yield issue_at(
                table.location,
                f"table '{table.name}'",
                f"count_metric '{counted}' does not count the rows of '{table.name}'.",
                "Name a metric whose measure is a count on this table.",
            )
    for cycle in cycles(graph):
        first = model.metric(cycle[0])
        if first is not None:
            yield issue_at(
                first.location,
                f"metric '{first.name}'",
                f"the metric depends on itself: {' -> '.join(cycle)}.",
                "A metric can only be built from other metrics.",
            )
