"""The narrative says what the numbers say, in each metric's format, from the result alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cortex.narrative import narrate
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from tests.semantic_layer.conftest import TINY_AS_OF, TINY_COMPANY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


@pytest.fixture()
def tiny() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(TINY_COMPANY)
    yield con
    con.close()


def story(con: duckdb.DuckDBPyConnection, model: SemanticModel, **fields: Any) -> str:
    compiled = compile_query(SemanticQuery.model_validate(fields), model, as_of=TINY_AS_OF)
    frame = con.execute(compiled.sql).df()
    return narrate(compiled, frame, additive=("arr", "ticket_volume"))


def test_a_breakdown_names_the_leader_its_share_and_the_laggard(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], dimensions=["segment"])
    assert text == "Enterprise leads with $120,000 (91% of $132,000). SMB is lowest at $4,000."


def test_a_ratio_breakdown_shows_no_total(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["csat"], dimensions=["segment"])
    assert text == "Enterprise leads with 4.00. SMB is lowest at 2.50."


def test_a_series_says_where_it_started_ended_and_peaked(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny,
        model,
        metrics=["arr"],
        dimensions=["metric_time:month"],
        time_range="2026-01-01..2026-03-31",
    )
    assert text == (
        "ARR went from $135,000 in 2026-01 to $132,000 in 2026-03 (down 2.2%). "
        "It peaked at $135,000 in 2026-01."
    )


def test_a_single_number_with_its_change(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], time_range="2026-03", compare="previous_period")
    assert text.startswith("ARR is $132,000, up 5.6% from $125,000 (2026-03")


def test_a_percentage_changes_in_points(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny, model, metrics=["ai_automation_rate"], time_range="2026-02", compare="previous_period"
    )
    assert text.startswith("AI automation rate is 50.0%, flat 0.0 points from 50.0%")


def test_no_rows_says_how_to_widen_the_question(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny,
        model,
        metrics=["ticket_volume"],
        dimensions=["segment"],
        filters=[f.model_dump() for f in parse_where("channel = 'voice'")],
    )
    assert text == "No rows match this question; try a wider time range or fewer filters."


def test_without_a_range_a_snapshot_is_as_of_the_day_and_a_flow_is_all_time(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    assert story(tiny, model, metrics=["arr"]) == "ARR is $132,000 (as of 2026-03-31)."
    assert story(tiny, model, metrics=["ticket_volume"]) == "Ticket volume is 6 (all time)."
