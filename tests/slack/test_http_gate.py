"""The HTTP server's door: nothing reaches bolt's parser unless it is small and signed by Slack.

Each request below is sent to the real server on 127.0.0.1 (uvicorn, as `cortex serve slack`
runs it). Whatever its body, a request without a valid Slack signature is refused with 401
and a body over the size limit with 413, before anything parses it: no Web API call follows,
and the log holds at most one line for it, never a traceback.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest

from cortex.slack.gate import MAX_BODY_BYTES
from tests.fakes.slack_client import event_callback, sign
from tests.slack.conftest import ANALYST, SIGNING_SECRET, SlackHarness

EVENT = event_callback(
    {
        "type": "app_mention",
        "user": ANALYST,
        "text": "<@UCORTEXBOT> ARR",
        "channel": "C0GATE",
        "ts": "1764000000.000001",
    }
)


@dataclass(frozen=True)
class Raw:
    """A request as bytes on the wire: its headers (besides Host) and its body, in pieces."""

    headers: dict[str, str]
    body: Sequence[bytes]


def unsigned(body: bytes, content_type: str = "application/json") -> Raw:
    return Raw({"Content-Type": content_type, "Content-Length": str(len(body))}, [body])


def signed_at(timestamp: str, body: bytes) -> Raw:
    """`body` signed with the right secret at `timestamp` (not always a number)."""
    headers = unsigned(body).headers | {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp=timestamp, secret=SIGNING_SECRET),
    }
    return Raw(headers, [body])


def forged_signature(signature: str) -> Raw:
    body = json.dumps(EVENT).encode()
    stamp = str(int(time.time()))
    headers = unsigned(body).headers | {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    return Raw(headers, [body])


def chunked(pieces: Sequence[bytes]) -> Raw:
    """A body streamed in chunks, with no Content-Length (and no last chunk: the server must
    answer before the body ends)."""
    framed = [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces]
    return Raw({"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, framed)


DEPTH = 100_000
UNSIGNED_OR_FORGED = {
    "malformed JSON": unsigned(b'{"type": "event_callback", "event": {'),
    "JSON null": unsigned(b"null"),
    "bytes that are not UTF-8": unsigned(b'{"type": "\xff\xfe\xc3("}'),
    "nesting 100,000 deep": unsigned(b"[" * DEPTH + b"]" * DEPTH),
    "an interaction whose payload is not JSON": unsigned(
        urlencode({"payload": "{not json"}).encode(), "application/x-www-form-urlencoded"
    ),
    "a signed body with a timestamp that is not a number": signed_at("soon", b"{}"),
    "a signed body with a negative timestamp": signed_at("-1", json.dumps(EVENT).encode()),
    "a signature that is not ASCII": forged_signature("v0=\u00e9\u00e9"),
    "no signature at all": unsigned(json.dumps(EVENT).encode()),
}


def post(url: str, raw: Raw, timeout: float = 10.0) -> int:
    """Send `raw` over a plain socket and return the status the server answered with."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in raw.headers.items()) + "\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1"))
        for piece in raw.body:
            sock.sendall(piece)
        reply = b""
        while b"\r\n" not in reply:
            received = sock.recv(4096)
            if not received:
                break
            reply += received
    return int(reply.split(b" ", 2)[1])


@pytest.fixture()
def log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        caplog.clear()
        yield caplog


def assert_quietly_refused(slack: SlackHarness, log: pytest.LogCaptureFixture) -> None:
    time.sleep(0.2)  # anything the request set off would have called Slack by now
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []
    assert slack.audit.list() == []
    assert len(log.records) <= 1, log.text
    assert all(record.exc_info is None for record in log.records), log.text
    assert "Traceback" not in log.text


@pytest.mark.parametrize("case", list(UNSIGNED_OR_FORGED))
def test_a_request_without_a_valid_signature_is_refused_before_anything_parses_it(
    slack: SlackHarness, log: pytest.LogCaptureFixture, case: str
) -> None:
    assert post(slack.sender.app_url, UNSIGNED_OR_FORGED[case]) == 401
    assert_quietly_refused(slack, log)


def test_a_body_declared_larger_than_the_limit_is_refused_without_being_read(
    slack: SlackHarness, log: pytest.LogCaptureFixture
) -> None:
    fifty_mb = 50 * 1024 * 1024
    headers = {"Content-Type": "application/json", "Content-Length": str(fifty_mb)}
    # only the headers are sent: the answer cannot wait for the 50 MB to arrive
    assert post(slack.sender.app_url, Raw(headers, [])) == 413
    assert_quietly_refused(slack, log)


def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit(
    slack: SlackHarness, log: pytest.LogCaptureFixture
) -> None:
    piece = b" " * (256 * 1024)
    pieces = [piece] * (MAX_BODY_BYTES // len(piece)) + [b" "]  # one byte over the limit
    assert post(slack.sender.app_url, chunked(pieces)) == 413
    assert_quietly_refused(slack, log)


def test_a_signed_request_within_the_limit_still_reaches_the_app(slack: SlackHarness) -> None:
    body = json.dumps(EVENT).encode()
    assert len(body) < MAX_BODY_BYTES
    assert slack.sender.send(body, "application/json").status_code == 200
    slack.fake.wait_for("chat.update")


SIGNED_BUT_UNREADABLE = {
    "malformed JSON": b'{"type": "event_callback", "event": {',
    "JSON null": b"null",
    "nesting 100,000 deep": b"[" * DEPTH + b"]" * DEPTH,
}


@pytest.mark.parametrize("case", list(SIGNED_BUT_UNREADABLE))
def test_a_signed_body_bolt_cannot_read_gets_400_and_one_line_without_a_traceback(
    slack: SlackHarness, log: pytest.LogCaptureFixture, case: str
) -> None:
    now = str(int(time.time()))
    assert post(slack.sender.app_url, signed_at(now, SIGNED_BUT_UNREADABLE[case])) == 400
    assert_quietly_refused(slack, log)
