"""Running Cortex's Slack app: over HTTP (Starlette under uvicorn) or over Socket Mode.

    slack = build_slack(settings)                 # reads tokens, access.yml, the audit store
    serve_http(slack, host="0.0.0.0", port=3000)  # Slack posts to http://host:port/slack/events
    serve_socket(slack, app_token)                 # no public URL: Slack's websocket
    with running(slack) as url: ...                # HTTP in a background thread (tests)
    with running_socket(slack, app_token): ...     # Socket Mode in background threads (tests)

In HTTP mode a request first passes the door (`gate.signed_body`): a body over 1 MB gets 413
and one without a valid Slack signature 401, with one log line and before anything parses it.
Then bolt's dispatch (its own signature check, the ack) runs on a worker thread, so the event
loop keeps accepting requests while one is handled; the answer itself runs after the
acknowledgement on bolt's listener pool. `GET /healthz` says the process is up (liveness);
`GET /readyz` says whether it can answer now (`readiness.Readiness`: the warehouse, metrics.yml,
access.yml, Slack's auth.test), 200 or 503 with a JSON body naming what failed. In Socket
Mode slack_sdk's built-in client asks `apps.connections.open` (with the app-level token, through
the app's own WebClient, so at `settings.slack_api_url`) for a websocket URL, connects, acks each
envelope as bolt acks it and reconnects when Slack asks it to.

Each of the four first calls `slack.resume_interrupted()`: the process that served before may
have died mid-answer, leaving placeholders to finish (see `CortexSlack`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import uvicorn
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cortex.access import LiveAccess
from cortex.assembly import build_agent
from cortex.errors import UserError
from cortex.serving import serving
from cortex.settings import Settings
from cortex.signals.digests import load_digests
from cortex.signals.rules import default_rules
from cortex.signals.subscriptions import Subscriptions
from cortex.slack.app import MODEL_WORKERS, OFFLINE_WORKERS, CortexSlack, slack_client
from cortex.slack.digest_home import DigestsOnHome
from cortex.slack.gate import Refused, signed_body
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Placeholders
from cortex.slack.probes import require_slack
from cortex.slack.readiness import Readiness
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace, ensure_warehouse
from skills.builtin import skill_registry

__all__ = [
    "EVENTS_PATH",
    "asgi_app",
    "build_slack",
    "running",
    "running_socket",
    "serve_http",
    "serve_socket",
]

EVENTS_PATH: Final = "/slack/events"

_log = logging.getLogger("cortex.slack.http")


def build_slack(settings: Settings, *, draw_charts: bool = True) -> CortexSlack:
    """The Slack app for `settings`; a missing token or secret is a `UserError` saying which,
    and so is a token Slack refuses or a Slack that cannot be reached."""
    token = settings.slack_bot_token
    secret = settings.slack_signing_secret
    missing = [
        name
        for name, value in (("SLACK_BOT_TOKEN", token), ("SLACK_SIGNING_SECRET", secret))
        if value is None
    ]
    if missing or token is None or secret is None:
        raise UserError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            hint="Copy them from your Slack app's settings (see README, 'Cortex in Slack').",
        )
    ensure_warehouse(settings)
    workspace = Workspace.open(settings)
    access = LiveAccess(settings.access_path, workspace.model)  # edits apply without a restart
    events = settings.audit_path.with_name("slack_events.sqlite")
    ledger, placeholders = EventLedger(events), Placeholders(events)  # local problems first
    client = slack_client(token.get_secret_value(), settings.slack_api_url)
    require_slack(client)  # a bad token or an unreachable Slack: one sentence, before bolt asks
    skills = skill_registry(settings)
    return CortexSlack(
        agent=build_agent(workspace, requests=skills.readers()),
        skills=skills,
        access=access,
        audit=AuditLog(settings.audit_path),
        ledger=ledger,
        placeholders=placeholders,
        client=client,
        signing_secret=secret.get_secret_value(),
        draw_charts=draw_charts,
        workers=MODEL_WORKERS if settings.anthropic_api_key is not None else OFFLINE_WORKERS,
        # Claude planning takes seconds: show its steps; offline answers post at once
        stream_answers=settings.anthropic_api_key is not None,
        digests=_digests_on_home(settings, workspace),
    )


def _digests_on_home(settings: Settings, workspace: Workspace) -> DigestsOnHome | None:
    """The App Home's digests: those of digests.yml, when the file exists (checked as
    `cortex check` checks it: a broken file is a start-up error naming file and line)."""
    if not settings.digests_path.is_file():
        return None
    book = load_digests(settings.digests_path, workspace.model, default_rules())
    return DigestsOnHome(book, Subscriptions.for_settings(settings))


def asgi_app(slack: CortexSlack, readiness: Readiness | None = None) -> Starlette:
    """An ASGI app serving Slack's requests at `EVENTS_PATH`, `/healthz` and `/readyz`
    (`readiness`: `Readiness.of(slack)` unless given)."""
    ready_checks = readiness or Readiness.of(slack)

    async def events(request: Request) -> Response:
        try:
            body = await signed_body(request, slack.signature_verifier)
        except Refused as refused:
            _log.warning("refused a request from %s: %s", _client(request), refused.reason)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        except ClientDisconnect:
            return Response(status_code=400)  # the sender hung up mid-body: nobody to answer
        try:
            bolt_request = to_bolt_request(request, body)
        except Exception as error:  # noqa: BLE001 - signed, yet not what Slack sends
            _log.warning(
                "a signed request from %s has a body bolt cannot read (%s)",
                _client(request),
                type(error).__name__,
            )
            return PlainTextResponse("unreadable body", status_code=400)
        bolt_response = await run_in_threadpool(slack.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def ready(_: Request) -> Response:
        ok, checks = await run_in_threadpool(ready_checks.run)
        return JSONResponse(ready_checks.body(checks), status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/readyz", ready, methods=["GET"]),
        ]
    )


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "an unknown address"


def serve_http(slack: CortexSlack, *, host: str, port: int) -> None:
    """Serve Slack's HTTP requests until interrupted (after finishing what a previous process
    left unfinished)."""
    slack.resume_interrupted()
    uvicorn.run(
        asgi_app(slack),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=None,  # uvicorn's lines go through the process's (redacting) log handler
    )


def serve_socket(slack: CortexSlack, app_token: str) -> None:
    """Take Slack's events over Socket Mode until interrupted (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    slack.resume_interrupted()
    SocketModeHandler(slack.app, app_token).start()  # type: ignore[no-untyped-call]


@contextmanager
def running(slack: CortexSlack, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread; yields the events URL (port 0: a free port)."""
    slack.resume_interrupted()
    with serving(asgi_app(slack), host=host, port=port, name="cortex-slack-http") as bound:
        yield f"http://{bound[0]}:{bound[1]}{EVENTS_PATH}"


@contextmanager
def running_socket(slack: CortexSlack, app_token: str) -> Iterator[None]:
    """Take Socket Mode events in background threads until the block ends.

    Connected on entry (a `RuntimeError` if the websocket handshake failed; a `SlackApiError`
    if `apps.connections.open` did); on exit the connection and the client's threads are closed.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    slack.resume_interrupted()
    handler = SocketModeHandler(slack.app, app_token)  # its client uses slack.app.client
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        if not handler.client.is_connected():
            raise RuntimeError("the Socket Mode websocket did not connect (see the log)")
        yield
    finally:
        # The client's message loop waits up to 1 s on its queue before it looks at `closed`;
        # a None message (which it skips) wakes it, so closing takes milliseconds, not a second.
        handler.client.closed = True
        handler.client.message_queue.put(None)
        handler.close()  # type: ignore[no-untyped-call]
