"""Two lines of narrative written from a result, deterministically: never by a model.

The narrative states what the numbers say in the metric's own format: a single value (and its
change against the comparison period), the leader and the laggard of a breakdown (with the
total when adding up makes sense), or where a time series started, ended and peaked.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from semantic_layer.compile import CompiledQuery, OutputColumn
from semantic_layer.model import SemanticModel

from .formatting import (
    column_grain,
    format_cell,
    format_value,
    is_missing,
)


def _change(now: object, before: object, column: OutputColumn) -> str:
    if is_missing(now) or is_missing(before):
        return ""
    now_value, before_value = float(now), float(before)  # type: ignore[arg-type]
    was = format_value(before_value, column.format, column.unit)
    if column.format == "percent":
        points = (now_value - before_value) * 100
        direction = "up" if points > 0 else "down" if points < 0 else "flat"
        return f"{direction} {abs(points):.1f} points from {was}"
    if before_value == 0:
        return f"against {was} before"
    pct = (now_value - before_value) / abs(before_value) * 100
    direction = "up" if pct > 0 else "down" if pct < 0 else "flat"
    return f"{direction} {abs(pct):.1f}% from {was}"


def _single(frame: pd.DataFrame, metrics: Sequence[OutputColumn], compiled: CompiledQuery) -> str:
    row = frame.iloc[0]
    parts = []
    for column in metrics:
        text = f"{column.label} is {format_value(row[column.name], column.format, column.unit)}"
        previous = f"{column.name}__previous"
        if previous in frame.columns:
            change = _change(row[column.name], row[previous], column)
            if change:
                text += f", {change}"
        parts.append(text)
    provenance = compiled.provenance
    snapshot = any(note.startswith("Snapshot") for note in provenance.notes)
    when = provenance.time_range or (
        f"as of {provenance.as_of.isoformat()}" if snapshot else "all time"
    )
    return f"{'; '.join(parts)} ({when})."


def _series(frame: pd.DataFrame, time: OutputColumn, metric: OutputColumn) -> str:
    values = frame[[time.name, metric.name]].dropna()
    if values.empty:
        return f"{metric.label} has no values in this range."
    first, last = values.iloc[0], values.iloc[-1]
    start = format_value(first[metric.name], metric.format, metric.unit)
    end = format_value(last[metric.name], metric.format, metric.unit)
    text = (
        f"{metric.label} went from {start} in {format_cell(time, first[time.name])} "
        f"to {end} in {format_cell(time, last[time.name])}"
    )
    change = _change(last[metric.name], first[metric.name], metric)
    text += f" ({change.split(' from ')[0]})." if change else "."
    if len(values) > 2:
        peak = values.iloc[int(values[metric.name].to_numpy().argmax())]
        text += (
            f" It peaked at {format_value(peak[metric.name], metric.format, metric.unit)} "
            f"in {format_cell(time, peak[time.name])}."
        )
    return text


def _breakdown(
    frame: pd.DataFrame, dimension: OutputColumn, metric: OutputColumn, additive: bool
) -> str:
    values = frame[[dimension.name, metric.name]].dropna(subset=[metric.name])
    if values.empty:
        return f"{metric.label} has no values for any {dimension.label.lower()}."
    ranked = values.sort_values(metric.name, ascending=False)
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    fmt = (metric.format, metric.unit)
    leader = format_cell(dimension, top[dimension.name])
    lead = f"{leader} leads with {format_value(top[metric.name], *fmt)}"
    total = values[metric.name].sum()  # an integer for counts, so it prints as one
    if additive and float(total) > 0:
        share = float(top[metric.name]) / float(total)
        lead += f" ({share:.0%} of {format_value(total, *fmt)})"
    text = f"{lead}."
    if len(ranked) > 1:
        text += (
            f" {format_cell(dimension, bottom[dimension.name])} is lowest at "
            f"{format_value(bottom[metric.name], *fmt)}."
        )
    return text


def narrate(compiled: CompiledQuery, frame: pd.DataFrame, *, additive: Sequence[str] = ()) -> str:
    """Two lines on what `frame` (the result of `compiled`) says.

    `additive` names the metrics whose values may be added across rows (a share of the total
    is then shown); ratios, averages and medians are never summed.
    """
    metrics = [c for c in compiled.columns if c.kind == "metric"]
    dimensions = [c for c in compiled.columns if c.kind == "dimension"]
    if frame.empty:
        return "No rows match this question; try a wider time range or fewer filters."
    if not dimensions:
        return _single(frame, metrics, compiled)
    first = metrics[0]
    time = next((d for d in dimensions if column_grain(d.name)), None)
    if time is not None and len(dimensions) == 1:
        return _series(frame, time, first)
    category = next((d for d in dimensions if d is not time), dimensions[0])
    if time is not None:  # by time and category: speak of the latest period
        latest = frame[frame[time.name] == frame[time.name].max()]
        line = _breakdown(latest, category, first, first.name in additive)
        return f"In {format_cell(time, latest[time.name].iloc[0])}: {line}"
    return _breakdown(frame, category, first, first.name in additive)


def additive_metrics(model: SemanticModel, names: Sequence[str]) -> tuple[str, ...]:
    """The metrics among `names` whose values add up across rows: plain sums and counts."""
    additive = []
    for name in names:
        metric = model.metric(name)
        found = model.measure(metric.measure or "") if metric and metric.type == "simple" else None
        if found is not None and found[1].aggregation in ("sum", "count"):
            additive.append(name)
    return tuple(additive)
