"""Cortex in Slack, end to end: signed requests in, Web API calls out, the journal checked.

The app is the real bolt app served by uvicorn on 127.0.0.1; Slack's Web API is `FakeSlack`,
which records every call. Each test reads like what a person in Slack sees.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cortex.agent import Agent
from cortex.answers.formatting import format_value
from cortex.logs import configure_logging
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import Plan, Planner
from cortex.settings import load_settings
from cortex.slack.blocks import (
    ACTION_FEEDBACK,
    ACTION_FEEDBACK_UP,
    ACTION_SHOW_SQL,
    MAX_TABLE_ROWS,
)
from cortex.slack.server import running
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.fakes.slack_client import SlackSender, block_action, view_submission
from tests.slack.conftest import (
    ANALYST,
    BOT_TOKEN,
    FINANCE_MEMBER,
    REPS,
    SIGNING_SECRET,
    STRANGER,
    SUPPORT,
    SlackHarness,
    serve,
)

CHANNEL = "C0GENERAL"
_ts = iter(range(1, 1_000_000))


def next_ts() -> str:
    return f"1764000000.{next(_ts):06d}"


def mention(
    user: str, text: str, *, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UCORTEXBOT> {text}",
        "channel": CHANNEL,
        "ts": ts or next_ts(),
        "event_ts": ts or next_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def all_text(call: SlackCall) -> str:
    """The text of a message call: its fallback text and every text in its blocks."""
    return call.params.get("text", "") + json.dumps(call.params.get("blocks", []))


def buttons(call: SlackCall) -> dict[str, str]:
    """action_id -> value of every button in the message."""
    found = {}
    for block in call.params.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found[element["action_id"]] = element.get("value", "")
    return found


def feedback(call: SlackCall) -> dict[str, str]:
    """ "up"/"down" -> the value of 👍/👎 of the message's `feedback_buttons` element."""
    for block in call.params.get("blocks", []):
        for element in block.get("elements", []) if block["type"] == "context_actions" else []:
            if element["type"] == "feedback_buttons" and element["action_id"] == ACTION_FEEDBACK:
                return {
                    "up": element["positive_button"]["value"],
                    "down": element["negative_button"]["value"],
                }
    return {}


def table(call: SlackCall) -> list[list[str]]:
    """The text of each cell of the message's table block, row by row (the header first)."""
    (block,) = [b for b in call.params.get("blocks", []) if b["type"] == "table"]
    return [[cell["text"] for cell in row] for row in block["rows"]]


def answered(fake: FakeSlack, thread_ts: str, timeout: float = 20.0) -> SlackCall:
    """The chat.update that replaced the placeholder posted in `thread_ts`."""
    placeholder = fake.wait_until(
        lambda calls: [
            c
            for c in calls
            if c.method == "chat.postMessage" and c.params.get("thread_ts") == thread_ts
        ],
        timeout=timeout,
    )[0]
    placeholder_ts = fake.reply_ts(placeholder)
    return fake.wait_until(
        lambda calls: [
            c for c in calls if c.method == "chat.update" and c.params.get("ts") == placeholder_ts
        ],
        timeout=timeout,
    )[0]


def click(
    slack: SlackHarness,
    action_id: str,
    value: str,
    thread_ts: str,
    message_ts: str | None = None,
    user_id: str = ANALYST,
    element_type: str = "button",
) -> int:
    """`user_id` clicks a button of the answer in `thread_ts`; returns the HTTP status."""
    payload = block_action(
        action_id,
        value,
        user_id=user_id,
        channel_id=CHANNEL,
        message_ts=message_ts or next_ts(),
        thread_ts=thread_ts,
        element_type=element_type,
    )
    return slack.sender.interaction(payload).status_code


def hand_arr(demo_con: duckdb.DuckDBPyConnection, owner: str | None = None) -> float:
    """ARR on the as-of day, by hand: subscriptions live that day, optionally one owner's."""
    day = DEMO_AS_OF.isoformat()
    where = f"AND a.owner_name = '{owner}'" if owner else ""
    sql = f"""
        SELECT SUM(s.arr) FROM subscriptions s JOIN accounts a USING (account_id)
        WHERE s.started_on <= DATE '{day}' AND (s.ended_on IS NULL OR s.ended_on > DATE '{day}')
        {where}"""
    return float(demo_con.execute(sql).fetchone()[0])


