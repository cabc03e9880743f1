"""Who may see an answer where it is asked: the check before Cortex posts numbers in a channel.

An answer is computed with the asker's access, and a channel message is read by every member
of the channel. So before posting an answer with numbers, Cortex checks every member:

**The rule.** The numbers go to the channel only when every member could get them by asking
themselves: the query *as it ran for the asker* (their row filters in it) is one the member's
grant allows unchanged (`Grant.covers`): every metric, input and table it reads, every
dimension and filter, and no row filter of the member's that the query lacks. So a sales rep's
answer about their own accounts passes for an analyst (who sees every row) and for the rep,
and fails for another rep (whose grant would narrow it to other rows) and for anyone without
the metric. A member with no role in access.yml sees nothing, so any answer restricted by a
role fails for them; an unrestricted metric without row policies passes for every member with
a role. Bots are members too (another app's bot reads the channel): only Cortex itself is left
out, and a bot with no role in access.yml fails the check like a person would.

A direct message with Cortex has the asker alone, so it always passes (no members call);
private channels and group DMs follow the rule like any channel. Membership
(`conversations.members`, every page) is cached for `ttl_seconds` (60 by default) per channel,
so a busy channel costs one call a minute and a decision is never staler than that. When the
members cannot be read (Cortex not in the channel, a Slack error), the check fails closed.

When the check fails, `post_privately` sends the answer to the asker alone (`chat.postEphemeral`
in the thread, or a direct message when that fails), the channel gets `note_message` (one line,
no number), and the audit record says `private: <why>` (`Disclosure.audit_text`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cortex.access import AccessPolicy, LiveAccess
from cortex.access.grants import Grant
from cortex.answer import Answer
from cortex.errors import AccessDenied
from cortex.slack.blocks import SlackMessage, escape, text_message
from cortex.slack.identity import SlackDirectory
from semantic_layer.query import SemanticQuery

__all__ = [
    "CHANNEL",
    "MEMBERS_TTL_SECONDS",
    "ChannelAudience",
    "Disclosure",
    "note_message",
    "post_privately",
]

#: How long a channel's members are trusted before they are read again.
MEMBERS_TTL_SECONDS: Final = 60.0
#: Members named in an audit record's reason (the rest are counted).
_NAMED: Final = 5

_log = logging.getLogger("cortex.slack")


@dataclass(frozen=True)
class Disclosure:
    """Where an answer's numbers may go: the channel, or the asker alone and why."""

    public: bool
    #: why not the channel, for the asker and the channel (names no number, no member)
    reason: str = ""
    #: the same, with detail for the audit trail (which members, how many)
    detail: str = ""

    @property
    def audit_text(self) -> str:
        """What the audit record's `disclosure` says: "channel" or "private: <why>"."""
        return "channel" if self.public else f"private: {self.detail or self.reason}"


CHANNEL: Final = Disclosure(public=True)


class ChannelAudience:
    """The members of channels, read from Slack and cached briefly, and the disclosure rule."""

    def __init__(
        self,
        client: WebClient,
        directory: SlackDirectory,
        access: AccessPolicy | LiveAccess,
        *,
        ttl_seconds: float = MEMBERS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.directory = directory
        self.access = access
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._members: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._me: str | None = None

    def decide(self, answer: Answer, grant: Grant, channel: str) -> Disclosure:
        """Where `answer`, computed under the asker's `grant`, may be shown when asked in
        `channel` (see the module docstring)."""
        if answer.status != "answer" or answer.query is None or channel.startswith("D"):
            return CHANNEL  # no numbers, or a direct message with the asker alone
        ran = grant.apply(answer.query)  # as it ran for the asker: their row filters in it
        model = grant.policy.model
        labels = [m.label if (m := model.metric(n)) else n for n in answer.query.metrics]
        what = _listed(labels) or "these rows"
        if ran != answer.query:
            what += " for the rows you see"
        try:
            members = self.members(channel)
        except SlackApiError as error:
            code = error.response.get("error")
            _log.warning("cannot read the members of %s (%s): answering privately", channel, code)
            return Disclosure(
                False,
                "I could not check who is in this channel",
                f"members of {channel} unreadable ({code})",
            )
        asker = grant.principal.user_id
        me = self._bot_user()
        others = [m for m in members if m not in (asker, me)]
        blocked = self._not_covered(others, ran)
        if not blocked:
            return CHANNEL
        named = ", ".join(blocked[:_NAMED]) + (
            f" and {len(blocked) - _NAMED} more" if len(blocked) > _NAMED else ""
        )
        return Disclosure(
            False,
            f"some members of this channel may not see {what}",
            f"{len(blocked)} of {len(members)} members may not see {what} ({named})",
        )

    def members(self, channel: str) -> tuple[str, ...]:
        """The members of `channel` (every page), cached for `ttl_seconds`; SlackApiError when
        Slack will not say."""
        now = self._clock()
        with self._lock:
            cached = self._members.get(channel)
        if cached is not None and now - cached[0] < self.ttl_seconds:
            return cached[1]
        found: list[str] = []
        cursor: str | None = None
        while True:
            reply = self.client.conversations_members(channel=channel, limit=200, cursor=cursor)
            found += [str(m) for m in reply.get("members") or []]
            cursor = (reply.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        members = tuple(dict.fromkeys(found))
        with self._lock:
            self._members[channel] = (now, members)
        return members

    def _not_covered(self, members: list[str], ran: SemanticQuery) -> list[str]:
        """The members whose grant does not cover `ran`; members alike in roles and attributes
        are decided once."""
        policy = self.access.current() if isinstance(self.access, LiveAccess) else self.access
        decided: dict[Hashable, bool] = {}
        blocked = []
        for user in members:
            principal = self.directory.member(user, policy.group_ids)
            try:
                grant = policy.grant_for(principal)
            except AccessDenied:
                blocked.append(user)  # no role: sees nothing
                continue
            key = (grant.roles, tuple(sorted(grant.attributes.items())))
            if key not in decided:
                decided[key] = grant.covers(ran)
            if not decided[key]:
                blocked.append(user)
        return blocked

    def _bot_user(self) -> str | None:
        """Cortex's own user id (`auth.test`), read once; None while Slack will not say."""
        if self._me is None:
            try:
                self._me = str(self.client.auth_test().get("user_id") or "") or None
            except SlackApiError as error:
                _log.warning("auth.test failed (%s)", error.response.get("error"))
        return self._me


def note_message(disclosure: Disclosure) -> SlackMessage:
    """The one line the channel gets instead of the numbers."""
    return text_message(f"I sent you the answer privately: {disclosure.reason}.", emoji=":lock:")


def post_privately(
    client: WebClient,
    message: SlackMessage,
    *,
    channel: str,
    thread_ts: str | None,
    user: str,
) -> str:
    """`message` to `user` alone: ephemeral in the thread, else in a direct message; returns
    how ("ephemeral" or "dm"). SlackApiError when neither works."""
    try:
        client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, **message.as_kwargs()
        )
        return "ephemeral"
    except SlackApiError as error:
        _log.info("ephemeral to %s failed (%s): sending a DM", user, error.response.get("error"))
    opened = client.conversations_open(users=user)
    dm = str((opened.get("channel") or {}).get("id"))
    client.chat_postMessage(
        channel=dm,
        text=f"Your answer from <#{escape(channel)}>, sent here because not everyone there may "
        "see it:",
    )
    client.chat_postMessage(
        channel=dm, unfurl_links=False, unfurl_media=False, **message.as_kwargs()
    )
    return "dm"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) <= 1 else f"{', '.join(names[:-1])} and {names[-1]}"
