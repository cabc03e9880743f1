"""The agent answers from the demo, remembers conversations, and never lets a trace escape."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from cortex.agent import Agent
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import Plan, QueryPlan, Usage
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.sqlite")


@pytest.fixture()
def agent(workspace: Workspace, store: ConversationStore) -> Agent:
    return Agent(workspace, OfflinePlanner(workspace.model, as_of=DEMO_AS_OF), store)


def test_an_answer_carries_numbers_narrative_and_provenance(
    agent: Agent, demo_con: duckdb.DuckDBPyConnection
) -> None:
    answer = agent.ask("How many tickets did we get last month by channel?")
    assert answer.status == "answer" and answer.trust == "generated"
    assert answer.result is not None and answer.compiled is not None
    expected = dict(
        demo_con.execute(
            "SELECT channel, COUNT(*) FROM tickets WHERE created_at >= DATE '2026-10-01' "
            "AND created_at < DATE '2026-11-01' GROUP BY channel"
        ).fetchall()
    )
    frame = answer.result.frame
    assert dict(zip(frame["channel"], frame["ticket_volume"], strict=True)) == expected
    assert "is highest at" in answer.text
    assert answer.compiled.provenance.time_range == "last month (2026-10-01 to 2026-10-31)"
    assert set(answer.timings_ms) == {"plan", "query", "total"}


def test_a_verified_question_is_badged_verified(agent: Agent) -> None:
    assert agent.ask("What is our ARR by segment?").trust == "verified"


def test_a_near_miss_of_a_verified_question_is_answered_as_asked_without_the_badge(
    agent: Agent,
) -> None:
    answer = agent.ask("What is the AI automation rate by month last year?")
    assert answer.status == "answer" and answer.trust == "generated"
    assert answer.compiled is not None
    assert answer.compiled.provenance.time_range == "last year (2025-01-01 to 2025-12-31)"


def test_follow_ups_survive_a_restart(
    workspace: Workspace, store: ConversationStore, tmp_path: Path
) -> None:
    first = Agent(workspace, OfflinePlanner(workspace.model, as_of=DEMO_AS_OF), store)
    answer = first.ask("How many tickets did we get last month?")
    restarted = Agent(
        workspace,
        OfflinePlanner(workspace.model, as_of=DEMO_AS_OF),
        ConversationStore(tmp_path / "conversations.sqlite"),
    )
    follow_up = restarted.ask("now by channel", answer.conversation_id)
    assert follow_up.status == "answer" and follow_up.query is not None
    assert follow_up.query.dimensions == ("channel",)
    assert follow_up.query.time_range == "last month"


def test_an_unknown_metric_gets_a_clarification_not_a_number(agent: Agent) -> None:
    answer = agent.ask("What's our NPS?")
    assert answer.status == "clarification"
    assert answer.result is None and answer.suggestions


def test_out_of_scope(agent: Agent) -> None:
    assert agent.ask("write me a poem about our support team").status == "out_of_scope"


def test_a_follow_up_right_after_a_question_back_asks_what_it_builds_on(
    agent: Agent, store: ConversationStore
) -> None:
    first = agent.ask("How much new ARR came in last quarter?")
    conversation = first.conversation_id
    assert agent.ask("and how much came via the loyalty programme?", conversation).status == (
        "clarification"
    )
    # "that" may be the unanswered question: ask, offering the answered one in full words
    answer = agent.ask("how does that compare with the quarter before?", conversation)
    assert answer.status == "clarification" and answer.result is None
    assert "got no answer" in answer.text
    assert answer.suggestions == ("New ARR last quarter vs the previous period",)
    offered = agent.ask(answer.suggestions[0], conversation)
    assert offered.status == "answer" and offered.query is not None
    assert (offered.query.metrics, offered.query.compare) == (("new_arr",), "previous_period")
    assert store.last_status(conversation) == "answer"


def test_a_question_that_stands_alone_after_a_question_back_is_answered(agent: Agent) -> None:
    first = agent.ask("How many tickets did we get last month?")
    agent.ask("and the NPS of those?", first.conversation_id)
    answer = agent.ask("What's our ARR by segment?", first.conversation_id)
    assert answer.status == "answer"


class _Scripted:
    """A planner that returns a fixed plan, or fails: the agent's own error handling."""

    def __init__(self, plan: Plan | None) -> None:
        self._plan = plan

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        if self._plan is None:
            raise RuntimeError("the planner broke")
        return self._plan


