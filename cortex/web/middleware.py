"""What wraps every response of the site: security headers, and errors without a stack trace.

`Guarded` is plain ASGI middleware. It adds a Content-Security-Policy that lets a page load only
this site's own scripts, styles and images (no inline script or style, no eval: charts are drawn
with Vega's interpreter, their tooltips styled by the site's sheet), plus the usual headers against
framing and sniffing. An exception that escapes a page becomes a page of its own: a `UserError`
says what it says (a store that cannot be read, say); anything else gives an apology with a trace
id, and the traceback goes to the log under that id, never to the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cortex.errors import InternalError, UserError

__all__ = ["CONTENT_SECURITY_POLICY", "Guarded"]

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
_HEADERS: Final = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)

_log = logging.getLogger("cortex.web")

#: Renders the page of an error: (status, title, message, trace id or None) -> HTML.
ErrorPage = Callable[[int, str, str, "str | None"], str]


class Guarded:
    """Security headers on every response; a friendly page for every error."""

    def __init__(self, app: ASGIApp, error_page: ErrorPage) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *_HEADERS]}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except UserError as error:
            _log.warning("%s %s: %s", scope.get("method"), scope.get("path"), error.message)
            if not started:
                html = self.error_page(
                    503, "Cortex can't do this right now", error.user_message, None
                )
                await _send_page(guarded_send, 503, html)
        except Exception:
            internal = InternalError("a page of the site failed")
            _log.exception(
                "trace %s: %s %s", internal.trace_id, scope.get("method"), scope.get("path")
            )
            if not started:
                html = self.error_page(
                    500, "Something went wrong", internal.user_message, internal.trace_id
                )
                await _send_page(guarded_send, 500, html)


async def _send_page(send: Send, status: int, html: str) -> None:
    body = html.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
