"""The narrative says what the numbers say, in each metric's format, from the result alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cortex.answers.formatting import format_cell
from cortex.answers.narrative import narrate
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from tests.semantic_layer.conftest import TINY_AS_OF, TINY_COMPANY

ROOT = Path(__file__).resolve().parents[3]
#: ARR by month over the tiny company's first quarter: a series the trend tests share
ARR_BY_MONTH_Q1: dict[str, Any] = {
    "metrics": ["arr"],
    "dimensions": ["metric_time:month"],
    "time_range": "2026-01-01..2026-03-31",
}


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
    if "where" in fields:
        fields["filters"] = [f.model_dump() for f in parse_where(fields.pop("where"))]
    compiled = compile_query(SemanticQuery.model_validate(fields), model, as_of=TINY_AS_OF)
    frame = con.execute(compiled.sql).df()
    return narrate(compiled, frame, model)


def test_a_breakdown_names_the_highest_its_share_and_the_lowest(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], dimensions=["segment"])
    assert text == (
        "ARR as of 31 Mar 2026: Enterprise is highest at $120K (91% of $132K); "
        "SMB is lowest at $4,000."
    )


def test_a_breakdown_of_one_row_names_no_highest_or_lowest(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], dimensions=["segment"], where="segment = 'SMB'")
    assert text == "ARR for SMB as of 31 Mar 2026: SMB only, at $4,000."


def test_a_ratio_breakdown_shows_no_total(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["csat"], dimensions=["segment"])
    assert text == (
        "CSAT (average) across all dates (data as of 31 Mar 2026): Enterprise is highest at "
        "4.00; SMB is lowest at 2.50."
    )


def test_a_breakdown_does_not_call_the_highest_value_the_leader(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    # more is not better for every metric: a response time is best when lowest
    text = story(tiny, model, metrics=["first_response_time"], dimensions=["channel"])
    assert "leads" not in text
    assert ": email is highest at 2h 00m; chat is lowest at 45s." in text


def test_a_series_says_where_it_started_ended_and_peaked(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, **ARR_BY_MONTH_Q1)
    assert text == (
        "ARR went from $135K in January 2026 to $132K in March 2026, down 2.2%. "
        "It was highest in January 2026, at $135K."
    )


def test_a_series_ranked_by_its_value_is_still_told_in_time_order(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    ranked = story(tiny, model, **ARR_BY_MONTH_Q1, order_by=[{"field": "arr", "descending": False}])
    assert ranked == story(tiny, model, **ARR_BY_MONTH_Q1)


def test_the_periods_a_ranking_keeps_are_no_trend_only_its_two_ends(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny, model, **ARR_BY_MONTH_Q1, order_by=[{"field": "arr", "descending": True}], limit=2
    )
    assert text.startswith("ARR in ")
    assert ", top 2 by month: highest in January 2026, at $135K; lowest of these in " in text
    assert "went from" not in text


def test_a_single_number_with_its_change_names_both_periods(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], time_range="2026-03", compare="previous_period")
    assert text == "ARR is $132K as of 31 Mar 2026, up 5.6% from $125K in February 2026."


def test_a_percentage_changes_in_points_never_in_percent(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny, model, metrics=["ai_automation_rate"], time_range="2026-02", compare="previous_period"
    )
    assert text.startswith("AI automation rate was 50.0% in February 2026, ")
    assert "points" in text or "unchanged" in text
    assert "%" not in text.split(", ", 1)[1].replace("50.0%", "").replace("0.0%", "")


def test_no_rows_says_what_was_asked_and_how_to_widen_it(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny, model, metrics=["ticket_volume"], dimensions=["segment"], where="channel = 'voice'"
    )
    assert text == (
        "No rows match Ticket volume for voice across all dates (data as of 31 Mar 2026); "
        "try a wider time range or fewer filters."
    )


def test_without_a_range_a_snapshot_is_as_of_the_day_and_a_flow_covers_all_dates(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    assert story(tiny, model, metrics=["arr"]) == "ARR is $132K as of 31 Mar 2026."
    assert story(tiny, model, metrics=["ticket_volume"]) == (
        "Ticket volume is 6 across all dates (data as of 31 Mar 2026)."
    )


def test_the_sentence_states_every_filter_and_the_days(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    assert story(tiny, model, metrics=["pipeline_amount"], where="segment = 'SMB'") == (
        "Open pipeline for SMB is $40K across all dates (data as of 31 Mar 2026)."
    )
    text = story(
        tiny,
        model,
        metrics=["ticket_volume"],
        where="channel IN ('email', 'chat') AND handed_over = FALSE",
        time_range="2026-01",
    )
    assert text == "Ticket volume for email or chat where not handed over was 2 in January 2026."


def test_a_label_that_names_several_things_takes_a_plural_verb(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    assert story(tiny, model, metrics=["bookings"], time_range="2026-02").startswith(
        "Bookings were $50K in February 2026"
    )
    assert story(tiny, model, metrics=["won_deals"], time_range="2026").startswith(
        "Deals won are 2 in 2026 through 31 Mar"
    )


def test_a_sentence_starts_with_a_capital_even_when_a_value_comes_first(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny,
        model,
        metrics=["ticket_volume"],
        dimensions=["metric_time:month", "channel"],
        time_range="2026-01-01..2026-03-31",
    )
    assert text[0].isupper()
    assert all(sentence[0].isupper() for sentence in text.split(". ") if sentence)


def test_a_sentence_never_nests_parentheses(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    texts = [
        story(tiny, model, metrics=["first_response_time"], dimensions=["channel"]),
        story(tiny, model, metrics=["ticket_volume"], dimensions=["channel"]),
        story(tiny, model, metrics=["csat"], time_range="2026-Q1", compare="previous_year"),
    ]
    for text in texts:
        depth = 0
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            assert depth <= 1, text


def test_a_period_still_running_is_named_apart_and_never_compared_with_a_whole_one(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled = compile_query(
        SemanticQuery(metrics=("ticket_volume",), dimensions=("metric_time:month",)),
        model,
        as_of=date(2026, 3, 16),
    )
    text = narrate(compiled, tiny.execute(compiled.sql).df(), model)
    assert text == (
        "Ticket volume went from 2 in January 2026 to 2 in February 2026, unchanged. "
        "March 2026 covers 1–16 Mar 2026 only: 2."
    )


def test_a_change_of_a_percentage_is_shown_in_points_in_the_table(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    compiled = compile_query(
        SemanticQuery(
            metrics=("ai_automation_rate",), time_range="2026-02", compare="previous_period"
        ),
        model,
        as_of=TINY_AS_OF,
    )
    row = tiny.execute(compiled.sql).df().iloc[0]
    shown = {c.name: format_cell(c, row[c.name]) for c in compiled.columns}
    assert shown["ai_automation_rate__change"].endswith(" pts")
    assert shown["ai_automation_rate__change_pct"].endswith("%")


def test_a_ranking_says_it_keeps_the_top_rows_and_gives_no_share_of_them(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    top = story(
        tiny,
        model,
        metrics=["ticket_volume"],
        dimensions=["channel"],
        order_by=[{"field": "ticket_volume", "descending": True}],
        limit=2,
    )
    assert top.startswith("Ticket volume across all dates (data as of 31 Mar 2026), top 2 by ")
    assert "% of" not in top
    bottom = story(
        tiny,
        model,
        metrics=["csat"],
        dimensions=["segment"],
        order_by=[{"field": "csat", "descending": False}],
        limit=1,
    )
    assert ", bottom 1 by segment: " in bottom


def test_a_value_left_out_is_said_as_excluded(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["arr"], where="segment != 'Enterprise'")
    assert text == "ARR excluding Enterprise is $12K as of 31 Mar 2026."


def test_each_metric_keeps_its_own_kind_of_period(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    # a count over March beside a snapshot: the count is not "on 31 Mar"
    text = story(tiny, model, metrics=["ticket_volume", "arr"], time_range="2026-03")
    assert text == "Ticket volume is 2 in March 2026; ARR is $132K as of 31 Mar 2026."


def test_no_rows_counted_is_said_as_no_value_never_a_dash(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, metrics=["csat"], where="channel = 'sms'")
    assert text == "CSAT (average) for sms has no value across all dates (data as of 31 Mar 2026)."


def test_a_count_compared_with_before_stays_a_whole_number(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(
        tiny, model, metrics=["ticket_volume"], time_range="2026-02", compare="previous_period"
    )
    assert text == "Ticket volume was 2 in February 2026, unchanged from 2 in January 2026."


def test_a_listing_says_how_many_rows_of_what_for_which_conditions(
    tiny: duckdb.DuckDBPyConnection, model: SemanticModel
) -> None:
    text = story(tiny, model, dimensions=["account_name", "account_owner"], where="segment = 'SMB'")
    assert text == "2 rows of account and account owner for SMB (data as of 31 Mar 2026)."
    text = story(tiny, model, dimensions=["account_name"], limit=1)
    assert text == "The first row of account (data as of 31 Mar 2026)."
    text = story(tiny, model, dimensions=["account_name"], time_range="2026-Q1")
    assert text == "2 rows of account in Q1 2026."
    text = story(tiny, model, dimensions=["account_name"], where="region = 'Mars'")
    assert (
        text
        == "No account match for Mars (data as of 31 Mar 2026); try fewer filters or a wider range."
    )
