"""A question is never lost when the process answering it dies.

These tests run `cortex serve slack` as a real process against the fake Slack, kill it with
SIGKILL in the middle of an answer, start a new one on the same files and redeliver the event
as Slack does (same event id, `X-Slack-Retry-Num`). The fake's journal then shows what the
person who asked sees: one answer in their thread, in place of the "Working on it…"
placeholder, and the audit trail holds one record of the question.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cortex.slack.app import RESUME_WITHIN_SECONDS, slack_client
from cortex.slack.blocks import text_message
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Pending, Placeholders
from cortex.slack.server import running
from cortex.stores.audit import AuditEntry, AuditLog
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack, SlackMessage
from tests.fakes.slack_client import SlackSender
from tests.slack.conftest import ACCESS_YML, ANALYST, BOT_TOKEN, ROOT, SIGNING_SECRET, serve
from tests.slack.test_slack_app import CHANNEL, all_text, mention

QUESTION = "what's our ARR?"


@dataclass
class Server:
    """A `cortex serve slack` process: its events URL and the file holding its log."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Files:
    """The settings both processes share, and the stores they write."""

    environ: dict[str, str]
    audit: Path
    events: Path


@pytest.fixture()
def files(demo_path: Path, tmp_path: Path, fake: FakeSlack) -> Files:
    access = tmp_path / "access.yml"
    access.write_text(textwrap.dedent(ACCESS_YML), encoding="utf-8")
    audit = tmp_path / "audit.sqlite"
    environ = dict(os.environ) | {
        "PYTHONPATH": str(ROOT),  # for tests.slack.stalled_server
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_CONTEXT": str(ROOT / "context"),
        "CORTEX_ACCESS": str(access),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_AUDIT": str(audit),
        "CORTEX_CONVERSATIONS": str(tmp_path / "conversations.sqlite"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
    }
    return Files(environ, audit, audit.with_name("slack_events.sqlite"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(files: Files, name: str, *, stalled: bool = False) -> Iterator[Server]:
    """`cortex serve slack` on a free port (with `stalled`, the same app whose planner never
    finishes: tests/slack/stalled_server.py), up and serving; stopped at the end."""
    port = free_port()
    if stalled:
        command = [sys.executable, "-m", "tests.slack.stalled_server", "--port", str(port)]
    else:
        cortex = shutil.which("cortex", path=str(Path(sys.executable).parent))
        assert cortex is not None, "the cortex command is not installed next to this python"
        command = [cortex, "serve", "slack", "--host", "127.0.0.1", "--port", str(port)]
    log = files.audit.with_name(f"{name}.log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=files.environ, cwd=files.audit.parent, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        while not _healthy(port):
            assert process.poll() is None, f"{name} exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{name} did not start:\n{log.read_text()}"
            time.sleep(0.05)
        yield Server(process, f"http://127.0.0.1:{port}/slack/events", log)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def deliver(url: str, event: dict[str, Any], event_id: str, retry: int | None = None) -> None:
    sender = SlackSender(app_url=url, signing_secret=SIGNING_SECRET)
    assert sender.event(event, event_id=event_id, retry_num=retry).status_code == 200


def the_thread(fake: FakeSlack, event: dict[str, Any]) -> list[SlackMessage]:
    """What Cortex has in the thread of `event` now (every message, as last updated)."""
    return fake.messages(CHANNEL, thread_ts=event["ts"])


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def assert_answered_once(fake: FakeSlack, files: Files, event: dict[str, Any]) -> None:
    fake.wait_for("chat.update", timeout=20)
    time.sleep(0.5)  # a second answer, if one were coming, would be on its way by now
    (placeholder,) = fake.calls_to("chat.postMessage")
    (message,) = the_thread(fake, event)  # one message: the placeholder, now the answer
    assert message.ts == fake.reply_ts(placeholder) and message.updates == 1
    assert "Working on it" not in message.text and "$" in message.text
    (record,) = AuditLog(files.audit).list()
    assert (record.question, record.user_id, record.outcome) == (QUESTION, ANALYST, "answered")


def test_an_answer_recorded_but_not_yet_shown_when_the_process_dies_is_shown_once_after_a_restart(
    fake: FakeSlack, files: Files
) -> None:
    event = mention(ANALYST, QUESTION)
    fake.hold_next("chat.update")  # Slack hangs as the answer replaces the placeholder
    with server(files, "first") as first:
        deliver(first.url, event, "Ev0KILLED01")
        fake.wait_held("chat.update", timeout=20)
        first.kill()
    assert "Working on it" in the_thread(fake, event)[0].text
    with server(files, "second") as second:
        deliver(second.url, event, "Ev0KILLED01", retry=1)
        assert_answered_once(fake, files, event)
    assert "Traceback" not in second.log.read_text()


def test_a_question_interrupted_while_it_is_answered_is_answered_once_after_a_restart(
    fake: FakeSlack, files: Files
) -> None:
    event = mention(ANALYST, QUESTION)
    with server(files, "first", stalled=True) as first:
        deliver(first.url, event, "Ev0KILLED02")
        wait_until(lambda: Placeholders(files.events).get("Ev0KILLED02") is not None)
        first.kill()  # planning, between the placeholder and the answer
    with server(files, "second") as second:
        deliver(second.url, event, "Ev0KILLED02", retry=1)
        assert_answered_once(fake, files, event)
    assert "Traceback" not in second.log.read_text()


def test_a_placeholder_left_longer_than_a_quarter_of_an_hour_is_retracted_and_audited(
    workspace: Workspace, fake: FakeSlack
) -> None:
    # what a process that died an hour ago left: its claim and its placeholder
    event = mention(ANALYST, QUESTION)
    thread = event["ts"]
    posted = slack_client(BOT_TOKEN, fake.url).chat_postMessage(
        channel=CHANNEL, thread_ts=thread, text="Working on it…"
    )
    events = workspace.settings.audit_path.with_name("slack_events.sqlite")
    EventLedger(events).claim("Ev0LONGAGO")
    Placeholders(events).posted(
        Pending(
            "Ev0LONGAGO",
            CHANNEL,
            thread,
            f"slack:{CHANNEL}:{thread}",
            str(posted["ts"]),
            QUESTION,
            ANALYST,
            posted_at=time.time() - RESUME_WITHIN_SECONDS - 3600,
        )
    )
    app = serve(workspace, fake)
    with running(app) as url:
        retraction = fake.wait_for("chat.update")[0]
        deliver(url, event, "Ev0LONGAGO", retry=2)
        time.sleep(0.5)
    assert retraction.params["ts"] == posted["ts"]
    assert "interrupted" in all_text(retraction) and "ask again" in all_text(retraction)
    (message,) = fake.messages(CHANNEL, thread_ts=thread)
    assert "Working on it" not in message.text
    assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.calls_to("chat.update")) == 1
    (record,) = app.audit.list()
    assert (record.question, record.outcome) == (QUESTION, "failed")


def test_a_recorded_answer_is_not_posted_after_a_restart_once_the_askers_access_is_revoked(
    workspace: Workspace, fake: FakeSlack
) -> None:
    # a process recorded the analyst's ARR answer and died before posting it; then the analyst
    # was made a support agent, who may not see ARR
    event = mention(ANALYST, QUESTION)
    thread, conversation = event["ts"], f"slack:{CHANNEL}:{event['ts']}"
    posted = slack_client(BOT_TOKEN, fake.url).chat_postMessage(
        channel=CHANNEL, thread_ts=thread, text="Working on it…"
    )
    audit = AuditLog(workspace.settings.audit_path)
    plan = SemanticQuery(metrics=("arr",)).model_dump_json()
    record = audit.record(
        AuditEntry(
            source="slack",
            user_id=ANALYST,
            channel=CHANNEL,
            thread=conversation,
            question=QUESTION,
            outcome="answered",
            answer="ARR is $12.3M.",
            plan=plan,
            sql="SELECT SUM(arr) FROM subscriptions",
        )
    )
    events = workspace.settings.audit_path.with_name("slack_events.sqlite")
    EventLedger(events).claim("Ev0REVOKED")
    EventLedger(events).done("Ev0REVOKED")
    Placeholders(events).posted(
        Pending(
            "Ev0REVOKED",
            CHANNEL,
            thread,
            conversation,
            str(posted["ts"]),
            QUESTION,
            ANALYST,
            posted_at=time.time(),
            record_id=record,
            message=text_message("ARR is $12.3M."),
        )
    )
    access = workspace.settings.access_path
    demoted = access.read_text().replace(
        f"{ANALYST}: {{name: Ada Analyst, roles: [analyst]}}",
        f"{ANALYST}: {{name: Ada Analyst, roles: [support]}}",
    )
    assert demoted != access.read_text()
    access.write_text(demoted)
    app = serve(workspace, fake)
    with running(app):
        update = fake.wait_for("chat.update")[0]
        time.sleep(0.3)
    assert update.params["ts"] == posted["ts"]
    assert ":lock:" in all_text(update) and "12.3M" not in all_text(update)
    assert [r.outcome for r in app.audit.list()] == ["denied", "answered"]
