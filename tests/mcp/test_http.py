"""`cortex serve mcp --http`: streamable HTTP on 127.0.0.1, a bearer token per person, issued
with `cortex mcp token create` and kept only as a hash. The same server answers an analyst and
a sales rep, each with their own rows; a request without a live token gets 401."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from typer.testing import CliRunner

from cortex.cli import app
from cortex.mcp_server.calls import CortexTools, Reply
from cortex.mcp_server.server import build_tools, running
from cortex.settings import load_settings
from cortex.stores.audit import AuditLog
from tests.mcp.conftest import (
    ANALYST,
    SALES_REP,
    SALES_REP_NAME,
    McpClient,
    environment,
    http_transport,
    initialized,
    open_client,
    text_of,
)

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-http")


@pytest.fixture(scope="module")
def env(demo_path: Path, folder: Path) -> dict[str, str]:
    return environment(demo_path, folder)


def issue(env: dict[str, str], user: str) -> str:
    """A token made with `cortex mcp token create`: the one line it prints on stdout."""
    made = CliRunner().invoke(app, ["mcp", "token", "create", "--user", user], env=env)
    assert made.exit_code == 0, made.stderr
    assert "shown once" in made.stderr
    token: str = made.stdout.strip()
    return token


@pytest.fixture(scope="module")
def tokens(env: dict[str, str]) -> dict[str, str]:
    return {user: issue(env, user) for user in (ANALYST, SALES_REP)}


@pytest.fixture(scope="module")
def tools(env: dict[str, str], folder: Path) -> Iterator[CortexTools]:
    built = build_tools(load_settings(env, cwd=folder))
    yield built
    built.agent.close()


@pytest.fixture(scope="module")
def url(tools: CortexTools, tokens: dict[str, str]) -> Iterator[str]:
    with running(tools, tools.agent.workspace.settings) as endpoint:
        yield endpoint


def client_for(url: str, token: str) -> Iterator[McpClient]:
    yield from open_client(http_transport(url, token))


@pytest.fixture(scope="module")
def analyst(url: str, tokens: dict[str, str]) -> Iterator[McpClient]:
    yield from client_for(url, tokens[ANALYST])


@pytest.fixture(scope="module")
def sales_rep(url: str, tokens: dict[str, str]) -> Iterator[McpClient]:
    yield from client_for(url, tokens[SALES_REP])


def owners(client: McpClient) -> list[str]:
    result = client.call("query_metrics", {"metrics": ["arr"], "dimensions": ["account_owner"]})
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return [row[0] for row in result.structured_content["rows"]]


def test_each_person_is_answered_with_their_own_rows(
    analyst: McpClient, sales_rep: McpClient
) -> None:
    assert set(analyst.tools()) >= {"query_metrics", "ask", "explain_change", "run_skill"}
    everyone = owners(analyst)
    assert owners(sales_rep) == [SALES_REP_NAME]
    assert len(everyone) > 1 and SALES_REP_NAME in everyone  # the analyst sees every owner


def test_a_metric_one_may_see_is_refused_to_the_other(
    analyst: McpClient, sales_rep: McpClient, folder: Path
) -> None:
    query = {"metrics": ["influenced_revenue"]}
    assert not analyst.call("query_metrics", query).is_error
    refused = sales_rep.call("query_metrics", query)
    assert refused.is_error and "not allowed to see Influenced revenue" in text_of(refused)
    shown = sales_rep.tools()["query_metrics"].input_schema["properties"]["metrics"]["items"]
    assert "influenced_revenue" not in shown["enum"]
    records = AuditLog(folder / "audit.sqlite").list()
    assert {(r.user_id, r.outcome) for r in records if r.tool == "query_metrics"} >= {
        (ANALYST, "answered"),
        (SALES_REP, "denied"),
    }


def test_a_bad_input_is_corrected_by_a_second_call(analyst: McpClient) -> None:
    wrong = analyst.call("describe_metric", {"metric": "win rate"})
    assert wrong.is_error and "win_rate" in text_of(wrong)
    assert not analyst.call("describe_metric", {"metric": "win_rate"}).is_error


def test_a_request_without_a_live_token_gets_401(url: str, env: dict[str, str]) -> None:
    revoked = issue(env, ANALYST)
    listed = CliRunner().invoke(app, ["mcp", "token", "list"], env=env)
    last = listed.stdout.strip().splitlines()[-1].split()[0]
    assert CliRunner().invoke(app, ["mcp", "token", "revoke", last], env=env).exit_code == 0
    for headers in (
        {},
        {"Authorization": "Bearer cmcp_not-a-token"},
        {"Authorization": f"Bearer {revoked}"},
        {"Authorization": revoked},  # not a bearer token
    ):
        answered = httpx2.post(url, json=INITIALIZE, headers=HEADERS | headers, timeout=10)
        assert answered.status_code == 401
        assert answered.headers["www-authenticate"].startswith("Bearer")
    assert httpx2.get(url.replace("/mcp", "/healthz"), timeout=10).text == "ok"


def test_the_official_client_cannot_connect_with_a_wrong_token(url: str) -> None:
    async def connect() -> None:
        async with initialized(http_transport(url, "cmcp_wrong")):
            pass  # pragma: no cover - never reached

    with pytest.raises(ExceptionGroup) as raised:  # the transport's task group fails
        anyio.run(connect)
    assert raised.group_contains(MCPError, match="error response", depth=2)


def test_tokens_are_stored_hashed(folder: Path, tokens: dict[str, str]) -> None:
    path = folder / "mcp_tokens.sqlite"
    raw = b"".join(f.read_bytes() for f in folder.glob("mcp_tokens.sqlite*"))  # journals too
    with closing(sqlite3.connect(path)) as con:
        stored = {row[0] for row in con.execute("SELECT sha256 FROM tokens")}
    for token in tokens.values():
        assert token.startswith("cmcp_") and len(token) > 40
        assert token.encode() not in raw
        assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_an_unexpected_failure_is_an_apology_with_a_trace_id(
    analyst: McpClient,
    tools: CortexTools,
    folder: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> Reply:
        raise RuntimeError("the secret path /srv/warehouse.duckdb")

    monkeypatch.setitem(tools.handlers, "search_context", broken)  # a bug, for this test only
    with caplog.at_level(logging.ERROR, logger="cortex.mcp"):
        failed = analyst.call("search_context", {"query": "anything"})
    said = text_of(failed)
    assert failed.is_error and "trace id" in said and "secret" not in said
    (record,) = [r for r in AuditLog(folder / "audit.sqlite").list() if r.trace_id]
    assert record.tool == "search_context" and record.outcome == "failed"
    assert record.trace_id in said and record.trace_id in caplog.text
    assert "RuntimeError" in caplog.text  # the traceback is in the log, under the trace id
