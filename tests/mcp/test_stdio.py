"""`cortex serve mcp` over stdio, spawned by the official `mcp` client as a desktop client does:
every call runs as the configured access.yml user (here a sales rep) and lands in the audit
trail. One server serves the module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import StdioServerParameters, stdio_client

from cortex.stores.audit import AuditLog
from semantic_layer.loader import load_model
from tests.fakes.linear_api import FakeLinear
from tests.mcp.conftest import (
    ROOT,
    SALES_REP,
    SALES_REP_NAME,
    McpClient,
    environment,
    open_client,
    text_of,
)

LINEAR_KEY = "lin_api_mcp_test_key"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-stdio")


@pytest.fixture(scope="module")
def linear() -> Iterator[FakeLinear]:
    with FakeLinear(api_key=LINEAR_KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def client(demo_path: Path, folder: Path, linear: FakeLinear) -> Iterator[McpClient]:
    env = environment(
        demo_path,
        folder,
        PYTHONPATH=str(ROOT),
        CORTEX_MCP_USER=SALES_REP,
        LINEAR_API_KEY=LINEAR_KEY,
        LINEAR_API_URL=linear.url,
        CORTEX_LINEAR_TEAM="SUP",
    )
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "cortex.cli", "serve", "mcp"], env=env, cwd=folder
    )
    with (folder / "server.log").open("w") as log:
        yield from open_client(stdio_client(server, errlog=log))


def audit(folder: Path) -> AuditLog:
    return AuditLog(folder / "audit.sqlite")


def test_the_tools_are_listed_with_schemas_built_from_the_model(client: McpClient) -> None:
    tools = client.tools()
    assert set(tools) >= {
        "list_metrics",
        "describe_metric",
        "list_dimension_values",
        "query_metrics",
        "ask",
        "explain_change",
        "search_context",
        "list_skills",
        "run_skill",
    }
    offered = tools["query_metrics"].input_schema["properties"]["metrics"]["items"]["enum"]
    assert "arr" in offered  # a sales rep's metric
    assert "influenced_revenue" not in offered  # restricted to analysts, execs and finance
    assert "pipeline" not in " ".join(offered)  # the opportunities table is not hers


def test_a_query_is_answered_with_the_callers_row_policy(client: McpClient) -> None:
    result = client.call("query_metrics", {"metrics": ["arr"], "dimensions": ["account_owner"]})
    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert data is not None
    assert [row[0] for row in data["rows"]] == [SALES_REP_NAME]  # only her accounts
    assert f"accounts.account_owner = '{SALES_REP_NAME}'" in data["provenance"]["filters"]
    assert "SELECT" not in text_of(result)  # no SQL goes to the client


def test_a_misspelt_metric_is_a_tool_error_the_next_call_corrects(
    client: McpClient, folder: Path
) -> None:
    wrong = client.call("query_metrics", {"metrics": ["arrr"], "dimensions": ["segment"]})
    assert wrong.is_error
    assert "Unknown metric 'arrr'. Did you mean 'arr'?" in text_of(wrong)
    right = client.call("query_metrics", {"metrics": ["arr"], "dimensions": ["segment"]})
    assert not right.is_error
    assert "ARR" in text_of(right)
    records = [r for r in audit(folder).list(user=SALES_REP) if r.tool == "query_metrics"]
    failed, answered = records[1], records[0]  # newest first
    assert failed.outcome == "failed" and "arrr" in failed.question
    assert answered.outcome == "answered" and answered.sql is not None
    assert f"'{SALES_REP_NAME}'" in answered.sql  # the row filter is in the SQL that ran


def test_what_every_client_is_told_first_names_no_metric(client: McpClient) -> None:
    told = client.session.initialize_result
    assert told is not None and told.instructions and "list_metrics" in told.instructions
    labels = [m.label for m in load_model(ROOT / "metrics.yml").metrics]
    assert not [label for label in labels if label in told.instructions]


def test_a_misspelling_is_never_matched_to_a_metric_one_may_not_see(client: McpClient) -> None:
    wrong = client.call("query_metrics", {"metrics": ["influenced_revenu"]})
    assert wrong.is_error and "Unknown metric 'influenced_revenu'" in text_of(wrong)
    assert "influenced_revenue" not in text_of(wrong).replace("'influenced_revenu'", "")


@pytest.mark.parametrize("tool", ["query_metrics", "list_dimension_values"])
def test_a_misspelt_dimension_is_never_matched_to_one_she_may_not_use(
    client: McpClient, tool: str
) -> None:
    def misspelt(dimension: str) -> str:
        if tool == "query_metrics":
            return text_of(client.call(tool, {"metrics": ["arr"], "dimensions": [dimension]}))
        return text_of(client.call(tool, {"dimension": dimension}))

    # The opportunities table is not hers: its `opportunity_type` is no suggestion for her.
    said = misspelt("opportunity_typ")
    assert "Unknown dimension 'opportunity_typ'" in said
    assert "opportunity_type" not in said.replace("'opportunity_typ'", "")
    assert "Did you mean 'segment'" in misspelt("segmnt")  # one of her tables has it


def test_a_denied_metric_is_refused_without_numbers(client: McpClient, folder: Path) -> None:
    refused = client.call("query_metrics", {"metrics": ["influenced_revenue"]})
    assert refused.is_error
    said = text_of(refused)
    assert "not allowed to see Influenced revenue" in said and "$" not in said
    (record,) = [r for r in audit(folder).list(outcome="denied") if r.tool == "query_metrics"]
    assert record.source == "mcp" and record.user_name == SALES_REP_NAME


def test_ask_runs_the_whole_pipeline_as_the_caller(client: McpClient, folder: Path) -> None:
    result = client.call("ask", {"question": "What's our ARR by account owner?"})
    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert data is not None and data["status"] == "answer"
    assert [row[0] for row in data["rows"]] == [SALES_REP_NAME]
    assert "How this was computed" in text_of(result)
    follow_up = client.call(
        "ask", {"question": "now by segment", "conversation_id": data["conversation_id"]}
    )
    assert not follow_up.is_error
    assert follow_up.structured_content is not None
    assert follow_up.structured_content["query"]["dimensions"] == ["segment"]
    (record,) = [r for r in audit(folder).list() if r.question == "now by segment"]
    assert record.tool == "ask" and record.plan is not None and record.sql is not None


def test_a_write_skill_does_nothing_without_confirm(
    client: McpClient, linear: FakeLinear, folder: Path
) -> None:
    asked = client.call(
        "run_skill", {"skill": "linear.create_issue", "input": {"title": "Look at churn"}}
    )
    assert not asked.is_error
    assert "nothing was written" in text_of(asked) and "confirm: true" in text_of(asked)
    assert linear.journal == [] and linear.issues == []
    (run,) = audit(folder).skill_runs(skill="linear.create_issue")
    assert (run.source, run.outcome) == ("mcp", "awaiting confirmation")
    done = client.call(
        "run_skill",
        {"skill": "linear.create_issue", "input": {"title": "Look at churn"}, "confirm": True},
    )
    assert not done.is_error, text_of(done)
    assert [issue.title for issue in linear.issues] == ["Look at churn"]


def test_the_catalog_and_context_are_resources(client: McpClient) -> None:
    uris = [r.uri for r in client.resources()]
    assert uris[0] == "cortex://catalog" and any(u.startswith("cortex://context/") for u in uris)
    assert "`arr`" in client.read("cortex://catalog")
    assert "influenced_revenue" not in client.read("cortex://catalog")
    whole = client.read("cortex://context/first_response_time.md")  # nothing in it is hidden
    assert whole == (ROOT / "context" / "first_response_time.md").read_text(encoding="utf-8")


def test_context_only_about_metrics_one_may_not_see_is_left_out(client: McpClient) -> None:
    # the sales rep sees no pipeline and no conversions: their caveats are not hers to read
    caveats = client.read("cortex://context/caveats.md")
    assert "## CSAT response bias" in caveats and "## Freshness and history" in caveats
    assert "Pipeline close dates" not in caveats and "Conversion attribution" not in caveats
    assert "2 section(s) about metrics you may not see left out" in caveats
    found = client.call("search_context", {"query": "pipeline close dates expectations"})
    headings = [p["heading"] for p in (found.structured_content or {}).get("passages", [])]
    assert "Pipeline close dates are expectations" not in headings


def test_the_other_tools_answer_from_the_model(client: McpClient) -> None:
    described = client.call("describe_metric", {"metric": "arr"})
    assert "Definition:" in text_of(described) and SALES_REP_NAME in text_of(described)
    values = client.call("list_dimension_values", {"dimension": "account_owner"})
    assert values.structured_content is not None
    assert values.structured_content["values"] == [SALES_REP_NAME]
    moved = client.call("explain_change", {"metric": "arr", "time_range": "last month"})
    assert not moved.is_error, text_of(moved)
    assert moved.structured_content is not None and "change" in moved.structured_content
    found = client.call("search_context", {"query": "what counts as ARR"})
    assert found.structured_content is not None and found.structured_content["passages"]
    skills = client.call("list_skills")
    assert "linear.create_issue" in text_of(skills)


def test_every_call_is_in_the_audit_trail(client: McpClient, folder: Path) -> None:
    client.call("list_metrics", {"search": "arr"})
    records = [r for r in audit(folder).list(user=SALES_REP) if r.source == "mcp"]
    assert records[0].tool == "list_metrics" and records[0].question.startswith("list_metrics")
    assert {r.tool for r in records} >= {"query_metrics", "ask", "run_skill", "list_metrics"}
    assert all(r.latency_ms is not None for r in records)


def test_the_server_refuses_to_start_without_a_known_user(demo_path: Path, folder: Path) -> None:
    command = [sys.executable, "-m", "cortex.cli", "serve", "mcp"]
    for extra, said in (
        ({}, "no user is set"),
        ({"CORTEX_MCP_USER": "U04K9D1WQ7F"}, "Did you mean 'U04K9D1WQ7E'?"),
    ):
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        env |= environment(demo_path, folder / "refused") | extra
        done = subprocess.run(
            command, env=env, cwd=folder, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith("Error:") and said in done.stderr
        assert "Traceback" not in done.stderr
