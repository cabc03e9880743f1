"""The numbers of a brief: every one from a governed query, run as the requester may see it.

`gather(context, entity, areas, period)` runs, in order: the entity's profile (a listing of
its row), then for each area its metrics over the period, their monthly trend over the last
12 months, its breakdowns, and for each rate the entity's and the company's values per
dimension value (for coverage gaps and product fit). Each query is kept with its purpose,
for the brief's "How this was computed". An area the requester may not see is left out and
said so.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from cortex.answers.formatting import is_missing
from cortex.answers.narrative import additive_metrics
from cortex.answers.wording import cell_text, day_text, period_phrase, scope_of, shown_partials
from cortex.errors import AccessDenied
from semantic_layer.compile import CompiledQuery
from semantic_layer.model import Dimension, Metric
from semantic_layer.query import OrderBy, SemanticQuery
from skills.base import SkillContext, SkillError
from skills.brief.entity import Entity
from skills.brief.findings import Comparison, Finding, coverage_gaps, product_fits
from skills.brief.outline import Area, Rate, defining_columns, dimension_columns

__all__ = ["AreaFigures", "Breakdown", "BriefData", "Computed", "Tile", "gather"]

TREND_RANGE = "last 12 months"
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Computed:
    """One query the brief ran: what it was for, and the compiled query (SQL, provenance)."""

    purpose: str
    compiled: CompiledQuery


@dataclass(frozen=True)
class Tile:
    """One metric of an area: its value over the period, and its monthly trend."""

    metric: Metric
    value: str
    scope: str
    trend: pd.DataFrame | None
    trend_query: CompiledQuery | None


@dataclass(frozen=True)
class Breakdown:
    """An area's metrics by one dimension, as a table of text cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class AreaFigures:
    """What the brief says of one area."""

    area: Area
    tiles: list[Tile] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class BriefData:
    """Everything a brief shows, computed."""

    entity: Entity
    period: str
    trend_period: str
    profile: list[tuple[str, str]]
    areas: list[AreaFigures] = field(default_factory=list)
    gaps: list[Finding] = field(default_factory=list)
    fits: list[Finding] = field(default_factory=list)
    computed: list[Computed] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def lower_label(label: str) -> str:
    """A label inside a sentence: "Resolved tickets" -> "resolved tickets", "ARR" stays."""
    words = label.split()
    if words and not words[0][:2].isupper():
        words[0] = words[0].lower()
    return " ".join(words)


class _Runner:
    """Runs the brief's queries as the requester, keeping each with its purpose."""

    def __init__(self, context: SkillContext, data: BriefData) -> None:
        self.context = context
        self.data = data

    def run(self, purpose: str, query: SemanticQuery) -> tuple[CompiledQuery, pd.DataFrame]:
        outcome = self.context.query(query)
        frame = outcome.result.frame if outcome.result is not None else pd.DataFrame()
        self.data.computed.append(Computed(purpose, outcome.compiled))
        return outcome.compiled, frame


def _row(frame: pd.DataFrame, index: int = 0) -> Mapping[Hashable, object]:
    return frame.to_dict("records")[index]  # per column, so counts stay whole numbers


def _profile(runner: _Runner, entity: Entity) -> list[tuple[str, str]]:
    fields = tuple(
        f"{entity.table.name}.{d.name}" for d in entity.table.dimensions if d != entity.dimension
    )
    if not fields:
        return []
    query = SemanticQuery(dimensions=fields, filters=(entity.condition(),))
    compiled, frame = runner.run(f"The {entity.label}'s profile", query)
    if frame.empty:
        raise SkillError(
            f"I can't see the {entity.label} '{entity.value}' with your access.",
            hint="Ask an admin for access to it, or brief another one you may see.",
        )
    row = _row(frame)
    return [(c.label, cell_text(c, row)) for c in compiled.columns]


def _tiles(
    runner: _Runner, entity: Entity, area: Area, period: str
) -> tuple[list[Tile], CompiledQuery]:
    """The area's metrics over the period, and by month; with the period's query."""
    names = tuple(m.name for m in area.metrics)
    where = (entity.condition(),)
    now, values = runner.run(
        f"{area.title}: each metric over the period",
        SemanticQuery(metrics=names, filters=where, time_range=period),
    )
    trend_query, trend = runner.run(
        f"{area.title}: each metric by month, {TREND_RANGE}",
        SemanticQuery(
            metrics=names, dimensions=("metric_time:month",), filters=where, time_range=TREND_RANGE
        ),
    )
    time = next(c for c in trend_query.columns if c.kind == "dimension")
    columns = {c.name: c for c in now.columns}
    additive = set(additive_metrics(runner.context.workspace.model, names))
    tiles = []
    for metric in area.metrics:
        value = cell_text(columns[metric.name], _row(values)) if not values.empty else "–"
        series = trend[[time.name, metric.name]] if metric.name in trend.columns else None
        if series is not None and series[metric.name].map(is_missing).all():
            series = None
        elif series is not None and metric.name in additive:  # a month without rows is 0
            series = series.fillna({metric.name: 0})
        scope = scope_of(now.provenance, runner.context.workspace.model, metric.name).period
        tiles.append(Tile(metric, value, scope, series, trend_query))
    return tiles, now


