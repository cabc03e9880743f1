"""The offline planner: questions to governed semantic queries, or a question back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.warehouse import DuckDBWarehouse
from cortex.knowledge import build_value_index
from cortex.knowledge.words import stem
from cortex.planning.offline.checks.understanding import (
    FILLER_WORDS,
    NON_DATA_REQUESTS,
    non_data_request,
)
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.offline.reading.phrasing import read_phrasing
from cortex.planning.phrase import phrase_query
from cortex.planning.plans import Clarify, OutOfScope, QueryPlan
from semantic_layer.loader import load_model
from semantic_layer.query import Filter, OrderBy, SemanticQuery

ROOT = Path(__file__).resolve().parents[4]
AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner(load_model(ROOT / "metrics.yml"), as_of=AS_OF)


def query_of(planner: OfflinePlanner, question: str, *history: SemanticQuery) -> SemanticQuery:
    plan = planner.plan(question, history)
    assert isinstance(plan, QueryPlan), plan
    return plan.query


def test_a_metric_by_a_dimension(planner: OfflinePlanner) -> None:
    query = query_of(planner, "Can I get ARR split by segment and GMV band?")
    assert (query.metrics, query.dimensions) == (("arr",), ("segment", "gmv_tier"))


def test_synonyms_and_plurals_name_metrics_and_dimensions(planner: OfflinePlanner) -> None:
    query = query_of(planner, "which 3 industries bring in the most annual recurring revenue?")
    assert query.metrics == ("arr",)
    assert query.dimensions == ("vertical",)
    assert (query.order_by, query.limit) == ((OrderBy(field="arr", descending=True),), 3)


def test_time_grain_and_range(planner: OfflinePlanner) -> None:
    query = query_of(planner, "new business ARR per month over the last 12 months")
    assert query.metrics == ("new_arr",)
    assert query.dimensions == ("metric_time:month",)
    assert query.time_range == "last 12 months"


def test_a_verified_question_uses_its_verified_query(planner: OfflinePlanner) -> None:
    plan = planner.plan("What is our ARR by segment?")
    assert isinstance(plan, QueryPlan)
    assert plan.verified == "What is our ARR by segment?"
    assert plan.confidence == 1.0


def test_a_question_worded_like_a_verified_one_but_asking_another_period_is_read_as_asked(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("What is the AI automation rate by month last year?")
    assert isinstance(plan, QueryPlan) and plan.verified is None
    assert plan.query.time_range == "last year"
    ranked = valued_planner.plan("Which 10 Enterprise accounts opened the most tickets last week?")
    assert isinstance(ranked, QueryPlan) and ranked.verified is None
    assert ranked.query.time_range == "last week"


def test_a_reading_that_computes_a_verified_query_is_badged_whatever_its_wording(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("Which 10 Enterprise accounts had the most tickets last month")
    assert isinstance(plan, QueryPlan), plan
    assert plan.verified == "Which 10 Enterprise accounts opened the most tickets last month?"


def test_follow_ups_build_on_the_previous_query(planner: OfflinePlanner) -> None:
    first = query_of(planner, "How many tickets did we get last month?")
    assert (first.metrics, first.time_range) == (("ticket_volume",), "last month")
    by_channel = query_of(planner, "now by channel", first)
    assert (by_channel.metrics, by_channel.dimensions) == (("ticket_volume",), ("channel",))
    assert by_channel.time_range == "last month"
    quarterly = query_of(planner, "what about by quarter this year?", by_channel)
    assert quarterly.dimensions == ("metric_time:quarter", "channel")
    assert quarterly.time_range == "this year"
    csat = query_of(planner, "and CSAT?", quarterly)
    assert csat.metrics == ("ticket_volume", "csat")  # shown beside what was shown
    assert (csat.dimensions, csat.time_range) == (quarterly.dimensions, "this year")
    instead = query_of(planner, "what about CSAT?", quarterly)
    assert instead.metrics == ("csat",)


def test_a_follow_up_replaces_a_filter_on_the_same_dimension(planner: OfflinePlanner) -> None:
    previous = SemanticQuery(
        metrics=("ticket_volume",), filters=(Filter(field="channel", op="=", values=("email",)),)
    )
    query = query_of(planner, "what about last year?", previous)
    assert query.filters == previous.filters and query.time_range == "last year"


def test_an_unknown_metric_gets_a_clarification_naming_what_it_can_answer(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("What's our NPS?")
    assert isinstance(plan, Clarify)
    assert "couldn't find a metric" in plan.question and "cortex metrics" not in plan.question


def test_a_dimension_the_metric_cannot_reach_asks_instead_of_guessing(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("ARR by channel")
    assert isinstance(plan, Clarify)
    assert "can't be used with metric 'arr'" in plan.question


def test_a_request_that_is_not_about_data_is_declined(planner: OfflinePlanner) -> None:
    plan = planner.plan("write me a poem about our support team")
    assert isinstance(plan, OutOfScope)


OTHER_COMPANY = """
version: 1
tables:
  - name: shipments
    table: shipments
    primary_key: shipment_id
    time_dimension: shipped_at
    dimensions:
      - {name: carrier}
      - {name: shipped_at, type: time}
    measures:
      - {name: shipments, aggregation: count}
      - {name: late_shipments, aggregation: count, filter: "delivered_late"}
metrics:
  - {name: shipments, label: Shipments, measure: shipments, status: certified}
  - {name: late_shipments, label: Late shipments, measure: late_shipments}