def test_a_query_the_layer_rejects_is_an_error_answer_that_says_why(
    workspace: Workspace, store: ConversationStore
) -> None:
    plan = QueryPlan(SemanticQuery(metrics=("revenu",)), 1.0)
    answer = Agent(workspace, _Scripted(plan), store).ask("revenue?")
    assert answer.status == "error"
    assert "Unknown metric 'revenu'" in answer.text


def test_a_failed_query_still_reports_what_planning_cost(
    workspace: Workspace, store: ConversationStore
) -> None:
    usage = Usage(input_tokens=1200, output_tokens=80, cost_usd=0.0048)
    plan = QueryPlan(SemanticQuery(metrics=("revenu",)), 1.0, usage=usage)
    answer = Agent(workspace, _Scripted(plan), store).ask("revenue?")
    assert answer.status == "error" and answer.usage == usage


def test_an_unexpected_failure_is_an_apology_with_a_trace_id(
    workspace: Workspace, store: ConversationStore, caplog: pytest.LogCaptureFixture
) -> None:
    answer = Agent(workspace, _Scripted(None), store).ask("anything")
    assert answer.status == "error"
    assert "trace" in answer.text and "Traceback" not in answer.text
    assert "the planner broke" in caplog.text  # the trace is in the log


def test_answers_carry_the_caveats_of_their_metrics(
    workspace: Workspace, store: ConversationStore
) -> None:
    from cortex.knowledge import load_context

    context = load_context(ROOT / "context", model=workspace.model)
    planner = OfflinePlanner(workspace.model, as_of=DEMO_AS_OF)
    answer = Agent(workspace, planner, store, context).ask("ARR by segment")
    assert answer.caveats and answer.caveats[0].source.startswith("ARR and its movements › ")
    assert len(answer.caveats) <= 2


def test_an_answer_carries_only_the_sections_about_its_metrics(
    workspace: Workspace, store: ConversationStore
) -> None:
    from cortex.knowledge import load_context

    context = load_context(ROOT / "context", model=workspace.model)
    planner = OfflinePlanner(workspace.model, as_of=DEMO_AS_OF)
    answer = Agent(workspace, planner, store, context).ask("How many tickets last month?")
    sources = [c.source for c in answer.caveats]
    assert sources and not any("attribution" in s.lower() for s in sources), sources


def test_a_question_asking_why_a_metric_moved_is_answered_with_its_drivers(
    workspace: Workspace, store: ConversationStore, valued_planner: OfflinePlanner
) -> None:
    agent = Agent(workspace, valued_planner, store)
    for question in (
        "Why did ticket volume go up last month?",
        "what's behind the rise in resolved tickets this quarter",
        "how come CSAT fell in October",
        "where is the jump in bookings this quarter coming from?",
    ):
        answer = agent.ask(question)
        assert answer.status == "answer", (question, answer.text)
        assert answer.drivers is not None and answer.drivers.change is not None
        assert answer.query is not None and answer.query.compare is not None
        top = answer.drivers.top
        assert top is not None and answer.query.dimensions == (top.dimension,)
        assert sum(p.contribution for p in top.parts) == pytest.approx(answer.drivers.change)


