"""Cortex in Slack, measured: how fast Slack gets its ack, and how fast the answer lands.

The real bolt app is served over HTTP on 127.0.0.1 (uvicorn) and talks to the tests' fake Slack
Web API on 127.0.0.1, as in tests/slack; questions are the single questions of
evals/demo.yml, asked as an analyst of the shipped access.yml, with charts uploaded.

- ack: signed app_mention -> HTTP 200. Reference, interleaved in the same run: a GET /healthz
  round trip to the same server. Slack's window is 3 s.
- answer: mention sent -> the placeholder replaced (chat.update seen by the fake). Reference,
  in the same run: the same question through `Agent.ask` in-process (no HTTP, no Slack calls).
  With `--charts` each answer's chart is drawn and uploaded after it, so the reference (which
  would run beside the drawing) is only compared with charts off.
- burst: `--burst` mentions sent at once; every ack's latency and the time until all are
  answered.

    .venv/bin/python -m bench.bench_slack [--scale 1] [--questions 40] [--burst 20] [--charts]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from bench.bench_ask import AS_OF, demo_warehouse, quantile
from cortex.access import load_access
from cortex.assembly import build_agent
from cortex.evaluation import load_eval
from cortex.settings import load_settings
from cortex.slack.app import CortexSlack, slack_client
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Placeholders
from cortex.slack.server import running
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.fakes.slack_client import SlackSender, event_callback

ROOT = Path(__file__).resolve().parents[1]

ANALYST = "U02H7Q4KX9P"  # Nadia Farouk, analyst, in the shipped access.yml
SECRET = "bench-signing-secret-0000"
ACK_WINDOW_MS = 3000.0


class _Clock:
    """Sends signed mentions over one kept-alive connection and times their ack and answer."""

    def __init__(self, fake: FakeSlack, url: str, http: httpx2.Client) -> None:
        self.fake, self.url, self.http = fake, url, http
        self.signer = SlackSender(app_url=url, signing_secret=SECRET)
        self._ts = iter(range(1, 10**9))

    def send(self, ts: str, question: str) -> None:
        """Mention Cortex with `question` in a new thread `ts`; returns at the ack."""
        event = {
            "type": "app_mention",
            "user": ANALYST,
            "text": f"<@UCORTEXBOT> {question}",
            "channel": "C0BENCH",
            "ts": ts,
            "event_ts": ts,
        }
        body = json.dumps(event_callback(event)).encode()
        headers = {"Content-Type": "application/json", **self.signer.headers(body)}
        response = self.http.post(self.url, content=body, headers=headers)
        assert response.status_code == 200, response.status_code

    def mention(self, question: str) -> tuple[float, float]:
        """(ack ms, answer ms) of one question."""
        ts = f"1764000000.{next(self._ts):06d}"
        started = time.perf_counter()
        self.send(ts, question)
        acked = time.perf_counter()
        self.answered(ts)
        return (acked - started) * 1000, (time.perf_counter() - started) * 1000

    def answered(self, thread_ts: str) -> None:
        def done(calls: list[SlackCall]) -> bool:
            placeholders = {
                c.reply.get("ts")
                for c in calls
                if c.method == "chat.postMessage" and c.params.get("thread_ts") == thread_ts
            }
            return any(c.method == "chat.update" and c.params["ts"] in placeholders for c in calls)

        self.fake.wait_until(done, timeout=60)


@dataclass
class _Figures:
    acks: list[float] = field(default_factory=list)
    pings: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    direct: list[float] = field(default_factory=list)
    burst_acks: list[float] = field(default_factory=list)
    burst_ms: float = 0.0


def _measure(slack: CortexSlack, fake: FakeSlack, questions: list[str], burst: int) -> _Figures:
    figures = _Figures()
    limits = httpx2.Limits(max_connections=64)
    with running(slack) as url, httpx2.Client(timeout=30, limits=limits, trust_env=False) as http:
        clock = _Clock(fake, url, http)
        health = url.replace("/slack/events", "/healthz")
        clock.mention(questions[0])  # warm-up: first compile, first render
        for question in questions:
            started = time.perf_counter()
            http.get(health)
            figures.pings.append((time.perf_counter() - started) * 1000)
            ack, answer = clock.mention(question)
            figures.acks.append(ack)
            figures.answers.append(answer)
            started = time.perf_counter()
            slack.agent.ask(question)
            figures.direct.append((time.perf_counter() - started) * 1000)

        lock = threading.Lock()
        sent: list[str] = []

        def send(n: int) -> None:
            ts = f"1764100000.{n:06d}"
            started = time.perf_counter()
            clock.send(ts, questions[n % len(questions)])
            with lock:
                figures.burst_acks.append((time.perf_counter() - started) * 1000)
                sent.append(ts)

        started = time.perf_counter()
        senders = [threading.Thread(target=send, args=(n,)) for n in range(burst)]
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join()
        for ts in sent:
            clock.answered(ts)
        figures.burst_ms = (time.perf_counter() - started) * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--charts", action="store_true", help="upload each answer's chart too")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="cortex-bench-slack-"))
    settings = load_settings(
        {
            "CORTEX_WAREHOUSE": str(demo_warehouse(args.scale)),
            "CORTEX_METRICS": str(ROOT / "metrics.yml"),
            "CORTEX_CONTEXT": str(ROOT / "context"),
            "CORTEX_AS_OF": AS_OF.isoformat(),
            "CORTEX_AUDIT": str(data / "audit.sqlite"),
            "CORTEX_CONVERSATIONS": str(data / "conversations.sqlite"),
        },
        cwd=ROOT,
    )
    _, cases = load_eval(ROOT / "evals" / "demo.yml")
    questions = [c.turns[0].question for c in cases if len(c.turns) == 1][: args.questions]

    # Without the result cache, so that the in-process reference runs the query the Slack
    # answer ran before it (bench_cache measures the cache).
    with Workspace.open(settings, cache=False) as workspace:
        access = load_access(ROOT / "access.yml", workspace.model)
        groups: dict[str, list[str]] = {group: [] for group in access.group_ids}
        with FakeSlack(usergroups=groups) as fake:
            slack = CortexSlack(
                agent=build_agent(workspace),
                access=access,
                audit=AuditLog(settings.audit_path),
                ledger=EventLedger(data / "events.sqlite"),
                placeholders=Placeholders(data / "events.sqlite"),
                client=slack_client("xoxb-bench-token", fake.url),
                signing_secret=SECRET,
                draw_charts=args.charts,
            )
            f = _measure(slack, fake, questions, args.burst)

    ack50, ping50 = statistics.median(f.acks), statistics.median(f.pings)
    answer50, direct50 = statistics.median(f.answers), statistics.median(f.direct)
    worst_ack = max(f.acks + f.burst_acks)
    print(
        f"Cortex in Slack over HTTP, scale {args.scale:g}, {len(questions)} questions, "
        f"charts {'on' if args.charts else 'off'}:\n"
        f"  ack p50 {ack50:.1f} ms, p95 {quantile(f.acks, 0.95):.1f} ms; reference GET "
        f"/healthz p50 {ping50:.1f} ms; ack / reference p50 {ack50 / ping50:.2f}\n"
        f"  answer in the thread p50 {answer50:.1f} ms, p95 {quantile(f.answers, 0.95):.1f} ms"
        + (
            # the chart is drawn and uploaded after the answer: it would slow the reference
            " (the reference is measured with charts off)\n"
            if args.charts
            else f"; reference Agent.ask in-process p50 {direct50:.1f} ms; answer / reference "
            f"p50 {answer50 / direct50:.2f}\n"
        )
        + f"  burst of {args.burst} mentions at once: acks p50 "
        f"{statistics.median(f.burst_acks):.1f} ms, max {max(f.burst_acks):.1f} ms; all "
        f"answered in {f.burst_ms:.0f} ms\n"
        f"  slowest ack {worst_ack:.1f} ms vs Slack's {ACK_WINDOW_MS:.0f} ms window: "
        f"{'met' if worst_ack < ACK_WINDOW_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
