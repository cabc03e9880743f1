"""A time limit that cancels a running query, whatever the engine: standard library only."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["cancel_after"]


@contextmanager
def cancel_after(
    cancel: Callable[[], None], seconds: float, *, poll_seconds: float, name: str
) -> Iterator[threading.Event]:
    """Call `cancel` once `seconds` have passed, and again every `poll_seconds` until the block
    ends, so that work started after the first cancel is cancelled too. The yielded event is set
    once the time limit has passed; `name` names the watching thread."""
    done = threading.Event()
    expired = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        expired.set()
        while True:
            cancel()
            if done.wait(poll_seconds):
                return

    watcher = threading.Thread(target=watch, name=name, daemon=True)
    watcher.start()
    try:
        yield expired
    finally:
        done.set()
        watcher.join()
