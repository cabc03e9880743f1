"""The door of the HTTP server: a request's size and Slack signature, checked before bolt reads it.

Bolt parses a body (JSON, or a form holding JSON) before it checks the signature, so without
this door anyone who can reach the URL feeds that parser whatever they like: malformed JSON,
`null`, bytes that are not UTF-8, arrays nested 100,000 deep, a timestamp that is not a number,
or 50 MB. `signed_body` lets through only what Slack could have sent:

1. **Size.** A `Content-Length` over `MAX_BODY_BYTES` is refused at once (413), unread; a body
   without one (chunked) is read piece by piece and refused as soon as it passes the limit, so
   at most the limit is ever held in memory. Slack's events, commands and clicks are a few
   kilobytes; a megabyte is a wide margin.
2. **Signature.** `X-Slack-Request-Timestamp` must be a number and `X-Slack-Signature` ASCII
   text, the body UTF-8 (as Slack's always is), and slack_sdk's `SignatureVerifier` must accept
   the signature over the raw bytes at that timestamp (within five minutes of now). Anything
   else is refused with 401.

A refusal is a `Refused` carrying the HTTP status and a reason for one log line; nothing in it
comes from the request's body, and it never holds the signing secret.
"""

from __future__ import annotations

import re
from typing import Final

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request

__all__ = ["MAX_BODY_BYTES", "Refused", "signed_body"]

#: The largest body accepted, in bytes.
MAX_BODY_BYTES: Final = 1024 * 1024

_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")  # seconds since 1970: ten digits until 2286
_DIGITS: Final = re.compile(r"[0-9]+")


class Refused(Exception):
    """A request that does not get past the door: its HTTP status and why (for the log)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def signed_body(request: Request, verifier: SignatureVerifier) -> bytes:
    """The body of `request` when it is within the size limit and signed by Slack.

    Raises `Refused` (413 or 401) otherwise, having read at most `MAX_BODY_BYTES` of it.
    """
    body = await _bounded_body(request)
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "its X-Slack-Request-Timestamp is missing or not a number")
    if not signature or not signature.isascii():
        raise Refused(401, "its X-Slack-Signature is missing or not ASCII")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(401, "its body is not UTF-8, so Slack did not send it") from None
    if not verifier.is_valid(text, timestamp, signature):
        raise Refused(401, "its Slack signature is wrong or more than five minutes old")
    return body


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if _DIGITS.fullmatch(declared) and (len(declared) > 12 or int(declared) > MAX_BODY_BYTES):
        raise Refused(413, f"its Content-Length is over the limit of {MAX_BODY_BYTES:,} bytes")
    pieces: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"its streamed body passed the limit of {MAX_BODY_BYTES:,} bytes")
        pieces.append(piece)
    return b"".join(pieces)
