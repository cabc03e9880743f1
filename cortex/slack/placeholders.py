"""The "Working on it…" placeholders posted and not yet replaced, so a restart can finish them.

Cortex posts a placeholder in the thread, then replaces it with the answer. If the process dies
in between, the placeholder would say "Working on it…" forever. So each placeholder is kept in
a SQLite table (in the Slack events file, beside the event ledger: cortex.slack.events_file)
from the moment it is posted until it is replaced, with what it takes to finish it: the
question, who asked, where, and once the answer is recorded in the audit trail, the message
that replaces it (so a process that dies between recording and posting leaves the very answer
that was recorded, and nothing is asked twice).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cortex.slack.blocks import SlackMessage
from cortex.slack.events_file import open_events_file

__all__ = ["Pending", "Placeholders"]

_COLUMNS: Final = (
    "key",
    "channel",
    "thread_ts",
    "conversation_id",
    "placeholder_ts",
    "question",
    "user_id",
    "posted_at",
    "record_id",
    "message",
)


@dataclass(frozen=True)
class Pending:
    """A placeholder in Slack waiting for its answer, and everything needed to give it."""

    key: str  # the event id (or another id of the question) it answers
    channel: str
    thread_ts: str | None  # None: at the top of a DM
    conversation_id: str
    placeholder_ts: str
    question: str
    user_id: str
    posted_at: float  # seconds since the epoch
    record_id: int | None = None  # the audit record, once the answer is recorded
    message: SlackMessage | None = None  # what replaces the placeholder, once recorded


class Placeholders:
    """Placeholders posted and not yet replaced, in a SQLite file (or `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self._db = open_events_file(path)

    def posted(self, pending: Pending) -> None:
        """Keep `pending`, just posted (replacing what an earlier attempt left under its key)."""
        message = _dump(pending.message) if pending.message is not None else None
        values = (*(getattr(pending, c) for c in _COLUMNS[:-1]), message)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._db.connect() as con:
            con.execute(
                f"INSERT OR REPLACE INTO placeholders ({', '.join(_COLUMNS)}) VALUES ({marks})",
                values,
            )

    def answered(self, key: str, record_id: int | None, message: SlackMessage) -> None:
        """The answer of `key` is recorded as `record_id`; `message` is what replaces it."""
        with self._db.connect() as con:
            con.execute(
                "UPDATE placeholders SET record_id = ?, message = ? WHERE key = ?",
                (record_id, _dump(message), key),
            )

    def replaced(self, key: str) -> None:
        """The placeholder of `key` says something else now: nothing is left to finish."""
        with self._db.connect() as con:
            con.execute("DELETE FROM placeholders WHERE key = ?", (key,))

    def get(self, key: str) -> Pending | None:
        """The placeholder waiting under `key`, if any."""
        with self._db.connect() as con:
            row = con.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM placeholders WHERE key = ?", (key,)
            ).fetchone()
        return _pending(row) if row is not None else None

    def waiting(self) -> list[Pending]:
        """Every placeholder not yet replaced, oldest first."""
        with self._db.connect() as con:
            rows = con.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM placeholders ORDER BY posted_at"
            ).fetchall()
        return [_pending(row) for row in rows]


def _dump(message: SlackMessage) -> str:
    return json.dumps(message.as_kwargs())


def _pending(row: tuple[Any, ...]) -> Pending:
    values = dict(zip(_COLUMNS, row, strict=True))
    if values["message"] is not None:
        saved = json.loads(values["message"])
        values["message"] = SlackMessage(saved["text"], tuple(saved["blocks"]))
    return Pending(**values)
