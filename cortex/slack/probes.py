"""The checks behind `/readyz` and `cortex serve slack`'s start: can Cortex answer right now?

Each probe looks at one thing Cortex needs and returns a `Check`: its name, whether it passed,
and one line saying why (what failed and where, never a secret), with a hint of what to do.

    probe_warehouse(warehouse, timeout_seconds=2.0)   # a trivial query through the connector
    probe_metrics(path)                               # metrics.yml loads, as a restart reads it
    probe_access(path, model)                         # access.yml loads against that model
    probe_slack(client)                               # Slack's auth.test with the bot token
    require_slack(client)                             # the same, as a UserError when it fails

No probe raises: a failure is a failed `Check`.
"""

from __future__ import annotations

import logging
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from connectors.warehouse import Warehouse, WarehouseError
from cortex.access import load_access
from cortex.errors import UserError
from semantic_layer.errors import DefinitionError
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel

__all__ = [
    "Check",
    "probe_access",
    "probe_metrics",
    "probe_slack",
    "probe_warehouse",
    "require_slack",
]

#: auth.test errors that mean the token itself is wrong, not that Slack is unwell
_REFUSED_TOKEN: Final = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "no_permission",
        "team_access_not_granted",
    }
)
_TOKEN_HINT: Final = (
    "Copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page "
    "into SLACK_BOT_TOKEN; reinstalling the app or revoking the token issues a new one."
)

#: the SDK's log lines while `require_slack` asks: not shown (its `UserError` says it all)
_QUIET: Final = logging.getLogger("cortex.slack.probes.quiet")
_QUIET.propagate = False
_QUIET.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Check:
    """One probe's outcome: `reason` is one line (no secret), `hint` what to do if it failed."""

    name: str
    ok: bool
    reason: str
    hint: str | None = None


def probe_warehouse(warehouse: Warehouse, *, timeout_seconds: float = 2.0) -> Check:
    """The warehouse answers a trivial query within `timeout_seconds`."""
    try:
        warehouse.ping(timeout_seconds)
    except WarehouseError as error:
        return Check("warehouse", False, _one_line(error.message), error.hint)
    return Check("warehouse", True, f"answered within {timeout_seconds:g} s")


def probe_metrics(path: Path) -> Check:
    """metrics.yml (and what it includes) loads without errors, as the next start would read it."""
    try:
        model = load_model(path)
    except DefinitionError as error:
        errors = [issue for issue in error.issues if issue.level == "error"]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        first = str(errors[0]) if errors else str(error)
        return Check("metrics", False, _one_line(first) + more, "Run `cortex check` and fix it.")
    except OSError as error:
        return Check("metrics", False, f"{path} cannot be read: {error.strerror or error}")
    return Check("metrics", True, f"{path.name} loads: {len(model.metrics)} metrics")


def probe_access(path: Path, model: SemanticModel) -> Check:
    """access.yml loads and agrees with `model`: while it does not, every question is refused."""
    try:
        policy = load_access(path, model)
    except UserError as error:
        issues = getattr(error, "issues", ())
        errors = [issue for issue in issues if issue.level == "error"]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        first = str(errors[0]) if errors else error.message
        return Check("access", False, _one_line(first) + more, error.hint)
    except OSError as error:
        return Check("access", False, f"{path} cannot be read: {error.strerror or error}")
    return Check("access", True, f"{path.name} loads: {len(policy.roles)} roles")


def probe_slack(client: WebClient) -> Check:
    """Slack's `auth.test` accepts the bot token, through `client` (its base URL, its timeout)."""
    where = _origin(client.base_url)
    try:
        reply = client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error") or f"HTTP {error.response.status_code}")
        if code in _REFUSED_TOKEN:
            return Check("slack", False, f"Slack refused the bot token ({code}).", _TOKEN_HINT)
        return Check(
            "slack",
            False,
            f"Slack's auth.test failed at {where} ({code}).",
            "Try again in a minute; https://slack-status.com says whether Slack is down.",
        )
    except (URLError, OSError) as error:  # refused, unknown host, timed out, TLS
        return Check(
            "slack",
            False,
            f"Cannot reach Slack at {where}: {_network_reason(error)}.",
            "Check the network, any proxy, and SLACK_API_URL if it is set.",
        )
    team = reply.get("team") or reply.get("team_id") or "the workspace"
    return Check("slack", True, f"auth.test ok as {reply.get('user') or 'the bot'} in {team}")


def require_slack(client: WebClient) -> None:
    """Raise a `UserError` (one sentence and a hint) unless Slack accepts the bot token.

    It asks through a copy of `client` (same token, URL, timeout and retries) whose SDK log
    lines are dropped: at start the `Error:` sentence is the whole story, not four log lines
    about the same refused connection before it.
    """
    quiet = WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        logger=_QUIET,
        retry_handlers=list(client.retry_handlers),
    )
    check = probe_slack(quiet)
    if not check.ok:
        raise UserError(check.reason, hint=check.hint)


def _network_reason(error: BaseException) -> str:
    """Why a connection failed, in a few words (no URL, so no credential in a proxy's URL)."""
    if isinstance(error, HTTPError):
        return f"HTTP {error.code}"
    cause = error.reason if isinstance(error, URLError) else error
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(cause, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(cause, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return type(cause).__name__


def _origin(url: str) -> str:
    """`scheme://host[:port]` of `url`: no path, user or password."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
