"""A fake Slack Web API on 127.0.0.1, port 0, that keeps a journal of every call.

    with FakeSlack(users={"U1": {"name": "dana", "real_name": "Dana Reyes",
                                 "email": "dana@example.com"}},
                   usergroups={"S1": ["U1", "U2"]}) as slack:
        client = slack_sdk.WebClient(token="xoxb-test", base_url=slack.url)  # ".../api/"
        client.chat_postMessage(channel="C1", text="hi")
        slack.wait_for("chat.update", count=2, timeout=10.0)   # -> list[SlackCall]
        slack.wait_until(lambda calls: [c for c in calls if ...])[0]  # the predicate's value
        slack.reply_ts(slack.calls_to("chat.postMessage")[0])  # the ts the fake gave it
        slack.calls_to("chat.postMessage")[0].params["blocks"]  # decoded, not a JSON string
        slack.uploads                                          # {file_id: bytes}
        slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
        slack.hold_next("chat.update"); slack.wait_held("chat.update")  # Slack hangs on it
        slack.release_held()                                   # ... then answers it after all
        slack.hold_reply_next("chat.postMessage")  # Slack does it, but its answer hangs
        slack.messages("C1")                                   # current text/blocks after updates
        slack.response_url("cmd1")                             # a response_url the fake records

It answers `/api/<method>` (POST or GET; query string, form, multipart or JSON bodies) with
Slack-shaped JSON and HTTP 200, as Slack does: `auth.test`, `chat.postMessage`, `chat.update`,
`chat.postEphemeral`, `chat.delete`, `reactions.add`, `reactions.remove`,
`files.getUploadURLExternal`, `files.completeUploadExternal`, `views.open`, `views.update`,
`users.info`, `users.lookupByEmail`, `usergroups.users.list`, `conversations.replies`,
`conversations.history` (top-level messages, newest first, with their metadata),
`conversations.members`
(paginated; set with `channels=` or `set_members`; a channel not set has Cortex alone),
`conversations.open` (a DM with one user) and `views.publish` (the App Home, kept per user:
`home_view(user)`); for assistant threads `assistant.threads.setTitle`, `setStatus` and
`setSuggestedPrompts` (kept per thread: `slack.assistant_thread("D1", ts)`); and streaming,
`chat.startStream` (a message in the thread, in the streaming state), `chat.appendStream` (its
markdown grows) and `chat.stopStream` (its last text and blocks; streaming ends), so
`slack.messages(...)` shows the assembled message. Any other method is journalled
and answered `unknown_method`; a call without a token gets `not_authed`. `/upload/<file_id>` (the
`upload_url` it hands out) stores the posted bytes and is journalled as method "upload";
`/response/<key>` is journalled as method "response_url" with the JSON body and `key`.

Socket Mode: `apps.connections.open` (app-level `xapp-` token only; a bot token gets
`not_allowed_token_type`, as an app token does on any other method) hands out a single-use
`ws://127.0.0.1:PORT/link?ticket=...` on a second port. That websocket server is a small
RFC 6455 server over stdlib sockets: the upgrade handshake (`Sec-WebSocket-Accept`), unmasked
frames out, masked frames in (an unmasked client frame is a protocol error, close 1002), ping
and pong both ways, close. On connect it sends Slack's `hello`; then

    with FakeSlack(...) as slack:                            # the app connects with xapp-...
        slack.wait_connected()                               # a client has its hello
        envelope_id = slack.push("events_api", event_callback(event))  # to the newest client
        slack.push("events_api", body, retry_attempt=1, retry_reason="timeout")
        slack.wait_ack(envelope_id).params                   # {"envelope_id": ..., ["payload"]}
        slack.acks                                           # envelope ids acked, in order
        slack.refresh_socket()                               # Slack's {"type": "disconnect"}

The journal gets "socket.connect" (the handshake: `ticket`; reply `{"status": 101}` or the
refusal), "socket.ack" (the ack's JSON), "socket.message" (any other text) and "socket.close"
(`code`: 1000 from a close frame, 1006 when the client just hung up). The fake pings each
client every `socket_ping_interval` seconds, as Slack does (less often); slack_sdk's client
answers with pongs (`slack.socket_pongs`), and its receive loop, which otherwise blocks in
`recv` for up to 3 s, wakes up, so a client closes promptly. Close clients before the fake:
closing the fake sends them close 1001, and a client that reconnects then finds no server.

Tokens are never logged: `SlackCall.token` is left out of its repr and of timeout summaries.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import itertools
import json
import mimetypes
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "APP_ID",
    "BOT_ID",
    "AssistantThread",
    "BOT_USER_ID",
    "TEAM_ID",
    "FakeSlack",
    "SlackCall",
    "SlackMessage",
    "running",
]

TEAM_ID = "T1"
APP_ID = "A1"
BOT_USER_ID = "UCORTEXBOT"
BOT_ID = "BCORTEX"

_SCOPES = (
    "app_mentions:read,assistant:write,channels:history,chat:write,commands,files:write,"
    "groups:history,"
    "im:history,reactions:write,usergroups:read,users:read,users:read.email"
)
_JSON_PARAMS = frozenset({"blocks", "attachments", "files", "view", "metadata", "user_auth_blocks"})
_TS_EPOCH = 1_764_000_000
_SUMMARY_WIDTH = 160
_APP_LEVEL_METHODS = frozenset({"apps.connections.open"})  # the only ones an xapp- token may call

# RFC 6455: the handshake's magic GUID, the opcodes, and a cap on one incoming message.
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_OP_CONTINUATION, _OP_TEXT, _OP_BINARY = 0x0, 0x1, 0x2
_OP_CLOSE, _OP_PING, _OP_PONG = 0x8, 0x9, 0xA
_MAX_MESSAGE = 1 << 20

# Slack's documented limits: markdown in one streaming call, suggested prompts per thread,
# rotating loading messages of a status.
_MAX_MARKDOWN = 12_000
_MAX_PROMPTS = 4
_MAX_LOADING_MESSAGES = 10
_CHUNK_TYPES = frozenset({"markdown_text", "task_update", "plan_update", "blocks"})

_T = TypeVar("_T")
Params = dict[str, Any]
Reply = dict[str, Any]


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received, in the order received.

    `params` merges the query string and the form, multipart or JSON body; JSON-encoded strings
    in `blocks`, `attachments`, `files`, `view` and `metadata` are decoded. Form values stay
    strings (slack_sdk sends booleans as "1"/"0"); JSON bodies keep their types. `token` is the
    bearer token or the `token` parameter (removed from `params`), never shown in the repr.
    `reply` is the JSON the fake answered (for "upload" and "response_url": the HTTP status).
    """

    method: str
    params: dict[str, Any]
    token: str | None = field(repr=False)
    at: float
    reply: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SlackMessage:
    """A message the app posted, as it stands now (after `chat.update`s)."""

    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    updates: int
    streaming: bool = False  # started with chat.startStream and not stopped yet


