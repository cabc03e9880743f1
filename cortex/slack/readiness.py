"""`/readyz`: whether this process can answer a question now, and which check says it cannot.

    readiness = Readiness.of(slack)          # the app's warehouse, files and WebClient
    ready, checks = readiness.run()          # four `Check`s: warehouse, metrics, access, slack
    readiness.body(checks)                   # {"ready": bool, "checks": {name: {...}}}

The warehouse and access.yml are probed on every call (each takes milliseconds). metrics.yml
(tens of milliseconds to load) and Slack's `auth.test` (a network round trip Slack rate-limits)
are remembered for `cache_seconds`, so a storm of probes costs one call per interval. Slack's
probe runs on its own thread and is given `timeout_seconds`: a Slack that hangs makes the probe
fail ("no answer within 2 s") instead of the prober timing out, and while that call is still
out no second one is started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from slack_sdk import WebClient

from connectors.warehouse import Warehouse
from cortex.slack.app import CortexSlack
from cortex.slack.probes import Check, probe_access, probe_metrics, probe_slack, probe_warehouse
from semantic_layer.model import SemanticModel

__all__ = ["CACHE_SECONDS", "TIMEOUT_SECONDS", "Readiness"]

#: how long a metrics.yml or Slack result is reused
CACHE_SECONDS: Final = 10.0
#: how long the warehouse and Slack are given to answer
TIMEOUT_SECONDS: Final = 2.0

Clock = Callable[[], float]

_log = logging.getLogger("cortex.slack.readiness")


@dataclass
class _Remembered:
    check: Check
    at: float


class Readiness:
    """The four checks of one Slack app; safe to call from many threads at once."""

    def __init__(
        self,
        *,
        warehouse: Warehouse,
        metrics_path: Path,
        access_path: Path,
        model: SemanticModel,
        client: WebClient,
        timeout_seconds: float = TIMEOUT_SECONDS,
        cache_seconds: float = CACHE_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.warehouse = warehouse
        self.metrics_path = metrics_path
        self.access_path = access_path
        self.model = model
        self.client = client
        self.timeout_seconds = timeout_seconds
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._remembered: dict[str, _Remembered] = {}
        self._slack_call: Future[Check] | None = None

    @classmethod
    def of(cls, slack: CortexSlack, **options: Any) -> Readiness:
        """The readiness of `slack`: its agent's warehouse and model, the files they came from
        and its WebClient."""
        workspace = slack.agent.workspace
        return cls(
            warehouse=workspace.warehouse,
            metrics_path=workspace.settings.metrics_path,
            access_path=workspace.settings.access_path,
            model=workspace.model,
            client=slack.client,
            **options,
        )

    def run(self) -> tuple[bool, list[Check]]:
        """Every check, in a fixed order, and whether they all passed."""
        checks = [
            probe_warehouse(self.warehouse, timeout_seconds=self.timeout_seconds),
            self._remember("metrics", lambda: probe_metrics(self.metrics_path)),
            probe_access(self.access_path, self.model),
            self._slack(),
        ]
        return all(check.ok for check in checks), checks

    @staticmethod
    def body(checks: list[Check]) -> dict[str, Any]:
        """The JSON body of `/readyz`: each check's status and one-line reason (and hint)."""
        return {
            "ready": all(check.ok for check in checks),
            "checks": {
                check.name: {
                    "status": "ok" if check.ok else "failed",
                    "reason": check.reason,
                    **({"hint": check.hint} if check.hint and not check.ok else {}),
                }
                for check in checks
            },
        }

    def _remember(self, name: str, probe: Callable[[], Check]) -> Check:
        """`probe`'s result, reused for `cache_seconds`."""
        now = self._clock()
        with self._lock:
            kept = self._remembered.get(name)
            if kept is not None and now - kept.at < self.cache_seconds:
                return kept.check
        check = probe()
        with self._lock:
            self._remembered[name] = _Remembered(check, now)
        return check

    def _slack(self) -> Check:
        """Slack's auth.test: remembered, bounded in time, one call out at a time."""
        now = self._clock()
        with self._lock:
            kept = self._remembered.get("slack")
            if kept is not None and now - kept.at < self.cache_seconds:
                return kept.check
            call = self._slack_call
            if call is None:  # no call out: start one (a hung one is waited on, not doubled)
                call = self._slack_call = Future()
                threading.Thread(
                    target=self._call_slack, args=(call,), name="cortex-readyz", daemon=True
                ).start()
        try:
            return call.result(timeout=self.timeout_seconds)
        except TimeoutError:
            return Check(
                "slack",
                False,
                f"Slack's auth.test gave no answer within {self.timeout_seconds:g} s.",
                "Check the network and https://slack-status.com.",
            )

    def _call_slack(self, call: Future[Check]) -> None:
        try:
            check = probe_slack(self.client)
        except Exception as error:  # noqa: BLE001 - a probe says what failed, it never raises
            _log.warning("the Slack readiness probe failed", exc_info=error)
            check = Check("slack", False, f"auth.test failed ({type(error).__name__}).")
        with self._lock:
            self._remembered["slack"] = _Remembered(check, self._clock())
            self._slack_call = None
        call.set_result(check)
