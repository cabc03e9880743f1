"""The result's columns, with their labels and formats, and the order of its rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic_layer.compile.plan import Plan
from semantic_layer.compile.results import OutputColumn
from semantic_layer.errors import UnknownNameError


def output_columns(plan: Plan) -> list[OutputColumn]:
    """The dimensions asked for, then each metric (with its previous value and change when
    the query compares)."""
    model = plan.model
    columns: list[OutputColumn] = []
    for ref in plan.dims:
        if ref.is_metric_time:
            label = f"{ref.grain or 'day'}".capitalize()
        else:
            dim = next(d for t in model.tables for d in t.dimensions if d.name == ref.name)
            label = dim.label or dim.name.replace("_", " ").capitalize()
            if ref.grain and ref.grain != "day":
                label = f"{label} ({ref.grain})"
        columns.append(OutputColumn(ref.output, "dimension", label))
    for name in plan.query.metrics:
        metric = model.metric(name)
        assert metric is not None
        columns.append(OutputColumn(name, "metric", metric.label, metric.format, metric.unit, name))
        if plan.query.compare:
            columns += [
                OutputColumn(
                    f"{name}__previous",
                    "comparison",
                    f"{metric.label} (previous)",
                    metric.format,
                    metric.unit,
                    name,
                ),
                OutputColumn(
                    f"{name}__change",
                    "comparison",
                    f"{metric.label} (change)",
                    metric.format,
                    metric.unit,
                    name,
                ),
                OutputColumn(
                    f"{name}__change_pct",
                    "comparison",
                    f"{metric.label} (% change)",
                    "percent",
                    None,
                    name,
                ),
            ]
    return columns


def order_by(plan: Plan, columns: Sequence[OutputColumn]) -> list[exp.Expr]:
    """The ORDER BY: as the query asks, else time forward and the biggest first; then the
    remaining dimensions, so that the order is always the same."""
    names = {c.name for c in columns}
    aliases = {ref.text: ref.output for ref in plan.dims} | {
        ref.name: ref.output for ref in plan.dims
    }
    order: list[exp.Expr] = []
    for item in plan.query.order_by:
        name = aliases.get(item.field, item.field)
        if name not in names:
            raise UnknownNameError(
                "column to order by",
                item.field,
                names,
                "Order by a metric or dimension you asked for.",
            )
        order.append(exp.Ordered(this=exp.column(name), desc=item.descending))
    if not plan.query.order_by:
        # Time runs forward; within it (or without it) the biggest first. A series by time
        # alone is already in order. A listing keeps the dimensions' order as asked.
        listing = not plan.query.metrics
        time = [] if listing else [ref.output for ref in plan.dims if ref.grain is not None]
        order += [exp.Ordered(this=exp.column(t), desc=False) for t in time]
        if plan.query.metrics and (len(time) < len(plan.dims) or not plan.dims):
            order.append(exp.Ordered(this=exp.column(plan.query.metrics[0]), desc=True))
    used = {o.this.name for o in order}
    order += [
        exp.Ordered(this=exp.column(r.output), desc=False)
        for r in plan.dims
        if r.output not in used
    ]
    return order
