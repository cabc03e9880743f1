"""Cortex in Slack over Socket Mode, end to end: envelopes in over a websocket, acks back.

The app is the real bolt app behind `SocketModeHandler` (slack_sdk's built-in websocket client),
started by `running_socket`; `FakeSlack` is both the Web API and the Socket Mode server, on
127.0.0.1. The handler asks the fake's `apps.connections.open` for a websocket URL through the
app's own WebClient, connects, and acks each envelope the fake pushes. Nothing is monkeypatched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from cortex.slack.app import CortexSlack
from cortex.slack.server import running_socket
from cortex.workspace import Workspace
from tests.fakes.slack_api import APP_ID, TEAM_ID, FakeSlack
from tests.fakes.slack_client import event_callback
from tests.slack.conftest import ANALYST, BOT_TOKEN, serve
from tests.slack.test_slack_app import CHANNEL, all_text, answered, mention

APP_TOKEN = "xapp-1-A1-0000-cortex-app-level-secret"


def slash_command(text: str, *, user_id: str = ANALYST) -> dict[str, Any]:
    """A `/cortex` slash command's payload, as a Socket Mode envelope carries it."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "cortex-test",
        "channel_id": CHANNEL,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/cortex",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/response",  # refused at once; never used here
        "trigger_id": f"1.{int(time.time())}.socket",
    }


@pytest.fixture()
def socket_app(workspace: Workspace, fake: FakeSlack) -> Iterator[CortexSlack]:
    app = serve(workspace, fake)
    app.draw_charts = False  # charts are the HTTP tests' business; here they would only render
    with running_socket(app, APP_TOKEN):  # in the background after each test has finished
        yield app


def test_a_mention_over_the_socket_is_acked_and_answered_in_its_thread(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    event = mention(ANALYST, "ARR by segment")
    envelope = fake.push("events_api", event_callback(event))
    assert fake.wait_ack(envelope).params == {"envelope_id": envelope}
    update = answered(fake, event["ts"])
    (placeholder,) = fake.calls_to("chat.postMessage")
    assert "Working on it" in all_text(placeholder) and placeholder.params["channel"] == CHANNEL
    assert "Enterprise" in all_text(update)
    assert fake.acks == [envelope]


def test_a_redelivered_event_is_acked_each_time_and_answered_once(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    event = mention(ANALYST, "ARR by segment")
    body = event_callback(event, event_id="Ev0SOCKETRETRY")
    first = fake.push("events_api", body)
    retry = fake.push("events_api", body, retry_attempt=1, retry_reason="timeout")
    fake.wait_ack(first)
    fake.wait_ack(retry)
    answered(fake, event["ts"])
    time.sleep(0.3)  # time for a second answer to show up, were there one
    assert len(fake.calls_to("chat.postMessage")) == len(fake.calls_to("chat.update")) == 1


def test_a_slash_command_over_the_socket_is_answered_in_a_thread(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    envelope = fake.push("slash_commands", slash_command("ARR by segment"))
    assert fake.wait_ack(envelope).params == {"envelope_id": envelope}
    root = fake.wait_for("chat.postMessage")[0]
    assert f"<@{ANALYST}> asked: ARR by segment" in root.params["text"]
    assert "Enterprise" in all_text(answered(fake, fake.reply_ts(root)))


def test_an_empty_slash_command_is_answered_in_its_ack_with_a_verified_question_to_try(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    ack = fake.wait_ack(fake.push("slash_commands", slash_command(" ")))
    verified = socket_app.agent.workspace.model.verified_queries[0].question
    assert f"/cortex {verified}" in ack.params["payload"]["text"]


def test_the_socket_opens_with_the_app_token_and_answers_go_with_the_bot_token(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    event = mention(ANALYST, "ARR by segment")
    fake.push("events_api", event_callback(event))
    answered(fake, event["ts"])
    tokens = {call.method: call.token for call in fake.calls if call.token is not None}
    assert APP_TOKEN.startswith("xapp-") and tokens.pop("apps.connections.open") == APP_TOKEN
    assert tokens["chat.postMessage"] == BOT_TOKEN and set(tokens.values()) == {BOT_TOKEN}


def test_when_slack_refreshes_the_connection_the_app_reconnects_and_keeps_answering(
    fake: FakeSlack, socket_app: CortexSlack
) -> None:
    fake.refresh_socket()
    fake.wait_for("socket.close")  # the old connection, closed once the new one is open
    assert len(fake.calls_to("apps.connections.open")) == 2 and fake.wait_connected() == 1
    event = mention(ANALYST, "ARR by segment")
    envelope = fake.push("events_api", event_callback(event))
    answered(fake, event["ts"])
    assert fake.wait_ack(envelope)
