"""The result cache where every governed query passes: a workspace answers a repeated question
from memory, the audit trail says hit, miss or off for every answer (`cortex audit` counts
them), and `--no-cache` on the command line runs on the warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.warehouse import CachedWarehouse, DuckDBWarehouse
from cortex.agent import Agent
from cortex.planning.offline.planner import OfflinePlanner
from cortex.stores.audit import AuditLog
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.connectors.warehouse.counting import Counting
from tests.cortex.conftest import run

QUESTION = "How many tickets did we get last month?"
TICKETS_BY_CHANNEL = SemanticQuery(metrics=("ticket_volume",), dimensions=("channel",))


@pytest.fixture()
def counted(workspace: Workspace, demo_path: Path) -> Iterator[tuple[Workspace, Counting]]:
    """The test workspace with its warehouse counted, behind a result cache."""
    with Counting(DuckDBWarehouse(demo_path)) as counting:
        yield Workspace(workspace.settings, workspace.model, CachedWarehouse(counting)), counting


def test_a_workspace_opened_as_usual_answers_a_repeated_query_from_memory(
    workspace: Workspace,
) -> None:
    first = workspace.query(TICKETS_BY_CHANNEL).result
    again = workspace.query(TICKETS_BY_CHANNEL).result
    assert first is not None and again is not None
    assert (first.cache, again.cache) == ("miss", "hit")
    assert again.frame.equals(first.frame)


def test_a_workspace_opened_without_cache_runs_every_query(workspace: Workspace) -> None:
    with Workspace.open(workspace.settings, cache=False) as uncached:
        results = [uncached.query(TICKETS_BY_CHANNEL).result for _ in range(2)]
    assert [r.cache for r in results if r is not None] == ["off", "off"]


def test_a_repeated_question_reaches_the_warehouse_once_and_the_audit_says_so(
    counted: tuple[Workspace, Counting], tmp_path: Path
) -> None:
    workspace, counting = counted
    planner = OfflinePlanner(workspace.model, as_of=DEMO_AS_OF)
    agent = Agent(workspace, planner, ConversationStore(tmp_path / "conversations.sqlite"))
    audit = AuditLog(tmp_path / "audit.sqlite")
    answers = [agent.ask(QUESTION) for _ in range(2)]
    assert [a.status for a in answers] == ["answer", "answer"]
    assert answers[1].text == answers[0].text
    assert counting.runs == 1
    for answer in answers:
        audit.record_answer(answer, source="slack", user_id="U0ADA00001")
    clarified = agent.ask("What is the weather like?")  # no query ran: no cache status
    audit.record_answer(clarified, source="slack", user_id="U0ADA00001")
    assert [r.cache for r in reversed(audit.list())] == ["miss", "hit", None]


def test_no_cache_on_the_command_line_runs_on_the_warehouse(cortex: CliRunner) -> None:
    for flags, expected in (((), "miss"), (("--no-cache",), "off")):
        code, out, _ = run(cortex, "query", "-m", "ticket_volume", "--json", *flags)
        assert code == 0 and json.loads(out)["provenance"]["cache"] == expected
    for flags in ((), ("--no-cache",)):
        code, _, _ = run(cortex, "ask", QUESTION, "--json", *flags)
        assert code == 0
    # One question a process: the first one misses (nothing is kept between processes).
    records = AuditLog(Path("data/audit.sqlite")).list()
    assert [r.cache for r in reversed(records)] == ["miss", "off"]
    code, out, _ = run(cortex, "audit")
    assert code == 0 and "Result cache, over these records: 0 hit, 1 miss, 1 off." in out
