"""`--as-user U…`: an analyst checks what one Slack user sees, from the terminal.

`viewer_grant` reads access.yml (`CORTEX_ACCESS`, or the one next to metrics.yml) and gives the
`Grant` that Slack would give that user, which `cortex ask` and `cortex metrics` then apply.

**Groups.** A user's roles come from their own entry in access.yml and from the Slack user
groups it lists that they belong to. Membership of a group is known only to Slack: when
`SLACK_BOT_TOKEN` is set, it is read from Slack (`usergroups.users.list`, as the Slack app
does, at `SLACK_API_URL`); otherwise it is not known offline, the user gets only the roles
access.yml lists for them directly, and a note says so when access.yml has groups. A group
that cannot be read counts as "not a member", as in Slack: this view can be narrower than
the user's, never wider.
"""

from __future__ import annotations

from cortex.access import AccessPolicy, Grant, Principal, load_access
from cortex.cli.render import err
from cortex.errors import AccessDenied, UserError
from cortex.settings import Settings
from semantic_layer.errors import did_you_mean
from semantic_layer.model import SemanticModel


def viewer_grant(settings: Settings, model: SemanticModel, user_id: str) -> Grant:
    """The grant of Slack user `user_id` under access.yml; UserError when they have no role."""
    policy = load_access(settings.access_path, model)
    principal = _principal(settings, policy, user_id)
    try:
        grant = policy.grant_for(principal)
    except AccessDenied:
        groups = " (and is in none of its groups)" if policy.groups else ""
        raise UserError(
            f"{user_id} has no role in {settings.access_path.name}{groups}, so Cortex refuses "
            "them every question." + did_you_mean(user_id, list(policy.users)),
            hint="Check the id (in Slack: their profile, '...' -> Copy member ID), or give "
            "them a role in access.yml.",
        ) from None
    listed = policy.users.get(user_id)
    name = principal.name or (listed.name if listed is not None else None)
    who = f"{name} ({user_id})" if name else user_id
    err.print(f"[dim]As {who}: roles {', '.join(sorted(grant.roles))}.[/]")
    return grant


def _principal(settings: Settings, policy: AccessPolicy, user_id: str) -> Principal:
    """The user, with their groups read from Slack when a bot token is set."""
    if not policy.groups:
        return Principal(user_id)
    token = settings.slack_bot_token
    if token is None:
        err.print(
            "[dim]Group membership is not known offline (SLACK_BOT_TOKEN is not set): "
            f"{user_id} gets only the roles access.yml lists for them directly.[/]"
        )
        return Principal(user_id)
    from cortex.slack.app import slack_client  # only with a token: slack_sdk loads slowly
    from cortex.slack.identity import SlackDirectory

    client = slack_client(token.get_secret_value(), settings.slack_api_url)
    return SlackDirectory(client).principal(user_id, policy.group_ids)
