"""`cortex serve slack` that cannot start says why in one `Error:` sentence and a hint, exits 1,
and shows no traceback, no trace id and no secret. The first test runs a real process, as an
operator would; the others run the same command line in-process (faster), as the CLI tests do.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.cli import app
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, slack_users

ROOT = Path(__file__).resolve().parents[2]


def serve_slack(env: dict[str, str], cwd: Path) -> Outcome:
    """Run `cortex serve slack` as a process to its end (a start that fails ends at once)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CORTEX_", "SLACK_"))}
    environ |= {"PYTHONPATH": str(ROOT), "COLUMNS": "200", **env}
    done = subprocess.run(
        [sys.executable, "-c", "from cortex.cli import main; main()", "serve", "slack"],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Outcome(done.returncode, done.stderr, done.stdout)


@dataclass
class Outcome:
    """How a `cortex serve slack` run ended."""

    returncode: int
    stderr: str
    stdout: str


Serve = Callable[[dict[str, str]], Outcome]


@pytest.fixture()
def serve_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serve]:
    """`cortex serve slack` in this process, in tmp_path; the stderr log handler the command
    adds to the root logger is taken off again afterwards."""
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def run(env: dict[str, str]) -> Outcome:
        result = CliRunner(env=env).invoke(app, ["serve", "slack"])
        return Outcome(result.exit_code, result.stderr, result.stdout)

    yield run
    root.handlers[:], root.level = handlers, level


def settings(demo_path: Path, tmp_path: Path, slack_url: str) -> dict[str, str]:
    return {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_AUDIT": str(tmp_path / "audit.sqlite"),
        "CORTEX_CONVERSATIONS": str(tmp_path / "conversations.sqlite"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
    }


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def broken_access(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "access.yml"
    path.write_text("version: 1\nroles: {analyst: {description: x}}\nuserz: {}\n", "utf-8")
    return {"CORTEX_ACCESS": str(path)}


def broken_metrics(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "metrics.yml"
    path.write_text((ROOT / "metrics.yml").read_text("utf-8") + "\nbogus_key: 1\n", "utf-8")
    (tmp_path / "access.yml").write_text((ROOT / "access.yml").read_text("utf-8"), "utf-8")
    return {"CORTEX_METRICS": str(path)}


def not_a_warehouse(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "warehouse.duckdb"
    path.write_text("this is not a DuckDB file", "utf-8")
    return {"CORTEX_WAREHOUSE": str(path)}


def no_signing_secret(tmp_path: Path) -> dict[str, str]:
    return {"SLACK_SIGNING_SECRET": ""}


Override = Callable[[Path], dict[str, str]]


def assert_one_clear_error(result: Outcome, sentence: str) -> None:
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert sentence in errors[0], result.stderr
    assert "Hint:" in result.stderr
    assert "Traceback" not in result.stderr and "trace " not in result.stderr
    assert "slack_sdk" not in result.stderr  # no SDK log lines repeating the failure
    assert BOT_TOKEN not in result.stderr + result.stdout
    assert SIGNING_SECRET not in result.stderr + result.stdout


def test_a_token_slack_refuses_is_one_sentence(demo_path: Path, tmp_path: Path) -> None:
    with FakeSlack(users=slack_users()) as fake:
        fake.fail_next("auth.test", error="invalid_auth")  # a revoked or mistyped token
        result = serve_slack(settings(demo_path, tmp_path, fake.url), tmp_path)
    assert_one_clear_error(result, "Error: Slack refused the bot token (invalid_auth).")
    assert "OAuth & Permissions" in result.stderr


def test_an_unreachable_slack_is_one_sentence(
    demo_path: Path, tmp_path: Path, serve_in_process: Serve
) -> None:
    port = closed_port()
    result = serve_in_process(settings(demo_path, tmp_path, f"http://127.0.0.1:{port}/api/"))
    assert_one_clear_error(
        result, f"Error: Cannot reach Slack at http://127.0.0.1:{port}: connection refused."
    )
    assert "SLACK_API_URL" in result.stderr


@pytest.mark.parametrize(
    ("override", "sentence"),
    [
        (no_signing_secret, "Error: SLACK_SIGNING_SECRET is not set."),
        (broken_access, "Error: 1 error(s) in the access policy:"),
        (not_a_warehouse, "Error: Cannot open the warehouse"),
    ],
    ids=["no signing secret", "broken access.yml", "not a warehouse"],
)
def test_a_broken_setting_or_file_is_named_before_slack_is_asked(
    demo_path: Path, tmp_path: Path, serve_in_process: Serve, override: Override, sentence: str
) -> None:
    with FakeSlack(users=slack_users()) as fake:
        result = serve_in_process(settings(demo_path, tmp_path, fake.url) | override(tmp_path))
        asked = fake.calls_to("auth.test")
    assert_one_clear_error(result, sentence)
    assert asked == []  # nothing reached Slack: the local problem is the one to fix


def test_a_broken_metrics_file_is_named_at_its_line(
    demo_path: Path, tmp_path: Path, serve_in_process: Serve
) -> None:
    with FakeSlack(users=slack_users()) as fake:
        result = serve_in_process(
            settings(demo_path, tmp_path, fake.url) | broken_metrics(tmp_path)
        )
    assert result.returncode == 1
    assert "metrics.yml:" in result.stderr and "bogus_key" in result.stderr
    assert "Traceback" not in result.stderr and "trace " not in result.stderr