# --------------------------------------------------------------------------- answers


def test_a_mention_gets_a_placeholder_then_the_answer_its_chart_and_buttons(
    slack: SlackHarness,
) -> None:
    event = mention(ANALYST, "tickets by month over the last 6 months")
    assert slack.sender.event(event).status_code == 200

    update = answered(slack.fake, event["ts"])
    posted = slack.fake.calls_to("chat.postMessage")[0]
    assert posted.params["thread_ts"] == event["ts"] and posted.params["channel"] == CHANNEL
    assert posted.params["unfurl_links"] is False and posted.params["unfurl_media"] is False
    assert "Working on it" in all_text(posted)
    assert posted.token == "xoxb-test-0000-cortex-secret"

    assert "Ticket volume went from" in all_text(update)
    assert "How I computed this" in all_text(update)
    assert set(buttons(update)) == {ACTION_SHOW_SQL}
    record = slack.audit.list()[0].id
    assert feedback(update) == {"up": f"up:{record}", "down": f"down:{record}"}
    header, *rows = table(update)
    assert len(header) == 2 and len(rows) >= 6  # the month, the tickets: a row a month
    assert "Generated" in all_text(update) or "Verified" in all_text(update)
    assert len(update.params["blocks"]) <= 50

    completed = slack.fake.wait_for("files.completeUploadExternal")[0]
    assert completed.params["channel_id"] == CHANNEL
    assert completed.params["thread_ts"] == event["ts"]
    (file_id,) = slack.fake.uploads
    assert slack.fake.uploads[file_id].startswith(b"\x89PNG")
    (record,) = slack.audit.list()
    assert record.outcome == "answered" and record.user_id == ANALYST and record.rows >= 6


def test_a_verified_question_is_badged_and_shows_its_owner(slack: SlackHarness) -> None:
    event = mention(ANALYST, "What is our ARR by segment?")
    slack.sender.event(event)
    text = all_text(answered(slack.fake, event["ts"]))
    assert "Verified" in text and "owners:" in text
    assert "Enterprise" in text


def test_a_long_table_is_cut_with_a_note_and_the_whole_result_is_a_csv_in_the_thread(
    slack: SlackHarness,
) -> None:
    event = mention(ANALYST, "ARR by account")
    slack.sender.event(event)
    update = answered(slack.fake, event["ts"])
    (record,) = slack.audit.list()
    assert len(table(update)) == MAX_TABLE_ROWS  # the header and 99 accounts
    assert f"Showing {MAX_TABLE_ROWS - 1} of {record.rows:,} rows" in all_text(update)
    assert "CSV" in all_text(update)
    csv_file = slack.fake.wait_until(
        lambda calls: [
            c.reply["file_id"]
            for c in calls
            if c.method == "files.getUploadURLExternal" and c.params["filename"].endswith(".csv")
        ]
    )[0]
    completed = slack.fake.wait_until(
        lambda calls: [
            c
            for c in calls
            if c.method == "files.completeUploadExternal"
            and csv_file in {f["id"] for f in c.params["files"]}
        ]
    )[0]
    assert completed.params["thread_ts"] == event["ts"]
    header, *lines = slack.fake.uploads[csv_file].decode("utf-8").splitlines()
    assert len(lines) == record.rows and header.endswith("ARR")  # every account, not 99


def test_a_follow_up_in_the_thread_needs_no_mention(slack: SlackHarness) -> None:
    first = mention(ANALYST, "how many tickets did we get last month?")
    slack.sender.event(first)
    answered(slack.fake, first["ts"])
    reply = {
        "type": "message",
        "channel_type": "channel",
        "user": ANALYST,
        "text": "now by channel",
        "channel": CHANNEL,
        "ts": next_ts(),
        "thread_ts": first["ts"],
    }
    slack.sender.event(reply)
    slack.fake.wait_until(lambda calls: len([c for c in calls if c.method == "chat.update"]) >= 2)
    records = slack.audit.list()
    assert [r.outcome for r in records] == ["answered", "answered"]
    follow_up = json.loads(records[0].plan or "{}")
    assert follow_up["dimensions"] == ["channel"] and follow_up["time_range"] == "last month"


