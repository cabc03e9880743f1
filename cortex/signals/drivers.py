"""The drivers of a metric's change: its change between two periods, split exactly over the
values of each dimension that could carry it, dimensions ranked by how much they explain.

`explain_change(query, model, run)` takes the question's query (one metric, a time range, its
filters; `compare` says which period to compare with: the previous one unless it says the same
period last year) and a `run` callable that compiles and runs a semantic query as the asker may
(`Workspace.query` behind their row policy, `SkillContext.query`). Every figure is a governed
query's:

1. the total, with the comparison: the change to explain and the two periods' days;
2. per candidate dimension, the metric by that dimension over each period (the days of step 1,
   so both sides are exactly the compared periods; a value found in one period only counts).
   A ratio metric is queried as its numerator and denominator metrics, which the model
   declares as metrics of their own.

How the metric's kind decides the split:

- a sum or a count (a snapshot sum such as ARR at a period's end included) is *additive*: each
  value contributes after − before. A distinct count is additive only when no item falls under
  two values; the values' sums are checked against the total, and a dimension whose values do
  not add up to it is left out, saying so, rather than given a split that is not exact.
- a ratio of two additive metrics splits into rate, mix and interaction effects
  (`decompose.ratio_parts`);
- anything else (a median, an average or a percentile over rows, min or max, a derived
  expression) has no exact split over values: the answer says so and gives the change alone.

Candidate dimensions are the categorical and boolean dimensions of every table the metric's
query can reach (a dimension it cannot reach fails to compile and is skipped), except those the
metric's own filters or the question's `=`/`in` filters fix, and those with more than
`MAX_VALUES` values (a list of hundreds of accounts explains nothing at a glance). Dimensions
are ranked by `decompose.concentration`: how much of the movement one value carries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

import pandas as pd
import sqlglot
from sqlglot import exp

from cortex.answers.formatting import number_of
from cortex.errors import UserError
from cortex.signals.decompose import Part, additive_parts, concentration, ratio_parts
from cortex.workspace import QueryOutcome
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Metric, SemanticModel
from semantic_layer.query import SemanticQuery

__all__ = ["MAX_VALUES", "DimensionDrivers", "Drivers", "Runner", "explain_change", "split_kind"]

#: Runs a semantic query as the asker may: compiled by the semantic layer, their policy applied.
Runner = Callable[[SemanticQuery], QueryOutcome]
#: A dimension with more values than this is not offered as a driver.
MAX_VALUES: Final = 50
_ADDITIVE: Final = ("sum", "count", "count_distinct")
#: How far the values' sum may stand from the total and still be the same number.
_TOLERANCE: Final = 1e-6

Kind = Literal["additive", "ratio", "none"]


@dataclass(frozen=True)
class DimensionDrivers:
    """A change split over one dimension's values, the largest contributions first."""

    dimension: str
    label: str
    parts: tuple[Part, ...]
    concentration: float


@dataclass(frozen=True)
class Drivers:
    """Why a metric moved: the change between two periods and its split over dimensions.

    `dimensions` are ranked, the one that explains most first; every one's contributions sum
    to `change`. `unsplit` says why the change could not be split (kind "none"), `skipped`
    which dimensions were left out and why.
    """

    metric: str
    label: str
    kind: Kind
    before: float | None
    after: float | None
    change: float | None
    period: tuple[date, date]
    compared: tuple[date, date]
    comparison: str
    query: SemanticQuery
    dimensions: tuple[DimensionDrivers, ...] = ()
    unsplit: str | None = None
    skipped: tuple[str, ...] = ()

    @property
    def top(self) -> DimensionDrivers | None:
        """The dimension that explains most of the change, if any."""
        return self.dimensions[0] if self.dimensions else None


