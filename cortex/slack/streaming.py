"""An answer streamed into its thread: the steps as they happen, then the answer.

With Claude planning an answer takes seconds, so Cortex streams what it is doing ("Reading
your question…", the metrics chosen, compiling, running, charting) with Slack's
`chat.startStream` / `chat.appendStream` / `chat.stopStream` (slack_sdk's `chat_stream`
helper), then finishes the message with the answer's blocks.

Streaming is a nicety, never a condition of answering. When Slack refuses it (the workspace
does not allow it, the method is unknown, the stream expired), the steps stop and `finish`
says where the answer went: into the streamed message (stopped, or replaced with
`chat.update` when it broke midway), or nowhere, and the caller posts it as usual. Either way
the thread holds one answer.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cortex.slack.blocks import SlackMessage, escape

__all__ = ["StepStream"]

_log = logging.getLogger("cortex.slack")


class StepStream:
    """One streamed message in one thread, for one person."""

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str,
        user_id: str,
        team_id: str | None = None,
    ) -> None:
        self._client = client
        self._channel = channel
        # buffer_size=1: each step is sent as it happens, not when 256 characters piled up
        self._stream = client.chat_stream(
            channel=channel,
            thread_ts=thread_ts,
            recipient_user_id=user_id,
            recipient_team_id=team_id,
            buffer_size=1,
        )
        self.broken = False

    def step(self, text: str) -> None:
        """Add one step to the message (starting it); after a refusal, nothing more is sent."""
        if self.broken:
            return
        try:
            self._stream.append(markdown_text=f"_{escape(text)}_\n")
        except SlackApiError as error:
            self.broken = True
            _log.info("streaming refused (%s): the answer is posted whole", _code(error))

    def finish(self, message: SlackMessage) -> str | None:
        """Put `message` in the streamed message; its ts, or None when there is none to put it
        in (streaming never started) and the caller must post it."""
        ts = self._stream.ts
        if ts is None:
            return None
        if not self.broken:
            try:
                self._stream.stop(blocks=list(message.blocks))
                return ts
            except SlackApiError as error:
                _log.info("could not stop the stream (%s): replacing it", _code(error))
        try:
            self._client.chat_update(channel=self._channel, ts=ts, **message.as_kwargs())
        except SlackApiError as error:
            _log.info("could not replace the broken stream (%s): posting", _code(error))
            return None
        return ts


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown error"))
