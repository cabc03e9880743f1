"""A chart for a result, as a Vega-Lite spec built with altair from the typed columns alone.

Nothing here evaluates code or expressions from a model: the chart's shape comes from the
columns' kinds and names, its titles from their labels, its axis formats from their formats.
The data is embedded under neutral field names (`period`, `category`, `series`, `value`), so
no name from metrics.yml ever reaches a Vega field expression.

- a time dimension (`…__day|week|month|quarter|year`): a line, a second dimension as color;
- one categorical dimension: horizontal bars sorted by value, the top 20 when there are more;
- a single number, an empty result or more than two dimensions: no chart (None).

`render_png` turns a spec into PNG bytes with vl-convert, offline, without a browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd
import vl_convert

from cortex.answers.formatting import (
    column_grain,
    currency_symbol,
    format_dimension,
    is_missing,
    number_of,
)
from cortex.answers.wording import capitalize, period_name, scope_of, shown_partials, span_text
from cortex.errors import InternalError
from semantic_layer.compile import CompiledQuery, OutputColumn
from semantic_layer.model import SemanticModel

__all__ = ["MAX_BARS", "MAX_SERIES", "ChartError", "chart_spec", "render_png"]

MAX_BARS = 20
MAX_SERIES = 10
_PERIOD_FORMATS = {
    "day": "%Y-%m-%d",
    "week": "%Y-%m-%d",
    "month": "%Y-%m",
    "quarter": "%Y-Q%q",
    "year": "%Y",
}
_AXIS_PERIOD_FORMATS = {
    "day": "%-d %b",
    "week": "%-d %b",
    "month": "%b",
    "quarter": "Q%q %Y",
    "year": "%Y",
}
_TimeUnit = Literal["utcyearmonthdate", "utcyearmonth", "utcyearquarter", "utcyear"]
_TIME_UNITS: dict[str, _TimeUnit] = {
    "day": "utcyearmonthdate",
    "week": "utcyearmonthdate",
    "month": "utcyearmonth",
    "quarter": "utcyearquarter",
    "year": "utcyear",
}
_SECONDS_PER_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_WIDTH = 560
_LINE_HEIGHT = 280
_BAR_STEP = 22


class ChartError(InternalError):
    """A chart could not be rendered; the user sees an apology and a trace id, the log the cause."""


@dataclass(frozen=True)
class _Axis:
    """How the value axis shows the metric: a d3 format, a scale factor and a title."""

    format: str
    divisor: float
    title: str


# --------------------------------------------------------------------------- helpers


def _iso(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(pd.Timestamp(value).date())
    return str(value)


def _value_axis(metric: OutputColumn, values: Sequence[float]) -> _Axis:
    """The metric's format as a d3 format; durations are shown in minutes, hours or days."""
    largest = max((abs(v) for v in values), default=0.0)
    if metric.format == "currency":
        return _Axis("$,.0f" if largest >= 100 else "$,.2f", 1.0, metric.label)
    if metric.format == "percent":
        return _Axis(".0%" if largest >= 0.1 else ".1%", 1.0, metric.label)
    if metric.format == "duration":
        seconds = largest * _SECONDS_PER_UNIT.get(metric.unit or "seconds", 1.0)
        unit = next(
            (
                name
                for name, size in (("days", 172800.0), ("hours", 7200.0), ("minutes", 120.0))
                if seconds >= size
            ),
            "seconds",
        )
        divisor = _SECONDS_PER_UNIT[unit] / _SECONDS_PER_UNIT.get(metric.unit or "seconds", 1.0)
        return _Axis(",.1~f", divisor, f"{metric.label} ({unit})")
    return _Axis(",", 1.0, metric.label)


def _title(text: str, notes: Sequence[str]) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=list(notes)) if notes else alt.TitleParams(text)


