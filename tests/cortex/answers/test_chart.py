"""A chart is built from the result's typed columns: its shape, titles, formats and data."""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import vl_convert

from cortex.answers.chart import MAX_BARS, ChartError, chart_spec, render_png
from cortex.errors import CortexError
from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from tests.semantic_layer.conftest import TINY_AS_OF, TINY_COMPANY

ROOT = Path(__file__).resolve().parents[3]
Q1 = "2026-01-01..2026-03-31"


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def tiny() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(TINY_COMPANY)
    yield con
    con.close()


def result(
    con: duckdb.DuckDBPyConnection, model: SemanticModel, as_of: date = TINY_AS_OF, **fields: Any
) -> tuple[CompiledQuery, pd.DataFrame]:
    if "where" in fields:
        fields["filters"] = [f.model_dump() for f in parse_where(fields.pop("where"))]
    compiled = compile_query(SemanticQuery.model_validate(fields), model, as_of=as_of)
    return compiled, con.execute(compiled.sql).df()


def spec_for(con: duckdb.DuckDBPyConnection, model: SemanticModel, **fields: Any) -> dict[str, Any]:
    spec = chart_spec(*result(con, model, **fields), model)
    assert spec is not None
    return spec


def mark(spec: dict[str, Any]) -> str:
    """The mark of a chart; a layered line chart's first layer draws the line."""
    found = spec["layer"][0]["mark"] if "layer" in spec else spec["mark"]
    return str(found["type"] if isinstance(found, dict) else found)


