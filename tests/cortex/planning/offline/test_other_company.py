"""The offline planner on another company's model (Kestrel Freight, tests/companies/freight):
what it reads comes from that model's names, values and relationships, not from the demo's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cortex.agent import Agent
from cortex.knowledge import build_value_index
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import Clarify, OutOfScope, QueryPlan
from cortex.settings import load_settings
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import Filter, OrderBy
from tests.companies.freight.build import build_freight

ROOT = Path(__file__).resolve().parents[4]
HOME = ROOT / "tests" / "companies" / "freight"
AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def freight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("freight")
    environ = {
        "CORTEX_WAREHOUSE": str(build_freight(folder / "freight.duckdb", as_of=AS_OF)),
        "CORTEX_METRICS": str(HOME / "metrics.yml"),
        "CORTEX_CONTEXT": str(HOME / "context"),
        "CORTEX_AS_OF": AS_OF.isoformat(),
    }
    with Workspace.open(load_settings(environ, cwd=folder)) as workspace:
        yield workspace


@pytest.fixture(scope="module")
def planner(freight: Workspace) -> OfflinePlanner:
    values = build_value_index(freight.model, freight.warehouse)
    return OfflinePlanner(freight.model, as_of=AS_OF, values=values)


def test_a_dimension_name_inside_a_longer_value_is_part_of_the_value(
    planner: OfflinePlanner,
) -> None:
    # 'Key Account' is a tier; "account" alone names the customer dimension.
    plan = planner.plan("active key account customers")
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ()
    assert plan.query.filters == (Filter(field="account_tier", op="=", values=("Key Account",)),)


def test_a_value_sharing_a_word_with_a_metrics_name_filters_that_metric(
    planner: OfflinePlanner,
) -> None:
    # "live [key] accounts" names active customers, and "key accounts" a tier they can be
    # filtered by: both are read, never the total of all live accounts.
    plan = planner.plan("number of live key accounts")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("active_customers",)
    assert plan.query.filters == (Filter(field="account_tier", op="=", values=("Key Account",)),)


def test_a_typo_read_as_a_catalog_word_is_said_under_how_it_was_computed(
    freight: Workspace, planner: OfflinePlanner
) -> None:
    agent = Agent(freight, planner, ConversationStore(":memory:"))
    answer = agent.ask("overdue reciveables by account manager")
    assert answer.status == "answer" and answer.compiled is not None
    assert answer.query is not None and answer.query.metrics == ("overdue_receivables",)
    assert answer.compiled.provenance.notes[0] == "Read 'reciveables' as 'receivables'."


def test_a_tables_noun_before_its_dimension_says_whose_it_is(planner: OfflinePlanner) -> None:
    plan = planner.plan("pallet shipments in October split by customer industry and service level")
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ("industry", "service_level")


def test_a_list_request_lists_the_things_it_names_with_their_columns(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("list the depots with their region")
    assert isinstance(plan, QueryPlan)
    assert (plan.query.metrics, plan.query.dimensions) == ((), ("depot_name", "region"))


def test_a_list_with_a_number_each_is_grouped_by_the_things_listed(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan(
        "list the customers managed by Priya Shah with their freight revenue for Q3"
    )
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("freight_revenue",)
    assert plan.query.dimensions == ("customer_name",)
    assert plan.query.filters == (Filter(field="account_manager", op="=", values=("Priya Shah",)),)


def test_a_list_of_what_a_count_counts_is_asked_about(planner: OfflinePlanner) -> None:
    # The accounts themselves, or how many: never the count by tier in place of the list.
    plan = planner.plan("list Tom Gallagher's live accounts with their tier")
    assert isinstance(plan, Clarify) and plan.reason == "two readings"


def test_a_total_of_a_count_whose_rows_carry_money_is_asked_about(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("claims total for Q3?")
    assert isinstance(plan, Clarify) and plan.reason == "two readings"
    assert "Claim value" in plan.question
    named = planner.plan("total claims value in Q3")
    assert isinstance(named, QueryPlan) and named.query.metrics == ("claimed_amount",)


def test_a_question_about_the_world_is_declined_and_one_about_the_business_is_asked_about(
    planner: OfflinePlanner,
) -> None:
    assert isinstance(planner.plan("what's diesel at the pumps today?"), OutOfScope)
    # An acronym, the company itself, or a quantity: a metric the catalog may lack.
    for question in ("What's the NPS?", "what's our trailer fill?", "what is the bounce rate?"):
        plan = planner.plan(question)
        assert isinstance(plan, Clarify), question


def test_them_right_after_a_question_that_got_no_answer_is_asked_about(
    freight: Workspace, planner: OfflinePlanner
) -> None:
    agent = Agent(freight, planner, ConversationStore(":memory:"))
    first = agent.ask("what's our trailer fill by customer?")
    assert first.status == "clarification"
    then = agent.ask("now rank them by freight revenue instead", first.conversation_id)
    assert then.status == "clarification" and then.reason == "no earlier answer"


def test_worst_first_orders_every_row_by_the_metrics_own_better_direction(
    planner: OfflinePlanner,
) -> None:
    # metrics.yml says a lower exception rate is better: the worst is the highest.
    plan = planner.plan("exception rate by haulier last quarter, worst first")
    assert isinstance(plan, QueryPlan)
    assert plan.query.order_by == (OrderBy(field="exception_rate", descending=True),)
    assert plan.query.limit is None
    best = planner.plan("the 3 best depots by on-time delivery rate")
    assert isinstance(best, QueryPlan)
    assert best.query.order_by == (OrderBy(field="on_time_delivery_rate", descending=True),)


def test_ranked_by_the_number_of_a_metric_is_ranked_by_the_metric(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("top 10 customers by number of shipments last quarter")
    assert isinstance(plan, QueryPlan)
    assert (plan.query.metrics, plan.query.dimensions, plan.query.limit) == (
        ("shipments",),
        ("customer_name",),
        10,
    )


def test_a_verb_that_records_an_event_is_read_as_the_event(planner: OfflinePlanner) -> None:
    plan = planner.plan("How many delivery exceptions were raised last month, by root cause?")
    assert isinstance(plan, QueryPlan)
    assert (plan.query.metrics, plan.query.dimensions) == (
        ("delivery_exceptions",),
        ("root_cause",),
    )


def test_a_typo_too_short_or_too_far_to_read_is_asked_about_naming_what_it_is_close_to(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("cancelation rate by freight typ")
    assert isinstance(plan, Clarify)
    assert "'typ' is close to 'type'" in plan.question


def test_a_customer_named_with_capitals_is_a_filter_and_belonging_to_says_of(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("shipments belonging to Hartwell Foods by month since January")
    assert isinstance(plan, QueryPlan)
    assert plan.query.filters == (
        Filter(field="customer_name", op="=", values=("Hartwell Foods",)),
    )
    # The 'Foods' of the name is no industry ('Food & Drink') in the singular.
    revenue = planner.plan("freight revenue for Hartwell Foods last quarter")
    assert isinstance(revenue, QueryPlan)
    assert [f.field for f in revenue.query.filters] == ["customer_name"]


def test_a_metric_word_inside_a_longer_value_keeps_the_whole_value(
    planner: OfflinePlanner,
) -> None:
    # "damage claims" is a claim type; "damage" alone is also an exception type.
    plan = planner.plan("damage claims in october")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("claims_filed",)
    assert plan.query.filters == (Filter(field="claim_type", op="=", values=("Damage",)),)


def test_a_value_ending_in_another_metrics_word_counts_the_rows_it_describes(
    planner: OfflinePlanner,
) -> None:
    # "failed drops" is an exception type; "drops" alone names deliveries, which it can't
    # filter: the exceptions table's declared count counts them.
    plan = planner.plan("failed drops so far this month?")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("delivery_exceptions",)
    assert plan.query.filters == (
        Filter(field="exception_type", op="=", values=("Failed delivery",)),
    )


def test_the_value_of_a_count_is_the_money_its_rows_add_up_to(planner: OfflinePlanner) -> None:
    plan = planner.plan("value of damage claims filed in october")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("claimed_amount",)  # 'Claim value', not the number of claims
    assert plan.query.filters == (Filter(field="claim_type", op="=", values=("Damage",)),)
    asked = planner.plan("what are damage claims worth this year")  # claim value or paid?
    assert isinstance(asked, Clarify)
    assert set(asked.suggestions) == {"claimed_amount", "claims_paid"}


def test_a_value_two_dimensions_hold_is_read_as_that_of_the_thing_named_beside_it(
    planner: OfflinePlanner,
) -> None:
    # 'Scotland' is a depot's region and a shipment's destination region.
    for question in ("shipments from our Scotland depots", "list the depots in Scotland"):
        plan = planner.plan(question)
        assert isinstance(plan, QueryPlan), question
        assert plan.query.filters == (Filter(field="region", op="=", values=("Scotland",)),)


def test_to_a_place_is_a_destination_and_from_a_place_an_origin(planner: OfflinePlanner) -> None:
    to = planner.plan("Economy shipments delivered to Scotland last month")
    assert isinstance(to, QueryPlan)
    assert Filter(field="destination_region", op="=", values=("Scotland",)) in to.query.filters
    away = planner.plan("shipments from Scotland last month")  # 'origin region' is region's
    assert isinstance(away, QueryPlan)
    assert away.query.filters == (Filter(field="region", op="=", values=("Scotland",)),)
    unsaid = planner.plan("shipments in Scotland last month")
    assert isinstance(unsaid, Clarify) and "'Scotland' could mean" in unsaid.question


def test_a_value_set_beside_a_settled_one_is_of_the_same_dimension(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("How many shipments went out of our Scotland depots vs the Midlands ones?")
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ("region",)
    assert plan.query.filters == (Filter(field="region", op="in", values=("Scotland", "Midlands")),)


def test_listing_things_a_value_describes_lists_them_by_their_tables_name_dimension(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan(
        "can you list every subcontractor we've used with their contract start and end dates?"
    )
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ("carrier_name", "contract_start:day", "contract_end:day")
    assert plan.query.filters == (Filter(field="carrier_type", op="=", values=("Subcontractor",)),)


def test_how_long_customers_take_to_pay_is_the_time_to_pay_over_their_invoices(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan(
        "How long are customers taking to pay us on average this quarter? Split by tier"
    )
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("avg_days_to_pay",)  # 'time to pay' is one of its names
    assert plan.query.dimensions == ("account_tier",)
    assert plan.query.filters == ()  # "customers" only says whose invoices


def test_one_word_of_the_catalog_does_not_make_a_question_about_the_world_ours(
    planner: OfflinePlanner,
) -> None:
    # "won" is a form of 'account wins', the model's only word here.
    assert isinstance(planner.plan("who won the football last night"), OutOfScope)
    asked = planner.plan("who won the most accounts last night")  # mostly the catalog's words
    assert not isinstance(asked, OutOfScope)


def test_data_words_inside_a_quoted_text_to_translate_are_no_question(
    planner: OfflinePlanner,
) -> None:
    quoted = 'translate "delivery refused, goods returned to depot" into Polish for the drivers'
    assert isinstance(planner.plan(quoted), OutOfScope)
    asked = planner.plan("translate the late deliveries of last week into a table by depot")
    assert not isinstance(asked, OutOfScope)  # names a metric outside quotes: never declined


def test_a_money_word_is_explained_by_a_metric_counted_in_money(planner: OfflinePlanner) -> None:
    for question, metric in (
        ("what's our AR balance at the moment", "accounts_receivable"),
        ("Fuel surcharge income per month", "fuel_surcharge_revenue"),
    ):
        plan = planner.plan(question)
        assert isinstance(plan, QueryPlan), question
        assert plan.query.metrics == (metric,)
    counted = planner.plan("balance of shipments by depot")  # a count: what balance?
    assert isinstance(counted, Clarify)


def test_revenue_from_a_count_is_the_money_its_rows_bring_named_revenue(
    planner: OfflinePlanner,
) -> None:
    plan = planner.plan("revenue from shipments collected at Daventry Hub last month")
    assert isinstance(plan, QueryPlan)
    assert plan.query.metrics == ("freight_revenue",)  # not the fuel surcharge or the cost
    assert plan.query.filters == (Filter(field="depot_name", op="=", values=("Daventry Hub",)),)
