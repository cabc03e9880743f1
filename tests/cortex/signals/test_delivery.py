"""Exactly one post per digest and period: through several periods on a frozen clock, across a
restart, after missed runs (caught up once, for the latest period), and after a process killed
in the middle of a delivery, whether Slack got the post or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cortex.settings import load_settings
from cortex.signals.delivery import DeliveryLedger
from cortex.signals.digests import load_digests
from cortex.signals.schedule import Scheduler
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF
from tests.cortex.signals.helpers import (
    BOT_TOKEN,
    OWNER_ID,
    PEOPLE,
    Clock,
    posted_periods,
    slack_runner,
    write_digests,
)
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(users=PEOPLE) as slack:
        yield slack


@pytest.fixture()
def digest_workspace(demo_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    write_digests(tmp_path)
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_DIGESTS": str(tmp_path / "digests.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as opened:
        yield opened


def scheduler(workspace: Workspace, fake: FakeSlack, ledger: Path, clock: Clock) -> Scheduler:
    """A scheduler as `cortex digest serve` builds it, on the frozen clock."""
    runner = slack_runner(workspace, fake, ledger)
    book = load_digests(workspace.settings.digests_path, workspace.model)
    return Scheduler(
        book.digests,
        run=runner.run,
        done=lambda digest, key: runner.ledger.is_done(digest.name, key),
        now=clock,
    )


def test_the_scheduler_posts_once_per_digest_and_period_across_a_restart(
    digest_workspace: Workspace, fake: FakeSlack, tmp_path: Path
) -> None:
    ledger = tmp_path / "data" / "digests.sqlite"
    clock = Clock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))  # a Friday, before 08:00
    first = scheduler(digest_workspace, fake, ledger, clock)
    assert first.tick() == 2  # started late: the latest daily (19th) and weekly (16th) caught up
    for hour, minute in ((7, 30), (8, 0), (8, 0), (9, 15)):
        clock.set(2026, 11, 20, hour, minute)
        first.tick()
    assert posted_periods(fake, "C0DAILY") == ["2026-11-19T08:00+00:00", "2026-11-20T08:00+00:00"]

    restarted = scheduler(digest_workspace, fake, ledger, clock)  # a new process, same ledger
    assert restarted.tick() == 0
    clock.set(2026, 11, 23, 9, 0)  # down all weekend: the 21st and 22nd are skipped
    assert restarted.tick() == 2
    assert restarted.tick() == 0
    clock.set(2026, 11, 24, 8, 0)
    restarted.tick()

    assert posted_periods(fake, "C0DAILY") == [
        "2026-11-19T08:00+00:00",
        "2026-11-20T08:00+00:00",
        "2026-11-23T08:00+00:00",
        "2026-11-24T08:00+00:00",
    ]
    assert posted_periods(fake, "C0WEEKLY") == ["2026-11-16T08:00+00:00", "2026-11-23T08:00+00:00"]
    # the daily digest notifies the metric's owner, found by e-mail, once a period too
    assert len(posted_periods(fake, f"D{OWNER_ID}")) == 4
    assert len(fake.calls_to("users.lookupByEmail")) == 4


def test_an_only_when_fired_digest_posts_nothing_and_its_period_is_done(
    digest_workspace: Workspace, fake: FakeSlack, tmp_path: Path
) -> None:
    write_digests(
        tmp_path,
        """\
        version: 1
        digests:
          - name: quiet
            schedule: {cron: "0 8 * * *", timezone: UTC}
            audience: {channels: [C0QUIET]}
            only_when_fired: true
            signals:
              - metric: ticket_volume
                period: yesterday
                rule: {type: threshold, below: 0}
        """,
    )
    ledger = tmp_path / "data" / "digests.sqlite"
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    assert scheduler(digest_workspace, fake, ledger, clock).tick() == 1
    assert scheduler(digest_workspace, fake, ledger, clock).tick() == 0
    assert fake.calls_to("chat.postMessage") == []
    rows = DeliveryLedger(ledger).rows("quiet")
    assert [(r[1], r[3]) for r in rows] == [("2026-11-20T08:00+00:00", "nothing_fired")]


# --------------------------------------------------------------------------- a killed process


def start_run(tmp_path: Path, fake: FakeSlack, demo_path: Path) -> subprocess.Popen[bytes]:
    """`cortex digest run daily` in a process of its own, delivering to the fake Slack."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_DIGESTS": str(tmp_path / "digests.yml"),
        "CORTEX_AUDIT": str(tmp_path / "data" / "audit.sqlite"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cortex.cli", "digest", "run", "daily", "--as-of", "2026-11-24"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


PERIOD = "2026-11-24T08:00+00:00"


def restart_and_run(workspace: Workspace, fake: FakeSlack, tmp_path: Path) -> DeliveryLedger:
    """What the next process does: run the same digest for the same period."""
    runner = slack_runner(workspace, fake, tmp_path / "data" / "digests.sqlite")
    digest = load_digests(workspace.settings.digests_path, workspace.model).get("daily")
    runner.run(digest, datetime(2026, 11, 24, 8, 0, tzinfo=UTC), DEMO_AS_OF)
    return runner.ledger


def test_killed_after_slack_took_the_post_the_restart_finds_it_and_posts_nothing(
    digest_workspace: Workspace, fake: FakeSlack, tmp_path: Path, demo_path: Path
) -> None:
    fake.hold_reply_next("chat.postMessage")  # Slack posts it; its answer never arrives
    process = start_run(tmp_path, fake, demo_path)
    fake.wait_held("chat.postMessage", timeout=60)
    kill(process)  # between Slack's ok and the ledger's "delivered"
    fake.release_held()
    ledger = DeliveryLedger(tmp_path / "data" / "digests.sqlite")
    assert ledger.state("daily", PERIOD, "channel:C0DAILY") == "delivering"

    ledger = restart_and_run(digest_workspace, fake, tmp_path)
    assert posted_periods(fake, "C0DAILY") == [PERIOD]  # one post, the one made before the kill
    assert len(fake.messages("C0DAILY")) == 1
    assert fake.calls_to("conversations.history")  # the restart looked before posting
    assert ledger.state("daily", PERIOD, "channel:C0DAILY") == "delivered"
    assert ledger.is_done("daily", PERIOD)


def test_killed_before_slack_got_the_post_the_restart_posts_it_once(
    digest_workspace: Workspace, tmp_path: Path, demo_path: Path
) -> None:
    with FakeSlack(users=PEOPLE) as hung:
        hung.hold_next("chat.postMessage")  # Slack hangs on the post
        process = start_run(tmp_path, hung, demo_path)
        hung.wait_held("chat.postMessage", timeout=60)
        kill(process)
    # that Slack went away with the post never made; the next process meets a working one
    with FakeSlack(users=PEOPLE) as fake:
        ledger = restart_and_run(digest_workspace, fake, tmp_path)
        assert posted_periods(fake, "C0DAILY") == [PERIOD]
        restart_and_run(digest_workspace, fake, tmp_path)  # and again: nothing more
        assert len(fake.messages("C0DAILY")) == 1
    assert ledger.state("daily", PERIOD, "channel:C0DAILY") == "delivered"
