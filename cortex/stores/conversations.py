"""Conversations, persisted by id, so that follow-ups survive a restart.

One SQLite file (the standard library's sqlite3: no server, safe across threads with a
connection per call) holds every turn: the question, the status of the answer and the
semantic query it ran, if any. A follow-up builds on the queries of its conversation.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cortex.stores.sqlite import SQLiteFile
from semantic_layer.query import SemanticQuery

#: The conversation file's schema, oldest first (see cortex.stores.migrations); never edit one.
_MIGRATIONS: Final = (
    # 1: the turns of every conversation.
    """
    CREATE TABLE IF NOT EXISTS turns (
        conversation_id TEXT NOT NULL,
        turn INTEGER NOT NULL,
        asked_at TEXT NOT NULL,
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        query_json TEXT,
        PRIMARY KEY (conversation_id, turn)
    )
    """,
    # 2: what a question back offered, so that "yes" or "the second one" can accept it.
    "ALTER TABLE turns ADD COLUMN suggestions_json TEXT",
)


@dataclass(frozen=True)
class Recall:
    """What a conversation holds for its next question: the queries answered so far (oldest
    first), the status of its latest turn (None when new) and what that turn offered."""

    history: list[SemanticQuery] = field(default_factory=list)
    last_status: str | None = None
    last_suggestions: tuple[str, ...] = ()
    #: the question of the latest turn that was answered with a query
    last_answered: str | None = None


class ConversationStore:
    """The turns of every conversation, in a SQLite file (or in memory with `:memory:`).

    A store that cannot be used (damaged, locked, full, in a folder that cannot be made) costs
    no answer: reading it gives no history and writing it keeps nothing, each logged as one
    warning line naming the file and the cause (see `SQLiteFile.attempt`). A follow-up then
    simply has no history.
    """

    def __init__(self, path: Path | str, *, timeout: float = 10.0) -> None:
        self.path = str(path)
        self._db = SQLiteFile(
            path,
            migrations=_MIGRATIONS,
            timeout=timeout,
            name="conversation store",
            setting="CORTEX_CONVERSATIONS",
            lazy=True,
        )

    def history(self, conversation_id: str) -> list[SemanticQuery]:
        """The semantic queries answered so far in the conversation, oldest first."""
        return self.recall(conversation_id).history

    def recall(self, conversation_id: str) -> Recall:
        """What the conversation holds for its next question, read at once: a store that
        cannot be read says so once, and the question is answered without it."""
        rows: list[tuple[str | None, str, str | None, str]] = self._db.attempt(
            lambda con: con.execute(
                "SELECT query_json, status, suggestions_json, question FROM turns"
                " WHERE conversation_id = ? ORDER BY turn",
                (conversation_id,),
            ).fetchall(),
            otherwise=[],
            consequence="This question is answered without its conversation's earlier turns.",
        )
        if not rows:
            return Recall()
        queries = [SemanticQuery.model_validate_json(q) for q, _, _, _ in rows if q is not None]
        _, status, offered, _ = rows[-1]
        suggestions = tuple(str(s) for s in json.loads(offered)) if offered else ()
        answered = [question for q, _, _, question in rows if q is not None]
        return Recall(queries, str(status), suggestions, answered[-1] if answered else None)

    def last_status(self, conversation_id: str) -> str | None:
        """The status of the conversation's latest turn ('answer', 'clarification' ...), or
        None for a new conversation (or a store that cannot be read)."""
        return self.recall(conversation_id).last_status

    def exists(self, conversation_id: str) -> bool:
        """True when the conversation has at least one turn (False when it cannot be read)."""
        row = self._db.attempt(
            lambda con: con.execute(
                "SELECT 1 FROM turns WHERE conversation_id = ? LIMIT 1", (conversation_id,)
            ).fetchone(),
            otherwise=None,
            consequence="The message is taken as the start of a new conversation.",
        )
        return row is not None

    def append(
        self,
        conversation_id: str,
        question: str,
        status: str,
        query: SemanticQuery | None,
        suggestions: Sequence[str] = (),
    ) -> int | None:
        """Record a turn (with what it offered, when it asked back); returns its number in the
        conversation (1 for the first), or None when the store cannot be written."""

        def insert(con: sqlite3.Connection) -> int:
            # One statement: the turn number is taken and written under the same write lock,
            # so two turns of one conversation at once (two people in a thread) both land.
            row = con.execute(
                "INSERT INTO turns SELECT ?, COALESCE(MAX(turn), 0) + 1, ?, ?, ?, ?, ?"
                " FROM turns WHERE conversation_id = ? RETURNING turn",
                (
                    conversation_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    question,
                    status,
                    query.model_dump_json() if query is not None else None,
                    json.dumps(list(suggestions)) if suggestions else None,
                    conversation_id,
                ),
            ).fetchone()
            return int(row[0])

        return self._db.attempt(
            insert,
            otherwise=None,
            consequence="This turn is not kept, so a follow-up to it will have no history.",
        )
