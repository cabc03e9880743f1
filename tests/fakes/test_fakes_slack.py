"""The Slack fakes work with the real libraries: slack_sdk's WebClient and bolt's App."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import SplitResult, parse_qs, urlsplit

import httpx2
import pytest
from slack_bolt import App, BoltRequest, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import BOT_USER_ID, FakeSlack, running
from tests.fakes.slack_client import SlackSender, block_action

SECRET = "s3cret"
TOKEN = "xoxb-test"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*ARR* by segment"}}]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    yield from running(
        users={"U1": {"name": "dana", "real_name": "Dana Reyes", "email": "dana@example.com"}},
        usergroups={"S1": ["U1", "U2"]},
    )


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url, timeout=5)


def test_post_then_update_is_journalled_in_order_with_blocks_decoded(
    slack: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(
        channel="C1", text="Working on it…", thread_ts="1764000000.000001"
    )
    client.chat_update(channel="C1", ts=posted["ts"], text="ARR by segment", blocks=BLOCKS)

    slack.wait_for("chat.update")
    post, update = slack.calls
    assert [post.method, update.method] == ["chat.postMessage", "chat.update"]
    assert post.params["thread_ts"] == "1764000000.000001"
    assert update.params["blocks"] == BLOCKS  # a list, not a JSON string
    assert update.token == TOKEN and TOKEN not in repr(update)
    assert posted["message"]["thread_ts"] == "1764000000.000001"
    assert posted["ts"] == "1764000000.000100"
    assert slack.reply_ts(post) == posted["ts"]
    [message] = slack.messages("C1")
    assert (message.text, message.blocks, message.updates) == ("ARR by segment", BLOCKS, 1)


def test_update_of_an_unknown_message_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert failure.value.response["error"] == "message_not_found"


def test_files_upload_v2_round_trip(slack: FakeSlack, client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff" * 300  # binary, with CRLFs, not UTF-8

    done = client.files_upload_v2(
        channel="C1", thread_ts="1764000000.000001", file=png, filename="arr.png", title="ARR"
    )
    client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="arr.csv")

    first, second = (call.params["file_id"] for call in slack.calls_to("upload"))
    assert slack.uploads == {first: png, second: b"a,b\n1,2\n"}
    assert [call.method for call in slack.calls][:3] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    complete = slack.calls_to("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "C1"
    assert complete.params["thread_ts"] == "1764000000.000001"
    assert complete.params["files"] == [{"id": first, "title": "ARR"}]
    assert done["file"]["id"] == first and done["file"]["size"] == len(png)


def test_a_multipart_upload_stores_the_file_part_exactly(
    slack: FakeSlack, client: WebClient
) -> None:
    data = b"\r\n--not-a-boundary\r\n\x00\xff"
    url = client.files_getUploadURLExternal(filename="x.bin", length=len(data))
    response = httpx2.post(url["upload_url"], files={"file": ("x.bin", data)}, timeout=5)
    assert response.status_code == 200
    assert slack.uploads == {url["file_id"]: data}


def test_completing_an_upload_that_never_happened_fails(client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="x.png", length=3)
    with pytest.raises(SlackApiError) as failure:
        client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "x"}])
    assert failure.value.response["error"] == "file_not_found"


def test_users_and_usergroups(client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert (user["id"], user["name"], user["real_name"]) == ("U1", "dana", "Dana Reyes")
    assert user["profile"]["email"] == "dana@example.com"
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U404")
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        client.usergroups_users_list(usergroup="S404")


def test_fail_next_fails_exactly_the_next_call(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=3)
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="hi")
    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["retry-after"] == "3"
    assert failure.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(slack.messages("C1")) == 1


def test_a_held_call_waits_unjournalled_until_released(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="Working on it…")
    slack.hold_next("chat.update")
    updating = threading.Thread(
        target=client.chat_update, kwargs={"channel": "C1", "ts": posted["ts"], "text": "ARR"}
    )
    updating.start()
    slack.wait_held("chat.update")
    time.sleep(0.1)
    assert slack.calls_to("chat.update") == [] and updating.is_alive()
    assert slack.messages("C1")[0].text == "Working on it…"  # not handled yet
    slack.release_held()
    updating.join(timeout=5)
    assert slack.messages("C1")[0].text == "ARR" and len(slack.calls_to("chat.update")) == 1
    client.chat_update(channel="C1", ts=posted["ts"], text="ARR again")  # only the next one


def test_a_call_held_when_the_fake_closes_is_dropped_unhandled() -> None:
    errors: list[str] = []

    def update(client: WebClient, ts: str) -> None:
        try:
            client.chat_update(channel="C1", ts=ts, text="ARR")
        except SlackApiError as error:
            errors.append(str(error.response.status_code))

    with FakeSlack() as slack:
        client = WebClient(token=TOKEN, base_url=slack.url, timeout=5)
        posted = client.chat_postMessage(channel="C1", text="Working on it…")
        slack.hold_next("chat.update")
        updating = threading.Thread(target=update, args=(client, posted["ts"]))
        updating.start()
        slack.wait_held("chat.update")
    updating.join(timeout=5)
    assert errors == ["503"]
    assert slack.calls_to("chat.update") == []
    assert slack.messages("C1")[0].text == "Working on it…"


def test_unknown_method_and_missing_token(slack: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("admin.everything.delete", params={"really": "yes"})
    with pytest.raises(SlackApiError) as anonymous:
        WebClient(base_url=slack.url).chat_postMessage(channel="C1", text="hi")
    assert unknown.value.response["error"] == "unknown_method"
    assert anonymous.value.response["error"] == "not_authed"
    assert [(c.method, c.token) for c in slack.calls] == [
        ("admin.everything.delete", TOKEN),
        ("chat.postMessage", None),
    ]


def test_reactions_views_ephemeral_and_replies(slack: FakeSlack, client: WebClient) -> None:
    client.reactions_add(channel="C1", timestamp="1764000000.000001", name="eyes")
    with pytest.raises(SlackApiError, match="already_reacted"):
        client.reactions_add(channel="C1", timestamp="1764000000.000001", name="eyes")
    assert slack.reactions("C1", "1764000000.000001") == ["eyes"]
    client.reactions_remove(channel="C1", timestamp="1764000000.000001", name="eyes")
    assert slack.reactions("C1", "1764000000.000001") == []

    view = {
        "type": "modal",
        "callback_id": "feedback",
        "title": {"type": "plain_text", "text": "x"},
    }
    opened = client.views_open(trigger_id="t1", view=view)["view"]
    updated = client.views_update(view_id=opened["id"], view={**view, "private_metadata": "q1"})
    assert slack.views[opened["id"]]["private_metadata"] == updated["view"]["private_metadata"]
    assert client.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]

    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    replies = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    client.chat_delete(channel="C1", ts=parent)
    assert [m.text for m in slack.messages("C1", thread_ts=parent)] == ["reply"]


def test_twenty_concurrent_posts_are_all_recorded_with_unique_ts(
    slack: FakeSlack, client: WebClient
) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(
            pool.map(lambda n: client.chat_postMessage(channel="C1", text=f"#{n}"), range(20))
        )

    calls = slack.wait_for("chat.postMessage", count=20, timeout=5)
    assert slack.wait_until(lambda calls: [c for c in calls if c.params["text"] == "#7"])
    assert sorted(call.params["text"] for call in calls) == sorted(f"#{n}" for n in range(20))
    assert len({reply["ts"] for reply in replies}) == 20
    assert [m.ts for m in slack.messages("C1")] == sorted(reply["ts"] for reply in replies)


def test_wait_for_times_out_with_a_summary_of_the_journal(
    slack: FakeSlack, client: WebClient
) -> None:
    client.chat_postMessage(channel="C1", text="only this")
    with pytest.raises(AssertionError) as failure:
        slack.wait_for("chat.update", timeout=0.05)
    message = str(failure.value)
    assert "1 x chat.update" in message and "chat.postMessage" in message
    assert "only this" in message and TOKEN not in message


def test_response_url_posts_are_journalled(slack: FakeSlack) -> None:
    url = slack.response_url("cmd1")
    assert WebhookClient(url).send(text="done", replace_original=True).status_code == 200
    [call] = slack.calls_to("response_url")
    assert call.params == {"text": "done", "replace_original": True, "key": "cmd1"}


# -- Socket Mode ------------------------------------------------------------------------------

APP_TOKEN = "xapp-1-A1-0000-test"


@contextmanager
def _socket_client(slack: FakeSlack) -> Iterator[tuple[SocketModeClient, list[dict[str, Any]]]]:
    """slack_sdk's built-in client, connected to the fake; it acks every envelope."""
    received: list[dict[str, Any]] = []
    client = SocketModeClient(app_token=APP_TOKEN, web_client=WebClient(base_url=slack.url))

    def keep(_: Any, message: dict[str, Any], raw: str | None) -> None:
        received.append(message)

    def ack(_: Any, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    client.message_listeners.append(keep)
    client.socket_mode_request_listeners.append(ack)
    try:
        client.connect()
        yield client, received
    finally:
        client.closed = True  # as cortex.slack.server.running_socket does: close at once
        client.message_queue.put(None)
        client.close()


def test_a_socket_mode_client_gets_hello_then_envelopes_and_its_acks_are_journalled(
    slack: FakeSlack,
) -> None:
    with _socket_client(slack) as (_, received):
        assert slack.wait_connected() == 1
        first = slack.push("events_api", {"type": "event_callback", "event_id": "Ev1"})
        retry = slack.push("events_api", {"event_id": "Ev1"}, retry_attempt=1, retry_reason="x")
        command = slack.push("slash_commands", {"command": "/cortex", "text": "ARR"})
        for envelope in (first, retry, command):
            assert slack.wait_ack(envelope).params == {"envelope_id": envelope}
        deadline = time.monotonic() + 5
        while slack.socket_pongs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # the fake pings every 0.1 s
        assert slack.socket_pongs >= 2  # the client answers the fake's pings
    slack.wait_for("socket.close")
    assert sorted(slack.acks) == sorted([first, retry, command])  # acked by a worker pool
    by_type = {m.get("envelope_id", m["type"]): m for m in received}
    assert by_type["hello"]["connection_info"] == {"app_id": "A1"}
    assert (by_type[retry]["retry_attempt"], by_type[retry]["retry_reason"]) == (1, "x")
    assert by_type[command]["accepts_response_payload"] is True
    assert "retry_attempt" not in by_type[command]  # Slack sends retries of events only
    methods = [call.method for call in slack.calls]
    assert methods[:2] == ["apps.connections.open", "socket.connect"]
    assert methods[2:] == ["socket.ack"] * 3 + ["socket.close"]
    assert slack.calls_to("apps.connections.open")[0].token == APP_TOKEN


def test_only_an_app_level_token_opens_a_connection_and_it_calls_nothing_else(
    slack: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        client.apps_connections_open(app_token=TOKEN)
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(token=APP_TOKEN, base_url=slack.url).chat_postMessage(channel="C1", text="x")
    url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith("ws://127.0.0.1:") and "/link?ticket=" in url


def test_the_fakes_websocket_speaks_rfc_6455(slack: FakeSlack, client: WebClient) -> None:
    url = urlsplit(client.apps_connections_open(app_token=APP_TOKEN)["url"])
    with _upgrade(url) as (head, sock, frames):
        assert head.startswith("HTTP/1.1 101 ")
        assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head  # RFC 6455 1.3
        assert json.loads(next(frames)[1])["type"] == "hello"
        sock.sendall(_client_frame(0x9, b"are you there?"))
        assert next(f for f in frames if f[0] == 0xA) == (0xA, b"are you there?")
        sock.sendall(_client_frame(0x1, b"x" * 300))  # a 16-bit length, masked
        slack.wait_for("socket.message")
        sock.sendall(_client_frame(0x1, b'{"envelope_id": "e1"}', masked=False))
        close = next(f for f in frames if f[0] == 0x8)
        assert int.from_bytes(close[1][:2], "big") == 1002
    assert slack.wait_for("socket.close")[0].params == {"code": 1002}
    assert slack.calls_to("socket.message")[0].params == {"_unparsed": "x" * 300}
    assert slack.acks == []  # the unmasked "ack" was refused
    with _upgrade(url) as (head, _, _):
        assert head.startswith("HTTP/1.1 401 ")  # a ticket opens one connection only


@contextmanager
def _upgrade(
    url: SplitResult,
) -> Iterator[tuple[str, socket.socket, Iterator[tuple[int, bytes]]]]:
    """A raw websocket handshake with RFC 6455's sample key; the response head and frames."""
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        request = (
            f"GET {url.path}?{url.query} HTTP/1.1\r\nHost: {url.hostname}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.sendall(request.encode())
        with sock.makefile("rb") as reader:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += reader.readline()
            yield head.decode(), sock, _server_frames(reader)


def _server_frames(reader: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(opcode, payload) of each frame the server sends: final and unmasked, as it must."""
    while len(head := reader.read(2)) == 2:
        assert head[0] & 0xF0 == 0x80 and not head[1] & 0x80
        size = head[1] & 0x7F
        if size >= 126:
            size = int.from_bytes(reader.read(2 if size == 126 else 8), "big")
        yield head[0] & 0x0F, reader.read(size)


def _client_frame(opcode: int, data: bytes, *, masked: bool = True) -> bytes:
    size = len(data)
    length = bytes([size]) if size < 126 else bytes([126]) + size.to_bytes(2, "big")
    if not masked:
        return bytes([0x80 | opcode]) + length + data
    mask = os.urandom(4)
    body = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
    return bytes([0x80 | opcode, length[0] | 0x80]) + length[1:] + mask + body


# -- SlackSender ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def capture() -> Iterator[tuple[str, list[Captured]]]:
    """A loopback server that answers 200 and keeps each request it receives."""
    received: list[Captured] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(Captured({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    with _serving(Handler) as url:
        yield url, received


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


MENTION = {
    "type": "app_mention",
    "user": "U1",
    "text": f"<@{BOT_USER_ID}> ARR by segment?",
    "channel": "C1",
    "ts": "1764000000.000001",
}


def test_sender_signatures_are_accepted_by_slack_sdk_and_forgeries_are_not(
    capture: tuple[str, list[Captured]],
) -> None:
    url, received = capture
    sender = SlackSender(app_url=url, signing_secret=SECRET)
    sender.event(MENTION)
    sender.event(MENTION, secret="not-the-secret")
    sender.event(MENTION, timestamp=int(time.time()) - 600)

    verifier = SignatureVerifier(SECRET)
    valid = [verifier.is_valid_request(r.body, r.headers) for r in received]
    assert valid == [True, False, False]
    assert received[0].headers["x-slack-signature"].startswith("v0=")
    assert SECRET not in repr(sender)


def test_sender_builds_slack_shaped_requests(capture: tuple[str, list[Captured]]) -> None:
    url, received = capture
    sender = SlackSender(app_url=url, signing_secret=SECRET)
    sender.event(MENTION, event_id="Ev1", retry_num=1)
    sender.slash_command("ARR by segment", user_id="U1", channel_id="C1")
    sender.interaction(block_action("show_sql", "q1", message_ts="1764000000.000100"))
    sender.url_verification("abc")

    event, command, action, handshake = received
    envelope = json.loads(event.body)
    assert (envelope["type"], envelope["event_id"], envelope["event"]) == (
        "event_callback",
        "Ev1",
        {**MENTION, "event_ts": MENTION["ts"]},
    )
    assert envelope["authorizations"][0]["user_id"] == BOT_USER_ID
    assert (event.headers["x-slack-retry-num"], event.headers["x-slack-retry-reason"]) == (
        "1",
        "http_timeout",
    )
    form = parse_qs(command.body.decode())
    assert (form["command"], form["text"], form["user_id"]) == (
        ["/cortex"],
        ["ARR by segment"],
        ["U1"],
    )
    payload = json.loads(parse_qs(action.body.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["container"]["message_ts"] == "1764000000.000100"
    assert payload["actions"][0]["action_id"] == "show_sql"
    assert json.loads(handshake.body)["challenge"] == "abc"
    assert event.headers["content-type"] == "application/json"
    assert command.headers["content-type"] == "application/x-www-form-urlencoded"


# -- both fakes around a real bolt App ------------------------------------------------------


@pytest.fixture
def bolt_url(slack: FakeSlack) -> Iterator[str]:
    """A bolt App behind a loopback HTTP server: requests go to `app.dispatch`."""
    app = App(
        client=WebClient(token=TOKEN, base_url=slack.url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    @app.event("app_mention")
    def answer(event: dict[str, Any], say: Say) -> None:
        say(text="ARR by segment: …", thread_ts=event["ts"])

    @app.action("show_sql")
    def show_sql(ack: Callable[[], None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="SQL")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            raw = self.rfile.read(int(self.headers["content-length"]))
            headers: dict[str, str | Sequence[str]] = dict(self.headers.items())
            response = app.dispatch(BoltRequest(body=raw.decode(), headers=headers))
            body = response.body.encode()
            self.send_response(response.status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    with _serving(Handler) as url:
        yield url


def test_a_signed_mention_reaches_bolt_and_its_reply_reaches_the_fake(
    slack: FakeSlack, bolt_url: str
) -> None:
    sender = SlackSender(app_url=bolt_url, signing_secret=SECRET)

    assert sender.event(MENTION, secret="forged").status_code == 401
    assert sender.event(MENTION).status_code == 200
    [reply] = slack.wait_for("chat.postMessage", timeout=5)
    assert reply.params["thread_ts"] == MENTION["ts"] and reply.token == TOKEN

    message_ts = slack.messages("C1")[0].ts
    action = block_action("show_sql", "q1", message_ts=message_ts, thread_ts=MENTION["ts"])
    assert sender.interaction(action).status_code == 200
    assert slack.wait_for("chat.update", timeout=5)[0].params["ts"] == message_ts
    assert slack.messages("C1")[0].text == "SQL"
    assert "auth.test" in [call.method for call in slack.calls]


def test_assistant_thread_methods_keep_title_status_and_prompts_and_check_arguments(
    slack: FakeSlack, client: WebClient
) -> None:
    client.assistant_threads_setTitle(channel_id="D1", thread_ts="1.1", title="ARR")
    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="is thinking…")
    prompts = [{"title": f"Q{n}", "message": f"Question {n}?"} for n in range(4)]
    client.assistant_threads_setSuggestedPrompts(channel_id="D1", thread_ts="1.1", prompts=prompts)
    state = slack.assistant_thread("D1", "1.1")
    assert (state.title, state.status, list(state.prompts)) == ("ARR", "is thinking…", prompts)
    client.chat_postMessage(channel="D1", thread_ts="1.1", text="the answer")
    assert slack.assistant_thread("D1", "1.1").status == ""  # a reply clears the status
    with pytest.raises(SlackApiError, match="invalid_arguments"):  # more than four
        client.assistant_threads_setSuggestedPrompts(
            channel_id="D1", prompts=[*prompts, {"title": "5", "message": "5?"}]
        )
    with pytest.raises(SlackApiError, match="invalid_arguments"):  # a prompt without a message
        client.assistant_threads_setSuggestedPrompts(channel_id="D1", prompts=[{"title": "x"}])


def test_a_stream_is_assembled_and_only_a_streaming_message_takes_more(
    slack: FakeSlack, client: WebClient
) -> None:
    stream = client.chat_stream(channel="D1", thread_ts="1.1", buffer_size=1)
    stream.append(markdown_text="Reading… ")
    stream.append(markdown_text="Running…")
    assert [m.streaming for m in slack.messages("D1")] == [True]
    stream.stop(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "42"}}])
    (message,) = slack.messages("D1")
    assert message.text == "Reading… Running…" and not message.streaming
    assert message.blocks[0]["text"]["text"] == "42" and message.thread_ts == "1.1"
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        client.chat_appendStream(channel="D1", ts=message.ts, markdown_text="more")
    with pytest.raises(SlackApiError, match="invalid_arguments"):  # a channel needs a recipient
        client.chat_startStream(channel="C1", thread_ts="1.1", markdown_text="hi")
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_startStream(channel="D1", thread_ts="1.1", markdown_text="x" * 12_001)
