"""`cortex serve slack`: Cortex answering in Slack, over HTTP or Socket Mode."""

from __future__ import annotations

import logging

import typer

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import in_range, user_errors
from cortex.cli.render import err
from cortex.errors import UserError


def serve_slack(
    port: int = typer.Option(3000, "--port", "-p", help="HTTP port (HTTP mode)."),
    host: str = typer.Option("0.0.0.0", "--host", help="Interface to listen on (HTTP mode)."),
    socket: bool = typer.Option(False, "--socket", help="Use Socket Mode (needs SLACK_APP_TOKEN)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG (secrets redacted)."),
) -> None:
    """Answer in Slack: over HTTP at /slack/events, or over Socket Mode with --socket."""
    from cortex.logs import configure_logging
    from cortex.slack.server import build_slack, serve_http, serve_socket

    with user_errors(log_to_file=False):  # configure_logging: the server logs to stderr
        in_range("--port", port, 1, 65535, "Use a free TCP port, e.g. --port 3000.")
        settings = read_settings()
        if socket and settings.slack_app_token is None:
            raise UserError(
                "--socket needs SLACK_APP_TOKEN (an app-level token, xapp-...).",
                hint="Create one under Basic Information -> App-Level Tokens with the "
                "connections:write scope, or drop --socket to serve over HTTP.",
            )
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        ensure_warehouse(settings)
        slack = build_slack(settings)
        if socket:
            assert settings.slack_app_token is not None
            err.print("Cortex is listening to Slack over Socket Mode. Ctrl-C stops it.")
            serve_socket(slack, settings.slack_app_token.get_secret_value())
        else:
            err.print(f"Cortex serves Slack at http://{host}:{port}/slack/events. Ctrl-C stops.")
            serve_http(slack, host=host, port=port)


def serve_web(
    port: int = typer.Option(8080, "--port", "-p", help="HTTP port."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to listen on (the sign-in proxy's side)."
    ),
    email_header: str = typer.Option(
        "X-Forwarded-Email",
        "--email-header",
        envvar="CORTEX_WEB_EMAIL_HEADER",
        help="The header in which the sign-in proxy passes the person's e-mail.",
    ),
    dev_user: str = typer.Option(
        None,
        "--dev-user",
        help="Local development only: sign in every request without the header as this "
        "access.yml user's e-mail.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG (secrets redacted)."),
) -> None:
    """Serve the internal site (ask, catalog, audit) behind a sign-in proxy."""
    from cortex.logs import configure_logging
    from cortex.web import build_web, serve

    with user_errors(log_to_file=False):
        in_range("--port", port, 1, 65535, "Use a free TCP port, e.g. --port 8080.")
        if dev_user is not None and host not in ("127.0.0.1", "localhost", "::1"):
            raise UserError(
                f"--dev-user signs in everyone who reaches the site, so it only listens on "
                f"this machine, not on {host}.",
                hint="Drop --host, or drop --dev-user and serve behind the sign-in proxy.",
            )
        settings = read_settings()
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        ensure_warehouse(settings)
        site = build_web(settings, email_header=email_header, dev_user=dev_user)
        if dev_user is not None:
            err.print(
                f"[bold red]DEVELOPMENT SIGN-IN: every request without {email_header} is "
                f"signed in as {dev_user}. Never run this way behind a proxy or on a shared "
                "machine.[/]"
            )
        err.print(
            f"Cortex's site is at http://{host}:{port}/ (sign-in: {email_header}). Ctrl-C stops."
        )
        serve(site, host=host, port=port)


def serve_mcp(
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP, not stdio."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (--http)."),
    port: int = typer.Option(8765, "--port", "-p", help="HTTP port (--http)."),
    as_user: str = typer.Option(
        None,
        "--as-user",
        help="stdio: the access.yml user every call runs as (default: CORTEX_MCP_USER).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG (secrets redacted)."),
) -> None:
    """Serve Cortex to MCP clients: over stdio as one access.yml user (a client spawns it), or
    over HTTP at /mcp with a bearer token per person (`cortex mcp token create`)."""
    from cortex.access import LiveAccess
    from cortex.logs import configure_logging
    from cortex.mcp_server.identity import People, stdio_user
    from cortex.mcp_server.server import build_tools, serve_http, serve_stdio
    from semantic_layer.loader import load_model

    with user_errors(log_to_file=False):  # configure_logging: the server logs to stderr
        in_range("--port", port, 1, 65535, "Use a free TCP port, e.g. --port 8765.")
        settings = read_settings()
        if http and as_user is not None:
            raise UserError(
                "--as-user is for stdio: over HTTP each person signs in with their own token.",
                hint="Drop --as-user, and issue tokens with `cortex mcp token create --user U…`.",
            )
        user = None if http else stdio_user(settings, as_user)
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        if user is not None:  # refuse to start for a user access.yml does not know, at once
            access = LiveAccess(settings.access_path, load_model(settings.metrics_path))
            People(settings, access).require(user[0], where=user[1])
        ensure_warehouse(settings)
        tools = build_tools(settings)
        if user is not None:
            user_id = user[0]
            err.print(f"Cortex serves MCP over stdio as {user_id}. Close stdin to stop.")
            serve_stdio(tools, user_id)
        else:
            err.print(f"Cortex serves MCP at http://{host}:{port}/mcp. Ctrl-C stops.")
            serve_http(tools, settings, host=host, port=port)
