"""A digest in Slack: Block Kit built from slack_sdk's objects, a line per fired signal with its
numbers and sparkline, the quiet ones in one line, the trust badge; its "Open in a thread"
button answers the signal's question in the digest's thread, which then takes follow-ups."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from cortex.signals.delivery import DeliveryLedger
from cortex.signals.digests import load_digests
from cortex.signals.rules import default_rules
from cortex.signals.runner import DigestRunner
from cortex.slack.app import slack_client
from cortex.slack.digest_blocks import ACTION_DIGEST_OPEN
from cortex.slack.digest_courier import SlackCourier
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import SlackCall
from tests.fakes.slack_client import block_action
from tests.slack.conftest import ANALYST, BOT_TOKEN, SlackHarness
from tests.slack.test_slack_app import answered, next_ts

DIGEST_CHANNEL = "C0DIGEST"
DIGESTS_YML = """\
version: 1
digests:
  - name: weekly
    schedule: {cron: "0 8 * * 1", timezone: UTC}
    audience: {channels: [C0DIGEST]}
    signals:
      - metric: ticket_volume
        period: last week
        compare: previous_period
        rule: {type: threshold, above: 0}
      - metric: csat
        period: last week
        rule: {type: threshold, below: 1}
"""


def deliver_weekly(slack: SlackHarness, tmp_path: Path) -> SlackCall:
    path = tmp_path / "digests.yml"
    path.write_text(textwrap.dedent(DIGESTS_YML), encoding="utf-8")
    workspace = slack.app.agent.workspace
    digest = load_digests(path, workspace.model).get("weekly")
    courier = SlackCourier(slack_client(BOT_TOKEN, slack.fake.url))
    runner = DigestRunner(
        workspace, default_rules(), courier, DeliveryLedger(tmp_path / "digests.sqlite")
    )
    runner.run(digest, datetime(2026, 11, 23, 8, 0, tzinfo=UTC), DEMO_AS_OF)
    return slack.fake.calls_to("chat.postMessage")[0]


def test_the_digest_message_has_a_line_per_fired_signal_the_quiet_ones_and_the_badge(
    slack: SlackHarness, tmp_path: Path
) -> None:
    post = deliver_weekly(slack, tmp_path)
    blocks = post.params["blocks"]
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "Weekly digest · 24 Nov 2026"
    fired = [b for b in blocks if b["type"] == "section" and "accessory" in b]
    assert len(fired) == 1
    line = fired[0]["text"]["text"]
    assert line.startswith("*Ticket volume* ") and "from" in line and "(9–15 Nov 2026)" in line
    assert any(bar in line for bar in "▁▂▃▄▅▆▇█")  # the sparkline
    assert fired[0]["accessory"]["action_id"] == f"{ACTION_DIGEST_OPEN}_0"
    contexts = " ".join(json.dumps(b) for b in blocks if b["type"] == "context")
    assert "Quiet: CSAT (average)" in contexts and "*Generated* from governed metrics" in contexts
    assert post.params["metadata"]["event_type"] == "cortex_digest"


def test_the_button_opens_the_answer_in_a_thread_that_takes_a_follow_up(
    slack: SlackHarness, tmp_path: Path
) -> None:
    post = deliver_weekly(slack, tmp_path)
    digest_ts = slack.fake.reply_ts(post)
    button = next(b["accessory"] for b in post.params["blocks"] if "accessory" in b)
    payload = block_action(
        button["action_id"],
        button["value"],
        message_ts=digest_ts,
        user_id=ANALYST,
        channel_id=DIGEST_CHANNEL,
        block_id="signal",
    )
    assert slack.sender.interaction(payload).status_code == 200
    answer = answered(slack.fake, digest_ts)
    assert answer.params["channel"] == DIGEST_CHANNEL and "Ticket volume" in answer.params["text"]

    reply = {
        "type": "message",
        "channel_type": "channel",
        "user": ANALYST,
        "text": "now by channel",
        "channel": DIGEST_CHANNEL,
        "ts": next_ts(),
        "thread_ts": digest_ts,
    }
    assert slack.sender.event(reply).status_code == 200
    slack.fake.wait_until(lambda calls: len([c for c in calls if c.method == "chat.update"]) >= 2)
    records = slack.audit.list()
    assert [r.outcome for r in records] == ["answered", "answered"]
    follow_up = json.loads(records[0].plan or "{}")
    assert follow_up["metrics"] == ["ticket_volume"] and follow_up["dimensions"] == ["channel"]