def encoding(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["layer"][0]["encoding"] if "layer" in spec else spec["encoding"]
    return found


def plotted(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The data points drawn, without the copies that join a dashed stretch to the line."""
    return [
        {k: v for k, v in r.items() if k in ("period", "value", "series", "category")}
        for r in spec["data"]["values"]
        if not r.get("bridge")
    ]


def svg_texts(spec: dict[str, Any]) -> list[tuple[float, float, str]]:
    """The texts a person sees on the rendered chart (Vega hides a label that would collide
    with opacity 0), each with its left and right edge, at ~6 px a character of 10 px text."""
    svg = vl_convert.vegalite_to_svg(spec)
    shown = []
    for attributes, text in re.findall(r"<text([^>]*)>([^<]*)<", svg):
        if 'opacity="0"' in attributes:
            continue
        x = float(re.search(r"translate\(([-\d.]+),", attributes).group(1))  # type: ignore[union-attr]
        width = 6.0 * len(html.unescape(text))
        anchor = re.search(r'text-anchor="(\w+)"', attributes)
        left = {"start": x, "end": x - width}.get(anchor.group(1) if anchor else "", x - width / 2)
        shown.append((left, left + width, html.unescape(text)))
    return shown


def test_arr_by_month_is_a_line_with_iso_dates_and_labelled_axes(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["arr"], dimensions=["metric_time:month"], time_range=Q1)
    assert mark(spec) == "line"
    assert plotted(spec) == [
        {"period": "2026-01-01", "value": 135000.0},
        {"period": "2026-02-01", "value": 125000.0},
        {"period": "2026-03-01", "value": 132000.0},
    ]
    x, y = encoding(spec)["x"], encoding(spec)["y"]
    assert (x["type"], x["title"], x["axis"]["format"]) == ("temporal", "Month", "%b")
    assert (y["type"], y["title"], y["axis"]["format"]) == ("quantitative", "ARR", "$,.0f")
    assert "color" not in encoding(spec)
    assert spec["title"]["text"] == "ARR by month"
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_arr_by_segment_is_horizontal_bars_sorted_descending(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["arr"], dimensions=["segment"])
    assert mark(spec) == "bar"
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (x["field"], x["type"], x["title"]) == ("value", "quantitative", "ARR")
    assert (y["field"], y["type"], y["title"], y["sort"]) == (
        "category",
        "nominal",
        "Segment",
        "-x",
    )
    assert spec["data"]["values"] == [
        {"category": "Enterprise", "value": 120000.0},
        {"category": "Mid-Market", "value": 8000.0},
        {"category": "SMB", "value": 4000.0},
    ]


def test_by_month_and_segment_colors_the_lines_by_segment(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(
        tiny, model, metrics=["arr"], dimensions=["metric_time:month", "segment"], time_range=Q1
    )
    assert mark(spec) == "line"
    color = encoding(spec)["color"]
    assert (color["field"], color["type"], color["title"]) == ("series", "nominal", "Segment")
    assert {"period": "2026-03-01", "value": 8000.0, "series": "Mid-Market"} in plotted(spec)
    assert spec["title"]["text"] == "ARR by month and segment"


def test_only_the_first_metric_is_plotted_and_the_title_says_so(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["arr", "csat"], dimensions=["segment"])
    assert spec["encoding"]["x"]["title"] == "ARR"
    assert spec["title"]["subtitle"] == [
        "As of 31 Mar 2026",
        "Showing ARR only; not plotted: CSAT (average).",
    ]


def test_a_single_number_has_no_chart(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled, frame = result(tiny, model, metrics=["arr"], time_range="2026-03")
    assert len(frame) == 1
    assert chart_spec(compiled, frame) is None


def test_an_empty_result_has_no_chart(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled, frame = result(tiny, model, metrics=["arr"], dimensions=["segment"])
    assert chart_spec(compiled, frame.iloc[0:0]) is None


def test_a_percent_metric_gets_a_percent_axis(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["ai_automation_rate"], dimensions=["channel"])
    assert spec["encoding"]["x"]["axis"]["format"] == ".0%"


def test_a_duration_in_seconds_is_shown_in_a_readable_unit(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["first_response_time_avg"], dimensions=["channel"])
    x = spec["encoding"]["x"]
    assert x["title"].endswith("(hours)")
    email = next(v for v in spec["data"]["values"] if v["category"] == "email")
    assert email["value"] == pytest.approx(3.0)  # 2h, 6h and 1h first responses, in hours


def test_long_category_lists_are_capped_at_the_top_20(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled, frame = result(tiny, model, metrics=["arr"], dimensions=["segment"])
    many = pd.DataFrame({"segment": [f"S{i:02d}" for i in range(25)], "arr": range(25)})
    spec = chart_spec(compiled, many.astype({"arr": frame["arr"].dtype}), model)
    assert spec is not None
    values = spec["data"]["values"]
    assert len(values) == MAX_BARS
    assert values[0] == {"category": "S24", "value": 24.0}
    assert values[-1]["category"] == "S05"
    assert spec["title"]["subtitle"] == ["As of 31 Mar 2026", "Top 20 of 25 segment values."]


def test_render_png_draws_a_plausible_png(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(
        tiny, model, metrics=["arr"], dimensions=["metric_time:month", "segment"], time_range=Q1
    )
    png = render_png(spec)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 5_000 < len(png) < 2_000_000
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert 500 < width < 1_200 and 250 < height < 800
    double = render_png(spec, scale=2.0)
    assert struct.unpack(">II", double[16:24]) == (2 * width, 2 * height)


def test_render_png_fails_with_a_chart_error() -> None:
    with pytest.raises(ChartError, match="Could not render") as raised:
        render_png({"mark": "bar", "encoding": {"x": {"field": "a", "type": "no-such-type"}}})
    assert isinstance(raised.value, CortexError)
    assert "trace id" in raised.value.user_message
    with pytest.raises(ChartError, match="scale"):
        render_png({"mark": "bar"}, scale=0)


def test_the_title_names_the_conditions_and_the_subtitle_the_days_as_the_sentence_does(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(
        tiny,
        model,
        metrics=["ticket_volume"],
        dimensions=["metric_time:month"],
        where="channel = 'email'",
        time_range=Q1,
    )
    assert spec["title"]["text"] == "Ticket volume for email by month"
    assert spec["title"]["subtitle"][0] == "In Q1 2026"
    bars = spec_for(tiny, model, metrics=["arr"], dimensions=["region"], where="segment = 'SMB'")
    assert bars["title"]["text"] == "ARR for SMB by region"
    assert bars["title"]["subtitle"] == ["As of 31 Mar 2026"]


def test_large_values_are_labelled_as_people_read_them(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled, frame = result(tiny, model, metrics=["arr"], dimensions=["segment"])
    big = frame.assign(arr=frame["arr"].astype(float) * 700)  # $84M, $5.6M, $2.8M
    spec = chart_spec(compiled, big, model)
    assert spec is not None
    labels = [text for _, _, text in svg_texts(spec)]
    assert "$80M" in labels and "$0" in labels
    assert not any("e+" in text or ",000,000" in text for text in labels)
    count_spec = spec_for(tiny, model, metrics=["ticket_volume"], dimensions=["channel"])
    compiled, frame = result(tiny, model, metrics=["ticket_volume"], dimensions=["channel"])
    many = chart_spec(compiled, frame.assign(ticket_volume=frame["ticket_volume"] * 5000), model)
    assert many is not None and count_spec is not None
    counts = [text for _, _, text in svg_texts(many)]
    assert "10K" in counts and not any("e+" in text for text in counts)


def test_month_labels_of_a_long_series_never_collide(model: SemanticModel) -> None:
    compiled = compile_query(
        SemanticQuery(
            metrics=("ticket_volume",),
            dimensions=("metric_time:month",),
            time_range="2023-01-01..2026-03-31",
        ),
        model,
        as_of=TINY_AS_OF,
    )
    months = pd.date_range("2023-01-01", "2026-03-01", freq="MS")
    frame = pd.DataFrame({"metric_time__month": months, "ticket_volume": range(len(months))})
    spec = chart_spec(compiled, frame, model)
    assert spec is not None
    labels = [t for t in svg_texts(spec) if re.fullmatch(r"[A-Z][a-z]{2}( \d{4})?", t[2])]
    assert len(labels) >= 6
    assert labels[0][2] == "Jan 2023"
    assert sum(" 20" in text for _, _, text in labels) >= 3  # each January names its year
    for before, after in zip(labels, labels[1:], strict=False):
        assert before[1] + 2 < after[0], (before, after)


def test_a_period_the_answer_covers_in_part_is_dashed_and_labelled_partial(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled, frame = result(
        tiny,
        model,
        as_of=date(2026, 3, 16),
        metrics=["ticket_volume"],
        dimensions=["metric_time:month"],
        time_range="2026-01-01..2026-03-16",
    )
    spec = chart_spec(compiled, frame, model)
    assert spec is not None
    march = [r for r in spec["data"]["values"] if r["period"] == "2026-03-01"]
    assert [(r["part"], r["covers"]) for r in march] == [("partial", "1–16 Mar 2026")]
    dash = spec["layer"][0]["encoding"]["strokeDash"]
    assert dash["scale"]["domain"] == ["whole", "partial"]
    assert "March 2026 is partial (1–16 Mar 2026): dashed." in spec["title"]["subtitle"]
    assert "partial" in [text for _, _, text in svg_texts(spec)]
    whole = chart_spec(
        *result(
            tiny, model, metrics=["ticket_volume"], dimensions=["metric_time:month"], time_range=Q1
        ),
        model,
    )
    assert whole is not None
    assert {r["part"] for r in whole["data"]["values"]} == {"whole"}
