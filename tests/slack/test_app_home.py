"""The App Home: opened, Cortex publishes the viewer's catalog, recent questions and digests.

The catalog follows the viewer's grant exactly as their questions do: what their roles may not
see is not listed, only counted; a metric they see only some rows of says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.views import View

from cortex.slack.home import ACTION_HOME_SUBSCRIBE, ACTION_HOME_UNSUBSCRIBE, Digest
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import block_action
from tests.slack.conftest import ANALYST, STRANGER, SUPPORT, SlackHarness
from tests.slack.test_slack_app import answered, mention, next_ts

REP = "U0REP1"


def home_opened(user: str) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": "home",
        "event_ts": next_ts(),
    }


def home_of(fake: FakeSlack, user: str, count: int = 1) -> str:
    """The text of every block of the Home last published for `user` (after `count`
    publishes), checked against Slack's limits."""
    fake.wait_until(
        lambda calls: [
            c for c in calls if c.method == "views.publish" and c.params["user_id"] == user
        ][count - 1 :]
    )
    view = fake.home_view(user)
    assert view is not None and len(view["blocks"]) <= 100
    View(type="home", blocks=view["blocks"]).validate_json()
    return json.dumps(view["blocks"])


def test_the_home_lists_what_the_viewer_may_see_and_their_recent_questions(
    slack: SlackHarness,
) -> None:
    event = mention(REP, "What is our ARR?")
    slack.sender.event(event)
    answered(slack.fake, event["ts"])
    slack.sender.event(home_opened(REP))

    home = home_of(slack.fake, REP)
    assert "*ARR* :white_check_mark: \\u00b7 finance@cortex-demo.com \\u00b7 _your rows only_" in (
        home
    )
    assert "What you can ask Cortex" in home and "Your recent questions" in home
    link = f"https://slack.com/archives/C0GENERAL/p{event['ts'].replace('.', '')}"
    assert f"<{link}|What is our ARR?>" in home
    assert "No digests yet." in home


def test_metrics_not_for_the_viewers_roles_are_counted_not_listed(slack: SlackHarness) -> None:
    slack.sender.event(home_opened(SUPPORT))
    home = home_of(slack.fake, SUPPORT)
    assert "*ARR*" not in home and "*Net new ARR*" not in home
    assert "1 more metric is not for your roles" in home  # ARR, in its area
    assert "No questions yet" in home  # the rep's questions are theirs alone

    slack.sender.event(home_opened(ANALYST))
    analyst = home_of(slack.fake, ANALYST)
    assert "*ARR*" in analyst and "not for your roles" not in analyst
    assert "your rows only" not in analyst


def test_a_viewer_without_a_role_is_told_so(slack: SlackHarness) -> None:
    slack.sender.event(home_opened(STRANGER))
    home = home_of(slack.fake, STRANGER)
    assert "You have no role in Cortex yet" in home and "*ARR*" not in home


class Subscriptions:
    """Digests in memory: a real `DigestProvider`, as issue 12's digests.yml will give one."""

    def __init__(self, digests: Sequence[tuple[str, str, str]]) -> None:
        self.digests = list(digests)
        self.subscribers: dict[str, set[str]] = {}

    def digests_for(self, user_id: str) -> list[Digest]:
        return [
            Digest(d, title, when, user_id in self.subscribers.get(d, set()))
            for d, title, when in self.digests
        ]

    def subscribe(self, user_id: str, digest_id: str) -> None:
        self.subscribers.setdefault(digest_id, set()).add(user_id)

    def unsubscribe(self, user_id: str, digest_id: str) -> None:
        self.subscribers.get(digest_id, set()).discard(user_id)


def home_click(action_id: str, value: str, user: str) -> dict[str, Any]:
    """A button clicked on the Home tab: its container is the view, not a message."""
    payload = block_action(action_id, value, message_ts="0", user_id=user)
    for key in ("message", "channel"):
        payload.pop(key)
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home"}
    return payload


def test_digests_are_subscribed_and_unsubscribed_from_the_home(slack: SlackHarness) -> None:
    digests = Subscriptions([("weekly-revenue", "Weekly revenue", "Mondays at 9:00")])
    slack.app.digests = digests
    slack.sender.event(home_opened(ANALYST))
    home = home_of(slack.fake, ANALYST)
    assert "*Weekly revenue* \\u00b7 Mondays at 9:00 \\u00b7 you don't receive it" in home
    assert ACTION_HOME_SUBSCRIBE in home

    slack.sender.interaction(home_click(ACTION_HOME_SUBSCRIBE, "weekly-revenue", ANALYST))
    home = home_of(slack.fake, ANALYST, count=2)
    assert digests.subscribers["weekly-revenue"] == {ANALYST}
    assert "you receive it" in home and ACTION_HOME_UNSUBSCRIBE in home

    slack.sender.interaction(home_click(ACTION_HOME_UNSUBSCRIBE, "weekly-revenue", ANALYST))
    home_of(slack.fake, ANALYST, count=3)
    assert digests.subscribers["weekly-revenue"] == set()
