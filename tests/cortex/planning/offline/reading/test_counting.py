"""What a count named in a question stands for: a metric, the rows another metric is over, the
things a ranking ranks, or what a value describes (`cortex.counting`)."""

from __future__ import annotations

from pathlib import Path

from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.offline.reading.counting import RowCounts
from cortex.planning.plans import Clarify, QueryPlan
from semantic_layer.loader import load_model
from semantic_layer.query import Filter, OrderBy, SemanticQuery

ROOT = Path(__file__).resolve().parents[5]


def query_of(planner: OfflinePlanner, question: str) -> SemanticQuery:
    plan = planner.plan(question)
    assert isinstance(plan, QueryPlan), plan
    return plan.query


def test_plain_and_filtered_row_counts_are_read_from_the_model() -> None:
    counts = RowCounts.of(load_model(ROOT / "metrics.yml"))
    # ai_enabled_customers counts merchants from their enablement day: not a plain count
    assert counts.counts == {
        "active_customers": "accounts",
        "new_customers": "accounts",
        "ticket_volume": "tickets",
    }
    table, where = counts.filtered["ai_handled_tickets"]
    assert (table, where) == ("tickets", (Filter(field="handled_by", op="=", values=("ai",)),))
    assert counts.tables["conversion_rate"] == {"conversions", "tickets"}


def test_a_count_after_a_preposition_names_the_rows_of_the_other_metric(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "average first reply time on SMS tickets")
    assert query.metrics == ("first_response_time_avg",)
    assert query.filters == (Filter(field="channel", op="=", values=("sms",)),)


def test_a_count_right_after_a_metric_of_the_same_rows_is_its_object(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "median time to resolve chat tickets by region")
    assert (query.metrics, query.dimensions) == (("resolution_time",), ("region",))
    assert query.filters == (Filter(field="channel", op="=", values=("chat",)),)


def test_a_filtered_count_as_the_rows_of_a_metric_carries_its_filter(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "CSAT of tickets the bot resolved last week")
    assert query.metrics == ("csat",)
    assert query.filters == (Filter(field="handled_by", op="=", values=("ai",)),)


def test_counts_joined_with_and_are_still_metrics(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "CSAT and ticket volume for email")
    assert query.metrics == ("csat", "ticket_volume")


def test_a_ranked_entity_beside_a_value_it_cannot_hold_ranks_the_rows_the_value_describes(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "which 3 stores had the most shipping issues this quarter")
    assert (query.metrics, query.dimensions) == (("ticket_volume",), ("account_name",))
    assert query.filters == (Filter(field="intent", op="=", values=("shipping_issue",)),)
    assert (query.order_by, query.limit) == ((OrderBy(field="ticket_volume", descending=True),), 3)


def test_without_a_ranking_a_count_of_entities_with_such_rows_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    # how many stores *had* shipping issues counts stores, which no metric here does
    assert isinstance(valued_planner.plan("how many stores had shipping issues"), Clarify)


def test_a_count_of_values_alone_counts_the_one_kind_of_row_they_describe(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "how many phone calls came in yesterday")
    assert query.metrics == ("ticket_volume",)
    assert query.filters == (Filter(field="channel", op="=", values=("voice",)),)
    # merchants are counted by two plain counts (active and new): no guess
    assert isinstance(valued_planner.plan("how many in EMEA"), Clarify)


def test_a_metric_named_beside_a_metric_filtered_by_metric_names_is_that_value(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "what's the target for first response time")
    assert query.metrics == ("okr_target",)
    assert query.filters == (Filter(field="okr_metric", op="=", values=("first_response_time",)),)
