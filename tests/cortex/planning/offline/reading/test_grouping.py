"""Which dimensions a question groups by (`cortex.grouping`), read through the planner."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import QueryPlan
from semantic_layer.query import OrderBy, SemanticQuery

ROOT = Path(__file__).resolve().parents[5]


def query_of(planner: OfflinePlanner, question: str, *history: SemanticQuery) -> SemanticQuery:
    plan = planner.plan(question, history)
    assert isinstance(plan, QueryPlan), plan
    return plan.query


@pytest.mark.parametrize(
    ("question", "dimensions"),
    [
        ("win rate from each lead source", ("source",)),
        ("for each of our plans, what is ARR?", ("plan",)),
        ("how many tickets did every channel get last week", ("channel",)),
        ("ARR, a segment x region grid", ("segment", "region")),
        ("tickets as a channel × intent table", ("channel", "intent")),
    ],
)
def test_each_and_cross_tabs_ask_for_a_breakdown(
    valued_planner: OfflinePlanner, question: str, dimensions: tuple[str, ...]
) -> None:
    assert query_of(valued_planner, question).dimensions == dimensions


def test_which_values_of_a_dimension_in_a_follow_up_is_a_breakdown(
    valued_planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(metrics=("ticket_volume",), time_range="last month")
    query = query_of(valued_planner, "which regions were they in?", previous)
    assert (query.metrics, query.dimensions) == (("ticket_volume",), ("region",))
    assert query.time_range == "last month"


def test_which_value_ranks_highest_without_a_number_ranks_every_value_in_that_order(
    valued_planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(metrics=("ticket_volume",), time_range="last month")
    query = query_of(valued_planner, "which channel had the most?", previous)
    assert (query.metrics, query.dimensions) == (("ticket_volume",), ("channel",))
    assert query.order_by == (OrderBy(field="ticket_volume", descending=True),)
    assert query.limit is None and query.time_range == "last month"
