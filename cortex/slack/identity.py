"""Who is asking: a Slack user id turned into a `Principal` (name and configured user groups).

Membership of the user groups that access.yml names is read from Slack (`usergroups.users.list`)
and cached for `ttl_seconds`; a lookup that fails counts as "not a member", so an outage can
narrow what someone sees but never widen it. The display name (`users.info`) is for the audit
trail only and plays no part in access.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cortex.access import Principal

__all__ = ["SlackDirectory"]

_log = logging.getLogger("cortex.slack")


class SlackDirectory:
    """Principals for Slack users, from the workspace's user groups and profiles."""

    def __init__(self, client: WebClient, *, ttl_seconds: float = 300.0) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._names: dict[str, str | None] = {}

    def principal(self, user_id: str, group_ids: Iterable[str]) -> Principal:
        """The user with those of `group_ids` (the groups access.yml names) they belong to."""
        groups = frozenset(g for g in sorted(group_ids) if user_id in self._group_members(g))
        return Principal(user_id=user_id, groups=groups, name=self._name(user_id))

    def member(self, user_id: str, group_ids: Iterable[str]) -> Principal:
        """The user with their groups as `principal` gives them, without the display name
        (for checking many members of a channel at once: no profile call per member)."""
        groups = frozenset(g for g in sorted(group_ids) if user_id in self._group_members(g))
        return Principal(user_id=user_id, groups=groups)

    def _group_members(self, group_id: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._members.get(group_id)
        if cached is not None and now - cached[0] < self.ttl_seconds:
            return cached[1]
        try:
            reply = self.client.usergroups_users_list(usergroup=group_id)
            members = frozenset(str(u) for u in reply.get("users") or [])
        except SlackApiError as error:
            _log.warning(
                "could not read user group %s (%s); its members get none of its roles",
                group_id,
                error.response.get("error"),
            )
            return frozenset()  # not cached: the next question tries again
        with self._lock:
            self._members[group_id] = (now, members)
        return members

    def _name(self, user_id: str) -> str | None:
        with self._lock:
            if user_id in self._names:
                return self._names[user_id]
        name: str | None = None
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("real_name") or user.get("real_name") or user.get("name")
        except SlackApiError as error:
            _log.info("no profile for %s (%s)", user_id, error.response.get("error"))
        with self._lock:
            self._names[user_id] = name
        return name
