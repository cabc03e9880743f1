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

from semantic_layer.compile import CompiledQuery, OutputColumn

from .errors import InternalError
from .formatting import column_grain, format_dimension, is_missing

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


def _number(value: object) -> float | None:
    if is_missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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


def _other_metrics_note(metrics: Sequence[OutputColumn]) -> list[str]:
    if len(metrics) < 2:
        return []
    others = ", ".join(m.label for m in metrics[1:])
    return [f"Showing {metrics[0].label} only; not plotted: {others}."]


# --------------------------------------------------------------------------- chart shapes


def _line(
    frame: pd.DataFrame,
    time: OutputColumn,
    series: OutputColumn | None,
    metric: OutputColumn,
    notes: list[str],
) -> dict[str, Any] | None:
    grain = column_grain(time.name) or "day"
    columns = [time.name, metric.name] + ([series.name] if series else [])
    rows = frame[columns]
    records: list[dict[str, Any]] = []
    for row in rows.itertuples(index=False):
        values = dict(zip(columns, row, strict=True))
        period, value = _iso(values[time.name]), _number(values[metric.name])
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
    periods = len({r["period"] for r in records})
    unit, period_format = _TIME_UNITS[grain], _PERIOD_FORMATS[grain]
    x = alt.X(
        "period:T",
        timeUnit=unit,
        title=time.label,
        axis=alt.Axis(format=period_format, labelAngle=0),
    )
    y = alt.Y("value:Q", title=axis.title, axis=alt.Axis(format=axis.format))
    tooltip: list[alt.Tooltip] = [
        alt.Tooltip("period:T", timeUnit=unit, title=time.label, format=period_format),
        alt.Tooltip("value:Q", title=axis.title, format=axis.format),
    ]
    data = alt.Data(values=records)  # type: ignore[no-untyped-call]  # altair leaves it untyped
    chart = alt.Chart(data).mark_line(point=periods <= 60)
    encoding: dict[str, Any] = {"x": x, "y": y}
    if series is not None:
        encoding["color"] = alt.Color(
            "series:N", title=series.label, sort=ranked[:MAX_SERIES], legend=alt.Legend()
        )
        tooltip.insert(0, alt.Tooltip("series:N", title=series.label))
    text = f"{metric.label} by {time.label.lower()}"
    if series is not None:
        text += f" and {series.label.lower()}"
    spec: dict[str, Any] = (
        chart.encode(**encoding, tooltip=tooltip)
        .properties(title=_title(text, notes), width=_WIDTH, height=_LINE_HEIGHT)
        .to_dict()
    )
    return spec


def _bars(
    frame: pd.DataFrame, category: OutputColumn, metric: OutputColumn, notes: list[str]
) -> dict[str, Any] | None:
    records: list[dict[str, Any]] = []
    for name, raw in zip(frame[category.name], frame[metric.name], strict=True):
        value = _number(raw)
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
            x=alt.X("value:Q", title=axis.title, axis=alt.Axis(format=axis.format)),
            y=alt.Y("category:N", title=category.label, sort="-x"),
            tooltip=[
                alt.Tooltip("category:N", title=category.label),
                alt.Tooltip("value:Q", title=axis.title, format=axis.format),
            ],
        )
        .properties(
            title=_title(f"{metric.label} by {category.label.lower()}", notes),
            width=_WIDTH,
            height=alt.Step(_BAR_STEP),
        )
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


# --------------------------------------------------------------------------- public API


def chart_spec(compiled: CompiledQuery, frame: pd.DataFrame) -> dict[str, Any] | None:
    """A self-contained Vega-Lite spec (data embedded) for `frame`, the result of `compiled`.

    A line over time (a second dimension as color), horizontal bars for one category (the
    top 20 by value), or None when a chart would not help: a single number, an empty
    result, no metric, or a shape we do not chart (two categories, three dimensions).
    Only the first metric is plotted; the title says which others were left out.
    """
    if frame.empty:
        return None
    metrics = [c for c in compiled.columns if c.kind == "metric" and c.name in frame.columns]
    dimensions = [c for c in compiled.columns if c.kind == "dimension" and c.name in frame.columns]
    if not metrics or not dimensions or len(dimensions) > 2:
        return None
    metric, notes = metrics[0], _other_metrics_note(metrics)
    time = next((d for d in dimensions if column_grain(d.name)), None)
    if time is not None:
        series = next((d for d in dimensions if d is not time), None)
        return _line(frame, time, series, metric, notes)
    if len(dimensions) == 1:
        return _bars(frame, dimensions[0], metric, notes)
    return None


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
