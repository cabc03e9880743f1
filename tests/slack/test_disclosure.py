"""Channel-aware disclosure: an answer's numbers reach a channel only if every member may see them.

The rule (cortex/slack/disclosure.py): each member's grant must cover the query as it ran for
the asker, row filters included. Otherwise the asker gets the answer privately, the channel a
line without numbers, and the audit trail the decision.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cortex.access import LiveAccess, Principal
from cortex.assembly import build_agent
from cortex.slack.app import slack_client
from cortex.slack.disclosure import ChannelAudience
from cortex.slack.identity import SlackDirectory
from cortex.workspace import Workspace
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack, SlackCall
from tests.slack.conftest import (
    ANALYST,
    BOT_TOKEN,
    FINANCE_GROUP,
    FINANCE_MEMBER,
    STRANGER,
    SUPPORT,
    SlackHarness,
)
from tests.slack.test_slack_app import answered, next_ts

REP, OTHER_REP = "U0REP1", "U0REP2"
QUESTION = "What is our ARR?"


def mention(user: str, channel: str, text: str = QUESTION) -> dict[str, Any]:
    ts = next_ts()
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
    }


def shown(call: SlackCall) -> str:
    """Everything a message shows: its fallback text and the texts of its blocks."""
    return call.params.get("text", "") + json.dumps(call.params.get("blocks", []))


def private_answer(fake: FakeSlack, user: str) -> SlackCall:
    return fake.wait_until(
        lambda calls: [
            c for c in calls if c.method == "chat.postEphemeral" and c.params["user"] == user
        ]
    )[0]


def test_a_reps_answer_in_a_mixed_channel_goes_to_the_rep_alone(slack: SlackHarness) -> None:
    slack.fake.set_members("C0SALES", [REP, OTHER_REP, SUPPORT, BOT_USER_ID])
    event = mention(REP, "C0SALES")
    slack.sender.event(event)

    in_channel = answered(slack.fake, event["ts"])
    private = private_answer(slack.fake, REP)
    assert private.params["channel"] == "C0SALES" and private.params["thread_ts"] == event["ts"]
    assert "ARR" in shown(private) and "$" in private.params["text"]  # the numbers, to the rep
    note = in_channel.params["text"]
    assert note == (
        "I sent you the answer privately: some members of this channel may not see ARR for "
        "the rows you see."
    )
    assert not re.search(r"\d", shown(in_channel))  # not a digit of the answer in the channel
    record = slack.audit.list()[0]
    assert record.outcome == "answered" and record.disclosure is not None
    assert record.disclosure.startswith("private: 2 of 4 members may not see ARR")
    assert OTHER_REP in record.disclosure and SUPPORT in record.disclosure


def test_the_same_question_in_a_direct_message_is_answered_there(slack: SlackHarness) -> None:
    ts = next_ts()
    dm = {"type": "message", "channel_type": "im", "user": REP, "text": QUESTION, "ts": ts}
    slack.sender.event({**dm, "channel": "D0REP1"})
    update = slack.fake.wait_for("chat.update")[0]
    assert update.params["channel"] == "D0REP1" and "$" in update.params["text"]
    assert slack.fake.calls_to("chat.postEphemeral") == []
    assert slack.fake.calls_to("conversations.members") == []  # the asker alone: no lookup
    assert slack.audit.list()[0].disclosure == "channel"


def test_a_channel_whose_members_all_see_every_row_gets_the_answer(slack: SlackHarness) -> None:
    # the finance member has their role through a Slack user group
    slack.fake.set_members("C0FINANCE", [ANALYST, FINANCE_MEMBER, BOT_USER_ID])
    event = mention(ANALYST, "C0FINANCE")
    slack.sender.event(event)
    assert "$" in answered(slack.fake, event["ts"]).params["text"]
    assert slack.fake.calls_to("chat.postEphemeral") == []
    assert slack.audit.list()[0].disclosure == "channel"


def test_a_reps_own_rows_may_be_shown_to_those_who_see_every_row(slack: SlackHarness) -> None:
    slack.fake.set_members("C0DEAL", [REP, ANALYST, BOT_USER_ID])
    event = mention(REP, "C0DEAL")
    slack.sender.event(event)
    assert "$" in answered(slack.fake, event["ts"]).params["text"]
    assert slack.audit.list()[0].disclosure == "channel"


def test_a_member_without_a_role_keeps_even_an_analysts_answer_private(
    slack: SlackHarness,
) -> None:
    slack.fake.set_members("C0ALL", [ANALYST, STRANGER, BOT_USER_ID])
    event = mention(ANALYST, "C0ALL")
    slack.sender.event(event)
    assert "$" in private_answer(slack.fake, ANALYST).params["text"]
    assert not re.search(r"\d", shown(answered(slack.fake, event["ts"])))
    assert (
        slack.audit.list()[0].disclosure == f"private: 1 of 3 members may not see ARR ({STRANGER})"
    )


def test_an_answer_without_numbers_is_posted_in_the_channel(slack: SlackHarness) -> None:
    slack.fake.set_members("C0ALL", [ANALYST, STRANGER, BOT_USER_ID])
    event = mention(ANALYST, "C0ALL", "what's the weather in Paris?")
    slack.sender.event(event)
    answered(slack.fake, event["ts"])
    assert slack.fake.calls_to("chat.postEphemeral") == []
    assert slack.fake.calls_to("conversations.members") == []


def test_when_ephemeral_fails_the_answer_goes_by_direct_message(slack: SlackHarness) -> None:
    slack.fake.set_members("C0SALES", [REP, SUPPORT, BOT_USER_ID])
    slack.fake.fail_next("chat.postEphemeral", error="user_not_in_channel")
    event = mention(REP, "C0SALES")
    slack.sender.event(event)
    answered(slack.fake, event["ts"])
    dm = slack.fake.dm_channel(REP)
    assert dm is not None
    sent = [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == dm]
    assert "C0SALES" in sent[0].params["text"] and "$" in sent[1].params["text"]


def test_members_that_cannot_be_read_keep_the_answer_private(slack: SlackHarness) -> None:
    slack.fake.fail_next("conversations.members", error="not_in_channel")
    event = mention(ANALYST, "C0HIDDEN")
    slack.sender.event(event)
    assert "$" in private_answer(slack.fake, ANALYST).params["text"]
    note = answered(slack.fake, event["ts"]).params["text"]
    assert note.endswith("I could not check who is in this channel.")
    disclosure = slack.audit.list()[0].disclosure
    assert disclosure == "private: members of C0HIDDEN unreadable (not_in_channel)"


# -- membership: every page, cached briefly


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_members_are_read_page_by_page_and_cached_for_a_minute(workspace: Workspace) -> None:
    many = [f"U0MEMBER{i:04d}" for i in range(450)]
    clock = _Clock()
    with FakeSlack(channels={"C0BIG": many}) as fake:
        client = slack_client(BOT_TOKEN, fake.url)
        access = LiveAccess(workspace.settings.access_path, workspace.model)
        audience = ChannelAudience(client, SlackDirectory(client), access, clock=clock)
        assert audience.members("C0BIG") == tuple(many)
        assert len(fake.calls_to("conversations.members")) == 3  # 200 a page
        clock.now += 59
        audience.members("C0BIG")
        assert len(fake.calls_to("conversations.members")) == 3
        fake.set_members("C0BIG", many[:2])
        clock.now += 2
        assert audience.members("C0BIG") == tuple(many[:2])


def test_a_member_on_the_last_page_counts(workspace: Workspace) -> None:
    finance = [f"U0FIN{i:04d}" for i in range(250)]
    with FakeSlack(usergroups={FINANCE_GROUP: finance}, channels={"C0BIG": finance}) as fake:
        client = slack_client(BOT_TOKEN, fake.url)
        access = LiveAccess(workspace.settings.access_path, workspace.model)
        audience = ChannelAudience(client, SlackDirectory(client), access)
        agent = build_agent(workspace)
        grant = access.grant_for(Principal(ANALYST))
        answer = agent.ask(QUESTION, None, policy=grant)
        assert audience.decide(answer, grant, "C0BIG").public
        fake.set_members("C0BIG2", [*finance, STRANGER])
        decision = audience.decide(answer, grant, "C0BIG2")
        assert not decision.public and decision.detail.endswith(f"({STRANGER})")
