"""The governed vocabulary the offline planner reads, what a word of it explains, and follow-ups
that ask for a rate or a breakdown in plain words."""

from __future__ import annotations

import pytest

from cortex.knowledge.words import stem
from cortex.planning.offline.checks.understanding import FILLER_WORDS
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.offline.reading.mentions import make_terms
from cortex.planning.plans import Clarify, QueryPlan
from semantic_layer.query import Filter, SemanticQuery


def query_of(planner: OfflinePlanner, question: str, *history: SemanticQuery) -> SemanticQuery:
    plan = planner.plan(question, history)
    assert isinstance(plan, QueryPlan), plan
    return plan.query


@pytest.mark.parametrize(
    ("question", "metric"),
    [
        ("what's the mean time to first reply on chat", "first_response_time_avg"),
        ("first reply time by channel", "first_response_time"),
        ("how long to resolve, by intent", "resolution_time"),
        ("time to resolve over the last 30 days", "resolution_time"),
        ("new brands by month this year", "new_customers"),
        ("how many merchants signed up last quarter", "new_customers"),
        ("converted conversations last month", "converted_tickets"),
        ("how many tickets led to an order last week", "converted_tickets"),
        ("how many stores do we have", "active_customers"),
        ("AI merchants by region", "ai_enabled_customers"),
    ],
)
def test_governed_synonyms_name_their_metric(
    valued_planner: OfflinePlanner, question: str, metric: str
) -> None:
    assert query_of(valued_planner, question).metrics == (metric,)


@pytest.mark.parametrize(
    ("question", "condition"),
    [
        ("WISMO tickets by week this quarter", ("intent", "where_is_my_order")),
        ("how many sporting brands do we have", ("vertical", "Sporting Goods")),
        ("ARR from pet merchants", ("vertical", "Pets")),
        ("tickets from beauty brands last month", ("vertical", "Health & Beauty")),
        ("CSAT on phone tickets", ("channel", "voice")),
    ],
)
def test_value_synonyms_name_their_value(
    valued_planner: OfflinePlanner, question: str, condition: tuple[str, str]
) -> None:
    field, value = condition
    assert (
        Filter(field=field, op="=", values=(value,)) in query_of(valued_planner, question).filters
    )


def test_a_verb_meets_the_participle_of_a_name() -> None:
    # "did we resolve" meets "resolved tickets"; "%" is "percent"
    assert stem("resolve") == stem("resolved") == stem("resolving")
    assert stem("%") == "percent"


def test_a_word_only_another_metric_uses_is_asked_about(valued_planner: OfflinePlanner) -> None:
    # "purchase" names converted tickets, not the ticket volume this query would count
    plan = valued_planner.plan("how many tickets ended in a purchase")
    assert isinstance(plan, Clarify) and "'purchase'" in plan.question
    plan = valued_planner.plan("how many orders came in through chat last week")
    assert isinstance(plan, Clarify) and "'orders'" in plan.question


def test_a_word_of_the_rows_a_metric_counts_is_explained(valued_planner: OfflinePlanner) -> None:
    # the tickets table is "one row per shopper conversation"
    query = query_of(valued_planner, "what % of shoppers rated us 4 or 5 on chat")
    assert query.metrics == ("csat_satisfied_rate",)


def test_a_value_synonym_stands_for_its_value_only_in_names_of_its_own_rows(
    valued_planner: OfflinePlanner,
) -> None:
    # "bot" is who handled a ticket: "bot tickets" are AI tickets, merchants are no bot's
    assert query_of(valued_planner, "bot tickets by channel").metrics == ("ai_handled_tickets",)
    plan = valued_planner.plan("how many Magento brands rely on the bot?")
    assert isinstance(plan, Clarify) and "'bot'" in plan.question


def test_multi_word_names_read_in_another_order_keep_their_word_order() -> None:
    terms = make_terms("metric", [("m", "tickets the ai resolved")])
    assert terms[0].words == (stem("tickets"), "the", "ai", stem("resolved"))


def test_generic_verbs_of_position_are_filler_but_domain_nouns_are_not() -> None:
    assert {"sitting", "standing", "set", "table"} <= FILLER_WORDS
    assert not {"stuck", "order", "orders", "purchase", "refund"} & FILLER_WORDS


def test_pipeline_sitting_in_a_stage_is_that_stage(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "how much pipeline is sitting in Proposal?")
    assert query.metrics == ("pipeline_amount",)
    assert query.filters == (Filter(field="stage", op="=", values=("Proposal",)),)
    assert isinstance(valued_planner.plan("how much pipeline is stuck in Proposal?"), Clarify)


def test_a_rate_asked_in_words_after_a_count_switches_to_the_ratio(
    valued_planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(metrics=("resolved_tickets",), time_range="last month")
    query = query_of(valued_planner, "and what share of those did the bot take?", previous)
    assert query.metrics == ("ai_automation_rate",)
    assert (query.filters, query.time_range) == ((), "last month")  # the bot is no filter here


def test_ones_in_a_follow_up_stands_for_what_the_previous_metric_counts(
    valued_planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(
        metrics=("ticket_volume",),
        filters=(Filter(field="channel", op="=", values=("email",)),),
        time_range="this quarter",
    )
    query = query_of(valued_planner, "and what share of solved ones did the AI do?", previous)
    assert query.metrics == ("ai_automation_rate",)
    assert query.filters == previous.filters


def test_a_rate_no_ratio_fits_in_a_follow_up_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(metrics=("ticket_volume",), time_range="last month")
    plan = valued_planner.plan("what share of those were escalated?", (previous,))
    assert isinstance(plan, Clarify) and "rate or share" in plan.question


def test_a_month_compared_with_the_month_before_is_a_previous_period_comparison(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "how many tickets did we close in August vs July?")
    assert query.metrics == ("resolved_tickets",)
    assert (query.time_range, query.compare) == ("2026-08", "previous_period")
    assert isinstance(valued_planner.plan("tickets in August vs March"), Clarify)