def _axis_labels(axis: _Axis) -> str:
    """A Vega label expression (ours, never a model's) that writes large values as people
    read them: `10K`, `$80M`, `1.2B`; smaller ones in the axis's own format."""
    currency = "$" if axis.format.startswith("$") else ""
    short = f"replace(upper(format(datum.value, '{currency}.3~s')), 'G', 'B')"
    return f"abs(datum.value) >= 1000 ? {short} : format(datum.value, '{axis.format}')"


def _value_encoding_axis(axis: _Axis) -> alt.Axis:
    if axis.format.endswith("%"):
        return alt.Axis(format=axis.format)
    return alt.Axis(format=axis.format, labelExpr=_axis_labels(axis))


def _scope_notes(compiled: CompiledQuery, model: SemanticModel | None) -> tuple[str, list[str]]:
    """(the conditions to add to the title, the subtitle lines: the days and the comparison),
    the same words the narrative uses."""
    if model is None:
        return "", []
    scope = scope_of(compiled.provenance, model)
    lines = [capitalize(scope.period)]
    if scope.compared:
        lines.append(f"Compared with {scope.compared.split(' ', 1)[1]}")
    return (f" {scope.conditions}" if scope.conditions else ""), lines


def _other_metrics_note(metrics: Sequence[OutputColumn]) -> list[str]:
    if len(metrics) < 2:
        return []
    others = ", ".join(m.label for m in metrics[1:])
    return [f"Showing {metrics[0].label} only; not plotted: {others}."]


# --------------------------------------------------------------------------- chart shapes


def _time_axis(grain: str, title: str) -> alt.Axis:
    """Period labels people read (`Nov 2026`, `Q4 2026`, `2 Nov`), thinned so none collide;
    months and days name their year only on the first label and in January."""
    short = _AXIS_PERIOD_FORMATS[grain]
    if grain in ("day", "week", "month"):
        label = (
            f"timeFormat(datum.value, datum.index == 0 || (month(datum.value) == 0 && "
            f"date(datum.value) <= 7) ? '{short} %Y' : '{short}')"
        )
    else:
        label = f"timeFormat(datum.value, '{short}')"
    return alt.Axis(
        format=short,
        labelExpr=label,
        labelAngle=0,
        labelOverlap="greedy",
        labelSeparation=8,
        labelFlush=True,
        title=title,
    )


def _with_partial_segments(
    records: list[dict[str, Any]], partial: dict[str, str]
) -> list[dict[str, Any]]:
    """Each record tagged with the part of the line it belongs to: `whole`, or `partial` for
    a period the answer covers only in part (with `covers`, its days). The whole point next
    to a partial one is repeated in the partial part, so the dashed stretch joins the line."""
    tagged = [
        {**r, "part": "partial", "stretch": r["period"], "covers": partial[r["period"]]}
        if r["period"] in partial
        else {**r, "part": "whole", "stretch": "whole"}
        for r in records
    ]
    bridges: list[dict[str, Any]] = []
    for series in dict.fromkeys(r.get("series") for r in tagged):
        line = sorted((r for r in tagged if r.get("series") == series), key=lambda r: r["period"])
        for index, record in enumerate(line):
            if record["part"] != "partial":
                continue
            record["edge"] = "start" if index == 0 else "end"
            for neighbour in line[max(index - 1, 0) : index + 2]:
                if neighbour["part"] == "whole":
                    bridges.append(
                        {**neighbour, "part": "partial", "stretch": record["period"], "bridge": 1}
                    )
    return tagged + bridges