@dataclass(frozen=True)
class AssistantThread:
    """What the app set on one assistant thread: title, status, suggested prompts."""

    channel_id: str
    thread_ts: str
    title: str | None = None
    status: str = ""  # "" once cleared (Slack clears it when the app replies)
    prompts: tuple[dict[str, str], ...] = ()
    prompts_title: str | None = None


@dataclass(frozen=True)
class _Failure:
    error: str
    status: int
    retry_after: int | None


@dataclass
class _Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    attachments: list[Any] | None = None
    metadata: Any = None
    updates: int = 0
    streaming: bool = False

    def to_api(self) -> Reply:
        message: Reply = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": self.text,
            "ts": self.ts,
        }
        if self.blocks:
            message["blocks"] = self.blocks
        if self.attachments:
            message["attachments"] = self.attachments
        if self.metadata is not None:
            message["metadata"] = self.metadata
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        if self.updates:
            message["edited"] = {"user": BOT_USER_ID, "ts": self.ts}
        return message


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops SYNs under a burst of concurrent clients


class FakeSlack:
    """The fake server; a context manager that starts it in a thread and closes it cleanly."""

    def __init__(
        self,
        *,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        usergroups: Mapping[str, Sequence[str]] | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
        socket_ping_interval: float = 0.1,
    ) -> None:
        self._users = {uid: dict(profile) for uid, profile in (users or {}).items()}
        self._usergroups = {gid: list(members) for gid, members in (usergroups or {}).items()}
        self._channels = {cid: list(members) for cid, members in (channels or {}).items()}
        self._dms: dict[str, str] = {}
        self._home_views: dict[str, Reply] = {}
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[SlackCall] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._holds: dict[str, int] = {}
        self._reply_holds: dict[str, int] = {}
        self._held: list[str] = []
        self._release = threading.Event()
        self._messages: dict[tuple[str, str], _Message] = {}
        self._reactions: dict[tuple[str, str], list[str]] = {}
        self._pending_files: dict[str, Params] = {}
        self._uploads: dict[str, bytes] = {}
        self._views: dict[str, Reply] = {}
        self._threads: dict[tuple[str, str], AssistantThread] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        # Socket Mode: tickets handed out, live connections (newest last), acks, pongs.
        self._tickets: set[str] = set()
        self._sockets: list[_WebSocket] = []
        self._acks: list[str] = []
        self._pongs = 0
        self._ping_interval = socket_ping_interval
        self._stopping = threading.Event()
        self._socket_server = _Server(("127.0.0.1", 0), _socket_handler_for(self))
        self._socket_thread = threading.Thread(
            target=self._socket_server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._pinger = threading.Thread(target=self._ping_clients, daemon=True)

    # -- the test's side -------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, without a path."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The base URL to give `slack_sdk.WebClient(base_url=...)`; ends with "/api/"."""
        return f"{self.origin}/api/"

    @property
    def calls(self) -> list[SlackCall]:
        """Every call so far, in the order received (a copy)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        """The calls to one method (e.g. "chat.postMessage", "upload"), in order."""
        return [call for call in self.calls if call.method == method]

    @property
    def uploads(self) -> dict[str, bytes]:
        """The bytes posted to each upload URL, by file id (a copy)."""
        with self._cond:
            return dict(self._uploads)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """The modals opened or updated, by view id, as last set (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._views)

    def messages(self, channel: str, *, thread_ts: str | None = None) -> list[SlackMessage]:
        """The app's live messages in `channel` (or in one thread of it), oldest first."""
        with self._cond:
            found = [
                SlackMessage(
                    m.channel,
                    m.ts,
                    m.text,
                    copy.deepcopy(m.blocks),
                    m.thread_ts,
                    m.updates,
                    m.streaming,
                )
                for m in self._messages.values()
                if m.channel == channel and (thread_ts is None or thread_ts in (m.ts, m.thread_ts))
            ]
        return sorted(found, key=lambda message: message.ts)

    def assistant_thread(self, channel_id: str, thread_ts: str) -> AssistantThread:
        """What the app set on one assistant thread so far (all unset if nothing)."""
        with self._cond:
            return self._threads.get(
                (channel_id, thread_ts), AssistantThread(channel_id, thread_ts)
            )

    def set_members(self, channel: str, members: Sequence[str]) -> None:
        """Who is in `channel` from now on (what `conversations.members` lists)."""
        with self._cond:
            self._channels[channel] = list(members)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The App Home last published for `user` (`views.publish`), or None (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._home_views.get(user))

    def dm_channel(self, user: str) -> str | None:
        """The direct-message channel `conversations.open` gave for `user`, if it was opened."""
        with self._cond:
            return self._dms.get(user)

    def reactions(self, channel: str, ts: str) -> list[str]:
        """The reactions the app has on one message (any message, not only its own)."""
        with self._cond:
            return list(self._reactions.get((channel, ts), []))

    def response_url(self, key: str | None = None) -> str:
        """A `response_url` on this fake; POSTs to it are journalled as "response_url"."""
        return f"{self.origin}/response/{key or f'R{next(self._ids):04d}'}"

    def fail_next(
        self,
        method: str,
        *,
        error: str = "fatal_error",
        status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next call to `method` with `{"ok": false, "error": error}`.

        Calls queue up: two `fail_next`s fail the next two calls. `status=429` with
        `retry_after` is what Slack really sends for `ratelimited`. For "upload" and
        "response_url" the answer is a plain-text error with `status` (500 if left at 200).
        """
        with self._cond:
            self._failures.setdefault(method, deque()).append(_Failure(error, status, retry_after))

    def hold_next(self, method: str) -> None:
        """Keep the next call to `method` waiting, as if Slack hung: not handled, not journalled,
        not answered. `release_held` lets every held call through (each is then handled and
        journalled as usual); closing the fake drops them unhandled (answered 503 if the client
        is still there), so a client killed while it waits leaves no trace of that call."""
        with self._cond:
            self._holds[method] = self._holds.get(method, 0) + 1

    def hold_reply_next(self, method: str) -> None:
        """Handle and journal the next call to `method` as usual, then keep its answer waiting,
        as if Slack did the work and the reply was lost in transit. `wait_held` and
        `release_held` work as for `hold_next`."""
        with self._cond:
            self._reply_holds[method] = self._reply_holds.get(method, 0) + 1

    def wait_held(self, method: str, timeout: float = 10.0) -> None:
        """Block until a call to `method` is being held."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while method not in self._held:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout:g}s for a held {method}; {_summary(self._calls)}"
                    )
                self._cond.wait(remaining)

    def release_held(self) -> None:
        """Let every held call through."""
        self._release.set()

    def wait_until(
        self,
        predicate: Callable[[list[SlackCall]], _T],
        timeout: float = 10.0,
        *,
        description: str = "the condition",
    ) -> _T:
        """Block until `predicate(calls)` is truthy and return that value.

        So `wait_until(lambda calls: [c for c in calls if ...])[0]` is the first match. Raises
        AssertionError with a summary of the journal if nothing matches within `timeout`.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate(list(self._calls))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout:g}s for {description}; {_summary(self._calls)}"
                    )
                self._cond.wait(remaining)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
        """Block until `method` has been called `count` times; return all calls to it."""

        def enough(calls: list[SlackCall]) -> list[SlackCall]:
            found = [call for call in calls if call.method == method]
            return found if len(found) >= count else []

        return self.wait_until(enough, timeout, description=f"{count} x {method}")

    # -- Socket Mode, the test's side ------------------------------------------------------

    @property
    def acks(self) -> list[str]:
        """The envelope ids the Socket Mode clients acknowledged, in order (a copy)."""
        with self._cond:
            return list(self._acks)

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode clients are connected now."""
        with self._cond:
            return len(self._sockets)

    @property
    def socket_pongs(self) -> int:
        """How many pongs the clients sent back to the fake's pings."""
        with self._cond:
            return self._pongs

    def wait_connected(self, timeout: float = 10.0) -> int:
        """Block until a Socket Mode client is connected (and has its hello); return how many."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._sockets:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout:g}s for a Socket Mode client; {_summary(self._calls)}"
                    )
                self._cond.wait(remaining)
            return len(self._sockets)

    def push(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = 10.0,
    ) -> str:
        """Send an envelope to the newest Socket Mode client (waiting for one); its id.

        `envelope_type` is "events_api", "slash_commands" or "interactive"; `payload` is what
        Slack would POST in HTTP mode (an `event_callback` body, a slash command's fields, an
        interaction payload). As Slack does, only "events_api" envelopes carry `retry_attempt`
        and `retry_reason`, and only the others accept a response payload by default. Slack
        sends each envelope over one of the app's connections; so does the fake.
        """
        envelope_id = str(uuid.uuid4())
        envelope: Reply = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": dict(payload),
            "accepts_response_payload": (
                envelope_type != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if envelope_type == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": retry_reason}
        self.wait_connected(timeout)
        with self._cond:
            client = self._sockets[-1]
        if not client.send(_OP_TEXT, _dumps(envelope)):
            raise AssertionError(f"the Socket Mode client hung up before envelope {envelope_id}")
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> SlackCall:
        """Block until `envelope_id` is acknowledged; the "socket.ack" call (params: the ack)."""
        return self.wait_until(
            lambda calls: [
                c
                for c in calls
                if c.method == "socket.ack" and c.params.get("envelope_id") == envelope_id
            ],
            timeout,
            description=f"the ack of envelope {envelope_id}",
        )[0]

    def refresh_socket(self, reason: str = "refresh_requested") -> None:
        """Tell every connected client to reconnect, as Slack does every few hours."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        with self._cond:
            clients = list(self._sockets)
        for client in clients:
            client.send(_OP_TEXT, _dumps(message))

    def reply_ts(self, call: SlackCall) -> str:
        """The `ts` the fake gave a message call (`message_ts` for `chat.postEphemeral`)."""
        ts = call.reply.get("ts") or call.reply.get("message_ts")
        if not isinstance(ts, str):
            raise AssertionError(f"{call.method} got no ts in its reply: {call.reply}")
        return ts

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        self._socket_thread.start()
        self._pinger.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving, say goodbye to Socket Mode clients (close 1001), release the sockets."""
        self._stopping.set()
        self._release.set()  # held calls are dropped
        if self._pinger.is_alive():
            self._pinger.join()
        if self._socket_thread.is_alive():
            self._socket_server.shutdown()
            self._socket_thread.join()
        self._socket_server.server_close()
        with self._cond:
            clients = list(self._sockets)
        for client in clients:
            client.close(1001, "going away")
        for client in clients:
            client.thread.join(timeout=5)
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    # -- the server's side -----------------------------------------------------------------

    def _scripted_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    def _journal(self, call: SlackCall) -> None:
        """Record a call with its reply and wake the waiters (the lock is held)."""
        self._calls.append(call)
        self._cond.notify_all()

    def _api(self, method: str, params: Params, token: str | None) -> _Response:
        if self._held_back(method):
            return _text(503, "the fake Slack closed while this call was held")
        with self._cond:
            at = time.monotonic()
            status, headers = 200, {"x-oauth-scopes": _SCOPES}
            if not token:
                reply: Reply = _error("not_authed")
            elif not token.startswith(("xox", "xapp-")):
                reply = _error("invalid_auth")
            elif token.startswith("xapp-") != (method in _APP_LEVEL_METHODS):
                reply = _error("not_allowed_token_type")
            elif failure := self._scripted_failure(method):
                reply, status = _error(failure.error), failure.status
                if failure.retry_after is not None:
                    headers["retry-after"] = str(failure.retry_after)
            elif handler := _METHODS.get(method):
                try:
                    reply = handler(self, params)
                except Exception as error:  # a bug or odd params: say so instead of hanging up
                    reply = {**_error("fake_slack_error"), "detail": repr(error)}
                    status = 500
            else:
                reply = _error("unknown_method")
            body = _dumps(reply)  # under the lock: later updates must not change this reply
            self._journal(SlackCall(method, params, token, at, json.loads(body)))
            hold_reply = bool(self._reply_holds.get(method))
            if hold_reply:
                self._reply_holds[method] -= 1
                self._held.append(method)
                self._cond.notify_all()
        if hold_reply and self._wait_released(method):
            return _text(503, "the fake Slack closed while this reply was held")
        return _Response(status, body, headers=headers)

    def _held_back(self, method: str) -> bool:
        """Hold this call if `hold_next` asked for it; True when it is to be dropped."""
        with self._cond:
            if not self._holds.get(method):
                return False
            self._holds[method] -= 1
            self._held.append(method)
            self._cond.notify_all()
        return self._wait_released(method)

    def _wait_released(self, method: str) -> bool:
        """Wait for `release_held` (or closing) with `method` held; True when closing."""
        self._release.wait()
        with self._cond:
            self._held.remove(method)
        return self._stopping.is_set()

    def _upload(self, file_id: str, data: bytes) -> _Response:
        with self._cond:
            at = time.monotonic()
            if failure := self._scripted_failure("upload"):
                response = _text(failure.status if failure.status != 200 else 500, failure.error)
            elif file_id not in self._pending_files:
                response = _text(404, "Not Found")
            else:
                self._uploads[file_id] = data
                response = _text(200, f"OK - {len(data)}")
            reply = {"status": response.status, "size": len(data)}
            self._journal(SlackCall("upload", {"file_id": file_id}, None, at, reply))
        return response

    def _respond(self, key: str, body: Params) -> _Response:
        with self._cond:
            at = time.monotonic()
            if failure := self._scripted_failure("response_url"):
                response = _text(failure.status if failure.status != 200 else 500, failure.error)
            else:
                response = _Response(200, _dumps({"ok": True}))
            reply = {"status": response.status}
            self._journal(SlackCall("response_url", {**body, "key": key}, None, at, reply))
        return response

    def _next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{_TS_EPOCH + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    # -- Socket Mode, the server's side ----------------------------------------------------

    def _socket_handshake(self, ticket: str, problem: str | None) -> int:
        """Journal a websocket handshake and spend its ticket: 101, or the refusal's status."""
        with self._cond:
            at = time.monotonic()
            if problem is not None:
                status = 400
            elif ticket not in self._tickets:
                status, problem = 401, "invalid or spent ticket"
            else:
                self._tickets.discard(ticket)  # one connection per apps.connections.open
                status = 101
            reply: Reply = {"status": status, **({"error": problem} if problem else {})}
            self._journal(SlackCall("socket.connect", {"ticket": ticket}, None, at, reply))
        return status

    def _serve_socket(self, client: _WebSocket) -> None:
        """Say hello, then answer the client's frames until it leaves (on its own thread)."""
        with self._cond:
            hello = {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        client.send(_OP_TEXT, _dumps(hello))
        with self._cond:
            self._sockets.append(client)
            self._cond.notify_all()
        code = 1006  # RFC 6455 7.1.5: the connection closed without a close frame
        try:
            while (frame := client.receive()) is not None:
                opcode, data = frame
                if opcode == _OP_PING:
                    client.send(_OP_PONG, data)
                elif opcode == _OP_PONG:
                    with self._cond:
                        self._pongs += 1
                elif opcode == _OP_TEXT:
                    self._socket_message(data)
                elif opcode == _OP_CLOSE:
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                    client.close(1000, "")
                    break
        except _ProtocolError as error:
            code = error.code
            client.close(error.code, str(error))
        finally:
            with self._cond:
                self._sockets.remove(client)
                self._journal(SlackCall("socket.close", {"code": code}, None, time.monotonic()))

    def _socket_message(self, data: bytes) -> None:
        """A text frame from a client: an ack if it names an envelope, else just journalled."""
        try:
            body = json.loads(data)
        except ValueError:
            body = {"_unparsed": data.decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"_json": body}
        with self._cond:
            method = "socket.ack" if "envelope_id" in body else "socket.message"
            if method == "socket.ack":
                self._acks.append(str(body["envelope_id"]))
            self._journal(SlackCall(method, body, None, time.monotonic()))

    def _ping_clients(self) -> None:
        while not self._stopping.wait(self._ping_interval):
            with self._cond:
                clients = list(self._sockets)
            for client in clients:
                client.send(_OP_PING, f"fake-slack:{time.time():.6f}".encode())

    # Web API methods: called with the lock held, return the reply body.

    def _open_connection(self, params: Params) -> Reply:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        host, port = self._socket_server.server_address[:2]
        return {"ok": True, "url": f"ws://{host!s}:{port}/link?ticket={ticket}&app_id={APP_ID}"}

    def _auth_test(self, params: Params) -> Reply:
        return {
            "ok": True,
            "url": "https://cortex-test.slack.com/",
            "team": "Cortex Test",
            "user": "cortex",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, params: Params) -> Reply:
        channel = params.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return _error("no_text")
        thread_ts = params.get("thread_ts") or None
        message = _Message(
            channel=str(channel),
            ts=self._next_ts(),
            text=str(params.get("text") or ""),
            blocks=list(params.get("blocks") or []),
            thread_ts=str(thread_ts) if thread_ts else None,
            attachments=params.get("attachments"),
            metadata=params.get("metadata"),
        )
        self._messages[(message.channel, message.ts)] = message
        self._replied(message)
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": message.to_api(),
        }

    def _replied(self, message: _Message) -> None:
        """The app replied in a thread: Slack clears the thread's assistant status."""
        key = (message.channel, message.thread_ts or "")
        if key in self._threads:
            self._set_thread(key, status="")

    def _update(self, params: Params) -> Reply:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        message = self._messages.get((channel, ts))
        if message is None:
            return _error("message_not_found")
        if "text" in params:
            message.text = str(params["text"])
        if "blocks" in params:
            message.blocks = list(params["blocks"] or [])
        if "attachments" in params:
            message.attachments = params["attachments"]
        if "metadata" in params:
            message.metadata = params["metadata"]
        message.updates += 1
        message.streaming = False  # an update is the message's final form (a stream expired)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.text,
            "message": message.to_api(),
        }

    def _post_ephemeral(self, params: Params) -> Reply:
        if not params.get("channel"):
            return _error("channel_not_found")
        if not params.get("user"):
            return _error("user_not_in_channel")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return _error("no_text")
        return {"ok": True, "message_ts": self._next_ts()}

    def _delete(self, params: Params) -> Reply:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if self._messages.pop((channel, ts), None) is None:
            return _error("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _reaction_key(self, params: Params) -> tuple[tuple[str, str], str] | None:
        channel, ts = params.get("channel"), params.get("timestamp")
        name = params.get("name")
        if not channel or not ts or not name:
            return None
        return (str(channel), str(ts)), str(name)

    def _add_reaction(self, params: Params) -> Reply:
        found = self._reaction_key(params)
        if found is None:
            return _error("invalid_arguments")
        key, name = found
        names = self._reactions.setdefault(key, [])
        if name in names:
            return _error("already_reacted")
        names.append(name)
        return {"ok": True}

    def _remove_reaction(self, params: Params) -> Reply:
        found = self._reaction_key(params)
        if found is None:
            return _error("invalid_arguments")
        key, name = found
        names = self._reactions.get(key, [])
        if name not in names:
            return _error("no_reaction")
        names.remove(name)
        return {"ok": True}

    def _get_upload_url(self, params: Params) -> Reply:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length is None:
            return _error("invalid_arguments")
        file_id = self._next_id("F")
        self._pending_files[file_id] = {"filename": str(filename), "length": int(length)}
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: Params) -> Reply:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments")
        described = []
        for item in files:
            file_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            if file_id not in self._uploads:
                return _error("file_not_found")
            name = self._pending_files[file_id]["filename"]
            described.append(
                {
                    "id": file_id,
                    "created": int(time.time()),
                    "name": name,
                    "title": item.get("title") or name,
                    "mimetype": _mimetype(name),
                    "filetype": name.rsplit(".", 1)[-1] if "." in name else "binary",
                    "user": BOT_USER_ID,
                    "size": len(self._uploads[file_id]),
                    "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{name}",
                    "permalink": f"https://cortex-test.slack.com/files/{BOT_USER_ID}/{file_id}/{name}",
                }
            )
        return {"ok": True, "files": described}

    def _open_view(self, params: Params) -> Reply:
        view = params.get("view")
        if not params.get("trigger_id") or not isinstance(view, dict):
            return _error("invalid_arguments")
        view_id = self._next_id("V")
        self._views[view_id] = self._view(view_id, view)
        return {"ok": True, "view": self._views[view_id]}

    def _update_view(self, params: Params) -> Reply:
        view = params.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next(
                (
                    vid
                    for vid, v in self._views.items()
                    if v["external_id"] == params["external_id"]
                ),
                None,
            )
        if not view_id or view_id not in self._views:
            return _error("not_found")
        if params.get("hash") and params["hash"] != self._views[view_id]["hash"]:
            return _error("hash_conflict")
        self._views[view_id] = self._view(str(view_id), view)
        return {"ok": True, "view": self._views[view_id]}

    def _view(self, view_id: str, view: Params) -> Reply:
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }

    # -- assistant threads and streaming ---------------------------------------------------

    def _thread_of(self, params: Params) -> tuple[str, str] | None:
        channel_id, thread_ts = params.get("channel_id"), params.get("thread_ts")
        if not channel_id or not thread_ts:
            return None
        return str(channel_id), str(thread_ts)

    def _set_thread(self, key: tuple[str, str], **changes: Any) -> None:
        current = self._threads.get(key, AssistantThread(*key))
        self._threads[key] = replace(current, **changes)

    def _set_title(self, params: Params) -> Reply:
        key = self._thread_of(params)
        if key is None or not params.get("title"):
            return _error("invalid_arguments")
        self._set_thread(key, title=str(params["title"]))
        return {"ok": True}

    def _set_status(self, params: Params) -> Reply:
        key = self._thread_of(params)
        if key is None or "status" not in params:  # "" is allowed: it clears the status
            return _error("invalid_arguments")
        loading = params.get("loading_messages") or []
        if not isinstance(loading, list) or len(loading) > _MAX_LOADING_MESSAGES:
            return _error("invalid_arguments")
        self._set_thread(key, status=str(params["status"]))
        return {"ok": True}

    def _set_prompts(self, params: Params) -> Reply:
        channel_id, prompts = params.get("channel_id"), params.get("prompts")
        if not channel_id or not isinstance(prompts, list) or not prompts:
            return _error("invalid_arguments")
        if len(prompts) > _MAX_PROMPTS:
            return _error("invalid_arguments")
        for prompt in prompts:
            if not isinstance(prompt, dict) or not prompt.get("title") or not prompt.get("message"):
                return _error("invalid_arguments")
        thread_ts = str(params.get("thread_ts") or "")
        title = params.get("title")
        self._set_thread(
            (str(channel_id), thread_ts),
            prompts=tuple({"title": p["title"], "message": p["message"]} for p in prompts),
            prompts_title=str(title) if title else None,
        )
        return {"ok": True}

    def _streamed_text(self, params: Params) -> str | None:
        """The markdown a streaming call adds (its `markdown_text` and markdown chunks), or
        None when its chunks are not valid."""
        text = str(params.get("markdown_text") or "")
        chunks = params.get("chunks") or []
        if not isinstance(chunks, list):
            return None
        for chunk in chunks:
            if not isinstance(chunk, dict) or chunk.get("type") not in _CHUNK_TYPES:
                return None
            if chunk["type"] == "markdown_text":
                if not isinstance(chunk.get("text"), str):
                    return None
                text += chunk["text"]
        return text

    def _start_stream(self, params: Params) -> Reply:
        channel, thread_ts = params.get("channel"), params.get("thread_ts")
        if not channel:
            return _error("channel_not_found")
        if not thread_ts:
            return _error("invalid_arguments")  # streamed messages are replies in a thread
        outside_dm = not str(channel).startswith("D")
        if outside_dm and not (params.get("recipient_user_id") and params.get("recipient_team_id")):
            return _error("invalid_arguments")  # a channel needs the recipient user and team
        text = self._streamed_text(params)
        if text is None:
            return _error("invalid_chunks")
        if len(text) > _MAX_MARKDOWN:
            return _error("msg_too_long")
        message = _Message(
            channel=str(channel),
            ts=self._next_ts(),
            text=text,
            blocks=[],
            thread_ts=str(thread_ts),
            streaming=True,
        )
        self._messages[(message.channel, message.ts)] = message
        self._replied(message)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _streaming_message(self, params: Params) -> _Message | Reply:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if not channel:
            return _error("channel_not_found")
        message = self._messages.get((channel, ts))
        if message is None:
            return _error("message_not_found")
        if not message.streaming:
            return _error("message_not_in_streaming_state")
        return message

    def _append_stream(self, params: Params) -> Reply:
        message = self._streaming_message(params)
        if not isinstance(message, _Message):
            return message
        if not (params.get("markdown_text") or params.get("chunks")):
            return _error("invalid_arguments")
        text = self._streamed_text(params)
        if text is None:
            return _error("invalid_chunks")
        if len(text) > _MAX_MARKDOWN:
            return _error("msg_too_long")
        message.text += text
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _stop_stream(self, params: Params) -> Reply:
        message = self._streaming_message(params)
        if not isinstance(message, _Message):
            return message
        text = self._streamed_text(params)
        if text is None:
            return _error("invalid_chunks")
        if len(text) > _MAX_MARKDOWN:
            return _error("msg_too_long")
        message.text += text
        if params.get("blocks"):
            message.blocks = list(params["blocks"])
        if params.get("metadata") is not None:
            message.metadata = params["metadata"]
        message.streaming = False
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": message.to_api(),
        }

    def _user_info(self, params: Params) -> Reply:
        user_id = str(params.get("user") or "")
        known = self._users.get(user_id)
        if known is None:
            return _error("user_not_found")
        name = str(known.get("name", user_id.lower()))
        real_name = str(known.get("real_name", name))
        profile = {
            "email": known.get("email"),
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": str(known.get("display_name", name)),
        }
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": bool(known.get("deleted", False)),
            "real_name": real_name,
            "tz": str(known.get("tz", "America/New_York")),
            "is_bot": bool(known.get("is_bot", False)),
            "profile": profile,
        }
        return {"ok": True, "user": user}

    def _lookup_by_email(self, params: Params) -> Reply:
        email = str(params.get("email") or "")
        for user_id, known in self._users.items():
            if known.get("email") == email:
                return self._user_info({"user": user_id})
        return _error("users_not_found")

    def _history(self, params: Params) -> Reply:
        channel = str(params.get("channel") or "")
        limit = int(params.get("limit") or 100)
        top = sorted(
            (m for m in self._messages.values() if m.channel == channel and m.thread_ts is None),
            key=lambda m: m.ts,
            reverse=True,
        )
        return {
            "ok": True,
            "messages": [m.to_api() for m in top[:limit]],
            "has_more": len(top) > limit,
        }

    def _usergroup_users(self, params: Params) -> Reply:
        members = self._usergroups.get(str(params.get("usergroup") or ""))
        if members is None:
            return _error("no_such_subteam")
        return {"ok": True, "users": list(members)}

    def _replies(self, params: Params) -> Reply:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        thread = sorted(
            (
                m
                for m in self._messages.values()
                if m.channel == channel and ts in (m.ts, m.thread_ts)
            ),
            key=lambda m: m.ts,
        )
        if not thread:
            return _error("thread_not_found")
        return {"ok": True, "messages": [m.to_api() for m in thread], "has_more": False}

    def _conversation_members(self, params: Params) -> Reply:
        """A page of the channel's members: `limit` (default 100, at most 1000) from the
        opaque `cursor`; `response_metadata.next_cursor` is "" on the last page."""
        channel = str(params.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        members = self._channels.get(channel, [BOT_USER_ID])  # one not set: Cortex alone
        try:
            limit = min(max(int(params.get("limit") or 100), 1), 1000)
            start = int(base64.b64decode(str(params.get("cursor") or "")).decode() or 0)
        except ValueError:
            return _error("invalid_cursor")
        page = members[start : start + limit]
        more = start + limit < len(members)
        following = base64.b64encode(str(start + limit).encode()).decode() if more else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}

    def _open_conversation(self, params: Params) -> Reply:
        """A direct message with one user (`users`), the same channel each time."""
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            return _error("users_list_not_supplied" if not users else "not_supported")
        if users[0] not in self._users:
            return _error("user_not_found")
        channel = self._dms.setdefault(users[0], f"D{users[0]}")
        return {"ok": True, "channel": {"id": channel}}

    def _publish_view(self, params: Params) -> Reply:
        """The App Home of `user_id`: a view of type "home", at most 100 blocks."""
        view, user = params.get("view"), str(params.get("user_id") or "")
        if not isinstance(view, dict) or not user:
            return _error("invalid_arguments")
        if user not in self._users:
            return _error("user_not_found")
        if view.get("type") != "home" or len(view.get("blocks") or []) > 100:
            return _error("invalid_arguments")
        earlier = self._home_views.get(user)
        if params.get("hash") and earlier is not None and params["hash"] != earlier["hash"]:
            return _error("hash_conflict")
        published = self._view(self._next_id("V"), view)
        self._home_views[user] = published
        return {"ok": True, "view": published}


