"""How one objective stands: its metric now, where it is projected to land at the end of its
period (method, reason, range, likelihood), and its change by segment and by lever.

Every number comes from a governed query (`context.query`, so the requester's row policy
applies) of the objective's metric: over its period to the as-of day, filtered to its segment.
How a metric adds up decides how it is projected (see `Kind`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from cortex.answers.formatting import is_missing
from cortex.answers.wording import point_in_time
from cortex.workspace import QueryOutcome
from semantic_layer.compile import metrics_used
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Metric, SemanticModel, Table
from semantic_layer.query import Filter, SemanticQuery
from semantic_layer.time import resolve_time_range, shift, truncate
from skills.base import SkillContext, SkillError
from skills.okr.objectives import Objective, declared
from skills.projection import (
    BAND_Z,
    MIN_TREND_POINTS,
    MIN_TREND_R2,
    Line,
    Method,
    fit_line,
    likelihood,
    prefer_trend,
)

__all__ = ["Change", "Kind", "Lever", "Status", "metric_kind", "objective_status"]

#: How a metric adds up over time: a value on a day (ARR), a flow summed over the days (net new
#: ARR), or a rate over the period (a ratio, an average, a median).
Kind = Literal["snapshot", "flow", "rate"]
#: A snapshot's trend is fitted over this many weeks up to the as-of day.
SNAPSHOT_WEEKS = 13
#: A lever dimension is looked at when it has at most this many values.
MAX_LEVER_VALUES = 12
#: At most this many lever dimensions are queried per objective.
MAX_LEVERS = 4


@dataclass(frozen=True)
class Change:
    """One value of a breakdown: the metric now, in the compared period, and the change."""

    value: str
    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        """now - before, None when either is empty."""
        if self.now is None or self.before is None:
            return None
        return self.now - self.before


@dataclass(frozen=True)
class Lever:
    """A dimension of the metric's table and its values' changes, biggest move first."""

    dimension: str
    label: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Status:
    """Where an objective stands and where it is going."""

    objective: Objective
    metric: Metric
    kind: Kind
    higher_is_better: bool
    direction_from: str
    start: date
    end: date
    as_of: date
    current: float | None
    previous: float | None
    projected: float | None
    low: float | None
    high: float | None
    sigma: float
    method: Method
    why: str
    run_rate: float | None
    trend: float | None
    confidence: float | None
    segments: tuple[Change, ...]
    segment_dimension: str | None
    segment_query: SemanticQuery | None
    segment_outcome: QueryOutcome | None
    compared: tuple[date, date] | None
    levers: tuple[Lever, ...]

    @property
    def days_left(self) -> int:
        """Days after the as-of day up to the period's last day."""
        return max((self.end - self.as_of).days, 0)

    def attainment(self, value: float | None) -> float | None:
        """The share of the target `value` reaches (target/value when lower is better)."""
        target = self.objective.target
        if value is None or value == 0 or target == 0:
            return None
        return value / target if self.higher_is_better else target / value


def metric_kind(model: SemanticModel, metric: Metric) -> Kind:
    """Whether `metric` is a snapshot, a flow (a sum or count of a simple metric) or a rate."""
    if point_in_time(model, metric.name):
        return "snapshot"
    measured = model.measure(metric.measure or "") if metric.type == "simple" else None
    if measured is not None and measured[1].aggregation in ("sum", "count"):
        return "flow"
    return "rate"


def _number(value: object) -> float | None:
    return None if is_missing(value) else float(value)  # type: ignore[arg-type]