def _line(
    frame: pd.DataFrame,
    time: OutputColumn,
    series: OutputColumn | None,
    metric: OutputColumn,
    notes: list[str],
    compiled: CompiledQuery,
    title: str,
) -> dict[str, Any] | None:
    grain = column_grain(time.name) or "day"
    columns = [time.name, metric.name] + ([series.name] if series else [])
    rows = frame[columns]
    records: list[dict[str, Any]] = []
    for row in rows.itertuples(index=False):
        values = dict(zip(columns, row, strict=True))
        period, value = _iso(values[time.name]), number_of(values[metric.name])
        if period is None or value is None:
            continue
        record: dict[str, Any] = {"period": period, "value": value}
        if series is not None:
            record["series"] = format_dimension(values[series.name])
        records.append(record)
    if not records:
        return None
    ranked: list[str] = []
    if series is not None:
        means: dict[str, list[float]] = {}
        for record in records:
            means.setdefault(record["series"], []).append(record["value"])
        ranked = sorted(means, key=lambda name: -sum(means[name]) / len(means[name]))
        if len(ranked) > MAX_SERIES:
            keep = set(ranked[:MAX_SERIES])
            records = [r for r in records if r["series"] in keep]
            notes.append(
                f"Top {MAX_SERIES} of {len(ranked)} {series.label.lower()} values by average."
            )
    axis = _value_axis(metric, [r["value"] for r in records])
    if axis.divisor != 1.0:
        records = [{**r, "value": r["value"] / axis.divisor} for r in records]
    partial = {
        p.start.isoformat(): span_text(p.first, p.last)
        for p in shown_partials(compiled, frame)
        if p.column == time.name
    }
    shown = {r["period"] for r in records}
    for start, covers in partial.items():
        if start in shown:
            name = capitalize(period_name(date.fromisoformat(start), grain))
            notes.append(f"{name} is partial ({covers}): dashed.")
    records = _with_partial_segments(records, partial)
    periods = len(shown)
    unit = _TIME_UNITS[grain]
    x = alt.X("period:T", timeUnit=unit, title=time.label, axis=_time_axis(grain, time.label))
    y = alt.Y("value:Q", title=axis.title, axis=_value_encoding_axis(axis))
    tooltip: list[alt.Tooltip] = [
        alt.Tooltip("period:T", timeUnit=unit, title=time.label, format=_PERIOD_FORMATS[grain]),
        alt.Tooltip("value:Q", title=axis.title, format=axis.format),
    ]
    if partial:
        tooltip.append(alt.Tooltip("covers:N", title="Partial: covers"))
    data = alt.Data(values=records)  # type: ignore[no-untyped-call]  # altair leaves it untyped
    encoding: dict[str, Any] = {"x": x, "y": y}
    if series is not None:
        encoding["color"] = alt.Color(
            "series:N", title=series.label, sort=ranked[:MAX_SERIES], legend=alt.Legend()
        )
        tooltip.insert(0, alt.Tooltip("series:N", title=series.label))
    detail = [alt.Detail("stretch:N")] + ([alt.Detail("series:N")] if series is not None else [])
    dash = alt.StrokeDash(
        "part:N",
        scale=alt.Scale(domain=["whole", "partial"], range=[[1, 0], [5, 4]]),
        legend=None,
    )
    base = alt.Chart(data).encode(**encoding)
    line = base.mark_line().encode(strokeDash=dash, detail=detail)
    points = (
        base.mark_point(filled=True, size=40 if periods <= 60 else 0)
        .encode(tooltip=tooltip)
        .transform_filter("!datum.bridge")
    )
    layers: list[Any] = [line, points]
    labelled = f"datum.series == '{ranked[0]}'" if ranked else "true"  # one label a period
    edges: tuple[tuple[str, Literal["left", "right"]], ...] = (("start", "left"), ("end", "right"))
    for edge, align in edges:
        layers.append(
            base.mark_text(dy=-12, fontSize=11, fontStyle="italic", align=align)
            .encode(text=alt.value("partial"))
            .transform_filter(f"datum.edge == '{edge}' && !datum.bridge && {labelled}")
        )
    text = f"{metric.label}{title} by {time.label.lower()}"
    if series is not None:
        text += f" and {series.label.lower()}"
    spec: dict[str, Any] = (
        alt.layer(*layers)
        .properties(title=_title(text, notes), width=_WIDTH, height=_LINE_HEIGHT)
        .to_dict()
    )
    return spec