_METHODS: dict[str, Callable[[FakeSlack, Params], Reply]] = {
    "auth.test": FakeSlack._auth_test,
    "apps.connections.open": FakeSlack._open_connection,
    "chat.postMessage": FakeSlack._post_message,
    "chat.update": FakeSlack._update,
    "chat.postEphemeral": FakeSlack._post_ephemeral,
    "chat.delete": FakeSlack._delete,
    "reactions.add": FakeSlack._add_reaction,
    "reactions.remove": FakeSlack._remove_reaction,
    "files.getUploadURLExternal": FakeSlack._get_upload_url,
    "files.completeUploadExternal": FakeSlack._complete_upload,
    "views.open": FakeSlack._open_view,
    "views.update": FakeSlack._update_view,
    "users.info": FakeSlack._user_info,
    "usergroups.users.list": FakeSlack._usergroup_users,
    "conversations.replies": FakeSlack._replies,
    "assistant.threads.setTitle": FakeSlack._set_title,
    "assistant.threads.setStatus": FakeSlack._set_status,
    "assistant.threads.setSuggestedPrompts": FakeSlack._set_prompts,
    "chat.startStream": FakeSlack._start_stream,
    "chat.appendStream": FakeSlack._append_stream,
    "chat.stopStream": FakeSlack._stop_stream,
    "conversations.members": FakeSlack._conversation_members,
    "conversations.open": FakeSlack._open_conversation,
    "views.publish": FakeSlack._publish_view,
    "conversations.history": FakeSlack._history,
    "users.lookupByEmail": FakeSlack._lookup_by_email,
}