"""


def test_a_declined_request_suggests_what_the_loaded_model_answers(tmp_path: Path) -> None:
    (tmp_path / "metrics.yml").write_text(OTHER_COMPANY)
    other = OfflinePlanner(load_model(tmp_path / "metrics.yml"), as_of=AS_OF)
    plan = other.plan("write me a poem about the team")
    assert isinstance(plan, OutOfScope)
    assert "such as shipments or late shipments" in plan.reply
    assert 'Try: "Shipments last month"' in plan.reply


def test_a_declined_request_offers_a_verified_question_first(planner: OfflinePlanner) -> None:
    plan = planner.plan("write me a poem about our support team")
    assert isinstance(plan, OutOfScope)
    assert f'Try: "{planner.model.verified_queries[0].question}"' in plan.reply


def test_the_longest_name_wins_across_metrics_and_dimensions(planner: OfflinePlanner) -> None:
    query = query_of(planner, "median time to resolution by ticket type over the last 30 days")
    assert (query.metrics, query.dimensions) == (("resolution_time",), ("intent",))


def test_synonym_words_may_stand_apart(planner: OfflinePlanner) -> None:
    query = query_of(planner, "How many customers have we lost this year, by segment?")
    assert query.metrics == ("churned_customers",)


def test_a_word_naming_a_metric_and_a_dimension_beside_another_metric_is_the_dimension(
    planner: OfflinePlanner,
) -> None:
    query = query_of(planner, "who are our 10 biggest customers by ARR right now?")
    assert (query.metrics, query.dimensions, query.limit) == (("arr",), ("account_name",), 10)


def test_an_average_the_metric_does_not_carry_is_asked_about(planner: OfflinePlanner) -> None:
    plan = planner.plan("what's the average order value of orders our conversations influenced?")
    assert isinstance(plan, Clarify)
    assert "average" in plan.question


def test_a_follow_up_that_changes_nothing_known_is_asked_about(planner: OfflinePlanner) -> None:
    previous = SemanticQuery(metrics=("win_rate",), time_range="this quarter")
    assert isinstance(planner.plan("and what's our quota attainment?", [previous]), Clarify)


def test_which_n_with_a_low_word_ranks_from_the_bottom(planner: OfflinePlanner) -> None:
    query = query_of(planner, "which 3 verticals have the lowest CSAT over the last 6 months?")
    assert query.order_by == (OrderBy(field="csat", descending=False),)
    assert query.limit == 3


@pytest.fixture(scope="module")
def planner_with_values(demo_path: Path) -> Iterator[OfflinePlanner]:
    model = load_model(ROOT / "metrics.yml")
    with DuckDBWarehouse(demo_path) as warehouse:
        values = build_value_index(model, warehouse)
    yield OfflinePlanner(model, as_of=AS_OF, values=values)


def test_a_narrowing_follow_up_keeps_the_metric(planner_with_values: OfflinePlanner) -> None:
    previous = SemanticQuery(metrics=("first_response_time",), time_range="last month")
    query = query_of(planner_with_values, "only for tickets in the chat channel", previous)
    assert query.metrics == ("first_response_time",)
    assert query.filters == (Filter(field="channel", op="=", values=("chat",)),)


def test_values_become_filters_and_two_values_are_compared(
    planner_with_values: OfflinePlanner,
) -> None:
    query = query_of(planner_with_values, "Enterprise tickets on email last month")
    assert set(query.filters) == {
        Filter(field="segment", op="=", values=("Enterprise",)),
        Filter(field="channel", op="=", values=("email",)),
    }
    compared = query_of(planner_with_values, "CSAT on email vs chat this quarter")
    assert compared.dimensions == ("channel",)
    assert compared.filters == (Filter(field="channel", op="in", values=("email", "chat")),)


def test_words_meet_their_synonyms_halfway(planner: OfflinePlanner) -> None:
    assert query_of(planner, "how much did we book this year?").metrics == ("bookings",)


def test_a_plural_names_a_value_stored_singular(planner_with_values: OfflinePlanner) -> None:
    previous = SemanticQuery(metrics=("first_response_time",), time_range="last month")
    query = query_of(planner_with_values, "only for tickets humans handled", previous)
    assert query.filters == (Filter(field="handled_by", op="=", values=("human",)),)


def test_mean_or_median_picks_the_sibling_metric(planner: OfflinePlanner) -> None:
    query = query_of(planner, "What's the mean first response time per channel this quarter?")
    assert query.metrics == ("first_response_time_avg",)
    previous = SemanticQuery(metrics=("first_response_time",), dimensions=("channel",))
    switched = query_of(planner, "and the average instead of the median?", previous)
    assert switched.metrics == ("first_response_time_avg",)
    assert switched.dimensions == ("channel",)


# --- value synonyms, governed readings, yes/no conditions, rates ------------------------------


def test_a_value_synonym_is_read_as_the_value_it_names(
    planner_with_values: OfflinePlanner,
) -> None:
    query = query_of(planner_with_values, "median first response time of the chatbot on email")
    assert set(query.filters) == {
        Filter(field="handled_by", op="=", values=("ai",)),
        Filter(field="channel", op="=", values=("email",)),
    }
    compared = query_of(planner_with_values, "CSAT last quarter: virtual agent vs live agent")
    assert compared.dimensions == ("handled_by",)
    assert compared.filters == (Filter(field="handled_by", op="in", values=("ai", "human")),)


def test_a_value_synonym_stands_for_its_value_inside_names(
    planner_with_values: OfflinePlanner,
) -> None:
    # `bot` names 'ai', so "the bot handed over to a human" is the handover phrase "AI handed
    # over to a human" (handed_over), not a filter on bot-handled tickets (none are handed over)
    query = query_of(planner_with_values, "tickets the bot handed over to a human last week")
    assert query.metrics == ("ticket_volume",)
    assert query.filters == (Filter(field="handed_over", op="=", values=(True,)),)


def test_a_metric_filtered_as_a_governed_metric_is_that_metric(
    planner_with_values: OfflinePlanner,
) -> None:
    query = query_of(planner_with_values, "support volume the AI handled on chat yesterday")
    assert query.metrics == ("ai_handled_tickets",)
    assert query.filters == (Filter(field="channel", op="=", values=("chat",)),)
    # a follow-up that changes that condition goes back to the metric it filters
    humans = query_of(planner_with_values, "what about human agents?", query)
    assert humans.metrics == ("ticket_volume",)
    assert set(humans.filters) == {
        Filter(field="channel", op="=", values=("chat",)),
        Filter(field="handled_by", op="=", values=("human",)),
    }


def test_a_filtered_metric_beside_another_value_of_its_filter_compares_its_base_metric(
    planner_with_values: OfflinePlanner,
) -> None:
    # "AI tickets" (handled_by = 'ai') and "live agents" (handled_by = 'human'): both, side
    # by side, never AI tickets that humans handled (none)
    query = query_of(planner_with_values, "AI tickets or live agent ones: which is more, on sms?")
    assert query.metrics == ("ticket_volume",)
    assert query.dimensions == ("handled_by",)
    assert set(query.filters) == {
        Filter(field="handled_by", op="in", values=("ai", "human")),
        Filter(field="channel", op="=", values=("sms",)),
    }


def test_a_named_filter_is_the_governed_reading_of_a_value_several_dimensions_hold(
    planner_with_values: OfflinePlanner,
) -> None:
    # 'Enterprise' is a plan and a segment; the named filter `enterprise` says segment
    query = query_of(planner_with_values, "expansion ARR from Enterprise last quarter")
    assert query.filters == (Filter(field="segment", op="=", values=("Enterprise",)),)


def test_a_dimension_named_beside_a_value_chooses_its_dimension(
    planner_with_values: OfflinePlanner,
) -> None:
    query = query_of(planner_with_values, "expansion ARR on the Enterprise plan last quarter")
    assert query.filters == (Filter(field="plan", op="=", values=("Enterprise",)),)
    grouped = query_of(planner_with_values, "Enterprise expansion ARR by plan last quarter")
    assert grouped.filters == (Filter(field="segment", op="=", values=("Enterprise",)),)
    assert grouped.dimensions == ("plan",)


def test_a_yes_no_dimension_named_without_by_is_a_condition(planner: OfflinePlanner) -> None:
    query = query_of(planner, "escalated tickets yesterday by channel")
    assert query.filters == (Filter(field="handed_over", op="=", values=(True,)),)
    assert query.dimensions == ("channel",)
    negated = query_of(planner, "CSAT of tickets not escalated this month")
    assert negated.filters == (Filter(field="handed_over", op="=", values=(False,)),)


def test_a_share_of_a_count_is_the_ratio_the_count_is_part_of(
    planner_with_values: OfflinePlanner,
) -> None:
    # the denominator is named, the numerator's words ("AI") are in the question
    query = query_of(
        planner_with_values, "what percentage of Enterprise customers switched the AI agent on?"
    )
    assert query.metrics == ("ai_adoption_rate",)
    assert query.filters == (Filter(field="segment", op="=", values=("Enterprise",)),)
    # the numerator is named: its share is the ratio
    assert query_of(planner_with_values, "what share of deals did we win").metrics == ("win_rate",)
    # "the AI agent enabled" named what the share is of; it is no extra condition
    enabled = query_of(
        planner_with_values, "what share of SMB merchants have the AI agent enabled?"
    )
    assert (enabled.metrics, enabled.filters) == (
        ("ai_adoption_rate",),
        (Filter(field="segment", op="=", values=("SMB",)),),
    )
    # nothing says which share of merchants: ask
    assert isinstance(
        planner_with_values.plan("what share of our merchants are on Magento?"), Clarify
    )


def test_that_as_a_share_of_a_count_is_the_ratio_of_the_previous_metric(
    planner: OfflinePlanner,
) -> None:
    previous = SemanticQuery(metrics=("won_deals",), time_range="this year")
    query = query_of(planner, "what is that as a % of deals closed?", previous)
    assert (query.metrics, query.time_range) == (("win_rate",), "this year")


def test_a_count_compared_as_better_or_worse_is_compared_as_its_rate(
    planner_with_values: OfflinePlanner,
) -> None:
    query = query_of(planner_with_values, "do Partner deals win better than Inbound ones?")
    assert query.metrics == ("win_rate",)
    assert query.dimensions == ("source",)


def test_asking_to_do_an_it_task_is_out_of_scope_but_an_unknown_metric_is_asked_about(
    planner: OfflinePlanner,
) -> None:
    assert isinstance(planner.plan("could you unlock my laptop, please?"), OutOfScope)
    assert isinstance(planner.plan("please set up the VPN on my phone"), OutOfScope)
    assert isinstance(planner.plan("what's our password reset backlog?"), Clarify)


# --- words nothing explains: ask, never answer as if they were not there -------------------


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        # a qualifier of the metric the catalog has no word for
        ("how many Magento merchants are on the loyalty programme?", ("loyalty", "programme")),
        # a condition in a clause
        ("how many conversations missed the SLA last month?", ("missed", "SLA")),
        # a breakdown by something that is no dimension
        ("churned customers split by NPS bucket", ("NPS", "bucket")),
    ],
)
def test_words_nothing_explains_are_named_in_a_question_back(
    planner_with_values: OfflinePlanner, question: str, unknown: tuple[str, ...]
) -> None:
    plan = planner_with_values.plan(question)
    assert isinstance(plan, Clarify), plan
    for word in unknown:
        assert f"'{word}'" in plan.question


def test_the_question_back_offers_the_query_it_would_run_instead(
    planner_with_values: OfflinePlanner,
) -> None:
    plan = planner_with_values.plan("how many Magento merchants are on the loyalty programme?")
    assert isinstance(plan, Clarify)
    assert "Did you mean: Magento Active customers?" in plan.question
    offered = query_of(planner_with_values, plan.suggestions[0])
    assert offered.metrics == ("active_customers",)
    assert offered.filters == (Filter(field="platform", op="=", values=("Magento",)),)


def test_a_breakdown_by_a_catalog_word_that_is_no_dimension_is_asked_about(
    planner: OfflinePlanner,
) -> None:
    # 'agent' is a word of the catalog ("AI agent"), but nothing groups tickets by agent
    plan = planner.plan("ticket count per agent over the last 2 weeks")
    assert isinstance(plan, Clarify)
    assert "'agent'" in plan.question and "Ticket volume last 2 weeks" in plan.question


def test_which_value_has_the_lowest_is_every_value_ranked_from_the_lowest(
    planner: OfflinePlanner,
) -> None:
    query = query_of(planner, "which channel gets the lowest CSAT so far this quarter?")
    assert (query.metrics, query.dimensions) == (("csat",), ("channel",))
    assert query.order_by == (OrderBy(field="csat", descending=False),)
    assert query.limit is None and query.time_range == "qtd"  # "so far this quarter"
    owners = query_of(planner, "Which account managers resolved the most tickets last month")
    assert owners.dimensions == ("account_owner",)  # a synonym of the dimension
    assert owners.order_by == (OrderBy(field="resolved_tickets", descending=True),)


def test_a_best_or_worst_without_a_count_ranks_by_what_is_better_for_the_metric(
    planner: OfflinePlanner,
) -> None:
    best = query_of(planner, "which intent has the best CSAT?")
    assert best.order_by == (OrderBy(field="csat", descending=True),)
    fastest = query_of(planner, "which channel has the worst first response time?")
    assert fastest.order_by == (OrderBy(field="first_response_time", descending=True),)


def test_a_ranking_with_nothing_to_rank_by_is_asked_about(planner: OfflinePlanner) -> None:
    plan = planner.plan("when was ticket volume highest this year?")
    assert isinstance(plan, Clarify)
    assert "'highest'" in plan.question
    for words in ("at least", "at most", "the most recent"):  # no ranking in these
        assert read_phrasing(f"tickets {words} last week", date(2026, 11, 24)).ranking is None


def test_speed_words_rank_a_time_by_what_is_better_for_it(planner: OfflinePlanner) -> None:
    fastest = query_of(planner, "which vertical got the fastest first response time last week?")
    assert fastest.dimensions == ("vertical",)
    assert fastest.order_by == (OrderBy(field="first_response_time", descending=False),)
    slowest = query_of(planner, "our 2 slowest channels on first response time this quarter")
    assert (slowest.dimensions, slowest.limit) == (("channel",), 2)
    assert slowest.order_by == (OrderBy(field="first_response_time", descending=True),)


def test_the_n_things_with_the_lowest_is_a_count_of_them(planner: OfflinePlanner) -> None:
    query = query_of(planner, "what were the 2 verticals with the lowest CSAT last quarter?")
    assert (query.dimensions, query.limit) == (("vertical",), 2)
    assert query.order_by == (OrderBy(field="csat", descending=False),)
    for words in ("the 2025 figures", "the 3 months"):  # a year, or a range: no count
        assert read_phrasing(f"ARR in {words}, highest first", date(2026, 11, 24)).top is None


def test_a_ranked_order_groups_by_the_dimension_it_names(planner: OfflinePlanner) -> None:
    query = query_of(planner, "can you rank our plans by ARR, biggest first?")
    assert query.dimensions == ("plan",)
    assert query.order_by == (OrderBy(field="arr", descending=True),)


def test_which_period_had_the_most_ranks_the_periods(planner: OfflinePlanner) -> None:
    query = query_of(planner, "what month had the most tickets this year?")
    assert query.dimensions == ("metric_time:month",)
    assert query.order_by == (OrderBy(field="ticket_volume", descending=True),)
    top = query_of(planner, "top 3 quarters by net new ARR")
    assert (top.dimensions, top.limit) == (("metric_time:quarter",), 3)


def test_a_dimension_naming_what_a_value_or_the_metric_counts_is_used(
    planner_with_values: OfflinePlanner,
) -> None:
    # "brands" is what the vertical describes; "deals" is what deals won counts
    query = query_of(planner_with_values, "tickets from Pets brands in APAC last week")
    assert query.filters == (
        Filter(field="vertical", op="=", values=("Pets",)),
        Filter(field="region", op="=", values=("APAC",)),
    )
    assert query_of(planner_with_values, "deals we won this year").metrics == ("won_deals",)


def test_a_number_no_phrase_reads_is_asked_about(planner: OfflinePlanner) -> None:
    plan = planner.plan("what's the win rate on deals above 20000?")
    assert isinstance(plan, Clarify)
    assert "'20000'" in plan.question


def test_a_value_the_metrics_cannot_use_is_not_dropped(
    planner_with_values: OfflinePlanner,
) -> None:
    # "the bot" is who handled a ticket; merchants have no such filter
    plan = planner_with_values.plan("how many SMB merchants talk to the bot?")
    assert isinstance(plan, Clarify)
    assert "'bot'" in plan.question


@pytest.mark.parametrize(
    "question",
    [
        "hey, pls show me our ARR right now, split by segment, thanks",
        "quick one: could you pull the total number of tickets we got last week?",
        "how has CSAT been trending over the last 6 months, overall?",
        "what does our open pipeline look like by stage at the moment",
        "which 3 regions bring in the most recurring revenue?",
        "how many tickets did shoppers send us on chat yesterday?",
    ],
)
def test_filler_chat_and_light_verbs_are_not_asked_about(
    planner_with_values: OfflinePlanner, question: str
) -> None:
    assert isinstance(planner_with_values.plan(question), QueryPlan)


@pytest.mark.parametrize(
    "query",
    [
        SemanticQuery(
            metrics=("ticket_volume",),
            dimensions=("channel",),
            filters=(Filter(field="handed_over", op="=", values=(True,)),),
            time_range="last 2 weeks",
        ),
        SemanticQuery(
            metrics=("arr",),
            dimensions=("account_name",),
            order_by=(OrderBy(field="arr", descending=True),),
            limit=5,
        ),
        SemanticQuery(
            metrics=("new_customers",),
            dimensions=("metric_time:month",),
            time_range="2026-03",
            compare="previous_year",
        ),
        SemanticQuery(
            metrics=("csat",),
            filters=(Filter(field="segment", op="=", values=("SMB",)),),
            time_range="2026-01-01..2026-03-31",
        ),
    ],
)
def test_a_query_phrased_back_plans_to_itself(
    planner_with_values: OfflinePlanner, query: SemanticQuery
) -> None:
    phrased = phrase_query(query, planner_with_values.model)
    assert phrased is not None
    assert query_of(planner_with_values, phrased) == query


def test_filler_is_not_a_domain_word() -> None:
    assert {"pls", "split", "right", "now", "me", "our", "show"} <= FILLER_WORDS
    assert not {"nps", "sla", "reasons", "refunds", "breached", "orders"} & FILLER_WORDS
    assert stem("resolved") == stem("resolve") and stem("gave") == stem("give")


# --- requests that are not about data -----------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Could you draft a reply to the merchant who asked about their invoice?",
        "compose a short note thanking the support team",
        "please write a LinkedIn post about our launch",
        "what time does the company kickoff start?",
        "where is the summer party happening?",
        "when is the next team offsite?",
        "can you book the big meeting room for Friday?",
    ],
)
def test_writing_and_calendar_requests_are_declined(planner: OfflinePlanner, question: str) -> None:
    assert isinstance(planner.plan(question), OutOfScope), question


@pytest.mark.parametrize(
    "question",
    [
        "write down the CSAT by channel for last month",
        "how many tickets came in during the all-hands meeting?",
        "draft me the ARR by segment",
    ],
)
def test_a_request_naming_a_metric_is_never_declined(
    planner: OfflinePlanner, question: str
) -> None:
    assert not isinstance(planner.plan(question), OutOfScope), question


def test_non_data_requests_are_a_documented_tuple() -> None:
    kinds = {kind.name for kind in NON_DATA_REQUESTS}
    assert {"writing", "task", "logistics"} <= kinds
    assert all(kind.description for kind in NON_DATA_REQUESTS)
    assert non_data_request("what's our ARR by segment?") is None


def test_a_value_in_a_hyphenated_modifier_describes_the_noun_after_it(
    planner_with_values: OfflinePlanner,
) -> None:
    # "Outbound-generated deals" are deals from Outbound: "deals" is no grouping left unused
    query = query_of(planner_with_values, "what's the pipeline of outbound-generated deals?")
    assert query.metrics == ("pipeline_amount",) and query.dimensions == ()
    assert query.filters == (Filter(field="source", op="=", values=("Outbound",)),)


def test_two_metric_words_sharing_one_trailing_noun_ask_for_both(planner: OfflinePlanner) -> None:
    query = query_of(planner, "new and churned customers per month")
    assert query.metrics == ("new_customers", "churned_customers")
    query = query_of(planner, "new, expansion or churned ARR in Q3")
    assert query.metrics == ("new_arr", "expansion_arr", "churned_arr")


def test_a_comparison_with_the_period_before_the_earlier_answer(planner: OfflinePlanner) -> None:
    earlier = query_of(planner, "resolved tickets in March")
    query = query_of(planner, "how does that compare with February?", earlier)
    assert (query.time_range, query.compare) == (earlier.time_range, "previous_period")
    assert isinstance(planner.plan("how does that compare with July?", [earlier]), Clarify)
    assert isinstance(planner.plan("resolved tickets compared with July"), Clarify)


def test_instead_of_replaces_what_it_names(planner: OfflinePlanner) -> None:
    earlier = query_of(planner, "CSAT by segment last quarter")
    query = query_of(planner, "now by week instead of segment", earlier)
    assert query.dimensions == ("metric_time:week",)
    back = query_of(planner, "by segment instead of by week", query)
    assert back.dimensions == ("segment",)


def test_a_negated_value_is_asked_about_never_compared(valued_planner: OfflinePlanner) -> None:
    plan = valued_planner.plan("tickets the bot resolved without a human last month")
    assert isinstance(plan, Clarify)


def test_an_irregular_verb_of_another_metric_reads_as_its_event(
    valued_planner: OfflinePlanner,
) -> None:
    # "stores" named the customer count; "lose" makes them the lost (churned) customers
    lost = query_of(valued_planner, "how many stores did we lose in EMEA this year?")
    assert lost.metrics == ("churned_customers",)
    query = query_of(valued_planner, "How much ARR did we lose to downgrades last year?")
    assert "contraction_arr" in query.metrics  # its description explains "lose"


# --- a part of the question the plan cannot honour: the right reading, or a question back ---


def test_adding_up_a_quantity_of_counted_rows_reads_as_the_metric_that_sums_it(
    valued_planner: OfflinePlanner,
) -> None:
    for question in (
        "sum of the amounts of deals won by each rep",
        "what's the total value in amount of the deals we won, per seller?",
    ):
        query = query_of(valued_planner, question)
        assert query.metrics != ("won_deals",), question
        metric = valued_planner.model.metric(query.metrics[0])
        measured = valued_planner.model.measure(metric.measure or "") if metric else None
        assert measured is not None and measured[1].aggregation == "sum"
        assert measured[1].expr == "amount" and query.dimensions == ("sales_rep",)


def test_a_sum_asked_of_an_average_reads_as_what_the_average_adds_up(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "sum of csat scores by channel")
    metric = valued_planner.model.metric(query.metrics[0])
    measured = valued_planner.model.measure(metric.measure or "") if metric else None
    assert measured is not None and measured[1].aggregation == "sum"
    assert measured[1].expr == "csat_score" and query.dimensions == ("channel",)
    plan = valued_planner.plan("the sum of the conversion rate by channel")
    assert isinstance(plan, Clarify) and "'sum'" in plan.question


def test_a_quantity_no_metric_adds_up_over_those_rows_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("sum of the amounts of the deals we closed, by segment")
    assert isinstance(plan, Clarify), plan  # won or lost: no governed sum over closed deals
    assert "'amounts'" in plan.question


def test_two_values_of_one_dimension_asked_side_by_side_are_compared_not_dropped(
    valued_planner: OfflinePlanner,
) -> None:
    for question in (
        "average CSAT on AI-handled tickets vs human-handled tickets last quarter",
        "CSAT: AI-handled or human-handled tickets, which is better?",
        "compare the satisfaction score on conversations the AI handled and ones humans handled",
    ):
        query = query_of(valued_planner, question)
        assert query.metrics == ("csat",) and "handled_by" in query.dimensions, question
        (condition,) = [f for f in query.filters if f.field == "handled_by"]
        assert set(condition.values) == {"ai", "human"}


def test_which_things_with_no_dimension_to_rank_them_by_are_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    for question, word in (
        ("which support agents have the best CSAT?", "agents"),
        ("show me which warehouses had the slowest first response", "warehouses"),
    ):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), (question, plan)
        assert f"'{word}'" in plan.question
    kept = query_of(valued_planner, "which channel had the most tickets by channel last month")
    assert kept.dimensions == ("channel",)
    relative = query_of(valued_planner, "tickets which were escalated last month")
    assert relative.metrics == ("ticket_volume",)


def test_questions_back_never_tell_a_person_to_run_a_command(
    valued_planner: OfflinePlanner,
) -> None:
    for question in ("what's our NPS?", "tickets per agent", "average ARR growth per intent"):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), question
        assert "cortex " not in plan.question and "`" not in plan.question


def test_a_value_left_out_is_excluded_never_kept(valued_planner: OfflinePlanner) -> None:
    for question, field, values in (
        ("bookings this year leaving out the Partner deals", "source", ("Partner",)),
        ("ticket volume last month except for voice and sms", "channel", ("voice", "sms")),
        ("active merchants besides the ones in LATAM", "region", ("LATAM",)),
    ):
        query = query_of(valued_planner, question)
        (condition,) = [f for f in query.filters if f.field == field]
        assert condition.op in ("!=", "not in") and set(condition.values) == set(values), question


def test_a_value_both_asked_for_and_left_out_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("Enterprise bookings this year, not counting Mid-Market")
    assert isinstance(plan, Clarify) and "Mid-Market" in plan.question


def test_a_mean_asked_of_a_median_or_a_median_of_a_mean_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    for question, asked in (
        ("what was the mean resolution time on chat in October", "mean"),
        ("median satisfaction score by segment this quarter", "median"),
    ):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), (question, plan)
        assert f"asked for the {asked}" in plan.question


def test_values_of_two_dimensions_set_apart_are_asked_about_not_intersected(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("ticket volume for APAC and for chat this month")
    assert isinstance(plan, Clarify) and "'APAC'" in plan.question
    both = query_of(valued_planner, "ticket volume for APAC chat tickets this month")
    assert {f.field for f in both.filters} == {"region", "channel"}


def test_shape_words_the_query_would_drop_are_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    for question, word in (
        ("bookings by team last quarter", "team"),
        ("which human agents handled the most tickets this month", "agents"),
        ("who resolved the most tickets last week", "who"),
        ("what was our biggest booking this quarter", "biggest"),
        ("net new ARR this quarter compared to now", "compared"),
        ("ticket volume this month, just the resolved ones", "resolved"),
    ):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), (question, plan)
        assert f"'{word}'" in plan.question, (question, plan.question)


def test_a_count_named_as_the_rows_of_another_metric_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    for question in (
        "CSAT among churned customers this year",
        "net new ARR from merchants that churned last quarter",
    ):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), (question, plan)


def test_a_count_on_a_day_asked_with_a_verb_of_change_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("how many merchants switched on the AI agent last quarter")
    assert isinstance(plan, Clarify) and "count on a day" in plan.question


def test_a_restriction_the_planner_reads_is_kept(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "ticket volume last week, only counting escalated ones")
    assert query.filters == (Filter(field="handed_over", op="=", values=(True,)),)


def test_a_verb_in_ing_is_no_yes_no_condition(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "open pipeline closing this quarter")
    assert not any(f.field == "is_closed" for f in query.filters)


def test_leaving_out_is_read_in_many_words(valued_planner: OfflinePlanner) -> None:
    for question, field in (
        ("median first response time last week, aside from chat", "channel"),
        ("bookings ex-Partner this year", "source"),
        ("new ARR w/o Mid-Market last quarter", "segment"),
        ("everything but sms tickets last week", "channel"),
        ("CSAT this month for every intent except return requests", "intent"),
        ("win rate excluding deals under SMB segment", "segment"),
    ):
        query = query_of(valued_planner, question)
        (condition,) = [f for f in query.filters if f.field == field]
        assert condition.op == "!=", (question, query)


def test_a_value_after_another_without_joining_words_is_kept(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "ARR excluding Mid-Market in APAC")
    assert Filter(field="region", op="=", values=("APAC",)) in query.filters
    assert Filter(field="segment", op="!=", values=("Mid-Market",)) in query.filters


def test_a_negated_phrasal_condition_keeps_its_particle(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "CSAT on tickets not handed over this month")
    assert query.filters == (Filter(field="handed_over", op="=", values=(False,)),)


def test_a_breakdown_by_a_value_a_qualifier_or_a_metric_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    for question, word in (
        ("first response time per human agent this month", "agent"),
        ("bookings by segment lead this year", "lead"),
        ("influenced revenue per ticket last month", "per"),
    ):
        plan = valued_planner.plan(question)
        assert isinstance(plan, Clarify), (question, plan)
        assert f"'{word}'" in plan.question, (question, plan.question)


def test_an_average_or_sum_of_a_value_on_a_day_over_a_range_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("mean AI adoption rate over the last quarter")
    assert isinstance(plan, Clarify) and "'mean'" in plan.question


def test_a_comparison_with_another_kind_of_period_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("tickets today vs the same day last week")
    assert isinstance(plan, Clarify), plan


def test_the_worst_times_are_the_longest(valued_planner: OfflinePlanner) -> None:
    query = query_of(valued_planner, "the 3 worst channels for first response time this month")
    assert query.order_by == (OrderBy(field="first_response_time", descending=True),)
    csat = query_of(valued_planner, "the 3 worst segments for CSAT this month")
    assert csat.order_by == (OrderBy(field="csat", descending=False),)


def test_a_list_request_is_a_listing_and_a_column_it_cannot_place_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("list the Enterprise accounts in EMEA with their account owner")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ()
    assert plan.query.dimensions == ("account_name", "account_owner")
    assert {f.field for f in plan.query.filters} == {"segment", "region"}
    vague = valued_planner.plan("list the Enterprise accounts in EMEA with their favourite colour")
    assert isinstance(vague, Clarify) and "'favourite' or 'colour'" in vague.question
    offered = vague.suggestions[0]
    again = valued_planner.plan(offered)
    assert isinstance(again, QueryPlan) and again.query.dimensions == ("account_name",)


def test_a_listings_columns_are_read_against_the_listed_things_own_dimensions(
    valued_planner: OfflinePlanner,
) -> None:
    # "owner" ends the name of one dimension of accounts ('Account owner'); a time dimension
    # is listed by day.
    plan = valued_planner.plan(
        "List the Enterprise accounts in EMEA with their owner and signup date"
    )
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ()
    assert plan.query.dimensions == ("account_name", "account_owner", "signed_up_at:day")
    assert {f.field for f in plan.query.filters} == {"segment", "region"}


def test_a_ranking_of_a_dimension_with_no_metric_ranks_by_its_tables_count_metric(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan("top 5 contact reasons last week")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == (valued_planner.model.table("tickets").count_metric,)  # type: ignore[union-attr]
    assert (plan.query.dimensions, plan.query.limit) == (("intent",), 5)


def test_how_long_something_takes_is_the_time_to_do_it_with_the_doers_as_conditions(
    valued_planner: OfflinePlanner,
) -> None:
    plan = valued_planner.plan(
        "how long do human agents take to resolve each type of ticket? last 3 months"
    )
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("resolution_time",)
    assert plan.query.dimensions == ("intent",)
    assert plan.query.filters == (Filter(field="handled_by", op="=", values=("human",)),)
    assert plan.read_as == (
        ("how long do human agents take to resolve", "time to resolve for human agents"),
    )


def test_a_names_words_are_never_read_across_a_break_in_the_question(
    valued_planner: OfflinePlanner,
) -> None:
    # 'agent type' names who handled a ticket; here "each" starts a breakdown between them.
    plan = valued_planner.plan("time to resolve for human agents each type of ticket")
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ("intent",)


def test_what_is_still_to_happen_this_quarter_counts_all_its_days_and_is_no_state(
    valued_planner: OfflinePlanner,
) -> None:
    # "to close" is a deal's close date ahead, never the deals already closed
    for question in (
        "how much open pipeline is expected to close this quarter?",
        "how much open pipeline is to close this quarter?",
    ):
        query = query_of(valued_planner, question)
        assert query.filters == (), question
        assert query.time_range == "2026-10-01..2026-12-31", question
    trending = query_of(valued_planner, "how is ARR trending this quarter")
    assert trending.time_range == "this quarter"  # a snapshot has no days to come


def test_a_value_two_dimensions_hold_is_read_as_the_one_named_by_what_it_does(
    valued_planner: OfflinePlanner,
) -> None:
    # 'ai' ("the bot") and 'human' are values of who handled a ticket and who influenced an
    # order; "did the bot influence" names the second, and "humans" follows it
    query = query_of(
        valued_planner, "how much shopper GMV did the bot influence vs humans last quarter?"
    )
    assert query.dimensions == ("influenced_by",)
    assert query.filters == (Filter(field="influenced_by", op="in", values=("ai", "human")),)


def test_a_value_at_the_close_of_a_period_is_its_value_on_the_last_day(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "ARR at the close of Q3 vs the close of Q2?")
    assert (query.time_range, query.compare) == ("2026-Q3", "previous_period")


def test_what_drove_the_most_ranks_and_what_drove_a_change_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(valued_planner, "which 3 verticals drove the most expansion ARR in Q3?")
    assert (query.metrics, query.dimensions, query.limit) == (("expansion_arr",), ("vertical",), 3)
    why = valued_planner.plan("what drove the increase in tickets last month")
    assert isinstance(why, Clarify) and "'drove'" in why.question  # a why, never the total


def test_an_event_verb_counts_the_things_its_noun_named(valued_planner: OfflinePlanner) -> None:
    # "lose" names churned ARR and churned (lost) customers; "merchants" named customers
    query = query_of(
        valued_planner, "did we lose more Magento or BigCommerce merchants last quarter?"
    )
    assert query.metrics == ("churned_customers",)
    assert query.dimensions == ("platform",)
    assert query_of(valued_planner, "how much ARR did we lose last quarter").metrics == (
        "churned_arr",
    )


def test_a_period_of_a_table_without_days_is_its_period_value(
    valued_planner: OfflinePlanner,
) -> None:
    # OKR targets have no time axis; their period is a dimension holding '2026-Q4'
    query = query_of(valued_planner, "what's the Q4 target on the AI adoption OKR?")
    assert query.time_range is None
    assert set(query.filters) == {
        Filter(field="okr_metric", op="=", values=("ai_adoption_rate",)),  # named by its label
        Filter(field="okr_period", op="=", values=("2026-Q4",)),
    }
    this = query_of(
        valued_planner, "what did we set as the Enterprise CSAT target for this quarter?"
    )
    assert Filter(field="okr_period", op="=", values=("2026-Q4",)) in this.filters


def test_rows_of_different_metrics_are_never_added_up(valued_planner: OfflinePlanner) -> None:
    plan = valued_planner.plan("what is our okr target")
    assert isinstance(plan, Clarify) and "different metrics" in plan.question
    assert plan.suggestions == ("OKR target by OKR metric",)
    one = query_of(valued_planner, "what's the target on OKR-1?")  # one row: nothing mixed
    assert one.filters == (Filter(field="okr_id", op="=", values=("OKR-1",)),)


def test_a_metric_name_without_its_head_noun_still_names_it(
    valued_planner: OfflinePlanner,
) -> None:
    query = query_of(
        valued_planner, "median first response on voice calls, AI vs human, last 30 days"
    )
    assert query.metrics == ("first_response_time",)
    assert query.dimensions == ("handled_by",)


def test_a_verb_of_result_is_read_as_the_one_the_catalogs_names_use(
    valued_planner: OfflinePlanner,
) -> None:
    # the catalog says "conversations led to an order"; "turned into" says the same
    plan = valued_planner.plan("how many conversations turned into an order last month")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("converted_tickets",)
    assert plan.read_as == (("turned into", "led to"),)


def test_a_yes_no_dimension_said_as_a_plural_noun_counts_the_rows_it_is_true_of(
    valued_planner: OfflinePlanner,
) -> None:
    flagged = Filter(field="handed_over", op="=", values=(True,))
    query = query_of(valued_planner, "escalations per channel this month")
    assert (query.metrics, query.dimensions, query.filters) == (
        ("ticket_volume",),  # the tickets table's declared count
        ("channel",),
        (flagged,),
    )
    assert query_of(valued_planner, "how many handovers last week").filters == (flagged,)
    grouped = query_of(valued_planner, "tickets by escalated this month")  # a breakdown
    assert grouped.dimensions == ("handed_over",) and grouped.filters == ()


def test_a_metric_of_things_done_asked_in_ing_is_asked_about(
    valued_planner: OfflinePlanner,
) -> None:
    # "closing" may be the deals closed so far or those still due to close: never only the first
    plan = valued_planner.plan("how many deals are closing this quarter")
    assert isinstance(plan, Clarify) and "'closing'" in plan.question
    assert query_of(valued_planner, "deals closed this quarter").metrics == ("closed_deals",)
