"""Cortex as a Slack AI app, one session end to end, as a person meets it: they open an
assistant thread (a title and the questions their roles may ask), ask (a status line, not a
placeholder), get the answer as a native table with feedback buttons, then open the App Home
(published for them). The streamed answer with Claude is in `test_assistant.py`."""

from __future__ import annotations

import json

from tests.slack.conftest import ANALYST, SlackHarness
from tests.slack.test_app_home import home_of, home_opened
from tests.slack.test_assistant import DM, ask_in, onboarding, reply_in, start_thread


def test_an_analyst_opens_a_thread_asks_gets_a_native_table_and_finds_the_home(
    slack: SlackHarness,
) -> None:
    thread = start_thread(slack, ANALYST)
    slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    opened = slack.fake.assistant_thread(DM, thread)
    assert opened.title == "New question"
    assert [p["message"] for p in opened.prompts] == onboarding(slack)[:4]

    ask_in(slack, thread, "What is our ARR by segment?")
    (answer,) = reply_in(slack.fake, thread)
    statuses = [c.params["status"] for c in slack.fake.calls_to("assistant.threads.setStatus")]
    assert statuses[0] == "Reading your question…"
    (table,) = [block for block in answer.blocks if block["type"] == "table"]
    header, *rows = table["rows"]
    assert len(rows) == 3  # the demo's three segments
    assert table["column_settings"][-1]["align"] == "right"  # the numbers
    elements = [element["type"] for block in answer.blocks for element in block.get("elements", [])]
    assert "feedback_buttons" in elements
    assert slack.fake.assistant_thread(DM, thread).title == "What is our ARR by segment?"

    slack.sender.event(home_opened(ANALYST))
    home = home_of(slack.fake, ANALYST)
    assert "What is our ARR by segment?" in home  # the question just asked, linked
    assert json.loads(home)  # blocks Slack accepts (checked against the SDK in home_of)