def _error(code: str) -> Reply:
    return {"ok": False, "error": code}


def _dumps(reply: Reply) -> bytes:
    return json.dumps(reply).encode()


def _text(status: int, text: str) -> _Response:
    return _Response(status, text.encode(), content_type="text/plain; charset=utf-8")


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _summary(calls: list[SlackCall]) -> str:
    """The journal, one line per call, for assertion messages (tokens are not in params)."""
    if not calls:
        return "the fake received no calls"
    lines = [f"the fake received {len(calls)} call(s):"]
    start = calls[0].at
    for number, call in enumerate(calls):
        params = json.dumps(call.params, default=repr, ensure_ascii=False)
        line = f"  {number:>3} +{call.at - start:.3f}s {call.method} {params}"
        lines.append(line if len(line) <= _SUMMARY_WIDTH else line[: _SUMMARY_WIDTH - 3] + "...")
    return "\n".join(lines)


def _decode_json_params(params: Params) -> Params:
    for name in _JSON_PARAMS & params.keys():
        value = params[name]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # else leave it as sent, for the test to see
                params[name] = json.loads(value)
    return params


def _parse_multipart(content_type: str, body: bytes) -> dict[str, str | bytes]:
    """Fields of a multipart/form-data body: text as str, file parts as exact bytes."""
    boundary = ""
    for piece in content_type.split(";")[1:]:
        name, _, value = piece.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip('"')
    fields: dict[str, str | bytes] = {}
    if not boundary:
        return fields
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        disposition = next(
            (
                line.decode("utf-8", "replace")
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-disposition")
            ),
            "",
        )
        attributes = dict(
            (key.strip().lower(), value.strip().strip('"'))
            for key, _, value in (item.partition("=") for item in disposition.split(";")[1:])
        )
        field_name = attributes.get("name", "")
        fields[field_name] = content if "filename" in attributes else content.decode("utf-8")
    return fields