class _Run:
    """The queries of one objective's status, with what they share."""

    def __init__(self, context: SkillContext, objective: Objective) -> None:
        self.context = context
        self.model = context.workspace.model
        self.objective = objective
        self.as_of = context.settings.as_of
        metric = self.model.metric(objective.metric)
        if metric is None:
            raise SkillError(
                f"{objective.id} is measured by '{objective.metric}', which metrics.yml does "
                "not declare.",
                hint="Correct the objective's metric in its table, or declare the metric.",
            )
        self.metric = metric
        where = declared(context.workspace)
        self.segment_dimension = where.segment_dimension
        span = resolve_time_range(objective.period, self.as_of)
        if span is None or span.unit is None:
            raise SkillError(
                f"{objective.id}'s period '{objective.period}' is not a named period.",
                hint="Write periods as a quarter (2026-Q4), a month (2026-11) or a year (2026).",
            )
        self.start = span.start
        self.end = shift(span.start, span.unit, 1) - timedelta(days=1)
        if self.start > self.as_of:
            raise SkillError(
                f"{objective.id}'s period {objective.period} has not begun "
                f"(the data runs to {self.as_of.isoformat()}).",
                hint="Ask about it once the period has started.",
            )
        self.last = min(self.as_of, self.end)
        self.range = f"{self.start.isoformat()}..{self.last.isoformat()}"

    def filters(self) -> tuple[Filter, ...]:
        if self.objective.segment is None or self.segment_dimension is None:
            return ()
        return (Filter(field=self.segment_dimension, op="=", values=(self.objective.segment,)),)

    def query(self, query: SemanticQuery) -> QueryOutcome:
        try:
            return self.context.query(query)
        except SemanticLayerError as error:
            raise SkillError(
                f"Cortex could not compute {self.metric.label} for {self.objective.id}: {error}",
                hint="Check the objective's metric and segment with `cortex check`.",
            ) from None

    def frame(self, query: SemanticQuery) -> pd.DataFrame:
        outcome = self.query(query)
        return pd.DataFrame() if outcome.result is None else outcome.result.frame

    def series(self, kind: Kind) -> list[tuple[float, float]]:
        """(day, value) points to fit: days counted from the period's first day (day 1)."""
        name = self.metric.name
        if kind == "flow":
            frame = self.frame(
                SemanticQuery(
                    metrics=(name,),
                    dimensions=("metric_time:day",),
                    filters=self.filters(),
                    time_range=self.range,
                )
            )
            by_day = {
                pd.Timestamp(r["metric_time__day"]).date(): _number(r[name]) or 0.0
                for r in frame.to_dict("records")
            }
            days = (self.last - self.start).days + 1
            return [(i + 1.0, by_day.get(self.start + timedelta(days=i), 0.0)) for i in range(days)]
        first = self.start
        if kind == "snapshot":
            first = shift(truncate(self.last, "week"), "week", -(SNAPSHOT_WEEKS - 1))
        frame = self.frame(
            SemanticQuery(
                metrics=(name,),
                dimensions=("metric_time:week",),
                filters=self.filters(),
                time_range=f"{first.isoformat()}..{self.last.isoformat()}",
            )
        )
        points = []
        for row in frame.to_dict("records"):
            value = _number(row[name])
            if value is None:
                continue
            week = pd.Timestamp(row["metric_time__week"]).date()
            week_first, week_last = max(week, first), min(week + timedelta(days=6), self.last)
            # a snapshot is its value on the week's last day; a rate covers the week's days
            day = week_last if kind == "snapshot" else week_first + (week_last - week_first) / 2
            points.append(((day - self.start).days + 1.0, value))
        return points

    def breakdown_query(self, dimension: str, filters: tuple[Filter, ...]) -> SemanticQuery:
        """The metric by `dimension` over the period so far, against the days just before."""
        return SemanticQuery(
            metrics=(self.metric.name,),
            dimensions=(dimension,),
            filters=filters,
            time_range=self.range,
            compare="previous_period",
        )

    def breakdown(self, dimension: str, filters: tuple[Filter, ...]) -> QueryOutcome:
        return self.query(self.breakdown_query(dimension, filters))

    def changes(self, outcome: QueryOutcome, dimension: str) -> tuple[Change, ...]:
        frame = pd.DataFrame() if outcome.result is None else outcome.result.frame
        name = self.metric.name
        column = outcome.compiled.columns[0].name
        return tuple(
            Change(
                str(row[column]) if not is_missing(row[column]) else "(none)",
                _number(row.get(name)),
                _number(row.get(f"{name}__previous")),
            )
            for row in frame.to_dict("records")
        )

    def levers(self, higher_is_better: bool) -> tuple[Lever, ...]:
        """The categorical dimensions of the metric's own table, each value's change."""
        table = self._table()
        if table is None:
            return ()
        skip = {table.name_dimension, table.primary_key, self.segment_dimension}
        defining = " ".join(self._filters_text())
        found: list[Lever] = []
        for dimension in table.dimensions:
            if dimension.type not in ("categorical", "boolean") or dimension.name in skip:
                continue
            if re.search(rf"\b{re.escape(dimension.name)}\b", defining):
                continue  # it defines the metric (AI-resolved tickets by resolver): no lever
            outcome = self.breakdown(f"{table.name}.{dimension.name}", self.filters())
            changes = self.changes(outcome, dimension.name)
            if not 1 < len(changes) <= MAX_LEVER_VALUES:
                continue
            sign = 1 if higher_is_better else -1
            ordered = sorted(changes, key=lambda c: -sign * (c.change or 0.0))
            found.append(Lever(dimension.name, dimension.label or dimension.name, tuple(ordered)))
            if len(found) == MAX_LEVERS:
                break
        return tuple(found)

    def _filters_text(self) -> list[str]:
        """The filters of the metric and of the measures it is built from."""
        texts = []
        for used in metrics_used(self.model, [self.metric.name]):
            texts.append(used.filter or "")
            measured = self.model.measure(used.measure or "")
            if measured is not None:
                texts.append(measured[1].filter or "")
        return texts

    def _table(self) -> Table | None:
        measured = self.metric.measure
        if self.metric.type == "ratio":
            numerator = self.model.metric(self.metric.numerator or "")
            measured = numerator.measure if numerator is not None else None
        found = self.model.measure(measured or "")
        return None if found is None else found[0]


