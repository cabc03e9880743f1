"""Two lines of narrative written from a result, deterministically: never by a model.

The narrative is the sentence people quote, so it states what produced its numbers: every
condition the rows met, the days, and the comparison (`cortex.answers.wording.scope_of`). It says
a single value (and its change against the comparison period), the highest and lowest values
of a breakdown (with the total when adding up makes sense), or how a time series moved between
its first and last *complete* periods. A period the answer covers only in part (the month
still running, a week the range cuts) is never compared with a whole one: it is named with
the days it covers and left out of the trend. Words are neutral ("highest", "lowest"): whether
more is better depends on the metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from cortex.answers.formatting import column_grain, format_cell, is_missing
from cortex.answers.wording import (
    Scope,
    capitalize,
    compact_value,
    day_text,
    is_plural,
    listed,
    period_name,
    scope_of,
    shown_partials,
    span_text,
)
from semantic_layer.compile import CompiledQuery, OutputColumn, PartialPeriod
from semantic_layer.model import SemanticModel
from semantic_layer.time import shift

__all__ = ["additive_metrics", "change_phrase", "narrate"]


def _value(column: OutputColumn, value: object) -> str:
    return compact_value(value, column.format, column.unit)


def change_phrase(now: object, before: object, column: OutputColumn) -> str:
    """`up 3.6% from 38,822`, `down 1.2 points from 14.1%`; "" when either is missing."""
    if is_missing(now) or is_missing(before):
        return ""
    now_value, before_value = float(now), float(before)  # type: ignore[arg-type]
    was = _value(column, before)  # as it came: a count stays a whole number
    if column.format == "percent":
        points = (now_value - before_value) * 100
        if round(points, 1) == 0:
            return f"unchanged from {was}"
        unit = "point" if round(abs(points), 1) == 1 else "points"
        return f"{'up' if points > 0 else 'down'} {abs(points):.1f} {unit} from {was}"
    if before_value == 0:
        return f"against {was} before"
    pct = (now_value - before_value) / abs(before_value) * 100
    if round(pct, 1) == 0:
        return f"unchanged from {was}"
    return f"{'up' if pct > 0 else 'down'} {abs(pct):.1f}% from {was}"


def _single(
    compiled: CompiledQuery,
    frame: pd.DataFrame,
    metrics: Sequence[OutputColumn],
    model: SemanticModel,
) -> str:
    """One value a metric, each with its period when it differs from the one before (a
    count over March, then ARR on 31 Mar), its change and the period compared with."""
    clauses, said = [], ""
    for index, column in enumerate(metrics):
        scope = scope_of(compiled.provenance, model, column.name)
        value = frame[column.name].iloc[0]  # by column: a row would turn counts into floats
        subject = column.label if index == 0 else _inner_label(column.label)
        where = f" {scope.conditions}" if index == 0 and scope.conditions else ""
        if is_missing(value):  # no rows counted: no value, not a dash
            text = f"{subject}{where} has no value"
        else:
            text = f"{subject}{where} {scope.verb(column.label)} {_value(column, value)}"
        if scope.period != said:
            text += f" {scope.period}"
            said = scope.period
        previous = f"{column.name}__previous"
        if previous in frame.columns:
            change = change_phrase(value, frame[previous].iloc[0], column)
            if change:
                text += f", {change} {scope.compared}".rstrip()
        clauses.append(text)
    return capitalize("; ".join(clauses)) + "."


def _inner_label(label: str) -> str:
    """A label in the middle of a sentence: `Ticket volume` -> `ticket volume`; `CSAT`,
    `ARR` and `AI automation rate` keep their capitals."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _partial_note(
    column: OutputColumn, time: OutputColumn, row: pd.Series, period: PartialPeriod
) -> str:
    grain = column_grain(time.name) or "day"
    name = capitalize(period_name(period.start, grain))
    return (
        f"{name} covers {span_text(period.first, period.last)} only: "
        f"{_value(column, row[column.name])}."
    )


def _partial_by_start(
    compiled: CompiledQuery, frame: pd.DataFrame, time: OutputColumn
) -> dict[date, PartialPeriod]:
    return {p.start: p for p in shown_partials(compiled, frame) if p.column == time.name}


