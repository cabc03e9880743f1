"""The rules judge readings as digests.yml says; the schedule reads cron in its timezone; the
anomaly rule and the drivers plug in through their seams."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cortex.signals.digests import Audience, Digest, Rule, Schedule, Signal, load_digests
from cortex.signals.rules import (
    PctChange,
    Reading,
    RuleContext,
    Threshold,
    Verdict,
    default_rules,
)
from cortex.signals.schedule import Scheduler, period_of
from cortex.signals.signals import evaluate_digest
from cortex.slack.digest_blocks import digest_message
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.cortex.signals.helpers import write_digests


def context(**params: object) -> RuleContext:
    query = SemanticQuery(metrics=("m",))
    return RuleContext(query=query, as_of=date(2026, 11, 24), run=lambda q: [], params=params)


def test_pct_change_fires_on_a_large_enough_change_either_way_or_one_way() -> None:
    rule = PctChange()
    up, down = Reading(110.0, 100.0, 10.0, 0.10), Reading(85.0, 100.0, -15.0, -0.15)
    assert rule.judge(up, context(at_least=10)) == Verdict(True, "up 10.0%, at least 10%")
    assert not rule.judge(up, context(at_least=12)).fired
    assert rule.judge(down, context(at_least=10)).fired
    assert not rule.judge(down, context(at_least=10, direction="up")).fired
    assert not rule.judge(Reading(5.0), context(at_least=10)).fired  # nothing to compare with
    assert rule.check({"at_least": -1, "by": 2}) == [
        "unknown parameter 'by' (accepted: at_least, direction)",
        "'at_least' must be a number of percent above 0, e.g. at_least: 10 (not -1)",
    ]


def test_threshold_fires_strictly_above_or_below() -> None:
    rule = Threshold()
    assert rule.judge(Reading(4.0), context(below=4.2)).fired
    assert not rule.judge(Reading(4.2), context(below=4.2)).fired
    assert rule.judge(Reading(101.0), context(above=100)).fired
    assert rule.check({"above": "lots"}) == ["'above' must be a number, not 'lots'"]


def test_the_schedule_reads_cron_in_its_timezone_across_a_clock_change() -> None:
    london = Schedule("0 8 * * *", "Europe/London")
    # 08:00 in London is 08:00 UTC in winter, 07:00 UTC in summer
    assert london.latest(datetime(2026, 10, 26, 7, 59, tzinfo=UTC)) == datetime(
        2026, 10, 25, 8, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert london.latest(datetime(2026, 10, 23, 7, 0, tzinfo=UTC)) == datetime(
        2026, 10, 23, 8, 0, tzinfo=ZoneInfo("Europe/London")
    )
    monday = Schedule("0 8 * * 1", "UTC")
    assert monday.following(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 8, 0, tzinfo=ZoneInfo("UTC")
    )


class Spike:
    """A stand-in anomaly evaluator: fires when the value is over twice the history's mean,
    reading the history with a governed query of its own."""

    def check(self, params: Mapping[str, object]) -> list[str]:
        return [] if set(params) <= {"band"} else ["only 'band' is accepted"]

    def judge(self, reading: Reading, context: RuleContext) -> Verdict:
        history = context.query.model_copy(
            update={"time_range": "last 8 weeks", "compare": None, "dimensions": ()}
        )
        rows = context.run(history)
        assert rows, "the evaluator reads governed history"
        return Verdict(True, "outside the band (a stand-in)")


def test_an_anomaly_evaluator_and_a_drivers_hook_plug_in(
    workspace: Workspace, tmp_path: Path
) -> None:
    write_digests(
        tmp_path,
        """\
        version: 1
        digests:
          - name: daily
            schedule: {cron: "0 8 * * *", timezone: UTC}
            audience: {channels: [C0DAILY]}
            signals:
              - metric: ticket_volume
                period: yesterday
                compare: previous_year
                rule: {type: anomaly, band: 3}
        """,
    )
    rules = {**default_rules(), "anomaly": Spike()}
    digest = load_digests(tmp_path / "digests.yml", workspace.model, rules).get("daily")

    def drivers(signal: Signal, reading: Reading, ws: Workspace) -> list[str]:
        return [f"{signal.metric}: email +12 (60% of the change)"]

    report = evaluate_digest(digest, workspace, rules, drivers)
    assert [o.label for o in report.fired] == ["Ticket volume"]
    assert report.fired[0].drivers == ("ticket_volume: email +12 (60% of the change)",)
    shown = str(digest_message(report).blocks)
    assert "outside the band (a stand-in)" in shown and "Top drivers: ticket_volume: email" in shown

    def broken(signal: Signal, reading: Reading, ws: Workspace) -> list[str]:
        raise RuntimeError("drivers failed")

    assert evaluate_digest(digest, workspace, rules, broken).fired[0].drivers == ()


def test_a_run_by_hand_stands_for_the_latest_scheduled_time_already_due() -> None:
    digest = Digest(
        "daily",
        Schedule("0 8 * * *", "UTC"),
        Audience(("C1",)),
        (Signal("s", "m", "yesterday", Rule("threshold", {})),),
    )
    day = date(2026, 11, 24)
    assert period_of(digest, day) == datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("UTC"))
    early = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # today's 08:00 is not due yet
    assert period_of(digest, day, early) == datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("UTC"))


def test_serve_ticks_until_stopped() -> None:
    stop = threading.Event()
    ran: list[datetime] = []
    schedule = Schedule("0 8 * * *", "UTC")
    digest = Digest(
        "daily",
        schedule,
        Audience(("C1",)),
        (Signal("s", "m", "yesterday", Rule("threshold", {})),),
    )

    def run(d: Digest, fire: datetime) -> None:
        ran.append(fire)
        stop.set()  # the first delivery, then the operator stops it

    scheduler = Scheduler(
        [digest],
        run=run,
        done=lambda d, key: bool(ran),
        now=lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    )
    scheduler.serve(stop)
    assert ran == [datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("UTC"))]
