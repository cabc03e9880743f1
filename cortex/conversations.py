"""Conversations, persisted by id, so that follow-ups survive a restart.

One SQLite file (the standard library's sqlite3: no server, safe across threads with a
connection per call) holds every turn: the question, the status of the answer and the
semantic query it ran, if any. A follow-up builds on the queries of its conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from semantic_layer.query import SemanticQuery

from .sqlite_store import SQLiteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    status TEXT NOT NULL,
    query_json TEXT,
    PRIMARY KEY (conversation_id, turn)
)
"""


class ConversationStore:
    """The turns of every conversation, in a SQLite file (or in memory with `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = SQLiteFile(path, schema=_SCHEMA, timeout=10)

    def history(self, conversation_id: str) -> list[SemanticQuery]:
        """The semantic queries answered so far in the conversation, oldest first."""
        with self._db.connect() as con:
            rows = con.execute(
                "SELECT query_json FROM turns WHERE conversation_id = ? AND query_json IS NOT NULL"
                " ORDER BY turn",
                (conversation_id,),
            ).fetchall()
        return [SemanticQuery.model_validate_json(row[0]) for row in rows]

    def last_status(self, conversation_id: str) -> str | None:
        """The status of the conversation's latest turn ('answer', 'clarification' ...), or
        None for a new conversation."""
        with self._db.connect() as con:
            row = con.execute(
                "SELECT status FROM turns WHERE conversation_id = ? ORDER BY turn DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        return str(row[0]) if row else None

    def exists(self, conversation_id: str) -> bool:
        """True when the conversation has at least one turn."""
        with self._db.connect() as con:
            row = con.execute(
                "SELECT 1 FROM turns WHERE conversation_id = ? LIMIT 1", (conversation_id,)
            ).fetchone()
        return row is not None

    def append(
        self, conversation_id: str, question: str, status: str, query: SemanticQuery | None
    ) -> int:
        """Record a turn; returns its number in the conversation (1 for the first)."""
        with self._db.connect() as con:
            # One statement: the turn number is taken and written under the same write lock,
            # so two turns of one conversation at once (two people in a thread) both land.
            row = con.execute(
                "INSERT INTO turns SELECT ?, COALESCE(MAX(turn), 0) + 1, ?, ?, ?, ? FROM turns"
                " WHERE conversation_id = ? RETURNING turn",
                (
                    conversation_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    question,
                    status,
                    query.model_dump_json() if query is not None else None,
                    conversation_id,
                ),
            ).fetchone()
            turn = int(row[0])
        return turn