def test_channel_chatter_outside_cortex_threads_is_ignored(slack: SlackHarness) -> None:
    chatter = {
        "type": "message",
        "channel_type": "channel",
        "user": ANALYST,
        "text": "lunch?",
        "channel": CHANNEL,
        "ts": next_ts(),
    }
    assert slack.sender.event(chatter).status_code == 200
    time.sleep(0.3)
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []


def test_a_direct_message_is_answered_in_the_dm(slack: SlackHarness) -> None:
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": ANALYST,
        "text": "how many tickets last week?",
        "channel": "D0ADA",
        "ts": next_ts(),
    }
    slack.sender.event(dm)
    update = slack.fake.wait_for("chat.update")[0]
    assert update.params["channel"] == "D0ADA"
    placeholder = slack.fake.calls_to("chat.postMessage")[0]
    assert placeholder.params.get("thread_ts") is None


def test_the_slash_command_posts_the_question_and_answers_in_its_thread(
    slack: SlackHarness,
) -> None:
    response = slack.sender.slash_command(
        text="ARR by segment", user_id=ANALYST, channel_id=CHANNEL
    )
    assert response.status_code == 200
    root = slack.fake.wait_for("chat.postMessage")[0]
    assert f"<@{ANALYST}> asked: ARR by segment" in root.params["text"]
    update = answered(slack.fake, slack.fake.reply_ts(root))
    assert "Enterprise" in all_text(update)


def test_an_empty_slash_command_explains_itself_without_posting(slack: SlackHarness) -> None:
    response = slack.sender.slash_command(text=" ", user_id=ANALYST, channel_id=CHANNEL)
    assert response.status_code == 200 and "/cortex" in response.text
    time.sleep(0.2)
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_clarification_offers_its_suggestions_as_buttons_that_ask_them(
    slack: SlackHarness,
) -> None:
    event = mention(ANALYST, "what's our NPS?")
    slack.sender.event(event)
    update = answered(slack.fake, event["ts"])
    suggestions = {k: v for k, v in buttons(update).items() if k.startswith("cortex_ask_")}
    assert suggestions
    action_id, question = next(iter(suggestions.items()))
    placeholder = slack.fake.reply_ts(slack.fake.calls_to("chat.postMessage")[0])
    click(slack, action_id, question, event["ts"], message_ts=placeholder)
    slack.fake.wait_until(lambda calls: len([c for c in calls if c.method == "chat.update"]) >= 2)
    asked = slack.audit.list()[0]
    assert asked.question == question and asked.outcome in ("answered", "clarified")


# --------------------------------------------------------------------------- feedback and SQL


def test_thumbs_down_records_feedback_and_asks_for_a_comment(slack: SlackHarness) -> None:
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    down = feedback(answered(slack.fake, event["ts"]))["down"]
    assert click(slack, ACTION_FEEDBACK, down, event["ts"], element_type="feedback_buttons") == 200
    view = slack.fake.wait_for("views.open")[0].params["view"]
    slack.sender.interaction(
        view_submission(
            view["callback_id"],
            view["private_metadata"],
            {"comment": {"text": {"type": "plain_text_input", "value": "Enterprise looks low"}}},
            user_id=ANALYST,
        )
    )
    deadline = time.monotonic() + 10
    while slack.audit.list()[0].feedback_comment is None and time.monotonic() < deadline:
        time.sleep(0.05)
    record = slack.audit.list()[0]
    assert record.feedback == "down" and record.feedback_comment == "Enterprise looks low"


def test_thumbs_up_is_recorded(slack: SlackHarness) -> None:
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    up = feedback(answered(slack.fake, event["ts"]))["up"]
    click(slack, ACTION_FEEDBACK, up, event["ts"], element_type="feedback_buttons")
    deadline = time.monotonic() + 10
    while slack.audit.list()[0].feedback is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slack.audit.list()[0].feedback == "up"
    assert slack.fake.calls_to("views.open") == []  # only 👎 asks for a comment


