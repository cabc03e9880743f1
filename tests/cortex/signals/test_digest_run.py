"""`cortex digest run`: the dry run prints the digest with governed numbers, and a signal that
cannot be computed is named while the others still are."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from cortex.settings import load_settings
from cortex.signals.digests import load_digests
from cortex.signals.explained import signal_drivers
from cortex.signals.rules import default_rules
from cortex.signals.signals import evaluate_digest
from cortex.slack.digest_blocks import digest_message
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import run
from tests.cortex.signals.helpers import write_digests

ROOT = Path(__file__).resolve().parents[3]


def test_the_weekly_dry_run_prints_the_digest_with_governed_numbers(
    cortex: CliRunner, demo_con: duckdb.DuckDBPyConnection
) -> None:
    code, out, err = run(cortex, "digest", "run", "weekly", "--dry-run", "--as-of", "2026-11-24")
    assert code == 0, err
    assert "weekly digest as of 2026-11-24" in out and "nothing delivered" in out
    # last week is 16-22 Nov 2026; ARR is a snapshot taken on its last day
    (arr,) = demo_con.execute(
        "SELECT SUM(arr) FROM subscriptions WHERE started_on <= DATE '2026-11-22' "
        "AND (ended_on IS NULL OR ended_on > DATE '2026-11-22')"
    ).fetchone()
    assert f"${arr:,.0f}" in out
    assert "ARR" in out and "CSAT" in out and "fired" in out and "quiet" in out


def test_a_dry_run_of_an_unknown_digest_says_which_there_are(cortex: CliRunner) -> None:
    code, _, err = run(cortex, "digest", "run", "weeky", "--dry-run")
    assert code == 1
    assert "There is no digest 'weeky'" in err and "Did you mean 'weekly'?" in err


def test_one_failing_signal_does_not_stop_the_others_and_is_named(
    demo_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.duckdb"
    shutil.copy(demo_path, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("DROP TABLE opportunities")  # the warehouse can no longer compute win rate
    write_digests(
        tmp_path,
        """\
        version: 1
        digests:
          - name: mixed
            schedule: {cron: "0 8 * * 1", timezone: UTC}
            audience: {channels: [C0MIXED]}
            signals:
              - metric: win_rate
                period: last month
                compare: previous_period
                rule: {type: pct_change, at_least: 1}
              - metric: ticket_volume
                period: last week
                compare: previous_period
                rule: {type: threshold, above: 0}
              - metric: csat
                period: last week
                rule: {type: threshold, below: 1}
        """,
    )
    environ = {
        "CORTEX_WAREHOUSE": str(broken),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_DIGESTS": str(tmp_path / "digests.yml"),
    }
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as workspace:
        digest = load_digests(workspace.settings.digests_path, workspace.model).get("mixed")
        report = evaluate_digest(digest, workspace, default_rules())
    assert [o.label for o in report.failed] == ["Win rate"]
    assert [o.label for o in report.fired] == ["Ticket volume"]
    assert [o.label for o in report.quiet] == ["CSAT (average)"]
    failure = report.failed[0].error or ""
    assert "opportunities" in failure and "Traceback" not in failure
    message = digest_message(report)
    shown = " ".join(str(block) for block in message.blocks)
    assert "Could not compute: *Win rate*" in shown
    assert "*Ticket volume*" in shown and "Quiet: CSAT (average)" in shown
    assert "could not compute Win rate" in message.text


def test_an_anomaly_rule_without_its_evaluator_fails_only_its_signal(
    workspace: Workspace,
) -> None:
    digest = load_digests(ROOT / "digests.yml", workspace.model).get("daily")
    without = {kind: rule for kind, rule in default_rules().items() if kind != "anomaly"}
    report = evaluate_digest(digest, workspace, without)
    assert [o.signal.rule.kind for o in report.failed] == ["anomaly"]
    assert "no evaluator for the rule 'anomaly'" in (report.failed[0].error or "")
    assert len(report.outcomes) == 2 and report.outcomes[1].error is None


def test_the_anomaly_rule_judges_against_the_calendar_and_says_its_method_and_band(
    workspace: Workspace,
) -> None:
    digest = load_digests(ROOT / "digests.yml", workspace.model).get("daily")
    report = evaluate_digest(digest, workspace, default_rules())
    assert report.failed == ()
    (anomaly,) = [o for o in report.outcomes if o.signal.rule.kind == "anomaly"]
    reasons = [verdict.reason for _, verdict in anomaly.readings]
    assert reasons and all("band" in reason for reason in reasons)
    assert all("last year's same day" in reason or "No verdict" in reason for reason in reasons)


def test_a_fired_signal_carries_the_exact_drivers_of_its_change(workspace: Workspace) -> None:
    digest = load_digests(ROOT / "digests.yml", workspace.model).get("weekly")
    report = evaluate_digest(digest, workspace, default_rules(), signal_drivers)
    fired = [o for o in report.outcomes if o.fired]
    assert fired, "the weekly demo digest fires on the test demo"
    explained = [o for o in fired if o.drivers]
    assert explained and all(
        line.startswith(("Mostly by", "Not split")) for o in explained for line in o.drivers
    )