def _breakdown(
    runner: _Runner, entity: Entity, area: Area, dimension: Dimension, period: str
) -> Breakdown | None:
    shown = tuple(
        m
        for m in area.breakdown_metrics
        if not (dimension_columns(dimension) & defining_columns(runner.context.workspace.model, m))
    )
    if not shown:
        return None
    label = dimension.label or dimension.name.replace("_", " ").capitalize()
    compiled, frame = runner.run(
        f"{area.title} by {lower_label(label)}",
        SemanticQuery(
            metrics=tuple(m.name for m in shown),
            dimensions=(area.field(dimension),),
            filters=(entity.condition(),),
            time_range=period,
            order_by=(OrderBy(field=shown[0].name, descending=True),),
        ),
    )
    metric_columns = [c.name for c in compiled.columns if c.kind == "metric"]
    frame = frame[~frame[metric_columns].map(lambda v: is_missing(v) or v == 0).all(axis=1)]
    if len(frame) < 2:
        return None
    partials = shown_partials(compiled, frame)
    rows = tuple(
        tuple(cell_text(c, row, partials) for c in compiled.columns)
        for row in frame.to_dict("records")
    )
    return Breakdown(
        title=f"By {lower_label(label)}",
        header=tuple(c.label for c in compiled.columns),
        rows=rows,
    )


def _comparisons(
    runner: _Runner, entity: Entity, rate: Rate, dimension: Dimension, period: str
) -> list[Comparison]:
    metrics = (rate.denominator.name, rate.metric.name)
    field_name = rate.field(dimension)
    label = lower_label(dimension.label or dimension.name.replace("_", " "))
    _, here = runner.run(
        f"{rate.metric.label} by {label}, this {entity.label}",
        SemanticQuery(
            metrics=metrics,
            dimensions=(field_name,),
            filters=(entity.condition(),),
            time_range=period,
        ),
    )
    _, company = runner.run(
        f"{rate.metric.label} by {label}, company-wide",
        SemanticQuery(metrics=metrics, dimensions=(field_name,), time_range=period),
    )
    column = here.columns[0] if not here.empty else dimension.name
    company_rates = {str(row[column]): row[rate.metric.name] for row in company.to_dict("records")}
    out = []
    for row in here.to_dict("records"):
        volume, value = row[rate.denominator.name], row[rate.metric.name]
        other = company_rates.get(str(row[column]))
        out.append(
            Comparison(
                value=str(row[column]),
                volume=0.0 if is_missing(volume) else float(volume),
                rate=None if is_missing(value) else float(value),
                company_rate=None if is_missing(other) else float(other),  # type: ignore[arg-type]
            )
        )
    return out


def _period_text(compiled: CompiledQuery) -> str:
    p = compiled.provenance
    if p.time_start is None or p.time_end is None:
        return f"across all dates (data as of {day_text(p.as_of)})"
    return period_phrase(p.time_start, p.time_end, p.time_period)


def _months(compiled: CompiledQuery) -> float:
    p = compiled.provenance
    if p.time_start is None or p.time_end is None:
        return 1.0
    return max(((p.time_end - p.time_start).days + 1) / _DAYS_PER_MONTH, 1.0)


def gather(
    context: SkillContext, entity: Entity, areas: tuple[Area, ...], period: str
) -> BriefData:
    """Run every query of the brief on `entity` over `period`, as `context.requester`."""
    data = BriefData(entity=entity, period=period, trend_period=TREND_RANGE, profile=[])
    runner = _Runner(context, data)
    data.profile = _profile(runner, entity)
    for area in areas:
        try:
            tiles, now = _tiles(runner, entity, area, period)
            figures = AreaFigures(area, tiles)
            for dimension in area.breakdowns:
                found = _breakdown(runner, entity, area, dimension, period)
                if found is not None:
                    figures.breakdowns.append(found)
            months = _months(now)
            if data.period == period:
                data.period = _period_text(now)
            for rate in area.rates:
                for dimension in rate.dimensions:
                    rows = _comparisons(runner, entity, rate, dimension, period)
                    labels = (
                        rate.metric.label,
                        lower_label(dimension.label or dimension.name.replace("_", " ")),
                        lower_label(rate.denominator.label),
                        lower_label(rate.numerator.label),
                    )
                    lower = rate.metric.better == "lower"
                    data.gaps += coverage_gaps(
                        rows, labels=labels, months=months, lower_is_better=lower
                    )
                    data.fits += product_fits(
                        rows, labels=labels, months=months, lower_is_better=lower
                    )
        except AccessDenied as denied:
            data.left_out.append(f"{area.title}: {denied.message}")
            continue
        data.areas.append(figures)
    return data
