"""Cortex as a Slack AI app: assistant threads, their status line, and streamed answers.

The real bolt app (with bolt's `Assistant` middleware) is served on 127.0.0.1 and talks to
`FakeSlack`, which keeps what the app set on each assistant thread and assembles streamed
messages. With Claude planning (the fake Messages API) the steps of an answer stream into the
thread; where Slack refuses streaming, the answer is posted whole, and the thread holds one
answer either way.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import anthropic
import pytest

from cortex.access import load_access
from cortex.agent import Agent
from cortex.knowledge import build_catalog
from cortex.planning.claude import ClaudePlanner
from cortex.slack.app import CortexSlack, slack_client
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Placeholders
from cortex.slack.server import running
from cortex.stores.audit import AuditLog
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF
from tests.fakes.anthropic_api import FakeAnthropic, tool_use
from tests.fakes.slack_api import FakeSlack, SlackCall, SlackMessage
from tests.fakes.slack_client import SlackSender, assistant_thread_started, im_message
from tests.slack.conftest import ANALYST, BOT_TOKEN, SIGNING_SECRET, SUPPORT, SlackHarness

DM = "D0ADA"
_ts = itertools.count(1)


def new_ts() -> str:
    return f"1764100000.{next(_ts):06d}"


def start_thread(slack: SlackHarness, user: str = ANALYST, channel: str = DM) -> str:
    """`user` opens a new assistant thread; its thread_ts."""
    thread = new_ts()
    assert slack.sender.event(assistant_thread_started(user, channel, thread)).status_code == 200
    return thread


def ask_in(slack: SlackHarness, thread: str, text: str, user: str = ANALYST) -> None:
    event = im_message(user, DM, text, ts=new_ts(), thread_ts=thread)
    assert slack.sender.event(event).status_code == 200


def reply_in(fake: FakeSlack, thread: str, number: int = 1) -> list[SlackMessage]:
    """The app's messages in `thread` once there are `number` finished ones."""

    def finished(calls: list[SlackCall]) -> list[SlackMessage]:
        found = [m for m in fake.messages(DM, thread_ts=thread) if not m.streaming and m.blocks]
        return found if len(found) >= number else []

    return fake.wait_until(finished, 20.0, description=f"{number} answer(s) in {thread}")


def answer_text(message: SlackMessage) -> str:
    return message.text + json.dumps(message.blocks)


def onboarding(slack: SlackHarness) -> list[str]:
    return [v.question for v in slack.app.agent.workspace.model.verified_queries if v.onboarding]


# --------------------------------------------------------------------------- a new thread


def test_a_new_thread_gets_a_title_and_the_onboarding_questions_the_analyst_may_ask(
    slack: SlackHarness,
) -> None:
    thread = start_thread(slack, ANALYST)
    slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    state = slack.fake.assistant_thread(DM, thread)
    assert state.title
    offered = [p["message"] for p in state.prompts]
    assert offered == onboarding(slack)[:4]  # the analyst sees every metric: the first four
    assert any("ARR" in question for question in offered)
    assert all(p["title"] for p in state.prompts)


def test_a_support_user_is_not_offered_questions_about_revenue_they_may_not_see(
    slack: SlackHarness,
) -> None:
    thread = start_thread(slack, SUPPORT)
    slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    offered = [p["message"] for p in slack.fake.assistant_thread(DM, thread).prompts]
    assert offered and len(offered) <= 4
    assert not any("ARR" in question for question in offered)
    assert offered == [q for q in onboarding(slack) if "ARR" not in q][:4]


def test_a_question_in_the_thread_shows_a_status_not_a_placeholder_then_the_answer(
    slack: SlackHarness,
) -> None:
    thread = start_thread(slack)
    ask_in(slack, thread, "What is our ARR by segment?")
    (answer,) = reply_in(slack.fake, thread)
    statuses = [c.params["status"] for c in slack.fake.calls_to("assistant.threads.setStatus")]
    assert statuses[0] == "Reading your question…"
    assert "Running the query on the warehouse…" in statuses
    posted = [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == DM]
    assert len(posted) == 1 and not slack.fake.calls_to("chat.update")  # no placeholder
    assert answer.thread_ts == thread and "Enterprise" in answer_text(answer)
    state = slack.fake.assistant_thread(DM, thread)
    assert state.title == "What is our ARR by segment?" and state.status == ""
    (record,) = slack.audit.list()
    assert record.thread == f"slack:{DM}:{thread}" and record.user_id == ANALYST


def test_two_assistant_threads_in_one_dm_are_two_conversations(slack: SlackHarness) -> None:
    first, second = start_thread(slack), start_thread(slack)
    ask_in(slack, first, "How many tickets did we get last month?")
    reply_in(slack.fake, first)
    ask_in(slack, first, "by channel")
    reply_in(slack.fake, first, 2)
    ask_in(slack, second, "by channel")  # nothing asked in this thread to build on
    (alone,) = reply_in(slack.fake, second)
    records = {r.question: r for r in slack.audit.list() if r.thread.endswith(second)}
    follow_up = next(
        r for r in slack.audit.list() if r.thread.endswith(first) and r.question == "by channel"
    )
    assert follow_up.outcome == "answered" and follow_up.query is not None
    assert follow_up.query.dimensions == ("channel",) and follow_up.query.metrics
    assert records["by channel"].query is None or records["by channel"].query.metrics != (
        follow_up.query.metrics
    )


