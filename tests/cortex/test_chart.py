"""A chart is built from the result's typed columns: its shape, titles, formats and data."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from cortex.chart import MAX_BARS, ChartError, chart_spec, render_png
from cortex.errors import CortexError
from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from tests.semantic_layer.conftest import TINY_AS_OF, TINY_COMPANY

ROOT = Path(__file__).resolve().parents[2]
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
    con: duckdb.DuckDBPyConnection, model: SemanticModel, **fields: Any
) -> tuple[CompiledQuery, pd.DataFrame]:
    compiled = compile_query(SemanticQuery.model_validate(fields), model, as_of=TINY_AS_OF)
    return compiled, con.execute(compiled.sql).df()


def spec_for(con: duckdb.DuckDBPyConnection, model: SemanticModel, **fields: Any) -> dict[str, Any]:
    spec = chart_spec(*result(con, model, **fields))
    assert spec is not None
    return spec


def mark(spec: dict[str, Any]) -> str:
    found = spec["mark"]
    return str(found["type"] if isinstance(found, dict) else found)


def test_arr_by_month_is_a_line_with_iso_dates_and_labelled_axes(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["arr"], dimensions=["metric_time:month"], time_range=Q1)
    assert mark(spec) == "line"
    assert spec["data"]["values"] == [
        {"period": "2026-01-01", "value": 135000.0},
        {"period": "2026-02-01", "value": 125000.0},
        {"period": "2026-03-01", "value": 132000.0},
    ]
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (x["type"], x["title"], x["axis"]["format"]) == ("temporal", "Month", "%Y-%m")
    assert (y["type"], y["title"], y["axis"]["format"]) == ("quantitative", "ARR", "$,.0f")
    assert "color" not in spec["encoding"]
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
    color = spec["encoding"]["color"]
    assert (color["field"], color["type"], color["title"]) == ("series", "nominal", "Segment")
    assert {"period": "2026-03-01", "value": 8000.0, "series": "Mid-Market"} in spec["data"][
        "values"
    ]
    assert spec["title"]["text"] == "ARR by month and segment"


def test_only_the_first_metric_is_plotted_and_the_title_says_so(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    spec = spec_for(tiny, model, metrics=["arr", "csat"], dimensions=["segment"])
    assert spec["encoding"]["x"]["title"] == "ARR"
    assert spec["title"]["subtitle"] == ["Showing ARR only; not plotted: CSAT (average)."]


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
    spec = chart_spec(compiled, many.astype({"arr": frame["arr"].dtype}))
    assert spec is not None
    values = spec["data"]["values"]
    assert len(values) == MAX_BARS
    assert values[0] == {"category": "S24", "value": 24.0}
    assert values[-1]["category"] == "S05"
    assert spec["title"]["subtitle"] == ["Top 20 of 25 segment values."]


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