def _day(value: object) -> date | None:
    if is_missing(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _series(
    compiled: CompiledQuery,
    frame: pd.DataFrame,
    time: OutputColumn,
    metric: OutputColumn,
    subject: str,
) -> str:
    """How `metric` moved over its complete periods; partial ones are named apart.
    `subject` is the metric with its conditions ("Ticket volume for email")."""
    partial = _partial_by_start(compiled, frame, time)
    # in time order, even when the rows are ranked by the metric ("which month had the most")
    values = frame.dropna(subset=[time.name, metric.name]).sort_values(time.name, kind="stable")
    complete = values[[_day(v) not in partial for v in values[time.name]]]
    cut = values[[_day(v) in partial for v in values[time.name]]]
    if values.empty:
        return f"{subject} has no values in this range."
    sentences = []
    if len(complete) >= 2:
        first, last = complete.iloc[0], complete.iloc[-1]
        text = (
            f"{subject} went from {_value(metric, first[metric.name])} in "
            f"{_period(time, first[time.name])} to {_value(metric, last[metric.name])} in "
            f"{_period(time, last[time.name])}"
        )
        change = change_phrase(last[metric.name], first[metric.name], metric)
        text += f", {change.split(' from ')[0]}." if change else "."
        sentences.append(text)
        if len(complete) > 2:
            peak = complete.iloc[int(complete[metric.name].to_numpy().argmax())]
            sentences.append(
                f"It was highest in {_period(time, peak[time.name])}, at "
                f"{_value(metric, peak[metric.name])}."
            )
    elif len(complete) == 1:
        only = complete.iloc[0]
        sentences.append(
            f"{subject} {_past(metric.label)} {_value(metric, only[metric.name])} in "
            f"{_period(time, only[time.name])}."
        )
    if f"{metric.name}__previous" in frame.columns and len(complete):
        sentences.append(_against_before(compiled, complete.iloc[-1], time, metric))
        sentences = [s for s in sentences if s]
    for _, row in cut.iterrows():
        period = partial[_day(row[time.name])]  # type: ignore[index]
        sentences.append(_partial_note(metric, time, row, period))
    if len(complete) < 2 and len(cut):
        sentences.append("There are too few whole periods to speak of a trend.")
    return " ".join(sentences)


def _kept_periods(
    compiled: CompiledQuery,
    values: pd.DataFrame,
    time: OutputColumn,
    metric: OutputColumn,
    subject: str,
) -> str:
    """The periods a ranking kept ("top 3 months"): not a trend, since periods between them
    are left out, so only which were highest and lowest of those kept (`subject` is the
    metric with its conditions and range)."""
    provenance = compiled.provenance
    grain = column_grain(time.name) or "period"
    end = "bottom" if provenance.ascending else "top"
    ranked = values.dropna(subset=[time.name, metric.name])
    if ranked.empty:
        return f"{subject} has no values in this range."
    ranked = ranked.sort_values(metric.name, ascending=bool(provenance.ascending), kind="stable")
    first, other = ranked.iloc[0], ranked.iloc[-1]
    ends = ("lowest", "highest") if provenance.ascending else ("highest", "lowest")
    text = (
        f"{subject}, {end} {provenance.limit} by {grain}: {ends[0]} in "
        f"{_period(time, first[time.name])}, at {_value(metric, first[metric.name])}"
    )
    if len(ranked) > 1:
        text += (
            f"; {ends[1]} of these in {_period(time, other[time.name])}, at "
            f"{_value(metric, other[metric.name])}"
        )
    return text + "."


def _against_before(
    compiled: CompiledQuery, row: pd.Series, time: OutputColumn, metric: OutputColumn
) -> str:
    """How the last complete period compares with the one it is compared with: "November
    2026 was up 20.1% from 44.0K in November 2025"."""
    grain = column_grain(time.name) or "day"
    day = _day(row[time.name])
    change = change_phrase(row[metric.name], row[f"{metric.name}__previous"], metric)
    if day is None or not change:
        return ""
    yearly = (compiled.provenance.comparison or "").startswith("previous year")
    before = shift(day, "year", -1) if yearly else shift(day, grain, -1)
    return f"{capitalize(period_name(day, grain))} was {change} in {period_name(before, grain)}."


def _past(label: str) -> str:
    return "were" if is_plural(label) else "was"


def _period(time: OutputColumn, value: object) -> str:
    grain = column_grain(time.name)
    day = _day(value)
    if grain is None or day is None:
        return format_cell(time, value)
    return period_name(day, grain)


def _key(row: pd.Series, dimensions: Sequence[OutputColumn]) -> str:
    return " · ".join(format_cell(d, row[d.name]) for d in dimensions)


def _breakdown(
    frame: pd.DataFrame,
    dimensions: Sequence[OutputColumn],
    metric: OutputColumn,
    additive: bool,
    lead: str,
) -> str:
    values = frame.dropna(subset=[metric.name])
    if values.empty:
        return f"{lead}: no values."
    ranked = values.sort_values(metric.name, ascending=False, kind="stable")
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    previous = f"{metric.name}__previous"

    def said(row: pd.Series) -> str:
        text = _value(metric, row[metric.name])
        if previous in frame.columns:
            change = change_phrase(row[metric.name], row[previous], metric)
            text += f", {change}" if change else ""
        return text

    if len(ranked) == 1:  # one row has no highest: "SMB only, at $35.8K"
        return f"{lead}: {_key(top, dimensions)} only, at {said(top)}."
    text = f"{lead}: {_key(top, dimensions)} is highest at {said(top)}"
    total = values[metric.name].sum()  # an integer for counts, so it prints as one
    if additive and float(total) > 0 and len(values) > 1:
        share = float(top[metric.name]) / float(total)
        text += f" ({share:.0%} of {_value(metric, total)})"
    if len(ranked) > 1:
        text += f"; {_key(bottom, dimensions)} is lowest at {said(bottom)}"
    return text + "."


def _ranked(compiled: CompiledQuery, categories: Sequence[OutputColumn]) -> str:
    """`, top 3 by vertical` when the query keeps only the first rows of a ranking (the
    share of a total is then left out: the rows shown are not all of it)."""
    provenance = compiled.provenance
    if provenance.limit is None or not categories:
        return ""
    end = "bottom" if provenance.ascending else "top"
    return f", {end} {provenance.limit} by {categories[0].label.lower()}"


def _lead(metric: OutputColumn, scope: Scope, period: str | None = None) -> str:
    """`ARR for Enterprise as of 24 Nov 2026`, with `, compared with …` when there is one."""
    parts = [metric.label]
    if scope.conditions:
        parts.append(scope.conditions)
    parts.append(period if period is not None else scope.period)
    lead = " ".join(parts)
    if scope.compared:
        lead += f", compared with {scope.compared.split(' ', 1)[1]}"
    return lead


def _listing(
    compiled: CompiledQuery,
    frame: pd.DataFrame,
    dimensions: Sequence[OutputColumn],
    model: SemanticModel,
) -> str:
    """`12 rows of account and account owner for Enterprise (data as of 24 Nov 2026).`"""
    provenance = compiled.provenance
    scope = scope_of(provenance, model)
    names = listed([_inner_label(d.label) for d in dimensions], "and")
    conditions = f" {scope.conditions}" if scope.conditions else ""
    if provenance.time_start is None:
        period = f"(data as of {day_text(provenance.as_of)})"
    else:
        period = scope.period
    if frame.empty:
        return f"No {names} match{conditions} {period}; try fewer filters or a wider range."
    count = len(frame)
    rows = f"{count:,} {'row' if count == 1 else 'rows'}"
    if provenance.limit is not None and count >= provenance.limit:
        rows = "The first row" if count == 1 else f"The first {rows}"
    return f"{rows} of {names}{conditions} {period}."


def narrate(compiled: CompiledQuery, frame: pd.DataFrame, model: SemanticModel) -> str:
    """Two lines on what `frame` (the result of `compiled`) says, with what produced it.

    Shares of a total are shown only for metrics whose values add up across rows (plain sums
    and counts, `additive_metrics`); ratios, averages and medians are never summed.
    """
    metrics = [c for c in compiled.columns if c.kind == "metric"]
    dimensions = [c for c in compiled.columns if c.kind == "dimension"]
    if not metrics:
        return _listing(compiled, frame, dimensions, model)
    first = metrics[0]
    scope = scope_of(compiled.provenance, model, first.name)
    if frame.empty:
        where = f" {scope.conditions}" if scope.conditions else ""
        return (
            f"No rows match {first.label}{where} {scope.period}; try a wider time range or "
            "fewer filters."
        )
    if not dimensions:
        return _single(compiled, frame, metrics, model)
    additive = first.name in additive_metrics(model, [first.name])
    time = next((d for d in dimensions if column_grain(d.name)), None)
    categories = [d for d in dimensions if d is not time]
    if time is None:
        lead = _lead(first, scope) + _ranked(compiled, categories)
        limited = compiled.provenance.limit is not None
        return _breakdown(frame, categories, first, additive and not limited, lead)
    if not categories and compiled.provenance.limit is not None:
        return _kept_periods(compiled, frame, time, first, _lead(first, scope))
    if not categories:
        subject = f"{first.label} {scope.conditions}" if scope.conditions else first.label
        return _series(compiled, frame, time, first, subject)
    partial = _partial_by_start(compiled, frame, time)
    whole = [v for v in frame[time.name].dropna().unique() if _day(v) not in partial]
    latest = max(whole) if whole else frame[time.name].max()
    rows = frame[frame[time.name] == latest]
    period = f"in {_period(time, latest)}"
    note = ""
    if _day(latest) in partial:
        cut = partial[_day(latest)]  # type: ignore[index]
        period = f"in {_period(time, latest)}, which covers {span_text(cut.first, cut.last)} only"
    elif any(_day(v) in partial for v in frame[time.name].dropna().unique()):
        note = " Later periods are partial and left out here."
    return _breakdown(rows, categories, first, additive, _lead(first, scope, period)) + note


def additive_metrics(model: SemanticModel, names: Sequence[str]) -> tuple[str, ...]:
    """The metrics among `names` whose values add up across rows: plain sums and counts."""
    additive = []
    for name in names:
        metric = model.metric(name)
        found = model.measure(metric.measure or "") if metric and metric.type == "simple" else None
        if found is not None and found[1].aggregation in ("sum", "count"):
            additive.append(name)
    return tuple(additive)
