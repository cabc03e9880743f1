"""Signed requests to a Slack app, built and signed as Slack builds and signs them.

    sender = SlackSender(app_url="http://127.0.0.1:PORT/slack/events", signing_secret="s3cret")
    sender.event({"type": "app_mention", "user": "U1", "text": "<@UCORTEXBOT> ARR by segment?",
                  "channel": "C1", "ts": "1764000000.000001"})          # -> httpx2.Response
    sender.event(event, event_id="Ev1", retry_num=1)                     # a Slack retry
    sender.event(event, secret="wrong")                                  # a bad signature
    sender.event(event, timestamp=int(time.time()) - 600)                # a stale request
    sender.slash_command("ARR by segment", response_url=slack.response_url("cmd"))
    sender.interaction(block_action("show_sql", "q1", message_ts="1764000000.000100"))
    sender.interaction(view_submission("feedback", "q1", {"b": {"a": {"value": "x"}}}))
    sender.url_verification("abc")                                       # -> httpx2.Response
    sender.event(assistant_thread_started("U1", "D1", "1764000000.000001"))  # the AI side panel
    sender.event(assistant_thread_context_changed("U1", "D1", "1764000000.000001", "C2"))
    sender.event(im_message("U1", "D1", "ARR by segment?", thread_ts="1764000000.000001"))

Every request carries `X-Slack-Request-Timestamp` and `X-Slack-Signature`
(`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret).
Events go as JSON in an `event_callback` envelope; slash commands as a form; interactions as a
form with one field, `payload`, holding JSON. Each request uses a fresh client, so there is
nothing to close. The HTTP client is `httpx2` (the httpx API, as the anthropic SDK installs it).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx2

from tests.fakes.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID

__all__ = [
    "UNCAPTURED_RESPONSE_URL",
    "SlackSender",
    "assistant_thread_context_changed",
    "assistant_thread_started",
    "im_message",
    "block_action",
    "event_callback",
    "sign",
    "view_submission",
]

# Port 9 (discard) on loopback refuses at once: a response_url nobody asked to capture fails
# fast instead of reaching the internet. Pass `FakeSlack.response_url()` to capture it.
UNCAPTURED_RESPONSE_URL = "http://127.0.0.1:9/response"
_VERIFICATION_TOKEN = "legacy-verification-token"
_TEAM_DOMAIN = "cortex-test"
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_counter = itertools.count(1)


def sign(body: bytes, *, timestamp: int | str, secret: str) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):04d}{uuid.uuid4().hex[:8].upper()}"


def _trigger_id() -> str:
    return f"{next(_counter)}.{int(time.time())}.{uuid.uuid4().hex}"


class SlackSender:
    """Sends signed events, slash commands and interactions to one app URL."""

    def __init__(self, app_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.app_url = app_url
        self.timeout = timeout
        self._signing_secret = signing_secret

    def __repr__(self) -> str:
        return f"SlackSender(app_url={self.app_url!r})"  # never the signing secret

    # -- sending ---------------------------------------------------------------------------

    def headers(
        self, body: bytes, *, timestamp: int | str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """The signing headers Slack would send with `body` (now, unless `timestamp`)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = sign(
            body, timestamp=stamp, secret=self._signing_secret if secret is None else secret
        )
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}

    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        secret: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx2.Response:
        """POST a raw body, signed (with `secret` instead, to forge a bad signature)."""
        headers = {
            "Content-Type": content_type,
            "User-Agent": _USER_AGENT,
            **self.headers(body, timestamp=timestamp, secret=secret),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        with httpx2.Client(timeout=self.timeout, trust_env=False) as client:  # loopback: no proxy
            return client.post(self.app_url, content=body, headers=headers)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | str | None = None,
        secret: str | None = None,
    ) -> httpx2.Response:
        """Send `event` in an `event_callback` envelope, as JSON (Events API)."""
        body = json.dumps(event_callback(event, event_id=event_id)).encode()
        return self.send(
            body,
            "application/json",
            timestamp=timestamp,
            secret=secret,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    def slash_command(
        self,
        text: str,
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        command: str = "/cortex",
        response_url: str = UNCAPTURED_RESPONSE_URL,
        trigger_id: str | None = None,
        timestamp: int | str | None = None,
        secret: str | None = None,
    ) -> httpx2.Response:
        """Send a slash command, form-encoded, as Slack does."""
        form = {
            "token": _VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": _TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
        return self.send(
            urlencode(form).encode(),
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            secret=secret,
        )

    def interaction(
        self,
        payload: Mapping[str, Any],
        *,
        timestamp: int | str | None = None,
        secret: str | None = None,
    ) -> httpx2.Response:
        """Send an interaction (`block_actions`, `view_submission`, ...) as `payload=<json>`."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(
            body, "application/x-www-form-urlencoded", timestamp=timestamp, secret=secret
        )

    def url_verification(
        self,
        challenge: str = "challenge",
        *,
        timestamp: int | str | None = None,
        secret: str | None = None,
    ) -> httpx2.Response:
        """Send the Events API `url_verification` handshake."""
        body = {"token": _VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.send(
            json.dumps(body).encode(), "application/json", timestamp=timestamp, secret=secret
        )


def event_callback(event: Mapping[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """The `event_callback` body around `event` (given `event_ts` if it has none)."""
    inner = dict(event)
    inner.setdefault("event_ts", inner.get("ts") or f"{time.time():.6f}")
    return {
        "token": _VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or _unique("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": _unique("4-"),
    }


def _assistant_thread(
    kind: str, user_id: str, channel_id: str, thread_ts: str, context_channel: str | None
) -> dict[str, Any]:
    """An `assistant_thread_*` event: the thread, who opened it, and the channel they were
    viewing (the context; none when opened from the app's own tab)."""
    context: dict[str, Any] = {"team_id": TEAM_ID, "enterprise_id": None}
    if context_channel is not None:
        context["channel_id"] = context_channel
    return {
        "type": kind,
        "assistant_thread": {
            "user_id": user_id,
            "context": context,
            "channel_id": channel_id,
            "thread_ts": thread_ts,
        },
        "event_ts": f"{time.time():.6f}",
    }


def assistant_thread_started(
    user_id: str, channel_id: str, thread_ts: str, context_channel: str | None = None
) -> dict[str, Any]:
    """`user_id` opened a new assistant thread (`thread_ts`) in their DM with the app."""
    return _assistant_thread(
        "assistant_thread_started", user_id, channel_id, thread_ts, context_channel
    )


def assistant_thread_context_changed(
    user_id: str, channel_id: str, thread_ts: str, context_channel: str | None = None
) -> dict[str, Any]:
    """`user_id` moved to another channel with the assistant thread open beside it."""
    return _assistant_thread(
        "assistant_thread_context_changed", user_id, channel_id, thread_ts, context_channel
    )


def im_message(
    user_id: str, channel_id: str, text: str, *, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    """A `message.im` event: `user_id` wrote `text` in their DM with the app (in a thread,
    such as an assistant thread, when `thread_ts` is given)."""
    event: dict[str, Any] = {
        "type": "message",
        "channel_type": "im",
        "user": user_id,
        "text": text,
        "channel": channel_id,
        "team": TEAM_ID,
        "client_msg_id": str(uuid.uuid4()),
        "ts": ts or f"{time.time():.6f}",
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def block_action(
    action_id: str,
    value: str,
    *,
    message_ts: str,
    user_id: str = "U1",
    channel_id: str = "C1",
    thread_ts: str | None = None,
    trigger_id: str | None = None,
    block_id: str = "actions",
    text: str = "",
    response_url: str = UNCAPTURED_RESPONSE_URL,
    element_type: str = "button",
) -> dict[str, Any]:
    """A `block_actions` payload: `user_id` clicked button `action_id` on a message. With
    `element_type="feedback_buttons"` it is a click on 👍 or 👎 of that element: Slack sends
    the clicked button's `value` and `text`, as it does for a button."""
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": message_ts,
        "text": text,
        "blocks": [],
    }
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": TEAM_ID,
        },
        "api_app_id": APP_ID,
        "token": _VERIFICATION_TOKEN,
        "team": {"id": TEAM_ID, "domain": _TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
            **({"thread_ts": thread_ts} if thread_ts is not None else {}),
        },
        "message": message,
        "state": {"values": {}},
        "trigger_id": trigger_id or _trigger_id(),
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": element_type,
                "action_ts": f"{time.time():.6f}",
                **(
                    {"text": {"type": "plain_text", "text": "👎" if "down" in value else "👍"}}
                    if element_type == "feedback_buttons"
                    else {}
                ),
            }
        ],
    }


def view_submission(
    callback_id: str,
    private_metadata: str = "",
    values: Mapping[str, Any] | None = None,
    *,
    user_id: str = "U1",
    view_id: str = "V0001",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A `view_submission` payload; `values` is `state.values` ({block: {action: {...}}})."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": _TEAM_DOMAIN},
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": TEAM_ID,
        },
        "api_app_id": APP_ID,
        "token": _VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "enterprise": None,
        "is_enterprise_install": False,
        "response_urls": [],
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "title": {"type": "plain_text", "text": "Cortex"},
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": dict(values or {})},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": "",
            "bot_id": BOT_ID,
        },
    }