def _bars(
    frame: pd.DataFrame,
    category: OutputColumn,
    metric: OutputColumn,
    notes: list[str],
    title: str,
) -> dict[str, Any] | None:
    records: list[dict[str, Any]] = []
    for name, raw in zip(frame[category.name], frame[metric.name], strict=True):
        value = number_of(raw)
        if value is not None:
            records.append({"category": format_dimension(name), "value": value})
    if not records:
        return None
    records.sort(key=lambda r: -r["value"])
    if len(records) > MAX_BARS:
        notes.append(f"Top {MAX_BARS} of {len(records)} {category.label.lower()} values.")
        records = records[:MAX_BARS]
    axis = _value_axis(metric, [r["value"] for r in records])
    if axis.divisor != 1.0:
        records = [{**r, "value": r["value"] / axis.divisor} for r in records]
    chart = (
        alt.Chart(alt.Data(values=records))  # type: ignore[no-untyped-call]  # untyped in altair
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=axis.title, axis=_value_encoding_axis(axis)),
            y=alt.Y("category:N", title=category.label, sort="-x"),
            tooltip=[
                alt.Tooltip("category:N", title=category.label),
                alt.Tooltip("value:Q", title=axis.title, format=axis.format),
            ],
        )
        .properties(
            title=_title(f"{metric.label}{title} by {category.label.lower()}", notes),
            width=_WIDTH,
            height=alt.Step(_BAR_STEP),
        )
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


# --------------------------------------------------------------------------- public API


def chart_spec(
    compiled: CompiledQuery, frame: pd.DataFrame, model: SemanticModel | None = None
) -> dict[str, Any] | None:
    """A self-contained Vega-Lite spec (data embedded) for `frame`, the result of `compiled`.

    A line over time (a second dimension as color), horizontal bars for one category (the
    top 20 by value), or None when a chart would not help: a single number, an empty
    result, no metric, or a shape we do not chart (two categories, three dimensions).
    Only the first metric is plotted; the title says which others were left out. With the
    `model`, the title names the conditions and the subtitle the days, as the narrative
    does; a period the answer covers only in part is drawn dashed and labelled "partial".
    """
    if frame.empty:
        return None
    metrics = [c for c in compiled.columns if c.kind == "metric" and c.name in frame.columns]
    dimensions = [c for c in compiled.columns if c.kind == "dimension" and c.name in frame.columns]
    if not metrics or not dimensions or len(dimensions) > 2:
        return None
    conditions, scope = _scope_notes(compiled, model)
    metric, notes = metrics[0], [*scope, *_other_metrics_note(metrics)]
    time = next((d for d in dimensions if column_grain(d.name)), None)
    spec: dict[str, Any] | None = None
    if time is not None:
        series = next((d for d in dimensions if d is not time), None)
        spec = _line(frame, time, series, metric, notes, compiled, conditions)
    elif len(dimensions) == 1:
        spec = _bars(frame, dimensions[0], metric, notes, conditions)
    if spec is not None and metric.format == "currency":
        symbol = currency_symbol(metric.unit)  # d3's "$" format writes the locale's currency
        number = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": [symbol, ""]}
        spec.setdefault("config", {})["locale"] = {"number": number}
    return spec


def _vl_version(spec: dict[str, Any]) -> str | None:
    """The Vega-Lite version the spec was written for, if vl-convert bundles it."""
    found = re.search(r"/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    if found is None:
        return None
    version = f"{found[1]}.{found[2]}"
    return version if version in vl_convert.get_vegalite_versions() else None


def render_png(spec: dict[str, Any], *, scale: float = 1.0) -> bytes:
    """`spec` as PNG bytes, rendered offline by vl-convert; external data URLs are refused.

    Raises ChartError when the spec cannot be rendered or `scale` is not positive.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise ChartError(f"Cannot render a chart at scale {scale!r}: the scale must be above 0.")
    try:
        return vl_convert.vegalite_to_png(
            spec, vl_version=_vl_version(spec), scale=scale, allowed_base_urls=[]
        )
    except Exception as exc:  # vl-convert raises plain ValueErrors, and panics as others
        raise ChartError(f"Could not render the chart as PNG: {exc}") from exc
