"""What the digest tests share: a digests.yml of their own, the fake Slack's people, a runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cortex.signals.delivery import DeliveryLedger
from cortex.signals.rules import default_rules
from cortex.signals.runner import DigestRunner
from cortex.slack.app import slack_client
from cortex.slack.digest_courier import SlackCourier
from cortex.workspace import Workspace
from tests.fakes.slack_api import FakeSlack

BOT_TOKEN = "xoxb-test-0000-digests"
OWNER_ID = "U0SUPPORTOPS"
OWNER_EMAIL = "support-ops@cortex-demo.com"  # ticket_volume's owner in metrics.yml
PEOPLE = {OWNER_ID: {"name": "sam", "real_name": "Sam Ops", "email": OWNER_EMAIL}}

#: A daily and a weekly digest whose ticket signal always fires (more than 0 tickets).
DIGESTS_YML = """\
version: 1
digests:
  - name: daily
    schedule: {cron: "0 8 * * *", timezone: UTC}
    audience: {channels: [C0DAILY]}
    notify_owners: true
    signals:
      - metric: ticket_volume
        period: yesterday
        compare: previous_period
        rule: {type: threshold, above: 0}
  - name: weekly
    schedule: {cron: "0 8 * * 1", timezone: UTC}
    audience: {channels: [C0WEEKLY]}
    signals:
      - metric: ticket_volume
        period: last week
        compare: previous_period
        rule: {type: threshold, above: 0}
      - metric: csat
        period: last week
        rule: {type: threshold, below: 1}
"""


def write_digests(folder: Path, text: str = DIGESTS_YML) -> Path:
    path = folder / "digests.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def slack_runner(workspace: Workspace, fake: FakeSlack, ledger: Path) -> DigestRunner:
    """A runner delivering through the real slack_sdk client to the fake Slack."""
    courier = SlackCourier(slack_client(BOT_TOKEN, fake.url))
    return DigestRunner(workspace, default_rules(), courier, DeliveryLedger(ledger))


def posted_periods(fake: FakeSlack, channel: str) -> list[str]:
    """The period of every digest message in `channel`, oldest first (from its metadata)."""
    return [
        call.params["metadata"]["event_payload"]["period"]
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == channel and call.reply.get("ok")
    ]


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, *parts: int) -> None:
        self.at = datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


NowFn = Callable[[], datetime]
