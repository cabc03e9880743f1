"""A fake Anthropic Messages API on 127.0.0.1, port 0, with scripted replies and a journal.

    with FakeAnthropic() as fake:
        fake.reply(tool_use("query_metrics", {"metrics": ["arr"]}))
        fake.fail(529, retry_after="0.001")
        fake.delay(2.0, text_reply("late"))
        client = anthropic.Anthropic(base_url=fake.url, api_key="test-key")
        ...
        fake.journal[0].body["tools"]

Each POST /v1/messages takes the next scripted item: a Messages API body (200), an error
status with an Anthropic-shaped JSON error body (and optional `retry-after` header), or a body
served after a delay. An empty script answers 500 with a clear message, so a test that sends
more requests than it scripted fails loudly. Every request is journalled (path, headers with the
API key's value replaced by "<redacted>", parsed JSON body).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackFake

__all__ = ["FakeAnthropic", "JournalEntry", "text_reply", "tool_use"]

_SECRET_HEADERS = frozenset({"x-api-key", "authorization"})
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_ids = itertools.count(1)


@dataclass(frozen=True)
class JournalEntry:
    """One request the fake received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True)
class _Scripted:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"input_tokens": input_tokens, "output_tokens": output_tokens}


def _message(content: list[dict[str, Any]], stop: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": f"msg_fake_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }


def tool_use(
    name: str,
    tool_input: Mapping[str, Any],
    *,
    input_tokens: int = 100,
    output_tokens: int = 20,
    text: str | None = None,
) -> dict[str, Any]:
    """A Messages API reply that calls tool `name` with `tool_input` (optionally after text)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content.append(
        {"type": "tool_use", "id": f"toolu_fake_{next(_ids)}", "name": name, "input": tool_input}
    )
    return _message(content, "tool_use", _usage(input_tokens, output_tokens))


def text_reply(text: str, *, input_tokens: int = 100, output_tokens: int = 20) -> dict[str, Any]:
    """A Messages API reply of plain text, no tool call."""
    return _message(
        [{"type": "text", "text": text}], "end_turn", _usage(input_tokens, output_tokens)
    )


class FakeAnthropic(LoopbackFake):
    """The fake server; a context manager that starts it in a thread and closes it cleanly."""

    def __init__(self) -> None:
        self.journal: list[JournalEntry] = []
        self._script: deque[_Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        """The base URL to give `anthropic.Anthropic(base_url=...)`."""
        return self.origin

    def reply(self, body: Mapping[str, Any]) -> None:
        """Answer the next request with `body` (status 200)."""
        self._push(_Scripted(200, dict(body)))

    def fail(self, status: int, *, retry_after: str | None = None, message: str = "") -> None:
        """Answer the next request with an Anthropic-shaped error, e.g. 429 or 529."""
        kind = _ERROR_TYPES.get(status, "api_error")
        body = {"type": "error", "error": {"type": kind, "message": message or kind}}
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        self._push(_Scripted(status, body, headers))

    def delay(self, seconds: float, body: Mapping[str, Any]) -> None:
        """Answer the next request with `body`, but only after `seconds`."""
        self._push(_Scripted(200, dict(body), delay=seconds))

    @property
    def pending(self) -> int:
        """Scripted replies not yet served."""
        with self._lock:
            return len(self._script)

    def _push(self, item: _Scripted) -> None:
        with self._lock:
            self._script.append(item)

    def _next(self, entry: JournalEntry) -> _Scripted:
        with self._lock:
            self.journal.append(entry)
            if self._script:
                return self._script.popleft()
        body = {"type": "error", "error": {"type": "api_error", "message": "nothing scripted"}}
        return _Scripted(500, body, {"x-should-retry": "false"})


def _handler_for(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {
                name.lower(): "<redacted>" if name.lower() in _SECRET_HEADERS else value
                for name, value in self.headers.items()
            }
            entry = JournalEntry("POST", self.path, headers, body)
            if self.path.split("?")[0] != "/v1/messages":
                scripted = _Scripted(404, {"type": "error", "error": {"type": "not_found_error"}})
                with fake._lock:
                    fake.journal.append(entry)
            else:
                scripted = fake._next(entry)
            if scripted.delay and fake._stopping.wait(scripted.delay):
                return  # the server is closing; the client has long given up
            payload = json.dumps(scripted.body).encode()
            try:
                self.send_response(scripted.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in scripted.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client timed out and hung up

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the journal is the log."""

    return Handler


def running() -> Iterator[FakeAnthropic]:
    """A generator for a pytest fixture: `yield from running()`."""
    with FakeAnthropic() as fake:
        yield fake
