"""Soundness: each known trap of metric SQL, pinned to numbers worked out by hand.

Every case runs the compiled SQL on the tiny company of conftest.py (as of 2026-03-31). Where a
naive query would give a different number, the test shows that too, so the trap is real. Never
weaken one of these tests: each stands for a silent wrong answer.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
import sqlglot

from semantic_layer.compile import DIALECTS, compile_query
from semantic_layer.errors import QueryError
from semantic_layer.model import Metric, SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from tests.semantic_layer.conftest import TINY_AS_OF, Run


def _plain(value: object) -> object:
    return None if pd.isna(value) else value  # type: ignore[call-overload]


def as_dict(frame: pd.DataFrame, key: str, value: str) -> dict[object, object]:
    pairs = zip(frame[key], frame[value], strict=True)
    return {_plain(k): _plain(v) for k, v in pairs}


def months(frame: pd.DataFrame, value: str) -> dict[str, object]:
    return {
        pd.Timestamp(k).strftime("%Y-%m"): (None if pd.isna(v) else v)
        for k, v in zip(frame["metric_time__month"], frame[value], strict=True)
    }


# ---------------------------------------------------------------- fan-out


def test_tickets_and_arr_by_segment_do_not_multiply_each_other(
    tiny: Run, tiny_con: duckdb.DuckDBPyConnection
) -> None:
    frame = tiny("ticket_volume", "arr", dimensions=["segment"])
    assert as_dict(frame, "segment", "ticket_volume") == {
        "Enterprise": 3,
        "SMB": 3,
        "Mid-Market": 0,
    }
    assert as_dict(frame, "segment", "arr") == {
        "Enterprise": 120000,
        "SMB": 4000,
        "Mid-Market": 8000,
    }
    naive = tiny_con.execute(
        "SELECT SUM(s.arr) FROM accounts a JOIN tickets t USING (account_id) "
        "JOIN subscriptions s USING (account_id) WHERE a.segment = 'Enterprise' "
        "AND s.started_on <= DATE '2026-03-31' "
        "AND (s.ended_on IS NULL OR s.ended_on > DATE '2026-03-31')"
    ).fetchone()
    assert naive is not None and naive[0] == 360000  # three tickets triple Acme's ARR


# ---------------------------------------------------------------- chasm


def test_two_fact_tables_through_accounts_keep_their_own_grain(
    tiny: Run, tiny_con: duckdb.DuckDBPyConnection
) -> None:
    frame = tiny("influenced_revenue", "ticket_volume", dimensions=["segment"])
    assert as_dict(frame, "segment", "influenced_revenue") == {"Enterprise": 250, "SMB": 80}
    assert as_dict(frame, "segment", "ticket_volume") == {"Enterprise": 3, "SMB": 3}
    naive = tiny_con.execute(
        "SELECT SUM(c.order_value) FROM accounts a JOIN tickets t USING (account_id) "
        "JOIN conversions c ON c.account_id = a.account_id WHERE a.segment = 'Enterprise'"
    ).fetchone()
    assert naive is not None and naive[0] == 750


def test_multi_hop_join_reaches_accounts_from_conversions(tiny: Run) -> None:
    frame = tiny("influenced_revenue", dimensions=["vertical"])
    assert as_dict(frame, "vertical", "influenced_revenue") == {
        "Apparel & Accessories": 250,
        "Pets": 80,
    }


# ---------------------------------------------------------------- semi-additive ARR


def test_arr_by_month_is_arr_on_the_last_day_of_each_month(
    tiny: Run, tiny_con: duckdb.DuckDBPyConnection
) -> None:
    frame = tiny("arr", dimensions=["metric_time:month"], time_range="2026-01-01..2026-03-31")
    assert months(frame, "arr") == {"2026-01": 135000, "2026-02": 125000, "2026-03": 132000}
    summed_over_days = tiny_con.execute(
        "SELECT SUM(s.arr) FROM range(DATE '2026-01-01', DATE '2026-02-01', INTERVAL 1 DAY) d(day)"
        " JOIN subscriptions s ON s.started_on <= d.day"
        " AND (s.ended_on IS NULL OR s.ended_on > d.day)"
    ).fetchone()
    # 4 days at 110,000 + 5 at 115,000 + 22 at 135,000: a sum over days, not ARR
    assert summed_over_days is not None and summed_over_days[0] == 3985000


def test_arr_without_a_time_range_is_arr_on_the_as_of_day(tiny: Run) -> None:
    assert tiny("arr")["arr"].tolist() == [132000]


def test_arr_over_a_past_range_is_arr_on_its_last_day(tiny: Run) -> None:
    assert tiny("arr", time_range="2026-02")["arr"].tolist() == [125000]


def test_arr_of_a_period_that_has_not_begun_is_refused_not_projected(tiny: Run) -> None:
    # the tiny company is as of 2026-03-31: ARR in Q3 would be today's contracts, unchurned
    with pytest.raises(QueryError, match="has not begun.*snapshot"):
        tiny("arr", time_range="2026-Q3")


def test_arr_over_a_range_running_past_the_as_of_day_stops_there(tiny: Run) -> None:
    # deals expected to close by June may be asked of a range into the future; ARR has no
    # value for days to come, so it is taken on the as-of day and no later month is shown
    assert tiny("arr", time_range="2026-03-01..2026-06-30")["arr"].tolist() == [132000]
    frame = tiny("arr", dimensions=["metric_time:month"], time_range="2026-02-01..2026-06-30")
    assert months(frame, "arr") == {"2026-02": 125000, "2026-03": 132000}


def test_arr_of_the_current_month_is_taken_on_the_as_of_day(tiny: Run) -> None:
    frame = tiny("arr", dimensions=["metric_time:month"], time_range="this month")
    assert months(frame, "arr") == {"2026-03": 132000}


def test_net_new_arr_equals_the_change_in_arr(tiny: Run) -> None:
    frame = tiny(
        "net_new_arr", "arr", dimensions=["metric_time:month"], time_range="2026-01-01..2026-03-31"
    )
    assert months(frame, "net_new_arr") == {"2026-01": 25000, "2026-02": -10000, "2026-03": 7000}
    assert months(frame, "arr") == {"2026-01": 135000, "2026-02": 125000, "2026-03": 132000}


def test_active_customers_and_ai_adoption_are_snapshots(tiny: Run) -> None:
    frame = tiny(
        "active_customers",
        "ai_adoption_rate",
        dimensions=["metric_time:month"],
        time_range="2026-01-01..2026-03-31",
    )
    assert months(frame, "active_customers") == {"2026-01": 3, "2026-02": 2, "2026-03": 3}
    assert months(frame, "ai_adoption_rate") == pytest.approx(
        {"2026-01": 1 / 3, "2026-02": 1.0, "2026-03": 2 / 3}
    )


# ---------------------------------------------------------------- ratios


def test_a_ratio_is_a_ratio_of_sums_not_an_average_of_ratios(tiny: Run) -> None:
    by_segment = tiny("csat", dimensions=["segment"])
    assert as_dict(by_segment, "segment", "csat") == {"Enterprise": 4.0, "SMB": 2.5}
    overall = tiny("csat")["csat"].tolist()
    assert overall == [pytest.approx(17 / 5)]  # not (4.0 + 2.5) / 2


def test_a_ratio_with_a_zero_denominator_is_empty_not_an_error(tiny: Run) -> None:
    frame = tiny("csat", dimensions=["channel"])
    assert as_dict(frame, "channel", "csat") == {"email": 10 / 3, "chat": 3.5, "sms": None}


def test_ai_automation_rate_by_month(tiny: Run) -> None:
    frame = tiny("ai_automation_rate", dimensions=["metric_time:month"], time_range="2026")
    assert months(frame, "ai_automation_rate") == {"2026-01": 0.5, "2026-02": 0.5, "2026-03": 0.0}


def test_a_ratio_across_two_tables_aggregates_each_side_at_its_grain(tiny: Run) -> None:
    frame = tiny("conversion_rate", dimensions=["handled_by"])
    assert as_dict(frame, "handled_by", "conversion_rate") == {"ai": 0.5, "human": 0.5}


# ---------------------------------------------------------------- filtered measures


def test_a_filtered_metric_counts_only_its_rows(tiny: Run) -> None:
    frame = tiny("ticket_volume", "ai_handled_tickets", dimensions=["channel"])
    assert as_dict(frame, "channel", "ai_handled_tickets") == {"chat": 2, "email": 0, "sms": 0}
    assert as_dict(frame, "channel", "ticket_volume") == {"chat": 2, "email": 3, "sms": 1}


def test_a_group_whose_rows_all_fail_the_metrics_filter_counts_zero_not_missing(
    tiny: Run,
) -> None:
    # Email and SMS tickets exist, none handled by the AI agent: the AI count there is 0. A
    # filter in WHERE drops those tickets before grouping, and the two channels with them.
    frame = tiny("ai_handled_tickets", dimensions=["channel"])
    assert as_dict(frame, "channel", "ai_handled_tickets") == {"chat": 2, "email": 0, "sms": 0}


def test_a_group_whose_rows_all_fail_the_measures_filter_is_empty_not_missing(tiny: Run) -> None:
    # Open pipeline by stage: the closed stages hold deals but no open pipeline.
    frame = tiny("pipeline_amount", dimensions=["stage"])
    assert as_dict(frame, "stage", "pipeline_amount") == {
        "Proposal": 40000,
        "Closed Won": None,
        "Closed Lost": None,
    }


def _run_with(
    con: duckdb.DuckDBPyConnection, model: SemanticModel, metrics: list[Metric], **fields: object
) -> pd.DataFrame:
    """The query of `fields` over the shipped model plus `metrics`, run on the tiny company."""
    extended = model.model_copy(update={"metrics": (*model.metrics, *metrics)})
    query = SemanticQuery.model_validate({"metrics": [m.name for m in metrics], **fields})
    return con.execute(compile_query(query, extended, as_of=TINY_AS_OF).sql).df()


def test_a_filtered_snapshot_keeps_the_periods_where_no_row_passes_its_filter(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    # ARR of the Pro plan by month: Cora's Pro period ended on 2026-03-05, so on March 31 three
    # contracts are active and none is Pro: empty, or 0 with `fill_nulls_with: 0`.
    pro = Metric(name="pro_arr", label="Pro ARR", measure="arr", filter="plan = 'Pro'")
    filled = pro.model_copy(update={"name": "pro_arr_or_zero", "fill_nulls_with": 0})
    frame = _run_with(
        tiny_con,
        demo_model,
        [pro, filled],
        dimensions=["metric_time:month"],
        time_range="2026-01-01..2026-03-31",
    )
    assert months(frame, "pro_arr") == {"2026-01": 5000, "2026-02": 5000, "2026-03": None}
    assert months(frame, "pro_arr_or_zero") == {"2026-01": 5000, "2026-02": 5000, "2026-03": 0}


def test_a_metric_filter_on_a_list_counts_no_empty_value_inside_the_aggregate(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    # Inside an aggregate `region IN (...)` is spelt as ORs of `=`; like IN, neither list
    # matches Zed, a new logo without an account (so without a region).
    inside = Metric(
        name="closed_in_emea_or_apac",
        label="Closed deals in EMEA or APAC",
        measure="closed_deals",
        filter="region IN ('EMEA', 'APAC')",
    )
    outside = inside.model_copy(
        update={"name": "closed_elsewhere", "filter": "region NOT IN ('EMEA', 'APAC')"}
    )
    frame = _run_with(tiny_con, demo_model, [inside, outside], dimensions=["stage"])
    assert as_dict(frame, "stage", "closed_in_emea_or_apac") == {
        "Closed Won": 2,
        "Closed Lost": 0,
        "Proposal": 0,
    }
    assert as_dict(frame, "stage", "closed_elsewhere") == {
        "Closed Won": 0,
        "Closed Lost": 0,
        "Proposal": 0,
    }


#: How each engine's SQL writes an aggregate over the rows a filter keeps (spaces removed): a
#: sum with FILTER, or where the engine has none, over IF; a count of rows with COUNT_IF, or
#: what sqlglot writes for it (COUNTIF; a sum of 1 and 0 on Postgres).
FILTERED_AGGREGATES = {
    "duckdb": ("SUM(opportunities.amount)FILTER(WHERE", "COUNT_IF(tickets.handled_by='ai')"),
    "postgres": (
        "SUM(opportunities.amount)FILTER(WHERE",
        "SUM(CASEWHENtickets.handled_by='ai'THEN1ELSE0END)",
    ),
    "snowflake": ("SUM(IFF(", "COUNT_IF(tickets.handled_by='ai')"),
    "bigquery": ("SUM(IF(", "COUNTIF(tickets.handled_by='ai')"),
    "spark": ("SUM(opportunities.amount)FILTER(WHERE", "COUNT_IF(tickets.handled_by='ai')"),
    "trino": ("SUM(opportunities.amount)FILTER(WHERE", "COUNT_IF(tickets.handled_by='ai')"),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_engine_keeps_a_metrics_filter_inside_its_aggregate(
    dialect: str, tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    # Read back into DuckDB, each engine's SQL still shows the closed stages and the channels
    # without AI tickets: the filter went into the aggregate, not into WHERE.
    total, count = FILTERED_AGGREGATES[dialect]
    pipeline = SemanticQuery(metrics=("pipeline_amount",), dimensions=("stage",))
    ai_tickets = SemanticQuery(metrics=("ai_handled_tickets",), dimensions=("channel",))
    answers = []
    for query, form in ((pipeline, total), (ai_tickets, count)):
        sql = compile_query(query, demo_model, as_of=TINY_AS_OF, dialect=dialect).sql
        assert form in "".join(sql.split()), sql
        duckdb_sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
        answers.append(dict(tiny_con.execute(duckdb_sql).fetchall()))
    assert answers == [
        {"Proposal": 40000, "Closed Won": None, "Closed Lost": None},
        {"chat": 2, "email": 0, "sms": 0},
    ]


def test_query_filters_combine_with_metric_filters(tiny: Run) -> None:
    filters = parse_where("segment = 'Enterprise' AND channel IN ('chat', 'sms')")
    assert tiny("ai_handled_tickets", filters=filters)["ai_handled_tickets"].tolist() == [2]


def test_a_named_filter_applies_like_its_predicate(tiny: Run) -> None:
    named = tiny("ticket_volume", named_filters=["enterprise"])
    inline = tiny("ticket_volume", filters=parse_where("segment = 'Enterprise'"))
    assert named["ticket_volume"].tolist() == inline["ticket_volume"].tolist() == [3]


def test_pipeline_counts_only_open_deals_and_win_rate_only_closed_ones(tiny: Run) -> None:
    frame = tiny("pipeline_amount", "win_rate", "bookings")
    assert frame.iloc[0].to_dict() == {
        "pipeline_amount": 40000,
        "win_rate": pytest.approx(2 / 3),
        "bookings": 60000,
    }


# ---------------------------------------------------------------- nulls


def test_medians_skip_unanswered_tickets(tiny: Run) -> None:
    assert tiny("first_response_time")["first_response_time"].tolist() == [3600]
    frame = tiny("first_response_time", dimensions=["channel"])
    assert as_dict(frame, "channel", "first_response_time") == {
        "email": 7200,
        "chat": 45,
        "sms": None,
    }


def test_a_null_dimension_value_is_its_own_group(tiny: Run) -> None:
    frame = tiny("ticket_volume", dimensions=["csat_score"])
    assert as_dict(frame, "csat_score", "ticket_volume") == {5: 1, 4: 1, 3: 2, 2: 1, None: 1}


def test_null_dimension_values_merge_across_tables(tiny: Run) -> None:
    # Zed and Yak are new logos, deals without an account (so without an owner), and neither is
    # won: an owner-less group with no bookings, and no tickets.
    frame = tiny("ticket_volume", "bookings", dimensions=["account_owner"])
    assert as_dict(frame, "account_owner", "ticket_volume") == {"Ana": 5, "Ben": 1, None: 0}
    assert as_dict(frame, "account_owner", "bookings") == {"Ana": 60000, "Ben": None, None: None}


def test_is_null_filters(tiny: Run) -> None:
    no_survey = tiny("ticket_volume", filters=parse_where("csat_score IS NULL"))
    assert no_survey["ticket_volume"].tolist() == [1]
    surveyed = tiny("ticket_volume", filters=parse_where("csat_score IS NOT NULL"))
    assert surveyed["ticket_volume"].tolist() == [5]


# ---------------------------------------------------------------- empty results


def test_a_filter_matching_nothing_gives_zero_for_a_count(tiny: Run) -> None:
    frame = tiny("ticket_volume", filters=parse_where("channel = 'voice'"))
    assert frame["ticket_volume"].tolist() == [0]


def test_a_filter_matching_nothing_by_a_dimension_gives_no_rows(tiny: Run) -> None:
    frame = tiny(
        "ticket_volume", "arr", dimensions=["segment"], filters=parse_where("segment = 'None'")
    )
    assert frame.empty
    assert list(frame.columns) == ["segment", "ticket_volume", "arr"]


def test_a_range_before_any_data_gives_an_empty_sum(tiny: Run) -> None:
    frame = tiny("arr", "influenced_revenue", time_range="2020")
    assert frame.iloc[0].isna().all()


# ---------------------------------------------------------------- time


def test_time_grains_truncate_to_the_period_start(tiny: Run) -> None:
    weekly = tiny(
        "ticket_volume", dimensions=["created_at:week"], time_range="2026-01-01..2026-01-31"
    )
    assert [d.date() for d in weekly["created_at__week"]] == [date(2026, 1, 5), date(2026, 1, 19)]
    quarterly = tiny("ticket_volume", dimensions=["metric_time:quarter"])
    assert quarterly["ticket_volume"].tolist() == [6]


def test_relative_ranges_resolve_against_the_as_of_day(tiny: Run) -> None:
    assert tiny("ticket_volume", time_range="last month")["ticket_volume"].tolist() == [2]
    assert tiny("ticket_volume", time_range="this month")["ticket_volume"].tolist() == [2]
    assert tiny("ticket_volume", time_range="last 2 months")["ticket_volume"].tolist() == [4]
    assert tiny("ticket_volume", time_range="ytd")["ticket_volume"].tolist() == [6]


def test_a_previous_period_comparison_joins_each_month_to_the_one_before(tiny: Run) -> None:
    frame = tiny(
        "ticket_volume",
        dimensions=["metric_time:month"],
        time_range="2026-02-01..2026-03-31",
        compare="previous_period",
    )
    assert months(frame, "ticket_volume") == {"2026-02": 2, "2026-03": 2}
    assert months(frame, "ticket_volume__previous") == {"2026-02": 2, "2026-03": 2}
    assert months(frame, "ticket_volume__change") == {"2026-02": 0, "2026-03": 0}


def test_a_snapshot_compared_with_the_previous_period(tiny: Run) -> None:
    frame = tiny("arr", time_range="2026-03", compare="previous_period")
    row = frame.iloc[0]
    assert (row["arr"], row["arr__previous"], row["arr__change"]) == (132000, 125000, 7000)
    assert row["arr__change_pct"] == pytest.approx(7000 / 125000)


def test_top_n_orders_by_the_metric(tiny: Run) -> None:
    frame = tiny(
        "ticket_volume",
        dimensions=["account_name"],
        order_by=[{"field": "ticket_volume", "descending": True}],
        limit=1,
    )
    assert frame.to_dict("records") == [{"account_name": "Acme", "ticket_volume": 3}]


def test_rolling_window_counts_the_trailing_days(tiny: Run) -> None:
    frame = tiny("tickets_rolling_7d", time_range="2026-01-01..2026-01-25")
    assert frame["tickets_rolling_7d"].tolist() == [1]  # only ticket 2 (Jan 20) in Jan 19-25


def test_grain_to_date_resets_at_the_quarter(tiny: Run) -> None:
    frame = tiny(
        "bookings_qtd", dimensions=["metric_time:month"], time_range="2026-01-01..2026-03-31"
    )
    assert months(frame, "bookings_qtd") == {"2026-02": 50000, "2026-03": 60000}


# ---------------------------------------------------------------- refusals


def test_a_dimension_the_metric_cannot_reach_is_refused(tiny: Run) -> None:
    with pytest.raises(QueryError, match="can't be used with"):
        tiny("arr", dimensions=["channel"])


def test_a_filter_the_metric_cannot_reach_is_refused_not_ignored(tiny: Run) -> None:
    with pytest.raises(QueryError, match="can't be used with"):
        tiny("arr", filters=parse_where("channel = 'email'"))


def test_a_dimension_defined_by_an_expression_keeps_its_precedence(tiny: Run) -> None:
    filters = parse_where("ai_agent_enabled IN (TRUE)")
    assert tiny("ticket_volume", filters=filters)["ticket_volume"].tolist() == [5]
    frame = tiny("ticket_volume", dimensions=["ai_agent_enabled"])
    assert as_dict(frame, "ai_agent_enabled", "ticket_volume") == {True: 5, False: 1}


def test_an_expression_dimension_of_a_missing_joined_row_is_empty_not_false(tiny: Run) -> None:
    # Two deals are new logos with no account: "churned?" is unknown for them, not "no".
    frame = tiny("won_deals", "closed_deals", dimensions=["is_churned"])
    assert as_dict(frame, "is_churned", "closed_deals") == {False: 2, None: 1}
    no_ai = tiny("pipeline_amount", filters=parse_where("ai_agent_enabled = FALSE"))
    assert [_plain(v) for v in no_ai["pipeline_amount"]] == [None]  # the open deal is a new logo