def split_kind(metric: Metric, model: SemanticModel) -> tuple[Kind, str | None]:
    """How `metric`'s change splits over values, and when it does not, why (in words)."""
    if metric.type == "ratio":
        parts = [model.metric(metric.numerator or ""), model.metric(metric.denominator or "")]
        if all(p is not None and split_kind(p, model)[0] == "additive" for p in parts):
            return "ratio", None
        return "none", (
            f"{metric.label} is a ratio whose numerator or denominator is not a sum or a "
            "count, so its change has no exact split over values"
        )
    if metric.type in ("simple", "cumulative"):
        found = model.measure(metric.measure or "")
        aggregation = found[1].aggregation if found is not None else "unknown"
        if aggregation in _ADDITIVE:
            return "additive", None
        kind = {"avg": "an average", "median": "a median", "percentile": "a percentile"}
        return "none", (
            f"{metric.label} is {kind.get(aggregation, f'a {aggregation}')} over rows, which "
            "is not the sum of its values by group, so its change has no exact split over values"
        )
    return "none", (
        f"{metric.label} is computed from other metrics ({metric.expr}), so its change has no "
        "exact split over values"
    )


def _frame_column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([math.nan] * len(frame))


def _key(value: object) -> Hashable:
    """A dimension value as a key: empty values (NULL, NaN) all become None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()  # type: ignore[no-any-return]
    return value


def _by_value(frame: pd.DataFrame, dimension: str, metric: str) -> dict[Hashable, float]:
    values: dict[Hashable, float] = {}
    for key, figure in zip(frame[dimension], _frame_column(frame, metric), strict=True):
        values[_key(key)] = number_of(figure) or 0.0
    return values


def _columns(text: str | None) -> set[str]:
    """The names a filter or an expression reads (columns or dimensions), lower-cased."""
    if not text:
        return set()
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return set()
    return {column.name.lower() for column in tree.find_all(exp.Column)}


def _fixed(model: SemanticModel, metric: Metric, query: SemanticQuery) -> set[str]:
    """What the metric's own filters (and its parts' and measures'), and the question's `=`
    and `in` filters, hold to given values: a breakdown by them has one value to show."""
    texts = [metric.filter]
    for name in (metric.numerator, metric.denominator, metric.name):
        part = model.metric(name or "")
        if part is not None:
            texts.append(part.filter)
            measured = model.measure(part.measure or "")
            texts.append(measured[1].filter if measured is not None else None)
    fixed = {name for text in texts for name in _columns(text)}
    fixed |= {f.field.rpartition(".")[2].lower() for f in query.filters if f.op in ("=", "in")}
    return fixed


def _candidates(model: SemanticModel, metric: Metric, query: SemanticQuery) -> list[str]:
    """Every categorical and boolean dimension, by the name that finds it (qualified when two
    tables share a name), except those a filter of the metric, of its parts or of the
    question fixes (by name, or by a column its expression reads)."""
    fixed = _fixed(model, metric, query)
    counts: dict[str, int] = {}
    for table in model.tables:
        for dimension in table.dimensions:
            counts[dimension.name] = counts.get(dimension.name, 0) + 1
    found: list[str] = []
    for table in model.tables:
        for dimension in table.dimensions:
            if dimension.type not in ("categorical", "boolean"):
                continue
            reads = {dimension.name.lower()} | _columns(dimension.sql)
            if reads & fixed:
                continue
            shared = counts[dimension.name] > 1
            found.append(f"{table.name}.{dimension.name}" if shared else dimension.name)
    return found


def _span(start: date, end: date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


class _Splitter:
    """The queries of one explanation: a dimension's values over both periods, split."""

    def __init__(
        self,
        base: SemanticQuery,
        metrics: tuple[str, ...],
        period: tuple[date, date],
        compared: tuple[date, date],
        run: Runner,
    ) -> None:
        self.base = base
        self.metrics = metrics
        self.period = period
        self.compared = compared
        self.run = run

    def frames(self, dimension: str) -> tuple[str, pd.DataFrame, pd.DataFrame] | None:
        """(the dimension's column, the frame after, the frame before), or None when the
        metric cannot be broken down by `dimension` (not reachable from its tables)."""
        found: list[pd.DataFrame] = []
        column = dimension
        for start, end in (self.period, self.compared):
            query = self.base.model_copy(
                update={
                    "metrics": self.metrics,
                    "dimensions": (dimension,),
                    "time_range": _span(start, end),
                    "compare": None,
                }
            )
            try:
                outcome = self.run(query)
            except SemanticLayerError:
                return None
            if outcome.result is None:
                return None
            column = next(c.name for c in outcome.compiled.columns if c.kind == "dimension")
            found.append(outcome.result.frame)
        return column, found[0], found[1]


