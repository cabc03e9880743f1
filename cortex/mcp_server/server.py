"""Cortex as an MCP server (the official `mcp` SDK's low-level `Server`): over stdio or HTTP.

    tools = build_tools(settings)                       # the agent, access.yml, the audit trail
    serve_stdio(tools, user_id)                         # a local client spawns `cortex serve mcp`
    serve_http(tools, settings, host=..., port=...)     # streamable HTTP at /mcp, bearer tokens
    with running(tools, settings) as url: ...           # HTTP in a background thread (tests)

The low-level server is given handlers for `tools/list`, `tools/call`, `resources/list` and
`resources/read`; each learns who is calling from the transport (stdio: the one configured user;
HTTP: the owner of the request's bearer token) and hands the work to `CortexTools` on a worker
thread, so the event loop keeps serving while a query runs. Tool lists are built per caller
from the loaded model (`tools.tool_definitions`).

Over HTTP the SDK's streamable-HTTP app serves `/mcp`, stateless (each request stands alone:
nothing to lose on a restart), behind the SDK's bearer authentication with `TokenVerifier`
reading the hashed `TokenStore`: a request without a live token gets 401 before anything
parses it. `GET /healthz` answers `ok` without a token (liveness).
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import anyio
import mcp.types as types
import uvicorn
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cortex.access import LiveAccess
from cortex.assembly import build_agent
from cortex.errors import InternalError
from cortex.mcp_server.calls import READ_RESOURCE, CortexTools, Reply
from cortex.mcp_server.identity import People
from cortex.mcp_server.tokens import TokenStore
from cortex.mcp_server.tools import tool_definitions
from cortex.serving import free_port, serving
from cortex.settings import Settings
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace, ensure_warehouse
from skills.builtin import skill_registry

__all__ = [
    "MCP_PATH",
    "asgi_app",
    "build_server",
    "build_tools",
    "running",
    "serve_http",
    "serve_stdio",
]

MCP_PATH: Final = "/mcp"
_log = logging.getLogger("cortex.mcp")

#: Who is calling, from a request's context (stdio: always the same user).
CallerOf = Callable[[ServerRequestContext[Any, Any]], str]


def build_tools(settings: Settings) -> CortexTools:
    """The tools for `settings`: the workspace, access.yml (re-read when it changes), the
    audit trail and the skills. A broken file or a missing warehouse is a `UserError`."""
    ensure_warehouse(settings)
    workspace = Workspace.open(settings)
    access = LiveAccess(settings.access_path, workspace.model)
    skills = skill_registry(settings)
    return CortexTools(
        agent=build_agent(workspace, requests=skills.readers()),
        people=People(settings, access),
        audit=AuditLog(settings.audit_path),
        skills=skills,
    )


def _version() -> str:
    try:
        return importlib.metadata.version("cortex")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        return "0"


def _instructions() -> str:
    """What every client is told first: the same for every caller, so it names no metric (a
    caller learns the ones they may see from list_metrics)."""
    return (
        "Cortex answers business questions with governed metrics: numbers computed from "
        "metrics.yml's definitions, never from SQL you write. Use list_metrics and "
        "describe_metric to find names, query_metrics for a precise query, ask for a question "
        "in plain words, explain_change for why a metric moved. Quote an answer's sentence as "
        "it is: it states what was computed. Every call runs with the caller's access."
    )


async def _guarded(what: str, work: Callable[[], Any]) -> Any:
    """`work()` on a worker thread; an unexpected failure becomes an apology with a trace id
    for the client (the traceback goes to the log under that id), never its details."""
    try:
        return await anyio.to_thread.run_sync(work)
    except MCPError:
        raise
    except Exception:
        internal = InternalError(f"MCP {what} failed")
        _log.exception("trace %s: MCP %s", internal.trace_id, what)
        raise MCPError(types.INTERNAL_ERROR, internal.user_message) from None


def build_server(tools: CortexTools, caller_of: CallerOf) -> Server[Any]:
    """The low-level MCP server over `tools`, each request answered as `caller_of` says.
    `tools.call` never raises; listing tools and resources go through `_guarded`."""

    async def work(user_id: str, tool: str, arguments: dict[str, Any] | None) -> Reply:
        call = functools.partial(tools.call, user_id, tool, arguments)
        return await anyio.to_thread.run_sync(call)

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        caller = caller_of(ctx)

        def listed() -> list[types.Tool]:
            offer = tools.offer(caller)
            return tool_definitions(tools.model, offer.metrics, offer.dimensions, offer.skills)

        return types.ListToolsResult(tools=await _guarded("tools/list", listed))

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        reply = await work(caller_of(ctx), params.name, params.arguments)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=reply.text)],
            structured_content=dict(reply.data) if reply.data is not None else None,
            is_error=reply.error,
        )

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        caller_of(ctx)  # an unknown caller never gets this far over HTTP
        found = await _guarded("resources/list", tools.resources)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=r.uri,
                    name=r.name,
                    title=r.title,
                    description=r.description,
                    mime_type="text/markdown",
                )
                for r in found
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        reply = await work(caller_of(ctx), READ_RESOURCE, {"uri": str(params.uri)})
        if reply.error:
            raise MCPError(types.INVALID_PARAMS, reply.text)
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(
                    uri=str(params.uri), mime_type="text/markdown", text=reply.text
                )
            ]
        )

    return Server(
        "cortex",
        version=_version(),
        title="Cortex",
        instructions=_instructions(),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


# --------------------------------------------------------------------------- stdio


def serve_stdio(tools: CortexTools, user_id: str) -> None:
    """Serve one client over this process's stdin and stdout, every call as `user_id`."""
    server = build_server(tools, lambda _: user_id)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)


