"""The provenance of a compiled query: how each metric is defined, and what the rows met."""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from semantic_layer.compile.plan import Plan
from semantic_layer.compile.results import MetricProvenance, PartialPeriod, Provenance
from semantic_layer.compile.sql import parse
from semantic_layer.model import Metric, SemanticModel
from semantic_layer.time import DateRange, partial_periods


def _definition(model: SemanticModel, metric: Metric) -> tuple[str, tuple[str, ...]]:
    """The metric's definition in words, and the table of its measure (none for a ratio or a
    derived metric, whose inputs have their own)."""
    if metric.type == "ratio":
        return f"{metric.numerator} / {metric.denominator} (a ratio of sums)", ()
    if metric.type == "derived":
        return f"{metric.expr}", ()
    found = model.measure(metric.measure or "")
    if found is None:
        return f"measure {metric.measure}", ()
    table, measure = found
    text = f"{measure.aggregation}({measure.expr or '*'}) over {table.name}"
    if measure.filter:
        text += f" where {measure.filter}"
    if metric.filter:
        text += f" and {metric.filter}"
    if measure.snapshot is not None:
        text += (
            f"; a snapshot: rows with {measure.snapshot.valid_from} <= day < "
            f"{measure.snapshot.valid_to}, taken on the last day of each period"
        )
    if metric.window:
        text += f"; over the trailing {metric.window} ending on each day"
    if metric.grain_to_date:
        text += f"; {metric.grain_to_date} to date"
    return text, (table.name,)


def metrics_used(model: SemanticModel, names: Iterable[str]) -> list[Metric]:
    """The metrics `names` and every metric they are built from (ratio inputs, the metrics a
    derived expression names), each once, in the order reached."""
    seen: dict[str, Metric] = {}
    queue = list(names)
    while queue:
        name = queue.pop(0)
        metric = model.metric(name)
        if metric is None or name in seen:
            continue
        seen[name] = metric
        if metric.type == "ratio":
            queue += [metric.numerator or "", metric.denominator or ""]
        elif metric.type == "derived":
            queue += [c.name for c in parse(metric.expr or "").find_all(exp.Column)]
    return list(seen.values())


def _partial_periods(plan: Plan, time_range: DateRange | None) -> tuple[PartialPeriod, ...]:
    """The periods of the query's time columns that the answer shows only in part."""
    return tuple(
        PartialPeriod(ref.output, start, first, last)
        for ref in plan.dims
        if ref.grain is not None and ref.grain != "day"
        for start, first, last in partial_periods(time_range, ref.grain, plan.as_of)
    )


def build_provenance(
    plan: Plan,
    time_range: DateRange | None,
    previous: DateRange | None,
    dialect: str,
    sql: str,
    notes: list[str],
    point_in_time: bool,
) -> Provenance:
    """Everything needed to say how the numbers of `sql` were computed."""
    metrics = []
    for metric in metrics_used(plan.model, plan.query.metrics):
        definition, tables = _definition(plan.model, metric)
        metrics.append(
            MetricProvenance(
                metric.name,
                metric.label,
                metric.description,
                metric.owner,
                metric.status,
                metric.format,
                metric.unit,
                definition,
                tables,
            )
        )
    filters = [str(f) for f in plan.filters]
    comparison = None
    if previous is not None and plan.query.compare is not None:
        comparison = f"{plan.query.compare.replace('_', ' ')}: {previous.describe()}"
    return Provenance(
        metrics=tuple(metrics),
        dimensions=tuple(ref.text for ref in plan.dims),
        filters=tuple(filters),
        time_range=time_range.describe() if time_range else None,
        time_start=time_range.start if time_range else None,
        time_end=time_range.last_day if time_range else None,
        comparison=comparison,
        joins=tuple(plan.joins.values()),
        source_tables=tuple(plan.tables_read),
        as_of=plan.as_of,
        dialect=dialect,
        sql=sql,
        notes=tuple(notes),
        conditions=plan.filters,
        time_period=time_range.unit if time_range and time_range.count == 1 else None,
        compared_start=previous.start if previous is not None else None,
        compared_end=previous.last_day if previous is not None else None,
        point_in_time=point_in_time,
        partial_periods=_partial_periods(plan, time_range),
        limit=plan.query.limit,
        ascending=bool(plan.query.order_by) and not plan.query.order_by[0].descending,
    )
