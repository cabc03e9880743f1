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