def _direction(objective: Objective, metric: Metric, previous: float | None) -> tuple[bool, str]:
    """Whether higher is better, and what says so: the objective's declared direction, the
    metric's `better`, else the target against the value of the period before."""
    if objective.direction is not None:
        return objective.direction == "higher", "the objective's declared direction"
    if metric.better is not None:
        return metric.better == "higher", f"the metric's declared `better: {metric.better}`"
    if previous is not None and objective.target < previous:
        return False, "the target is below the value of the period before"
    return True, "the target is not below the value of the period before"


def objective_status(context: SkillContext, objective: Objective) -> Status:
    """The status of `objective` as of the workspace's as-of day."""
    run = _Run(context, objective)
    model, metric = run.model, run.metric
    kind = metric_kind(model, metric)
    overall = run.query(
        SemanticQuery(
            metrics=(metric.name,),
            filters=run.filters(),
            time_range=run.range,
            compare="previous_period",
        )
    )
    frame = pd.DataFrame() if overall.result is None else overall.result.frame
    first = frame.to_dict("records")[0] if len(frame) else {}
    current = _number(first.get(metric.name))
    previous = _number(first.get(f"{metric.name}__previous"))
    higher, direction_from = _direction(objective, metric, previous)
    projection = _project(run, kind, current)
    confidence = None
    if projection.value is not None:
        confidence = likelihood(
            projection.value, projection.sigma, objective.target, higher_is_better=higher
        )
    segments: tuple[Change, ...] = ()
    segment_query = segment_outcome = None
    if run.segment_dimension is not None:
        segment_query = run.breakdown_query(run.segment_dimension, ())
        segment_outcome = run.query(segment_query)
        segments = run.changes(segment_outcome, run.segment_dimension)
    p = overall.compiled.provenance
    compared = None
    if p.compared_start is not None and p.compared_end is not None:
        compared = (p.compared_start, p.compared_end)
    return Status(
        objective=objective,
        metric=metric,
        kind=kind,
        higher_is_better=higher,
        direction_from=direction_from,
        start=run.start,
        end=run.end,
        as_of=run.last,
        current=current,
        previous=previous,
        projected=projection.value,
        low=projection.low,
        high=projection.high,
        sigma=projection.sigma,
        method=projection.method,
        why=projection.why,
        run_rate=projection.run_rate,
        trend=projection.trend,
        confidence=confidence,
        segments=segments,
        segment_dimension=run.segment_dimension,
        segment_query=segment_query,
        segment_outcome=segment_outcome,
        compared=compared,
        levers=run.levers(higher),
    )


@dataclass(frozen=True)
class _Projection:
    value: float | None
    low: float | None
    high: float | None
    sigma: float
    method: Method
    why: str
    run_rate: float | None
    trend: float | None


def _project(run: _Run, kind: Kind, current: float | None) -> _Projection:
    """The end-of-period value by run-rate and by trend, the one chosen, its band."""
    if current is None:
        return _Projection(None, None, None, 0.0, "run-rate", "no value so far", None, None)
    total = (run.end - run.start).days + 1
    elapsed = (run.last - run.start).days + 1
    left = total - elapsed
    if left <= 0:
        return _Projection(
            current, current, current, 0.0, "final", "the period is over", current, current
        )
    points = run.series(kind)
    line = fit_line(points)
    end_x = float(total)
    if kind == "snapshot":
        run_rate = current
        trend = line.at(end_x) if line else None
        sigma = line.prediction_se(end_x) if line else 0.0
        unit = "weekly values"
    elif kind == "flow":
        run_rate = current * total / elapsed
        trend = None
        if line is not None:
            trend = current + sum(line.at(float(day)) for day in range(elapsed + 1, total + 1))
        sigma = line.residual_se * left**0.5 if line else 0.0
        unit = "daily values"
    else:
        run_rate = current
        trend, sigma = None, 0.0
        middle = (elapsed + 1 + total) / 2
        if line is not None:
            trend = (elapsed * current + left * line.at(middle)) / total
            weeks = max(left / 7, 1.0)
            sigma = left / total * (line.mean_se(middle) ** 2 + line.residual_se**2 / weeks) ** 0.5
        unit = "weekly values"
    method: Method = "trend" if prefer_trend(line) and trend is not None else "run-rate"
    value = trend if method == "trend" and trend is not None else run_rate
    why = _why(method, kind, line, unit)
    return _Projection(
        value, value - BAND_Z * sigma, value + BAND_Z * sigma, sigma, method, why, run_rate, trend
    )


def _why(method: Method, kind: Kind, line: Line | None, unit: str) -> str:
    """Why the method was chosen, in words."""
    pace = {
        "snapshot": "the latest value is held",
        "flow": "the pace so far is carried on",
        "rate": "the rate so far is held",
    }[kind]
    if line is None or line.n < MIN_TREND_POINTS:
        count = 0 if line is None else line.n
        return f"{count} {unit} are too few to fit a trend on, so {pace}"
    fit = f"a straight line explains {line.r2:.0%} of the variation of the {line.n} {unit}"
    if method == "trend":
        return f"{fit} (at least {MIN_TREND_R2:.0%} needed), so the trend is carried on"
    return f"{fit} (under the {MIN_TREND_R2:.0%} a trend needs), so {pace}"
