"""Fixtures of the MCP tests: the official `mcp` client, held open for a whole module.

`McpClient` is a `ClientSession` driven from synchronous tests through an anyio blocking portal:
the session (and its transport: a `cortex serve mcp` subprocess over stdio, or streamable HTTP)
lives in the portal's event loop for as long as the fixture does, so one server serves every
test of a module. `environment(...)` is the environment a server runs in: the session's demo
warehouse, the shipped metrics.yml, access.yml and context, and stores in a folder of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import mcp.types as types
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession

from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]
#: Users of the shipped access.yml: an analyst (every row) and a sales rep (her accounts only).
ANALYST = "U02H7Q4KX9P"
SALES_REP = "U04K9D1WQ7E"
SALES_REP_NAME = "Maya Patel"


def environment(demo_path: Path, folder: Path, **more: str) -> dict[str, str]:
    """The settings of a server on the demo, keeping its stores in `folder`."""
    return {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_CONTEXT": str(ROOT / "context"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_AUDIT": str(folder / "audit.sqlite"),
        "CORTEX_CONVERSATIONS": str(folder / "conversations.sqlite"),
        "CORTEX_OUTPUT": str(folder / "output"),
        **more,
    }


class McpClient:
    """An initialized `ClientSession`, called from synchronous code."""

    def __init__(self, portal: BlockingPortal, session: ClientSession) -> None:
        self.portal = portal
        self.session = session

    def tools(self) -> dict[str, types.Tool]:
        """The tools listed, by name."""
        listed = self.portal.call(self.session.list_tools)
        return {tool.name: tool for tool in listed.tools}

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> types.CallToolResult:
        """The result of calling `tool` (an error result is returned, not raised)."""
        result: types.CallToolResult = self.portal.call(
            self.session.call_tool, tool, arguments or {}
        )
        return result

    def resources(self) -> list[types.Resource]:
        return list(self.portal.call(self.session.list_resources).resources)

    def read(self, uri: str) -> str:
        result = self.portal.call(self.session.read_resource, uri)
        (content,) = result.contents
        assert isinstance(content, types.TextResourceContents)
        return content.text


def text_of(result: types.CallToolResult) -> str:
    """The text a tool result holds."""
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


@asynccontextmanager
async def initialized(
    transport: AbstractAsyncContextManager[Any],
) -> AsyncIterator[ClientSession]:
    """A session over `transport`, initialized."""
    async with transport as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http_transport(url: str, token: str) -> AsyncIterator[Any]:
    """Streamable HTTP to `url` with `token` as the bearer token (the HTTP client closed after)."""
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def open_client(transport: AbstractAsyncContextManager[Any]) -> Iterator[McpClient]:
    """A generator for a fixture: a client over `transport`, open until the fixture ends."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(initialized(transport)) as session,
    ):
        yield McpClient(portal, session)
