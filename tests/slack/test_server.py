"""Building and serving the Slack app from settings, as `cortex serve slack` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.cli import app
from cortex.errors import UserError
from cortex.settings import load_settings
from cortex.slack.server import build_slack, running
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackSender
from tests.slack.conftest import ANALYST, BOT_TOKEN, SIGNING_SECRET, slack_users

ROOT = Path(__file__).resolve().parents[2]


def environ(demo_path: Path, tmp_path: Path, **slack: str) -> dict[str, str]:
    return {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_AUDIT": str(tmp_path / "audit.sqlite"),
        "CORTEX_CONVERSATIONS": str(tmp_path / "conversations.sqlite"),
        **slack,
    }


def test_missing_slack_secrets_are_named_and_nothing_starts(
    demo_path: Path, tmp_path: Path
) -> None:
    settings = load_settings(environ(demo_path, tmp_path), cwd=tmp_path)
    with pytest.raises(UserError, match="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set"):
        build_slack(settings)


def test_socket_mode_without_an_app_token_says_what_to_create(
    demo_path: Path, tmp_path: Path
) -> None:
    env = environ(demo_path, tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s" * 32)
    result = CliRunner(env=env).invoke(app, ["serve", "slack", "--socket"])
    assert result.exit_code == 1
    assert "SLACK_APP_TOKEN" in result.stderr and "connections:write" in result.stderr
    assert BOT_TOKEN not in result.stderr


def test_the_app_built_from_settings_answers_with_the_shipped_access_policy(
    demo_path: Path, tmp_path: Path
) -> None:
    # U02H7Q4KX9P is an analyst in the shipped access.yml
    users = slack_users() | {"U02H7Q4KX9P": {"name": "nadia", "real_name": "Nadia Farouk"}}
    with FakeSlack(users=users) as fake:
        env = environ(
            demo_path,
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
        )
        slack = build_slack(load_settings(env, cwd=tmp_path), draw_charts=False)
        with running(slack) as url:
            sender = SlackSender(app_url=url, signing_secret=SIGNING_SECRET)
            event = {
                "type": "app_mention",
                "user": "U02H7Q4KX9P",
                "text": "<@UCORTEXBOT> ARR by segment",
                "channel": "C0FIN",
                "ts": "1764000000.000001",
            }
            assert sender.event(event).status_code == 200
            update = fake.wait_for("chat.update")[0]
            stranger = dict(event, user=ANALYST, ts="1764000000.000002")  # not in access.yml
            sender.event(stranger)
            refusal = fake.wait_until(
                lambda calls: [
                    c
                    for c in calls
                    if c.method == "chat.postMessage"
                    and c.params.get("thread_ts") == "1764000000.000002"
                ]
            )[0]
    assert "Enterprise" in str(update.params["blocks"])
    assert "not allowed" in str(refusal.params["blocks"]).lower()
    assert [r.outcome for r in slack.audit.list()] == ["denied", "answered"]
