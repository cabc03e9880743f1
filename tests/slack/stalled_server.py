"""`cortex serve slack` with a planner that never finishes: a server to kill mid-answer.

    python -m tests.slack.stalled_server --port 3000     (settings from the environment)

It builds the app from the settings exactly as `cortex serve slack` does, then gives the agent
a planner that blocks for good, so every question stays between its "Working on it…"
placeholder and its answer until the process is killed. Test-only: the product has no hook.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from cortex.logs import configure_logging
from cortex.planning.plans import Plan
from cortex.settings import load_settings
from cortex.slack.server import build_slack, serve_http
from semantic_layer.query import SemanticQuery


class StalledPlanner:
    """Plans nothing, ever."""

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        threading.Event().wait()
        raise AssertionError("unreachable: the planner waits for good")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    settings = load_settings(dict(os.environ), cwd=Path.cwd())
    configure_logging(settings, level=logging.INFO)
    slack = build_slack(settings, draw_charts=False)
    slack.agent.planner = StalledPlanner()
    serve_http(slack, host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