def test_a_question_asking_why_without_a_period_gets_what_cortex_can_show_instead(
    workspace: Workspace, store: ConversationStore, valued_planner: OfflinePlanner
) -> None:
    agent = Agent(workspace, valued_planner, store)
    answer = agent.ask("why do customers churn?")
    assert answer.status == "clarification", answer.text
    assert answer.result is None and "why" in answer.text
    offered = agent.ask(answer.suggestions[0])  # each suggestion is answerable as worded
    assert offered.status == "answer" and offered.query is not None


def test_a_definition_given_in_the_question_is_never_swapped_for_a_governed_metric(
    workspace: Workspace, store: ConversationStore, valued_planner: OfflinePlanner
) -> None:
    agent = Agent(workspace, valued_planner, store)
    for question, term in (
        ("bookings, i.e. won and lost deal amounts, by quarter", "bookings"),
        ("What's our churn, defined as churned ARR over starting ARR, this year?", "churn"),
        ("ticket volume (meaning only tickets a human touched) last week", "ticket volume"),
        ("win rate as in deals won over deals created, by source", "win rate"),
        ("bookings per rep = bookings / reps, this quarter", "bookings per rep"),
    ):
        answer = agent.ask(question)
        assert answer.status == "clarification", (question, answer.text)
        assert f"'{term}'" in answer.text and answer.result is None


def test_a_definition_that_is_exactly_a_governed_metric_is_answered_by_it_and_said(
    workspace: Workspace, store: ConversationStore, valued_planner: OfflinePlanner
) -> None:
    agent = Agent(workspace, valued_planner, store)
    question = "AI automation rate, meaning AI-resolved tickets over resolved tickets, last month"
    answer = agent.ask(question)
    assert answer.status == "answer", answer.text
    assert answer.query is not None and answer.query.metrics == ("ai_automation_rate",)
    assert answer.compiled is not None
    assert answer.compiled.provenance.notes[0] == (
        "Read 'AI automation rate, meaning AI-resolved tickets over resolved tickets' as "
        "'AI automation rate (ai_automation_rate)'."
    )
    # the same words with another governed metric's parts: never that metric
    other = agent.ask("net new ARR, meaning new ARR minus churned ARR, last quarter")
    assert other.status == "clarification" and "'net new ARR'" in other.text


def test_yes_to_a_question_back_answers_the_reading_it_offered_and_says_so(agent: Agent) -> None:
    first = agent.ask("CSAT by channel for tickets that breached the SLA last month")
    assert first.status == "clarification" and first.suggestions
    offered = first.suggestions[0]
    yes = agent.ask("yes", first.conversation_id)
    assert yes.status == "answer" and yes.question == "yes"
    assert yes.query == agent.ask(offered).query
    assert yes.compiled is not None
    assert yes.compiled.provenance.notes[0] == f"Read 'yes' as '{offered}'."
    # A follow-up then builds on the accepted reading.
    then = agent.ask("now by segment", yes.conversation_id)
    assert then.query is not None and then.query.dimensions == ("segment",)


def test_a_reply_that_is_a_question_of_its_own_is_planned_as_one(agent: Agent) -> None:
    first = agent.ask("CSAT by channel for tickets that breached the SLA last month")
    other = agent.ask("What is our ARR by segment?", first.conversation_id)
    assert other.status == "answer" and other.query is not None
    assert other.query.metrics == ("arr",)


def test_progress_is_told_each_step_in_order_as_it_starts(agent: Agent) -> None:
    steps: list[str] = []
    answer = agent.ask("How many tickets did we get last month by channel?", progress=steps.append)
    assert answer.status == "answer"
    assert steps == [
        "Reading your question…",
        "Metrics chosen: Ticket volume by channel last month",
        "Compiling the governed query…",
        "Running the query on the warehouse…",
    ]


def test_a_question_back_reports_only_the_reading(agent: Agent) -> None:
    steps: list[str] = []
    assert agent.ask("What's our NPS?", progress=steps.append).status == "clarification"
    assert steps == ["Reading your question…"]
