"""`cortex mcp token create|list|revoke`: the bearer tokens people use with `serve mcp --http`.

A token is printed once, when it is made; the store keeps only its SHA-256
(`cortex.mcp_server.tokens`). It signs in an access.yml user, whose roles and row policies
every call then runs with; `create` refuses an id access.yml gives no role.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from cortex.cli.environment import read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out


def token_create(
    user: str = typer.Option(..., "--user", help="The access.yml user the token signs in."),
    label: str = typer.Option(None, "--label", help="What the token is for ('laptop')."),
) -> None:
    """Issue a token for a person; it is printed once and never shown again."""
    from cortex.access import LiveAccess
    from cortex.mcp_server.identity import People
    from cortex.mcp_server.tokens import TokenStore
    from semantic_layer.loader import load_model

    with user_errors():
        settings = read_settings()
        access = LiveAccess(settings.access_path, load_model(settings.metrics_path))
        grant = People(settings, access).require(user, where="--user")
        issued = TokenStore.for_settings(settings).issue(user, label)
        who = grant.principal.name or user
        err.print(
            f"Token {issued.record.id} for {escape(who)} ({escape(user)}; roles "
            f"{', '.join(sorted(grant.roles))}). It is shown once: give it to them now."
        )
        out.print(issued.token)


def token_list() -> None:
    """The tokens issued: id, user, label, when made and whether revoked (never the token)."""
    from cortex.mcp_server.tokens import TokenStore

    with user_errors():
        records = TokenStore.for_settings(read_settings()).list()
        if not records:
            out.print("No MCP token has been issued (`cortex mcp token create --user U…`).")
            return
        for record in records:
            state = "live" if record.live else f"revoked {record.revoked_at:%Y-%m-%d %H:%M}"
            label = f" ({escape(record.label)})" if record.label else ""
            out.print(
                f"{record.id}  {escape(record.user_id)}{label}  made "
                f"{record.issued_at:%Y-%m-%d %H:%M} UTC  {state}"
            )


def token_revoke(
    token_id: int = typer.Argument(..., help="The token's id (see `cortex mcp token list`)."),
) -> None:
    """Revoke a token: the next request with it is refused (401)."""
    from cortex.mcp_server.tokens import TokenStore

    with user_errors():
        record = TokenStore.for_settings(read_settings()).revoke(token_id)
        out.print(f"Token {record.id} of {escape(record.user_id)} is revoked.")