def test_a_thumbs_up_on_a_message_posted_before_feedback_buttons_still_counts(
    slack: SlackHarness,
) -> None:
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    answered(slack.fake, event["ts"])
    record_id = str(slack.audit.list()[0].id)  # the old 👍 button carried the bare record id
    click(slack, ACTION_FEEDBACK_UP, record_id, event["ts"])
    deadline = time.monotonic() + 10
    while slack.audit.list()[0].feedback is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slack.audit.list()[0].feedback == "up"


def test_show_sql_posts_the_sql_to_the_person_who_clicked(slack: SlackHarness) -> None:
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    record_id = buttons(answered(slack.fake, event["ts"]))[ACTION_SHOW_SQL]
    click(slack, ACTION_SHOW_SQL, record_id, event["ts"])
    shown = slack.fake.wait_for("chat.postEphemeral")[0]
    assert shown.params["user"] == ANALYST and shown.params["thread_ts"] == event["ts"]
    assert "SELECT" in all_text(shown).upper()
    assert slack.audit.list()[0].sql.split()[0].upper() in all_text(shown).upper()


# --------------------------------------------------------------------------- access


def test_an_unmapped_user_is_told_no_and_nothing_else_happens(slack: SlackHarness) -> None:
    event = mention(STRANGER, "ARR by segment")
    slack.sender.event(event)
    (refusal,) = slack.fake.wait_for("chat.postMessage")
    assert "not allowed" in all_text(refusal).lower()
    assert refusal.params["thread_ts"] == event["ts"]
    time.sleep(0.2)
    assert slack.fake.calls_to("chat.update") == [] and slack.fake.uploads == {}
    (record,) = slack.audit.list()
    assert record.outcome == "denied" and record.user_id == STRANGER and record.sql is None


def test_a_user_without_the_role_for_a_metric_is_refused_in_the_thread_and_audited(
    slack: SlackHarness,
) -> None:
    event = mention(SUPPORT, "what's our ARR?")
    slack.sender.event(event)
    update = answered(slack.fake, event["ts"])
    text = all_text(update)
    assert ":lock:" in text and "ARR" in text
    assert "$" not in text  # no number leaks into a refusal
    (record,) = slack.audit.list()
    assert record.outcome == "denied" and record.sql is None


def test_a_user_group_gives_its_members_their_role(slack: SlackHarness) -> None:
    event = mention(FINANCE_MEMBER, "what's our ARR?")
    slack.sender.event(event)
    answered(slack.fake, event["ts"])
    assert slack.audit.list()[0].outcome == "answered"
    assert slack.fake.calls_to("usergroups.users.list")


def test_a_sales_rep_sees_only_their_own_accounts(
    slack: SlackHarness, demo_con: duckdb.DuckDBPyConnection
) -> None:
    rep, owner = next(iter(REPS.items()))
    event = mention(rep, "what's our ARR?")
    slack.sender.event(event)
    text = all_text(answered(slack.fake, event["ts"]))
    assert format_value(hand_arr(demo_con, owner), "currency") in text
    assert format_value(hand_arr(demo_con), "currency") not in text
    (record,) = slack.audit.list()
    assert owner in (record.sql or "")


