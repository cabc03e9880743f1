"""`/readyz`: 200 when Cortex can answer now, 503 naming what cannot (the warehouse, metrics.yml,
access.yml, Slack's auth.test), each with one line of reason and never a secret.

The app is served for real (uvicorn) against the fake Slack; the probe is a plain HTTP GET.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex.settings import load_settings
from cortex.slack.readiness import Readiness
from cortex.slack.server import running
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackSender
from tests.slack.conftest import ACCESS_YML, BOT_TOKEN, SIGNING_SECRET, SlackHarness, serve

ROOT = Path(__file__).resolve().parents[2]


def readyz(harness: SlackHarness) -> tuple[int, dict[str, Any]]:
    """GET /readyz of the served app: the status and the decoded JSON body."""
    url = harness.sender.app_url.replace("/slack/events", "/readyz")
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {name: check["status"] for name, check in body["checks"].items()}


def auth_tests(fake: FakeSlack) -> int:
    return len(fake.calls_to("auth.test"))


def test_all_four_checks_pass_and_the_probe_says_so(slack: SlackHarness) -> None:
    status, body = readyz(slack)
    assert status == 200
    assert body["ready"] is True
    assert statuses(body) == {
        "warehouse": "ok",
        "metrics": "ok",
        "access": "ok",
        "slack": "ok",
    }
    assert all(check["reason"] for check in body["checks"].values())


def test_a_token_slack_refuses_fails_the_slack_check_alone(slack: SlackHarness) -> None:
    slack.fake.fail_next("auth.test", error="invalid_auth")
    status, body = readyz(slack)
    assert status == 503
    assert body["ready"] is False
    assert statuses(body) == {
        "warehouse": "ok",
        "metrics": "ok",
        "access": "ok",
        "slack": "failed",
    }
    slack_check = body["checks"]["slack"]
    assert slack_check["reason"] == "Slack refused the bot token (invalid_auth)."
    assert "SLACK_BOT_TOKEN" in slack_check["hint"]
    assert BOT_TOKEN not in json.dumps(body) and SIGNING_SECRET not in json.dumps(body)


def test_a_probe_storm_asks_slack_once_per_interval(slack: SlackHarness) -> None:
    before = auth_tests(slack.fake)
    for _ in range(20):
        assert readyz(slack)[0] == 200
    assert auth_tests(slack.fake) == before + 1


def test_a_broken_access_file_fails_the_access_check_at_its_line(
    slack: SlackHarness, workspace: Workspace
) -> None:
    workspace.settings.access_path.write_text(
        "version: 1\nroles:\n  analyst: {description: x}\nuserz: {}\n", encoding="utf-8"
    )
    status, body = readyz(slack)
    assert status == 503
    assert statuses(body)["access"] == "failed"
    reason = body["checks"]["access"]["reason"]
    assert "access.yml:4" in reason and "userz" in reason and "\n" not in reason
    assert statuses(body)["warehouse"] == statuses(body)["slack"] == "ok"


def test_a_closed_warehouse_fails_the_warehouse_check(
    slack: SlackHarness, workspace: Workspace
) -> None:
    workspace.warehouse.close()
    status, body = readyz(slack)
    assert status == 503
    assert statuses(body)["warehouse"] == "failed"
    assert "closed" in body["checks"]["warehouse"]["reason"]


@pytest.fixture()
def own_metrics(demo_path: Path, tmp_path: Path, fake: FakeSlack) -> Iterator[SlackHarness]:
    """The app served on a copy of metrics.yml (in tmp_path) that a test may break."""
    shutil.copy(ROOT / "metrics.yml", tmp_path / "metrics.yml")
    (tmp_path / "access.yml").write_text(textwrap.dedent(ACCESS_YML), encoding="utf-8")
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(tmp_path / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_AUDIT": str(tmp_path / "audit.sqlite"),
    }
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as workspace:
        app = serve(workspace, fake)
        with running(app) as url:
            yield SlackHarness(fake, SlackSender(url, SIGNING_SECRET), app, app.audit)


def test_a_metrics_file_that_no_longer_loads_fails_the_metrics_check(
    own_metrics: SlackHarness, tmp_path: Path
) -> None:
    metrics = tmp_path / "metrics.yml"
    metrics.write_text(metrics.read_text(encoding="utf-8") + "\nbogus_key: 1\n", encoding="utf-8")
    status, body = readyz(own_metrics)
    assert status == 503
    assert statuses(body)["metrics"] == "failed"
    assert "metrics.yml:" in body["checks"]["metrics"]["reason"]
    assert "bogus_key" in body["checks"]["metrics"]["reason"]
    assert body["checks"]["metrics"]["hint"] == "Run `cortex check` and fix it."


def test_a_hung_slack_fails_the_probe_in_time_without_a_second_call(
    slack: SlackHarness,
) -> None:
    readiness = Readiness.of(slack.app, timeout_seconds=0.3)
    slack.fake.hold_next("auth.test")
    started = time.monotonic()
    ready, checks = readiness.run()
    assert not ready and time.monotonic() - started < 2.0
    slack_check = next(check for check in checks if check.name == "slack")
    assert slack_check.reason == "Slack's auth.test gave no answer within 0.3 s."
    slack.fake.wait_held("auth.test")
    readiness.run()  # the first call is still out: this probe waits on it, it asks no more
    slack.fake.release_held()
    deadline = time.monotonic() + 5
    while not readiness.run()[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert readiness.run()[0]  # the held call's answer, remembered
    assert len(slack.fake.calls_to("auth.test")) == 2  # bolt's at start, then the probe's one
