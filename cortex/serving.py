"""An ASGI app served by uvicorn in a background thread, for the tests and the embedded servers.

    with serving(app, host="127.0.0.1", port=0, name="cortex-web") as (host, port):
        ...  # requests to http://{host}:{port}/

The Slack app, the web site and the MCP server each wrap it (`running`) with the URL a caller
needs. Uvicorn logs through the process's own (redacting) handlers, at warning and above.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

__all__ = ["free_port", "serving"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now, for an app that must know its port before it starts."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    app: ASGIApp, *, host: str, port: int, name: str, proxy_headers: bool = True
) -> Iterator[tuple[str, int]]:
    """Serve `app` until the block ends; yields the (host, port) it listens on (port 0: a free
    one). A `RuntimeError` names `name` when the server does not start."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        log_config=None,
        proxy_headers=proxy_headers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the {name} server did not start on {host}:{port}")
            threading.Event().wait(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield str(bound[0]), int(bound[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
