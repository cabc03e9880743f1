"""Which Slack events Cortex has taken on, so a retried delivery never gets a second answer.

Slack redelivers an event (same `event_id`, with `X-Slack-Retry-Num`) when it did not see an
acknowledgement in time, and a restart must not forget what was answered. The ledger is a
SQLite table keyed by event id: `claim` inserts atomically and says whether this call was first.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final

__all__ = ["EventLedger"]

KEEP_SECONDS: Final = 86_400.0  # Slack retries within minutes; a day is plenty

_SCHEMA = "CREATE TABLE IF NOT EXISTS claimed_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL)"


class EventLedger:
    """Event ids already taken on, in a SQLite file (or in memory with `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._memory = (
            sqlite3.connect(self.path, check_same_thread=False) if self.path == ":memory:" else None
        )
        self._lock = threading.Lock()
        with self._connect() as con:
            con.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._memory:
                yield self._memory
            return
        with closing(sqlite3.connect(self.path, timeout=10)) as con, con:
            yield con

    def claim(self, event_id: str) -> bool:
        """True the first time `event_id` is claimed, False for every redelivery."""
        now = time.time()
        with self._lock, self._connect() as con:
            con.execute("DELETE FROM claimed_events WHERE at < ?", (now - KEEP_SECONDS,))
            cursor = con.execute(
                "INSERT OR IGNORE INTO claimed_events VALUES (?, ?)", (event_id, now)
            )
            return cursor.rowcount == 1
