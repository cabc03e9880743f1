"""Calls to services outside Cortex (Notion, Linear): what a failure means and when to retry.

A client module turns its service's failures into `OutsideFailure` (the HTTP status, or None
for a timeout or a connection that failed, and the Retry-After the service asked for), and
makes its calls through `call_outside`, which decides with tenacity:

    401, 403      a configuration error at once: the setting to fix is named, never its value
    429           wait what Retry-After says (at most `max_wait`), then try again
    5xx, timeout  try again with exponential backoff, `attempts` tries in all
    other 4xx     the service's own message at once: trying again would not help

A final failure is a `SkillError` saying what failed and that the answer is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from skills.base import ConfigurationError, SkillError

__all__ = ["OutsideFailure", "call_outside", "retry_after_seconds"]

T = TypeVar("T")


class OutsideFailure(Exception):
    """A call to `service` failed: `status` is the HTTP status (None: timed out or unreachable)."""

    def __init__(
        self, service: str, status: int | None, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{service}: {status or 'no answer'}: {message}")
        self.service = service
        self.status = status
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Whether trying again may help: rate-limited, a server error, or no answer."""
        return self.status is None or self.status == 429 or self.status >= 500


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header's delay in seconds (only the seconds form; None when absent)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def call_outside(
    call: Callable[[], T],
    *,
    service: str,
    setting: str,
    attempts: int = 4,
    first_wait: float = 0.5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, retried as the module says; `setting` names what configures the service
    (e.g. NOTION_TOKEN) for the error of a refused token. Raises SkillError."""

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, OutsideFailure) and failure.retry_after is not None:
            return min(failure.retry_after, max_wait)
        return float(min(first_wait * 2 ** (state.attempt_number - 1), max_wait))

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait,
        retry=retry_if_exception(lambda e: isinstance(e, OutsideFailure) and e.retryable),
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except OutsideFailure as failure:
        raise _explained(failure, setting=setting, attempts=attempts) from None


def _explained(failure: OutsideFailure, *, setting: str, attempts: int) -> SkillError:
    service = failure.service
    if failure.status in (401, 403):
        return ConfigurationError(
            f"{service} refused Cortex's credentials (HTTP {failure.status}).",
            hint=f"Check {setting}: it must be a valid token with access to what is asked.",
        )
    if failure.retryable:
        what = "did not answer" if failure.status is None else f"answered HTTP {failure.status}"
        return SkillError(
            f"{service} {what} after {attempts} tries, so nothing was written there.",
            hint="The answer is kept; try again in a few minutes.",
        )
    return SkillError(
        f"{service} refused the request (HTTP {failure.status}): {failure.message}",
        hint="The answer is kept; check the skill's settings and input.",
    )