def _dimension_label(model: SemanticModel, dimension: str) -> str:
    declared = model.dimension(dimension)
    if declared is not None and declared.label:
        return declared.label
    return dimension.rpartition(".")[2].replace("_", " ")


def _close(left: float, right: float) -> bool:
    return math.isclose(left, right, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)


def _ranked(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    return tuple(sorted(parts, key=lambda p: abs(p.contribution), reverse=True))


def explain_change(query: SemanticQuery, model: SemanticModel, run: Runner) -> Drivers:
    """Why `query`'s one metric moved over its time range against its comparison (the
    previous period unless `compare` says otherwise), split over every candidate dimension.

    Raises UserError when the query does not name one metric and a time range.
    """
    if len(query.metrics) != 1 or query.time_range is None:
        raise UserError(
            "To say why a metric moved I need one metric and a period.",
            hint="Ask, for example, 'why did <metric> change last month?'.",
        )
    metric = model.metric(query.metrics[0])
    if metric is None:
        raise UserError(f"'{query.metrics[0]}' is not a metric of the model.")
    base = query.model_copy(
        update={
            "dimensions": (),
            "order_by": (),
            "limit": None,
            "compare": query.compare or "previous_period",
        }
    )
    total = run(base)
    provenance = total.compiled.provenance
    days = (
        provenance.time_start,
        provenance.time_end,
        provenance.compared_start,
        provenance.compared_end,
    )
    if total.result is None or None in days:
        raise UserError("The period to explain could not be settled.")
    start, end, compared_start, compared_end = (d for d in days if d is not None)
    period, compared = (start, end), (compared_start, compared_end)
    row = total.result.frame.iloc[0] if len(total.result.frame) else None
    after = number_of(row[metric.name]) if row is not None else None
    before = number_of(row[f"{metric.name}__previous"]) if row is not None else None
    kind, unsplit = split_kind(metric, model)
    change: float | None = None
    if after is not None and before is not None:
        change = after - before
    elif kind == "additive":  # no rows in a period: a sum or count of nothing
        change = (after or 0.0) - (before or 0.0)
    drivers = Drivers(
        metric.name,
        metric.label,
        kind,
        before,
        after,
        change,
        period,
        compared,
        base.compare or "previous_period",
        base,
        unsplit=unsplit,
    )
    if kind == "none" or change is None:
        if unsplit is None:
            unsplit = f"{metric.label} has no value in one of the two periods"
        return replace(drivers, kind="none", unsplit=unsplit)
    if kind == "ratio":
        assert metric.numerator is not None and metric.denominator is not None
        metrics: tuple[str, ...] = (metric.numerator, metric.denominator)
    else:
        metrics = (metric.name,)
    splitter = _Splitter(base, metrics, period, compared, run)
    found: list[DimensionDrivers] = []
    skipped: list[str] = []
    for dimension in _candidates(model, metric, base):
        frames = splitter.frames(dimension)
        if frames is None:
            continue
        column, now, then = frames
        if max(len(now), len(then)) > MAX_VALUES:
            skipped.append(f"{dimension}: more than {MAX_VALUES} values")
            continue
        if kind == "ratio":
            try:
                parts = ratio_parts(
                    _by_value(then, column, metrics[0]),
                    _by_value(then, column, metrics[1]),
                    _by_value(now, column, metrics[0]),
                    _by_value(now, column, metrics[1]),
                )
            except ValueError:
                skipped.append(f"{dimension}: the denominator is 0 in a period")
                continue
        else:
            parts = additive_parts(
                _by_value(then, column, metric.name), _by_value(now, column, metric.name)
            )
        if len(parts) < 2:
            continue
        if not _close(sum(p.contribution for p in parts), change):
            skipped.append(f"{dimension}: its values do not add up to the total")
            continue
        found.append(
            DimensionDrivers(
                dimension,
                _dimension_label(model, dimension),
                _ranked(parts),
                concentration(p.contribution for p in parts),
            )
        )
    found.sort(key=lambda d: d.concentration, reverse=True)
    return replace(drivers, dimensions=tuple(found), skipped=tuple(skipped))
