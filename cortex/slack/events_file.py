"""The SQLite file where the Slack app keeps what a restart must find: event claims and
placeholders.

It lies beside the audit trail (`slack_events.sqlite`) and holds the event ledger's claims
(cortex.slack.ledger) and the placeholders not yet replaced (cortex.slack.placeholders). One
file has one schema history, so both open it with the migrations below, oldest first (see
cortex.stores.migrations; a released migration is never edited).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from cortex.stores.sqlite import SQLiteFile

__all__ = ["open_events_file"]

_MIGRATIONS: Final = (
    # 1: the first ledger: the events taken on, by id.
    "CREATE TABLE IF NOT EXISTS claimed_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL)",
    # 2: a claim is a lease until its answer is recorded; the first ledger's claims (all of
    #    answered events) move in as done.
    """
    CREATE TABLE IF NOT EXISTS event_claims (
        event_id TEXT PRIMARY KEY,
        claimed_at REAL NOT NULL,
        done INTEGER NOT NULL DEFAULT 0
    );
    INSERT OR IGNORE INTO event_claims SELECT event_id, at, 1 FROM claimed_events;
    DROP TABLE claimed_events;
    """,
    # 3: the placeholders posted and not yet replaced, with what it takes to finish them.
    """
    CREATE TABLE IF NOT EXISTS placeholders (
        key TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        thread_ts TEXT,
        conversation_id TEXT NOT NULL,
        placeholder_ts TEXT NOT NULL,
        question TEXT NOT NULL,
        user_id TEXT NOT NULL,
        posted_at REAL NOT NULL,
        record_id INTEGER,
        message TEXT
    )
    """,
)


def open_events_file(path: Path | str) -> SQLiteFile:
    """The Slack events file at `path` (or in memory with `:memory:`), at its latest version."""
    return SQLiteFile(path, migrations=_MIGRATIONS, timeout=10)
