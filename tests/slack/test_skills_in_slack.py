"""Skills from Slack, end to end: an answer saved to Notion and filed in Linear after the asker
confirms, only the asker may confirm, and the link lands in the thread.

The Slack app is served for real on 127.0.0.1 and talks to the fake Slack Web API; the skills
reach a fake Notion (through notion-client) and a fake Linear (through httpx), both on
127.0.0.1. Nothing is monkeypatched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pydantic import SecretStr

from cortex.access import load_access
from cortex.assembly import build_agent
from cortex.slack.app import CortexSlack, slack_client
from cortex.slack.blocks import ACTION_CANCEL, ACTION_CONFIRM, ACTION_SKILL
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Placeholders
from cortex.slack.server import running
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace
from skills.builtin import skill_registry
from tests.fakes.linear_api import FakeLinear
from tests.fakes.notion_api import TOKEN as NOTION_TOKEN
from tests.fakes.notion_api import FakeNotion
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.fakes.slack_client import SlackSender, block_action
from tests.slack.conftest import ANALYST, BOT_TOKEN, SIGNING_SECRET, STRANGER, SlackHarness
from tests.slack.test_slack_app import CHANNEL, all_text, answered, buttons, mention, next_ts

LINEAR_KEY = "lin_api_slack_test_key"


@pytest.fixture()
def notion() -> Iterator[FakeNotion]:
    with FakeNotion() as server:
        yield server


@pytest.fixture()
def linear() -> Iterator[FakeLinear]:
    with FakeLinear(api_key=LINEAR_KEY) as server:
        yield server


@pytest.fixture()
def slack(
    workspace: Workspace, fake: FakeSlack, notion: FakeNotion, linear: FakeLinear
) -> Iterator[SlackHarness]:
    parent = notion.add_page("Cortex answers")
    settings = replace(
        workspace.settings,
        notion_token=SecretStr(NOTION_TOKEN),
        notion_api_url=notion.url,
        notion_parent_page=parent,
        linear_api_key=SecretStr(LINEAR_KEY),
        linear_api_url=linear.url,
        linear_team="SUP",
    )
    configured = Workspace(settings, workspace.model, workspace.warehouse)
    skills = skill_registry(settings)
    events = settings.audit_path.with_name("slack_events.sqlite")
    app = CortexSlack(
        agent=build_agent(configured, requests=skills.readers()),
        access=load_access(settings.access_path, workspace.model),
        audit=AuditLog(settings.audit_path),
        ledger=EventLedger(events),
        placeholders=Placeholders(events),
        client=slack_client(BOT_TOKEN, fake.url),
        signing_secret=SIGNING_SECRET,
        skills=skills,
    )
    with running(app) as url:
        yield SlackHarness(
            fake, SlackSender(app_url=url, signing_secret=SIGNING_SECRET), app, app.audit
        )


def press(
    slack: SlackHarness,
    action_id: str,
    value: str,
    *,
    thread: str,
    message: str,
    user: str = ANALYST,
) -> None:
    payload = block_action(
        action_id, value, user_id=user, channel_id=CHANNEL, message_ts=message, thread_ts=thread
    )
    assert slack.sender.interaction(payload).status_code == 200


def skill_button(answer: SlackCall, skill: str) -> tuple[str, str]:
    """The action id and value of the button running `skill` under an answer."""
    for action_id, value in buttons(answer).items():
        if action_id.startswith(ACTION_SKILL) and value.startswith(f"{skill}|"):
            return action_id, value
    raise AssertionError(f"no {skill} button under the answer: {buttons(answer)}")


def posted_in(slack: SlackHarness, thread: str, needle: str) -> SlackCall:
    return slack.fake.wait_until(
        lambda calls: [
            c
            for c in calls
            if c.method in ("chat.postMessage", "chat.update")
            and (c.params.get("thread_ts") == thread or c.method == "chat.update")
            and needle in all_text(c)
        ],
        timeout=30.0,
        description=f"a message with {needle!r}",
    )[-1]


def test_an_answer_saved_to_notion_after_the_asker_confirms_links_the_page_in_the_thread(
    slack: SlackHarness, notion: FakeNotion
) -> None:
    event = mention(ANALYST, "What's our ARR by segment?")
    slack.sender.event(event)
    thread = event["ts"]
    answer = answered(slack.fake, thread)
    assert "Save to Notion" in all_text(answer) and "File in Linear" in all_text(answer)

    action_id, value = skill_button(answer, "notion.write_page")
    press(slack, action_id, value, thread=thread, message=slack.fake.reply_ts(answer))
    asking = posted_in(slack, thread, "Confirm")
    confirm = buttons(asking)[ACTION_CONFIRM]
    assert notion.requests("POST", "/v1/pages") == []  # nothing is written before the click

    # someone else's click is refused, to them alone, and writes nothing
    press(
        slack,
        ACTION_CONFIRM,
        confirm,
        thread=thread,
        message=slack.fake.reply_ts(asking),
        user=STRANGER,
    )
    refusal = slack.fake.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == STRANGER
    assert "who asked, can confirm" in all_text(refusal)
    assert notion.requests("POST", "/v1/pages") == []

    press(slack, ACTION_CONFIRM, confirm, thread=thread, message=slack.fake.reply_ts(asking))
    done = posted_in(slack, thread, "notion.so")
    (page,) = [p for p in notion.pages.values() if p["parent"].get("type") == "page_id"]
    link = page["url"]
    assert link in all_text(done)
    written = json.dumps(page["children"])
    assert "Enterprise" in written and "SELECT" in written.upper()
    assert f"/archives/{CHANNEL}/p{thread.replace('.', '')}" in written  # the way back
    (run,) = [r for r in slack.audit.skill_runs() if r.outcome == "done"]
    assert (run.skill, run.user_id, run.link) == ("notion.write_page", ANALYST, link)

    # a second click on the same Confirm runs nothing more
    press(slack, ACTION_CONFIRM, confirm, thread=thread, message=slack.fake.reply_ts(asking))
    assert len(notion.requests("POST", "/v1/pages")) == 1


def test_a_task_asked_for_in_the_thread_is_filed_in_linear_once_confirmed(
    slack: SlackHarness, linear: FakeLinear
) -> None:
    event = mention(ANALYST, "What's our ARR by segment?")
    slack.sender.event(event)
    thread = event["ts"]
    answered(slack.fake, thread)

    follow_up = mention(ANALYST, "file a task to look at Enterprise ARR", thread_ts=thread)
    slack.sender.event(follow_up)
    asking = posted_in(slack, thread, "Confirm")
    assert "Look at Enterprise ARR" in all_text(asking)
    assert linear.issues == []

    confirm = buttons(asking)[ACTION_CONFIRM]
    press(slack, ACTION_CONFIRM, confirm, thread=thread, message=slack.fake.reply_ts(asking))
    done = posted_in(slack, thread, "linear.app")
    (issue,) = linear.issues
    assert issue.title == "Look at Enterprise ARR"
    assert issue.url in all_text(done)
    assert "Enterprise" in issue.description and "SELECT" in issue.description.upper()


def test_only_the_asker_acts_on_an_answer_and_cancel_writes_nothing(
    slack: SlackHarness, notion: FakeNotion
) -> None:
    event = mention(ANALYST, "What's our ARR by segment?")
    slack.sender.event(event)
    thread = event["ts"]
    answer = answered(slack.fake, thread)
    action_id, value = skill_button(answer, "linear.create_issue")

    press(slack, action_id, value, thread=thread, message=next_ts(), user=STRANGER)
    refusal = slack.fake.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == STRANGER
    assert "Only the person who asked" in all_text(refusal)

    press(slack, action_id, value, thread=thread, message=slack.fake.reply_ts(answer))
    asking = posted_in(slack, thread, "Confirm")
    press(
        slack,
        ACTION_CANCEL,
        buttons(asking)[ACTION_CANCEL],
        thread=thread,
        message=slack.fake.reply_ts(asking),
    )
    cancelled = posted_in(slack, thread, "Cancelled")
    assert "nothing was written" in all_text(cancelled)


def test_when_notion_keeps_failing_the_thread_is_told_and_the_answer_stays(
    slack: SlackHarness, notion: FakeNotion
) -> None:
    event = mention(ANALYST, "What's our ARR by segment?")
    slack.sender.event(event)
    thread = event["ts"]
    answer = answered(slack.fake, thread)
    action_id, value = skill_button(answer, "notion.write_page")
    press(slack, action_id, value, thread=thread, message=slack.fake.reply_ts(answer))
    asking = posted_in(slack, thread, "Confirm")

    notion.fail(500, times=20)
    press(
        slack,
        ACTION_CONFIRM,
        buttons(asking)[ACTION_CONFIRM],
        thread=thread,
        message=slack.fake.reply_ts(asking),
    )
    told = posted_in(slack, thread, "nothing was written there")
    assert "Notion answered HTTP 500 after 4 tries" in all_text(told)
    assert "The answer is kept" in all_text(told)
    assert len(notion.pages) == 1  # the parent page alone
    assert [c for c in slack.fake.calls_to("chat.delete")] == []  # the answer is never removed
    (failed,) = [r for r in slack.audit.skill_runs() if r.outcome == "failed"]
    assert failed.skill == "notion.write_page"