def test_twenty_simultaneous_mentions_are_each_answered_once_in_their_thread_as_their_asker(
    slack: SlackHarness, demo_con: duckdb.DuckDBPyConnection
) -> None:
    askers = [ANALYST, *REPS] * 7
    events = [mention(user, "what's our ARR?") for user in askers[:20]]
    responses: list[int] = []

    def send(event: dict[str, Any]) -> None:
        responses.append(slack.sender.event(event).status_code)

    threads = [threading.Thread(target=send, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert responses == [200] * 20

    expected = {ANALYST: hand_arr(demo_con)} | {u: hand_arr(demo_con, o) for u, o in REPS.items()}
    for event in events:
        update = answered(slack.fake, event["ts"], timeout=60)
        assert format_value(expected[event["user"]], "currency") in all_text(update)
    slack.fake.wait_until(lambda calls: len([c for c in calls if c.method == "chat.update"]) >= 20)
    time.sleep(0.3)
    placeholders = [c.params["thread_ts"] for c in slack.fake.calls_to("chat.postMessage")]
    assert sorted(placeholders) == sorted(e["ts"] for e in events)  # one each, in its thread
    assert len(slack.fake.calls_to("chat.update")) == 20
    assert len(slack.audit.list()) == 20


# --------------------------------------------------------------------------- reliability


def test_a_retried_event_is_answered_once(slack: SlackHarness) -> None:
    event = mention(ANALYST, "ARR by segment")
    first = slack.sender.event(event, event_id="Ev0RETRY")
    retry = slack.sender.event(event, event_id="Ev0RETRY", retry_num=1, retry_reason="http_timeout")
    assert first.status_code == retry.status_code == 200
    answered(slack.fake, event["ts"])
    time.sleep(0.5)
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert len(slack.fake.calls_to("chat.update")) == 1


@pytest.mark.parametrize("bad", ["signature", "stale timestamp"])
def test_a_bad_signature_or_a_stale_timestamp_gets_401_and_no_web_api_call(
    slack: SlackHarness, bad: str
) -> None:
    before = len(slack.fake.calls)
    if bad == "signature":
        response = slack.sender.event(mention(ANALYST, "ARR"), secret="not-the-secret")
    else:
        response = slack.sender.event(mention(ANALYST, "ARR"), timestamp=int(time.time()) - 600)
    assert response.status_code == 401
    time.sleep(0.3)
    assert slack.fake.calls[before:] == []
    assert slack.audit.list() == []


@contextmanager
def serving(
    workspace: Workspace, fake: FakeSlack, planner: Planner, tmp_path: Path
) -> Iterator[SlackSender]:
    """The app served with `planner` (a test's own), and a sender signing requests for it."""
    agent = Agent(workspace, planner, ConversationStore(tmp_path / "c.sqlite"))
    with running(serve(workspace, fake, agent)) as url:
        yield SlackSender(app_url=url, signing_secret=SIGNING_SECRET)


class _Blocked:
    """A planner that waits for the test to let it go: proof the ack does not wait for it."""

    def __init__(self, inner: OfflinePlanner) -> None:
        self.inner = inner
        self.go = threading.Event()

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        assert self.go.wait(30)
        return self.inner.plan(question, history)


def test_slack_gets_its_ack_before_the_work_is_done(
    workspace: Workspace, fake: FakeSlack, tmp_path: Path
) -> None:
    planner = _Blocked(OfflinePlanner(workspace.model, as_of=DEMO_AS_OF))
    with serving(workspace, fake, planner, tmp_path) as sender:
        event = mention(ANALYST, "ARR by segment")
        assert sender.event(event).status_code == 200  # answered while the planner waits
        assert fake.calls_to("chat.update") == []
        planner.go.set()
        answered(fake, event["ts"])


class _Broken:
    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        raise RuntimeError("the planner broke")


def test_a_failure_inside_the_pipeline_is_an_apology_with_a_trace_id(
    workspace: Workspace, fake: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(workspace, fake, _Broken(), tmp_path) as sender:
        event = mention(ANALYST, "ARR by segment")
        sender.event(event)
        text = all_text(answered(fake, event["ts"]))
    assert "Sorry" in text and "trace id" in text and "Traceback" not in text
    trace_id = text.split("trace id ")[1][:8]
    assert trace_id in caplog.text and "the planner broke" in caplog.text


def test_a_failing_slack_call_still_ends_in_an_apology_in_the_thread(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.update", error="internal_error")
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    apology = slack.fake.wait_until(
        lambda calls: [c for c in calls if c.method == "chat.update" and "trace id" in all_text(c)]
    )[0]
    assert "Sorry" in all_text(apology)
    (record,) = slack.audit.list()  # answered and recorded once, before Slack failed
    assert record.outcome == "answered"


def test_a_failure_before_any_answer_is_apologised_for_and_audited(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", error="internal_error")  # the placeholder fails
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    apology = slack.fake.wait_until(lambda calls: [c for c in calls if "trace id" in all_text(c)])[
        0
    ]
    trace_id = all_text(apology).split("trace id ")[1][:8]
    deadline = time.monotonic() + 10
    while not slack.audit.list() and time.monotonic() < deadline:
        time.sleep(0.05)
    (record,) = slack.audit.list()
    assert (record.outcome, record.trace_id, record.user_id) == ("failed", trace_id, ANALYST)


def test_secrets_never_reach_a_log_line_even_at_debug(
    workspace: Workspace, fake: FakeSlack
) -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        cwd=workspace.settings.audit_path.parent,
    )
    stream, root = io.StringIO(), logging.getLogger()
    level = root.level
    handler = configure_logging(settings, level=logging.DEBUG, stream=stream)
    try:
        with running(serve(workspace, fake)) as url:
            sender = SlackSender(app_url=url, signing_secret=SIGNING_SECRET)
            event = mention(ANALYST, "ARR by segment")
            sender.event(event)
            answered(fake, event["ts"])
            sender.event(mention(ANALYST, "ARR"), secret="wrong-secret-value")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    logged = stream.getvalue()
    assert "chat.postMessage" in logged  # the Web API calls were logged, at DEBUG
    assert BOT_TOKEN not in logged and SIGNING_SECRET not in logged


def test_slacks_url_verification_challenge_is_answered(slack: SlackHarness) -> None:
    response = slack.sender.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_slash_command_text_is_echoed_escaped_so_it_cannot_ping_or_disguise_links(
    slack: SlackHarness,
) -> None:
    text = "&lt;!channel&gt; &lt;https://evil.example|board deck&gt; ARR by segment"
    slack.sender.slash_command(text=text, user_id=ANALYST, channel_id=CHANNEL)
    root = slack.fake.wait_for("chat.postMessage")[0]
    assert "<!channel>" not in root.params["text"] and "&lt;!channel&gt;" in root.params["text"]
    assert "<https://evil.example" not in root.params["text"]


def test_a_direct_message_that_mentions_cortex_is_answered(slack: SlackHarness) -> None:
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": ANALYST,
        "text": "<@UCORTEXBOT> how many tickets last week?",
        "channel": "D0ADA",
        "ts": next_ts(),
    }
    slack.sender.event(dm)
    assert slack.fake.wait_for("chat.update")[0].params["channel"] == "D0ADA"


def test_only_the_asker_rates_an_answer(slack: SlackHarness) -> None:
    event = mention(ANALYST, "ARR by segment")
    slack.sender.event(event)
    up = feedback(answered(slack.fake, event["ts"]))["up"]
    click(slack, ACTION_FEEDBACK, up, event["ts"], user_id=SUPPORT, element_type="feedback_buttons")
    told = slack.fake.wait_for("chat.postEphemeral")[0]
    assert told.params["user"] == SUPPORT and "Only the person who asked" in all_text(told)
    assert slack.audit.list()[0].feedback is None


def test_clicks_and_commands_are_acknowledged_while_every_answering_thread_is_busy(
    workspace: Workspace, fake: FakeSlack, tmp_path: Path
) -> None:
    planner = _Blocked(OfflinePlanner(workspace.model, as_of=DEMO_AS_OF))
    with serving(workspace, fake, planner, tmp_path) as sender:
        for _ in range(6):  # more questions than answering threads: all of them wait
            sender.event(mention(ANALYST, "ARR by segment"))
        started = time.monotonic()
        response = sender.slash_command(
            text="tickets by channel", user_id=ANALYST, channel_id=CHANNEL
        )
        acked_in = time.monotonic() - started
        planner.go.set()
        fake.wait_until(lambda calls: len([c for c in calls if c.method == "chat.update"]) >= 7)
    assert response.status_code == 200 and acked_in < 3.0  # Slack's window


def test_a_redelivery_while_the_first_delivery_is_still_being_answered_is_dropped(
    workspace: Workspace, fake: FakeSlack, tmp_path: Path
) -> None:
    planner = _Blocked(OfflinePlanner(workspace.model, as_of=DEMO_AS_OF))
    with serving(workspace, fake, planner, tmp_path) as sender:
        event = mention(ANALYST, "ARR by segment")
        sender.event(event, event_id="Ev0SLOW")
        fake.wait_for("chat.postMessage")  # the placeholder: the answer is under way
        for retry in (1, 2, 3):  # Slack gave up waiting for the ack, three times
            sender.event(event, event_id="Ev0SLOW", retry_num=retry)
        planner.go.set()
        answered(fake, event["ts"])
        time.sleep(0.5)
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.calls_to("chat.update")) == 1
