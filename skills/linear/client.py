"""Linear's GraphQL API over httpx: one request, and what its failure means.

    with LinearClient(url, api_key, timeout_seconds=10) as linear:
        data = linear.request("Teams", TEAMS, {"filter": ...})

A personal API key is sent as the bare `Authorization` header (OAuth tokens would carry
`Bearer`). Every request goes through `skills.outside.call_outside`, so a refused key becomes a
configuration error naming LINEAR_API_KEY, a rate limit waits what Linear asks, and a server
error or a timeout is tried again. Linear reports most failures as GraphQL errors (often on
HTTP 400) whose `extensions` say what they are; `failure_of` maps them:

    HTTP 401/403, code AUTHENTICATION_ERROR / FORBIDDEN      401 / 403
    HTTP 429, code RATELIMITED (type "ratelimited")          429, waiting `Retry-After`
                                                             or `X-RateLimit-*-Reset` (epoch ms)
    HTTP 5xx                                                 tried again
    a timeout, a connection that failed                      no status: tried again
    any other GraphQL error                                  400 with Linear's message

The key is never in a message: errors name the setting, not its value.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Final

import httpx
from pydantic import SecretStr

from skills.outside import OutsideFailure, call_outside, retry_after_seconds

__all__ = ["SERVICE", "SETTING", "LinearClient", "failure_of"]

SERVICE: Final = "Linear"
SETTING: Final = "LINEAR_API_KEY"

_AUTH_CODES: Final = {"AUTHENTICATION_ERROR": 401, "FORBIDDEN": 403}
_AUTH_TYPES: Final = {"authentication error": 401, "forbidden": 403}
_RESET_HEADERS: Final = ("x-ratelimit-requests-reset", "x-ratelimit-complexity-reset")


def _wait_of(headers: httpx.Headers, now: float) -> float | None:
    """How long Linear asks to wait: `Retry-After` seconds, else the latest of its rate-limit
    resets (UNIX time in milliseconds) from `now`."""
    retry_after = retry_after_seconds(headers.get("retry-after"))
    if retry_after is not None:
        return retry_after
    resets = []
    for name in _RESET_HEADERS:
        try:
            resets.append(float(headers[name]) / 1000.0 - now)
        except (KeyError, ValueError):
            continue
    return max(0.0, max(resets)) if resets else None


def _first_error(body: object) -> Mapping[str, Any] | None:
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return errors[0]
    return None


def _message_of(error: Mapping[str, Any]) -> str:
    extensions = error.get("extensions")
    if isinstance(extensions, Mapping) and extensions.get("userPresentableMessage"):
        return str(extensions["userPresentableMessage"])
    return str(error.get("message") or "no message")


def failure_of(response: httpx.Response, *, now: float | None = None) -> OutsideFailure | None:
    """What went wrong with `response`, or None when it carries data without errors."""
    moment = time.time() if now is None else now
    status = response.status_code
    try:
        body: object = response.json()
    except ValueError:
        body = None
    error = _first_error(body)
    extensions = error.get("extensions") if error is not None else None
    code = str(extensions.get("code") or "").upper() if isinstance(extensions, Mapping) else ""
    kind = str(extensions.get("type") or "").lower() if isinstance(extensions, Mapping) else ""
    message = _message_of(error) if error is not None else response.reason_phrase
    if status in (401, 403):
        return OutsideFailure(SERVICE, status, message)
    if code in _AUTH_CODES or kind in _AUTH_TYPES:
        return OutsideFailure(SERVICE, _AUTH_CODES.get(code) or _AUTH_TYPES[kind], message)
    if status == 429 or code == "RATELIMITED" or kind == "ratelimited":
        return OutsideFailure(SERVICE, 429, message, retry_after=_wait_of(response.headers, moment))
    if status >= 500:
        return OutsideFailure(SERVICE, status, message)
    if error is not None:
        return OutsideFailure(SERVICE, 400, message)
    if status >= 400:
        return OutsideFailure(SERVICE, status, message)
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        return OutsideFailure(SERVICE, 502, "Linear answered without data")
    return None


class LinearClient:
    """Requests to Linear's GraphQL endpoint `url` with a personal API key; close it after use.

    `attempts`, `first_wait` and `sleep` are those of `call_outside` (tests shorten them).
    """

    def __init__(
        self,
        url: str,
        api_key: SecretStr,
        *,
        timeout_seconds: float = 10.0,
        attempts: int = 4,
        first_wait: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = url
        self._attempts = attempts
        self._first_wait = first_wait
        self._sleep = sleep
        self._http = httpx.Client(
            headers={"Authorization": api_key.get_secret_value(), "User-Agent": "cortex"},
            timeout=timeout_seconds,
        )

    def __enter__(self) -> LinearClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self._http.close()

    def retried(self, call: Callable[[], Any]) -> Any:
        """`call()` (made of `attempt`s), retried as `call_outside` says; raises SkillError."""
        return call_outside(
            call,
            service=SERVICE,
            setting=SETTING,
            attempts=self._attempts,
            first_wait=self._first_wait,
            sleep=self._sleep,
        )

    def request(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The `data` of the GraphQL `operation`, retried; raises SkillError."""
        result: dict[str, Any] = self.retried(lambda: self.attempt(operation, query, variables))
        return result

    def attempt(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """One try of the GraphQL `operation`: its `data`, or an `OutsideFailure`."""
        body = {"operationName": operation, "query": query, "variables": dict(variables)}
        try:
            response = self._http.post(self._url, json=body)
        except httpx.TimeoutException:
            raise OutsideFailure(SERVICE, None, "timed out") from None
        except httpx.TransportError as error:
            raise OutsideFailure(
                SERVICE, None, f"could not connect ({type(error).__name__})"
            ) from None
        failure = failure_of(response)
        if failure is not None:
            raise failure
        data: dict[str, Any] = response.json()["data"]
        return data
