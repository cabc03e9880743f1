"""`linear.create_issue` files a Linear issue carrying an answer's numbers and provenance, once.

Everything goes through real httpx to a fake Linear GraphQL API on 127.0.0.1 (see
`tests/fakes/linear_api.py`), and the answers acted on are a real agent's, on the demo.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from cortex.answer import Answer
from cortex.assembly import build_agent
from cortex.cli import app
from cortex.settings import load_settings
from cortex.workspace import Workspace
from skills.base import Requester, SkillContext
from skills.linear import CreateLinearIssue
from skills.registry import SkillRegistry
from skills.runner import SkillRun, run_skill
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import ROOT
from tests.fakes.linear_api import FakeLinear, running

KEY = "lin_api_s3cret_personal_key"
THREAD = "https://cortex-demo.slack.com/archives/C042/p1764000000000100"


@pytest.fixture(scope="module")
def arr_answer(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Answer:
    """What a real agent answers on the demo to "What's our ARR by segment?"."""
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    settings = load_settings(environ, cwd=tmp_path_factory.mktemp("agent"))
    agent = build_agent(Workspace.open(settings))
    try:
        answer = agent.ask("What's our ARR by segment?")
    finally:
        agent.close()
    assert answer.status == "answer" and answer.result is not None
    return answer


@pytest.fixture()
def linear() -> Iterator[FakeLinear]:
    yield from running(api_key=KEY)


def linear_context(
    workspace: Workspace, fake: FakeLinear, answers: tuple[Answer, ...], **settings: Any
) -> SkillContext:
    """A context on the demo whose settings reach `fake`, for Dana asking in a Slack thread."""
    given: dict[str, Any] = {
        "linear_api_key": SecretStr(KEY),
        "linear_api_url": fake.url,
        "linear_team": "SUP",
        **settings,
    }
    configured = Workspace(
        replace(workspace.settings, **given), workspace.model, workspace.warehouse
    )
    requester = Requester(
        user_id="U042",
        user_name="Dana",
        roles=frozenset({"analyst"}),
        source="slack",
        channel="C042",
        thread="1764000000.000100",
        thread_link=THREAD,
    )
    return SkillContext(workspace=configured, requester=requester, answers=answers)


@pytest.fixture()
def context(workspace: Workspace, linear: FakeLinear, arr_answer: Answer) -> SkillContext:
    return linear_context(workspace, linear, (arr_answer,))


def registry_for(context: SkillContext) -> SkillRegistry:
    # Short timeouts and backoff keep the tests fast; the waits Linear asks for are real.
    skill = CreateLinearIssue(context.settings, timeout_seconds=0.5, first_wait=0.05)
    return SkillRegistry([skill])


def file_issue(context: SkillContext, **given: Any) -> SkillRun:
    raw = {"title": "Check Enterprise ARR", **given}
    return run_skill(registry_for(context), "linear.create_issue", raw, context, confirmed=True)


def operations(fake: FakeLinear) -> list[str | None]:
    return [entry.operation for entry in fake.journal]


def table_rows(markdown: str) -> dict[str, str]:
    """The rows of the first Markdown table, first cell -> second cell."""
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", markdown, re.MULTILINE)
    return {first: second for first, second in rows if first != "Segment" and ":" not in first}


# --------------------------------------------------------------------------- what is filed


def test_the_issue_carries_the_numbers_the_provenance_the_sql_and_the_thread(
    context: SkillContext,
    linear: FakeLinear,
    arr_answer: Answer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bo = next(u for u in linear.users if u.email == "bo@cortex-demo.com")
    sup = linear.team("SUP")
    run = file_issue(
        context,
        description="Enterprise looks high against the board pack.",
        assignee="bo@cortex-demo.com",
        labels=["Finance", "data quality", "cortex"],  # the last is the workspace's
        due_date="2026-12-01",
        priority=2,
    )

    assert run.outcome == "done", run.message
    (issue,) = linear.issues
    assert run.result is not None and run.result.link == issue.url
    assert issue.url == "https://linear.app/sup/issue/SUP-1"
    assert run.message == f"Filed SUP-1 in Linear team SUP: {issue.url}"
    assert operations(linear) == ["Teams", "Labels", "Users", "IssuesWithKey", "IssueCreate"]

    sent = linear.journal[-1].variables["input"]
    assert sent["teamId"] == sup.id
    assert sent["title"] == "Check Enterprise ARR"
    assert sent["assigneeId"] == bo.id
    labels = [sup.labels["Finance"], sup.labels["Data quality"], linear.workspace_labels["Cortex"]]
    assert sent["labelIds"] == labels
    assert sent["dueDate"] == "2026-12-01"
    assert sent["priority"] == 2

    markdown = sent["description"]
    assert markdown.startswith("Enterprise looks high against the board pack.\n")
    assert "## What's our ARR by segment?" in markdown
    assert arr_answer.text in markdown
    assert arr_answer.result is not None and arr_answer.compiled is not None
    # every number of the answer, as Cortex shows it: whole dollars with thousands separators
    shown = table_rows(markdown)
    frame = arr_answer.result.frame
    assert shown == {row.segment: f"${row.arr:,.0f}" for row in frame.itertuples()}
    assert len(shown) == len(frame) == 3
    provenance = arr_answer.compiled.provenance
    assert f"**ARR** (arr, certified, owner {provenance.metrics[0].owner})" in markdown
    assert provenance.metrics[0].definition in markdown
    assert "- Period: as of 24 Nov 2026" in markdown
    assert f"```sql\n{arr_answer.compiled.sql.strip()}\n```" in markdown
    assert f"Asked by Dana in [the conversation]({THREAD})." in markdown
    assert re.search(r"^cortex-request: [0-9a-f]{32}$", markdown, re.MULTILINE)

    # the key goes as the bare Authorization header (the fake refuses anything else) and is
    # never written down: not in the journal, not in a log
    assert all(entry.headers["authorization"] == "<redacted>" for entry in linear.journal)
    journal = json.dumps([[e.headers, e.body] for e in linear.journal])
    assert KEY not in journal
    assert KEY not in caplog.text


def test_it_asks_to_confirm_naming_the_team_and_the_title_before_anything_is_sent(
    context: SkillContext, linear: FakeLinear
) -> None:
    run = run_skill(registry_for(context), "linear.create_issue", {"title": "Check ARR"}, context)
    assert run.outcome == "awaiting confirmation"
    assert run.confirmation == "File the Linear issue 'Check ARR' in team SUP?"
    other = {"title": "Check ARR", "team": "FIN"}
    asked = run_skill(registry_for(context), "linear.create_issue", other, context)
    assert asked.confirmation == "File the Linear issue 'Check ARR' in team FIN?"
    assert linear.journal == []


def test_a_team_given_by_key_is_resolved_to_its_id(
    context: SkillContext, linear: FakeLinear
) -> None:
    run = file_issue(context, team="FIN")
    assert run.outcome == "done", run.message
    assert linear.journal[0].variables == {"filter": {"key": {"eq": "FIN"}}}
    assert linear.journal[-1].variables["input"]["teamId"] == linear.team("FIN").id
    assert linear.issues[0].identifier == "FIN-1"


# --------------------------------------------------------------------------- once


def test_the_same_request_twice_files_one_issue(context: SkillContext, linear: FakeLinear) -> None:
    first = file_issue(context)
    sent = len(linear.journal)
    second = file_issue(context)

    assert len(linear.issues) == 1
    assert first.result is not None and second.result is not None
    assert second.result.link == first.result.link == linear.issues[0].url
    assert second.message == f"This was already filed in Linear: {linear.issues[0].url}."
    assert len(linear.journal) == sent  # the ledger knew: Linear was not asked again


def test_after_a_crash_before_the_ledger_a_retry_finds_the_issue_in_linear(
    workspace: Workspace, linear: FakeLinear, arr_answer: Answer, tmp_path: Path
) -> None:
    file_issue(linear_context(workspace, linear, (arr_answer,)))
    # Cortex stopped after Linear's yes and before the ledger: a ledger that knows nothing
    forgetful = linear_context(
        workspace, linear, (arr_answer,), audit_path=tmp_path / "elsewhere" / "audit.sqlite"
    )
    linear.journal.clear()
    run = file_issue(forgetful)

    assert len(linear.issues) == 1
    assert operations(linear) == ["Teams", "IssuesWithKey"]
    assert run.message == f"This was already filed in Linear as SUP-1: {linear.issues[0].url}"


def test_another_title_is_another_issue(context: SkillContext, linear: FakeLinear) -> None:
    file_issue(context)
    file_issue(context, title="Check SMB ARR")
    assert [issue.identifier for issue in linear.issues] == ["SUP-1", "SUP-2"]


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("script", "status"),
    [
        (None, 401),  # a wrong key: Linear answers HTTP 401 with AUTHENTICATION_ERROR
        ({"status": 400, "graphql_code": "FORBIDDEN"}, 403),  # a GraphQL error on HTTP 400
        ({"status": 403}, 403),
    ],
)
def test_a_refused_key_is_a_configuration_error_naming_the_setting_and_nothing_is_filed(
    workspace: Workspace,
    linear: FakeLinear,
    arr_answer: Answer,
    script: dict[str, Any] | None,
    status: int,
) -> None:
    wrong = "lin_api_wrong_key" if script is None else KEY
    context = linear_context(workspace, linear, (arr_answer,), linear_api_key=SecretStr(wrong))
    if script is not None:
        linear.fail(**script)
    run = file_issue(context)

    assert run.outcome == "failed"
    assert run.message.startswith(f"Linear refused Cortex's credentials (HTTP {status}).")
    assert "Check LINEAR_API_KEY" in run.message
    assert wrong not in run.message and KEY not in run.message
    assert linear.issues == []
    assert len(linear.journal) == 1  # not tried again


def test_without_a_key_or_a_team_it_says_which_setting_to_set(
    workspace: Workspace, linear: FakeLinear, arr_answer: Answer
) -> None:
    no_key = file_issue(linear_context(workspace, linear, (arr_answer,), linear_api_key=None))
    assert no_key.outcome == "failed"
    assert "LINEAR_API_KEY is not set" in no_key.message

    no_team = file_issue(linear_context(workspace, linear, (arr_answer,), linear_team=None))
    assert no_team.outcome == "failed"
    assert "CORTEX_LINEAR_TEAM" in no_team.message and "`linear_team`" in no_team.message
    assert linear.journal == []


@pytest.mark.parametrize(
    "script",
    [
        {"status": 429, "retry_after": "0.4"},
        # Linear's own signal: a RATELIMITED GraphQL error, the reset in epoch milliseconds
        {"status": 400, "graphql_code": "RATELIMITED", "reset_after": 0.4},
    ],
)
def test_a_rate_limit_waits_what_linear_asks_then_files(
    context: SkillContext, linear: FakeLinear, script: dict[str, Any]
) -> None:
    linear.fail(**script)
    run = file_issue(context)

    assert run.outcome == "done", run.message
    assert len(linear.issues) == 1
    limited, retried = linear.journal[0], linear.journal[1]
    assert limited.operation == retried.operation == "Teams"
    assert retried.at - limited.at >= 0.35


def test_a_server_error_is_tried_again(context: SkillContext, linear: FakeLinear) -> None:
    linear.fail(500)
    run = file_issue(context)
    assert run.outcome == "done", run.message
    assert operations(linear) == ["Teams", "Teams", "IssuesWithKey", "IssueCreate"]
    assert len(linear.issues) == 1


def test_a_timeout_after_linear_filed_the_issue_still_files_it_once(
    context: SkillContext, linear: FakeLinear
) -> None:
    linear.delay(1.5, operation="IssueCreate")  # filed, but answered after the 0.5 s timeout
    run = file_issue(context)

    assert run.outcome == "done", run.message
    assert operations(linear) == ["Teams", "IssuesWithKey", "IssueCreate", "IssuesWithKey"]
    (issue,) = linear.issues
    assert run.result is not None and run.result.link == issue.url
    assert run.message == f"Filed SUP-1 in Linear team SUP: {issue.url}"


def test_linear_answering_too_late_every_time_is_told_plainly(
    context: SkillContext, linear: FakeLinear
) -> None:
    for _ in range(4):
        linear.delay(1.0)
    run = file_issue(context)
    assert run.outcome == "failed"
    assert run.message.startswith("Linear did not answer after 4 tries")
    assert KEY not in run.message


def test_another_graphql_error_is_linears_message_without_retrying(
    context: SkillContext, linear: FakeLinear
) -> None:
    linear.fail(400, graphql_code="INVALID_INPUT", message="Title is too long")
    run = file_issue(context)
    assert run.outcome == "failed"
    assert "Linear refused the request (HTTP 400): Title is too long" in run.message
    assert len(linear.journal) == 1


# --------------------------------------------------------------------------- bad input


def test_an_unknown_label_is_named_with_a_did_you_mean(
    context: SkillContext, linear: FakeLinear
) -> None:
    run = file_issue(context, labels=["Finanse"])
    assert run.outcome == "failed"
    assert "Team SUP has no label 'Finanse'. Did you mean 'Finance'?" in run.message
    assert "Its labels: Bug, Cortex, Data quality, Finance." in run.message
    assert "IssueCreate" not in operations(linear)


def test_an_unknown_team_lists_the_teams_there_are(
    context: SkillContext, linear: FakeLinear
) -> None:
    run = file_issue(context, team="SPU")
    assert run.outcome == "failed"
    assert "There is no Linear team 'SPU'. Did you mean 'SUP'?" in run.message
    assert "Teams: FIN, SUP." in run.message


def test_an_assignee_no_one_is_called_is_refused(context: SkillContext, linear: FakeLinear) -> None:
    run = file_issue(context, assignee="zed@cortex-demo.com")
    assert run.outcome == "failed"
    assert "No one in Linear is called 'zed@cortex-demo.com'." in run.message
    assert linear.issues == []


def test_the_input_is_checked_before_anything_is_sent(
    context: SkillContext, linear: FakeLinear
) -> None:
    run = file_issue(context, title="  ", priority=7)
    assert run.outcome == "refused"
    assert "title: String should have at least 1 character" in run.message
    assert "priority: Input should be less than or equal to 4" in run.message
    assert linear.journal == []


# --------------------------------------------------------------------------- from the CLI


def test_the_cli_lists_it_and_files_an_issue_after_yes(
    cortex: CliRunner, linear: FakeLinear
) -> None:
    env = {"LINEAR_API_KEY": KEY, "LINEAR_API_URL": linear.url, "CORTEX_LINEAR_TEAM": "SUP"}
    listed = cortex.invoke(app, ["skill", "list", "--json"], env=env)
    (skill,) = [
        s for s in json.loads(listed.stdout)["skills"] if s["name"] == "linear.create_issue"
    ]
    assert skill["writes_outside"] is True
    assert "required" not in skill["input_schema"]  # the title defaults to the question

    args = ["skill", "run", "linear.create_issue", "--input", '{"title": "Look at churn"}']
    asked = cortex.invoke(app, args, env=env)
    assert asked.exit_code == 1
    assert "File the Linear issue 'Look at churn' in team SUP?" in asked.stderr
    assert linear.journal == []

    done = cortex.invoke(app, [*args, "--yes"], env=env)
    assert done.exit_code == 0, done.stderr
    assert "Link: https://linear.app/sup/issue/SUP-1" in done.stdout
    (issue,) = linear.issues
    assert issue.title == "Look at churn"
    assert "Filed by Cortex for ada (cli)." in issue.description
    assert KEY not in done.stdout + done.stderr


def test_an_issue_without_a_title_takes_the_answers_question(
    linear: FakeLinear, arr_answer: Answer, context: SkillContext
) -> None:
    done = run_skill(registry_for(context), "linear.create_issue", {}, context, confirmed=True)
    assert done.outcome == "done"
    assert linear.issues[-1].title == arr_answer.question


def test_a_task_asked_in_words_reads_its_title(context: SkillContext) -> None:
    skill = CreateLinearIssue(context.settings)
    assert skill.read_request("File a task to look at the refund spike") == {
        "title": "Look at the refund spike"
    }
    assert skill.read_request("send this to Linear") == {}
    assert skill.read_request("How many tickets did we create last week?") is None
