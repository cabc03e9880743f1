"""What every fake outside service shares: an HTTP server on 127.0.0.1, port 0, served from a
daemon thread while the fake is open.

    class FakeThing(LoopbackFake):
        def __init__(self) -> None:
            super().__init__(_handler_for(self))   # the handler reads the fake's state

    with FakeThing() as fake:
        fake.origin            # "http://127.0.0.1:<port>"

`close` sets `_stopping` first, so a handler sleeping on a scripted delay can cut it short.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

__all__ = ["LoopbackFake"]


class LoopbackFake:
    """A context manager serving `handler` on 127.0.0.1 (port 0) in a thread; closed cleanly."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], *, poll_interval: float = 0.5
    ) -> None:
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
        )

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`: where the fake listens."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving (cutting scripted delays short) and release the socket."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