# --------------------------------------------------------------------------- HTTP


class StoredTokens:
    """The SDK's `TokenVerifier` over Cortex's hashed token store."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    async def verify_token(self, token: str) -> AccessToken | None:
        """The caller a live token signs in (as the token's client id), else None (401)."""
        user_id = await anyio.to_thread.run_sync(self.store.user_of, token)
        if user_id is None:
            return None
        return AccessToken(token="(not kept)", client_id=user_id, scopes=[])


def _http_caller(ctx: ServerRequestContext[Any, Any]) -> str:
    """The owner of the bearer token of the request `ctx` answers (authenticated by then)."""
    request = ctx.request
    user = request.scope.get("user") if isinstance(request, Request) else None
    if not isinstance(user, AuthenticatedUser):  # the SDK's middleware lets none through
        raise MCPError(types.INVALID_REQUEST, "This request carries no valid bearer token.")
    return user.access_token.client_id


def asgi_app(tools: CortexTools, store: TokenStore, *, host: str, port: int) -> Starlette:
    """The streamable-HTTP app: `/mcp` behind bearer tokens from `store`, and `/healthz`."""
    server = build_server(tools, _http_caller)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    where = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        host=host,
        # Cortex issues the tokens itself (`cortex mcp token create`): no OAuth routes.
        auth=AuthSettings(issuer_url=AnyHttpUrl(where), resource_server_url=None),
        token_verifier=StoredTokens(store),
        custom_starlette_routes=[Route("/healthz", health, methods=["GET"])],
    )


def serve_http(tools: CortexTools, settings: Settings, *, host: str, port: int) -> None:
    """Serve MCP over streamable HTTP until interrupted."""
    store = TokenStore.for_settings(settings)
    uvicorn.run(
        asgi_app(tools, store, host=host, port=port),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=None,  # uvicorn's lines go through the process's (redacting) log handler
    )


@contextmanager
def running(
    tools: CortexTools, settings: Settings, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve in a background thread; yields the MCP endpoint's URL (port 0: a free port)."""
    port = port or free_port(host)  # the app names its own URL, so the port is chosen first
    app = asgi_app(tools, TokenStore.for_settings(settings), host=host, port=port)
    with serving(app, host=host, port=port, name="cortex-mcp-http"):
        yield f"http://{host}:{port}{MCP_PATH}"
