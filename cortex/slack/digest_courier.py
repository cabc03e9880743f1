"""Digests through Slack's Web API: the `Courier` of cortex.signals.delivery.

People get the digest in their direct message with the app (`conversations.open`); owners are
found by e-mail (`users.lookupByEmail`). Every post carries message metadata naming its digest,
period and recipient, so that after a crash `find` can tell from `conversations.history`
whether Slack already has it.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cortex.signals.delivery import EVENT_TYPE, Recipient, Stamp
from cortex.signals.signals import DigestReport, SignalOutcome
from cortex.slack.blocks import SlackMessage
from cortex.slack.digest_blocks import digest_message, owner_message

__all__ = ["SlackCourier"]

_log = logging.getLogger("cortex.slack.digests")
#: How many of a channel's latest messages `find` reads (a digest's channel is quiet).
HISTORY_LIMIT: Final = 200


class SlackCourier:
    """Posts digests and owners' notices with `client`, and finds them again."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def channel_of(self, recipient: Recipient) -> str | None:
        """A channel as given; a person's (or owner's) direct message with the app."""
        try:
            if recipient.kind == "channel":
                return recipient.address
            user = recipient.address
            if recipient.kind == "owner":
                found = self.client.users_lookupByEmail(email=recipient.address)
                user = str(found["user"]["id"])
            opened = self.client.conversations_open(users=user)
            return str(opened["channel"]["id"])
        except SlackApiError as error:
            _log.warning("cannot reach %s: %s", recipient.key, error.response.get("error"))
            return None

    def post_digest(self, channel: str, report: DigestReport, stamp: Stamp) -> str:
        """Post the digest message."""
        return self._post(channel, digest_message(report), stamp)

    def post_owner_notice(
        self, channel: str, report: DigestReport, outcome: SignalOutcome, stamp: Stamp
    ) -> str:
        """Post the owner's notice."""
        return self._post(channel, owner_message(report, outcome), stamp)

    def find(self, channel: str, stamp: Stamp, since: float) -> str | None:
        """The ts of the app's message in `channel` carrying `stamp`, among the latest ones."""
        history = self.client.conversations_history(
            channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
        )
        wanted = stamp.metadata()
        for message in history.get("messages") or []:
            metadata: dict[str, Any] = message.get("metadata") or {}
            if (
                metadata.get("event_type") == EVENT_TYPE
                and metadata.get("event_payload") == wanted["event_payload"]
            ):
                return str(message["ts"])
        return None

    def _post(self, channel: str, message: SlackMessage, stamp: Stamp) -> str:
        reply = self.client.chat_postMessage(
            channel=channel,
            metadata=stamp.metadata(),
            unfurl_links=False,
            unfurl_media=False,
            **message.as_kwargs(),
        )
        return str(reply["ts"])
