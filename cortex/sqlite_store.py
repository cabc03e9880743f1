"""The SQLite file under Cortex's small stores: conversations, the audit trail, Slack events.

`SQLiteFile(path, schema=...)` creates the folder and the schema. `connect()` is one
transaction: on a file, a connection of its own (so any thread may use it, and SQLite's file
locks order the writers); with `:memory:`, one shared connection behind a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

__all__ = ["SQLiteFile"]


class SQLiteFile:
    """A SQLite database at `path` (or in memory with `:memory:`), with `schema` applied."""

    def __init__(
        self, path: Path | str, *, schema: str, wal: bool = False, timeout: float = 30.0
    ) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if self.path == ":memory:":
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if wal:  # readers never wait for the writer
                with closing(sqlite3.connect(self.path, timeout=timeout)) as con:
                    con.execute("PRAGMA journal_mode=WAL")
        with self.connect() as con:
            con.executescript(schema)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (committed on success, rolled back on error)."""
        if self._memory is not None:
            with self._lock, self._memory:
                yield self._memory
            return
        with closing(sqlite3.connect(self.path, timeout=self.timeout)) as con, con:
            yield con
