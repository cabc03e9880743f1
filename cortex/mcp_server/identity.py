"""Who calls a tool: an access.yml user, with the roles, grants and row policies Slack gives them.

Over stdio the caller is the configured local user (`--as-user`, else `CORTEX_MCP_USER`); over
HTTP, the owner of the bearer token presented. Either way `People.grant(user_id)` gives their
`Grant` the way the Slack app does: a `Principal` for the user, then `LiveAccess.grant_for`
(access.yml read again when it changes, refusing everyone while it is broken). The user groups
access.yml names are looked up in Slack (`SlackDirectory`) when `SLACK_BOT_TOKEN` is set; without
it they are not known, and a user gets only the roles access.yml lists for them directly, as
`cortex ask --as-user` does offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cortex.access import LiveAccess, Principal
from cortex.access.grants import Grant
from cortex.errors import AccessDenied, UserError
from cortex.settings import Settings
from semantic_layer.errors import did_you_mean

if TYPE_CHECKING:  # slack_sdk loads only when a bot token is set
    from cortex.slack.identity import SlackDirectory

__all__ = ["People", "stdio_user"]


class People:
    """The callers of the MCP server, as access.yml sees them."""

    def __init__(self, settings: Settings, access: LiveAccess) -> None:
        self.settings = settings
        self.access = access
        self._directory = self._slack_directory(settings)

    @staticmethod
    def _slack_directory(settings: Settings) -> SlackDirectory | None:
        token = settings.slack_bot_token
        if token is None:
            return None
        from cortex.slack.app import slack_client  # only with a token: slack_sdk loads slowly
        from cortex.slack.identity import SlackDirectory

        return SlackDirectory(slack_client(token.get_secret_value(), settings.slack_api_url))

    def principal(self, user_id: str) -> Principal:
        """The user, with their name from access.yml and their groups when Slack is reachable."""
        policy = self.access.current()
        listed = policy.users.get(user_id)
        name = listed.name if listed is not None else None
        if self._directory is not None and policy.groups:
            found = self._directory.principal(user_id, policy.group_ids)
            return Principal(user_id, found.groups, name or found.name)
        return Principal(user_id, name=name)

    def grant(self, user_id: str) -> Grant:
        """What `user_id` may see now; AccessDenied when they have no role."""
        return self.access.grant_for(self.principal(user_id))

    def name_of(self, user_id: str) -> str | None:
        """The user's name in access.yml (for the audit trail)."""
        try:
            listed = self.access.current().users.get(user_id)
        except AccessDenied:
            return None
        return listed.name if listed is not None else None

    def require(self, user_id: str, *, where: str) -> Grant:
        """The grant of `user_id`, or a UserError naming `where` the id came from when access.yml
        gives them no role (with a "did you mean" among its users)."""
        try:
            return self.grant(user_id)
        except AccessDenied:
            policy = self.access.current()
            raise UserError(
                f"{where} names {user_id!r}, who has no role in {self.access.path.name}, so "
                "Cortex would refuse them every call." + did_you_mean(user_id, list(policy.users)),
                hint=f"Use the id of a user in {self.access.path} (its `users:` keys), or give "
                "them a role there.",
            ) from None


def stdio_user(settings: Settings, as_user: str | None) -> tuple[str, str]:
    """The user the stdio server answers as, and where that was set; a UserError when neither
    `--as-user` nor CORTEX_MCP_USER names one."""
    if as_user is not None and as_user.strip():
        return as_user.strip(), "--as-user"
    if settings.mcp_user is not None:
        return settings.mcp_user, "CORTEX_MCP_USER"
    raise UserError(
        "cortex serve mcp needs to know whom it answers as over stdio, and no user is set.",
        hint="Pass --as-user <access.yml user id>, or set CORTEX_MCP_USER (mcp_user in "
        "cortex.toml). Every call then runs with that user's roles and row policies.",
    )
