"""Which Slack events Cortex has taken on, so a retried delivery never gets a second answer.

Slack redelivers an event (same `event_id`, with `X-Slack-Retry-Num`) when it did not see an
acknowledgement in time, and a restart must not forget what was answered. The ledger is a
SQLite table keyed by event id: `claim` inserts atomically and says whether this call was first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from ..sqlite_store import SQLiteFile

__all__ = ["EventLedger"]

KEEP_SECONDS: Final = 86_400.0  # Slack retries within minutes; a day is plenty

_SCHEMA = "CREATE TABLE IF NOT EXISTS claimed_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL)"


class EventLedger:
    """Event ids already taken on, in a SQLite file (or in memory with `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self._db = SQLiteFile(path, schema=_SCHEMA, timeout=10)

    def claim(self, event_id: str) -> bool:
        """True the first time `event_id` is claimed, False for every redelivery."""
        now = time.time()
        with self._db.connect() as con:
            con.execute("DELETE FROM claimed_events WHERE at < ?", (now - KEEP_SECONDS,))
            cursor = con.execute(
                "INSERT OR IGNORE INTO claimed_events VALUES (?, ?)", (event_id, now)
            )
            return cursor.rowcount == 1