def _parse_body(content_type: str, body: bytes) -> Params:
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            return {"_unparsed": body.decode("utf-8", "replace")}
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if kind == "multipart/form-data":
        return dict(_parse_multipart(content_type, body))
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            self._handle(self._read_body())

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            self._handle(b"")

        def _read_body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def _handle(self, body: bytes) -> None:
            url = urlsplit(self.path)
            content_type = self.headers.get("content-type", "")
            if url.path.startswith("/api/"):
                params: Params = dict(parse_qsl(url.query, keep_blank_values=True))
                params.update(_parse_body(content_type, body))
                _decode_json_params(params)
                token = params.pop("token", None)
                auth = self.headers.get("authorization", "")
                if auth.lower().startswith("bearer "):
                    token = auth[len("bearer ") :].strip()
                method = url.path.removeprefix("/api/")
                self._send(fake._api(method, params, str(token) if token else None))
            elif url.path.startswith("/upload/"):
                if content_type.lower().startswith("multipart/form-data"):
                    parts = _parse_multipart(content_type, body)
                    body = next((v for v in parts.values() if isinstance(v, bytes)), b"")
                self._send(fake._upload(url.path.removeprefix("/upload/"), body))
            elif url.path.startswith("/response/"):
                payload = _parse_body("application/json", body)
                self._send(fake._respond(url.path.removeprefix("/response/"), payload))
            else:
                self._send(_text(404, "Not Found"))

        def _send(self, response: _Response) -> None:
            try:
                self.send_response(response.status)
                self.send_header("content-type", response.content_type)
                self.send_header("content-length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)
            except OSError:
                pass  # the client timed out and hung up

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the journal is the log, and request lines could carry tokens."""

    return Handler


class _ProtocolError(Exception):
    """A client broke RFC 6455 (or sent what Slack never takes): close with `code`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class _WebSocket:
    """The server's end of one websocket: whole frames in and out, sends under a lock."""

    def __init__(self, sock: socket.socket, rfile: BufferedIOBase) -> None:
        self._sock = sock
        self._rfile = rfile  # the handshake's buffered reader: it may hold the first frames
        self._send_lock = threading.Lock()
        self.thread = threading.current_thread()

    def send(self, opcode: int, data: bytes) -> bool:
        """One final, unmasked frame (servers never mask); False if the client is gone."""
        size = len(data)
        if size < 126:
            head = bytes([0x80 | opcode, size])
        elif size < 1 << 16:
            head = bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")
        with self._send_lock:
            try:
                self._sock.sendall(head + data)
            except OSError:
                return False
        return True

    def receive(self) -> tuple[int, bytes] | None:
        """The next frame's opcode and unmasked payload; None once the connection is gone."""
        head = self._read(2)
        if head is None:
            return None
        fin, reserved, opcode = head[0] & 0x80, head[0] & 0x70, head[0] & 0x0F
        masked, size = head[1] & 0x80, head[1] & 0x7F
        if reserved:
            raise _ProtocolError(1002, "reserved bits set without an extension")
        if not masked:
            raise _ProtocolError(1002, "a client frame must be masked (RFC 6455 5.1)")
        if opcode not in (_OP_TEXT, _OP_CLOSE, _OP_PING, _OP_PONG):
            raise _ProtocolError(1003, f"opcode {opcode:#x}: Slack takes text frames")
        if not fin:
            raise _ProtocolError(1003, "fragmented message: slack_sdk never sends one")
        if size >= 126:
            extended = self._read(2 if size == 126 else 8)
            if extended is None:
                return None
            size = int.from_bytes(extended, "big")
        if size > _MAX_MESSAGE:
            raise _ProtocolError(1009, f"a {size}-byte message is too big")
        mask, data = self._read(4), self._read(size)
        if mask is None or data is None:
            return None
        return opcode, _unmask(data, mask)

    def close(self, code: int, reason: str) -> None:
        """Send a close frame and hang up (the reading thread then sees the end)."""
        self.send(_OP_CLOSE, code.to_bytes(2, "big") + reason.encode()[:120])
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def _read(self, size: int) -> bytes | None:
        try:
            data = self._rfile.read(size) if size else b""
        except OSError:
            return None
        return data if len(data) == size else None


def _unmask(data: bytes, mask: bytes) -> bytes:
    """XOR `data` with the 4-byte `mask`, repeated (RFC 6455 5.3), as one big integer."""
    key = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(len(data), "big")


def _accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key` (RFC 6455 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()


def _handshake_problem(path: str, headers: Mapping[str, str]) -> str | None:
    """What is wrong with a websocket upgrade request, or None."""
    if path.rstrip("/") != "/link":
        return f"no websocket at {path}"
    if headers.get("upgrade", "").lower() != "websocket":
        return "not a websocket upgrade"
    if "upgrade" not in headers.get("connection", "").lower():
        return "Connection: Upgrade missing"
    if headers.get("sec-websocket-version") != "13":
        return "Sec-WebSocket-Version must be 13"
    try:
        key = base64.b64decode(headers.get("sec-websocket-key", ""), validate=True)
    except ValueError:
        key = b""
    if len(key) != 16:
        return "Sec-WebSocket-Key must be 16 random bytes in base64"
    return None


def _socket_handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            self.close_connection = True  # after the websocket, or after a refusal
            url = urlsplit(self.path)
            ticket = dict(parse_qsl(url.query)).get("ticket", "")
            headers = {name.lower(): value for name, value in self.headers.items()}
            problem = _handshake_problem(url.path, headers)
            status = fake._socket_handshake(ticket, problem)
            if status != 101:
                body = (problem or "invalid or spent ticket").encode()
                self.send_response(status)
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", _accept_key(headers["sec-websocket-key"]))
            self.end_headers()
            fake._serve_socket(_WebSocket(self.connection, self.rfile))

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the journal is the log."""

    return Handler


def running(
    *,
    users: Mapping[str, Mapping[str, Any]] | None = None,
    usergroups: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[FakeSlack]:
    """A generator for a pytest fixture: `yield from running(users=...)`."""
    with FakeSlack(users=users, usergroups=usergroups) as fake:
        yield fake