# --------------------------------------------------------------------------- streaming


@pytest.fixture()
def claude() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture()
def streaming(
    workspace: Workspace, fake: FakeSlack, claude: FakeAnthropic
) -> Iterator[SlackHarness]:
    """The app planning with Claude (the fake Messages API), streaming answers."""
    model = workspace.model
    settings = workspace.settings
    events = settings.audit_path.with_name("slack_events.sqlite")
    with anthropic.Anthropic(base_url=claude.url, api_key="test-key", max_retries=0) as sdk:
        planner = ClaudePlanner(
            model,
            build_catalog(model),
            as_of=DEMO_AS_OF,
            client=sdk,
            max_tokens=1024,
            model_name="claude-haiku-4-5",
        )
        conversations = ConversationStore(settings.conversations_path)
        app = CortexSlack(
            agent=Agent(workspace, planner, conversations),
            access=load_access(settings.access_path, model),
            audit=AuditLog(settings.audit_path),
            ledger=EventLedger(events),
            placeholders=Placeholders(events),
            client=slack_client(BOT_TOKEN, fake.url),
            signing_secret=SIGNING_SECRET,
            stream_answers=True,
        )
        with running(app) as url:
            yield SlackHarness(fake, SlackSender(url, SIGNING_SECRET), app, app.audit)


def script_arr_by_segment(claude: FakeAnthropic) -> None:
    claude.reply(tool_use("query_metrics", {"metrics": ["arr"], "dimensions": ["segment"]}))


def streamed_text(call: SlackCall) -> str:
    chunks = call.params.get("chunks") or []
    return str(call.params.get("markdown_text") or "") + "".join(
        c.get("text", "") for c in chunks if c.get("type") == "markdown_text"
    )


def the_one_answer(slack: SlackHarness, thread: str) -> SlackMessage:
    (answer,) = reply_in(slack.fake, thread)
    slack.fake.wait_until(lambda calls: slack.audit.list(), description="the audit record")
    assert len(slack.fake.messages(DM, thread_ts=thread)) == 1  # one message: the answer
    assert "Enterprise" in answer_text(answer)
    return answer


def test_with_claude_the_steps_stream_in_order_then_the_answer_finishes_the_message(
    streaming: SlackHarness, claude: FakeAnthropic
) -> None:
    script_arr_by_segment(claude)
    thread = start_thread(streaming)
    ask_in(streaming, thread, "What is our ARR by segment?")
    stop = streaming.fake.wait_for("chat.stopStream", timeout=20.0)[0]
    (start,) = streaming.fake.calls_to("chat.startStream")
    assert start.params["channel"] == DM and start.params["thread_ts"] == thread
    assert start.params["recipient_user_id"] == ANALYST
    steps = [streamed_text(start)] + [
        streamed_text(c) for c in streaming.fake.calls_to("chat.appendStream")
    ]
    assert steps == [
        "_Reading your question…_\n",
        "_Metrics chosen: ARR by segment_\n",
        "_Compiling the governed query…_\n",
        "_Running the query on the warehouse…_\n",
        "_Drawing the chart…_\n",
    ]
    answer = the_one_answer(streaming, thread)
    assert answer.ts == streaming.fake.reply_ts(start) and answer.blocks == stop.params["blocks"]
    assert "Running the query" in answer.text  # the steps stay above the answer
    assert not streaming.fake.calls_to("chat.postMessage")
    streaming.fake.wait_for("files.completeUploadExternal")  # the chart, after the answer


def test_when_slack_refuses_to_start_a_stream_the_answer_is_posted_once(
    streaming: SlackHarness, claude: FakeAnthropic
) -> None:
    script_arr_by_segment(claude)
    streaming.fake.fail_next("chat.startStream", error="not_allowed")
    thread = start_thread(streaming)
    ask_in(streaming, thread, "What is our ARR by segment?")
    answer = the_one_answer(streaming, thread)
    (posted,) = streaming.fake.calls_to("chat.postMessage")
    assert streaming.fake.reply_ts(posted) == answer.ts
    assert len(streaming.fake.calls_to("chat.startStream")) == 1  # not tried again
    assert not streaming.fake.calls_to("chat.appendStream")
    assert not streaming.fake.calls_to("chat.stopStream")


def test_a_stream_that_breaks_midway_is_replaced_by_the_answer_not_followed_by_a_second(
    streaming: SlackHarness, claude: FakeAnthropic
) -> None:
    script_arr_by_segment(claude)
    streaming.fake.fail_next("chat.appendStream", error="message_not_in_streaming_state")
    thread = start_thread(streaming)
    ask_in(streaming, thread, "What is our ARR by segment?")
    answer = the_one_answer(streaming, thread)
    (start,) = streaming.fake.calls_to("chat.startStream")
    assert len(streaming.fake.calls_to("chat.appendStream")) == 1  # the failed one, then none
    (update,) = streaming.fake.calls_to("chat.update")
    assert update.params["ts"] == streaming.fake.reply_ts(start) == answer.ts
    assert not streaming.fake.calls_to("chat.postMessage")
