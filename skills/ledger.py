"""What skills have written outside Cortex, by request: the same request twice writes once.

`WriteLedger(path)` is a small SQLite file (next to the audit log, `skills.sqlite`). A skill
that writes outside names each request by a key (`request_key(...)`: a hash of what makes two
requests the same, such as the answer's question, conversation and as-of day for a Notion page,
or the team, title and description of a Linear issue) and asks `find(skill, key)` before it
writes: a page already written is updated, an issue already filed is returned as it is.
`remember(skill, key, external_id, link)` is called once the service has said yes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cortex.settings import Settings
from cortex.stores.sqlite import SQLiteFile

__all__ = ["WriteLedger", "Written", "request_key"]

_MIGRATIONS: Final = (
    """
    CREATE TABLE IF NOT EXISTS written (
        skill TEXT NOT NULL,
        key TEXT NOT NULL,
        external_id TEXT NOT NULL,
        link TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (skill, key)
    );
    """,
)


def request_key(*parts: object) -> str:
    """A stable key for a request made of `parts` (JSON-able values)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Written:
    """Something a skill wrote: the service's id for it and its link."""

    external_id: str
    link: str | None


class WriteLedger:
    """The ledger of what skills wrote, in a SQLite file (or `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self._db = SQLiteFile(
            path,
            migrations=_MIGRATIONS,
            wal=True,
            name="skills' ledger",
            setting="CORTEX_AUDIT (skills.sqlite is kept next to it)",
            lazy=True,
        )

    @classmethod
    def for_settings(cls, settings: Settings) -> WriteLedger:
        """The ledger of a workspace: `skills.sqlite` next to its audit log."""
        return cls(settings.audit_path.parent / "skills.sqlite")

    def find(self, skill: str, key: str) -> Written | None:
        """What `skill` wrote for the request `key`, if it did."""
        with self._db.connect() as con:
            row = con.execute(
                "SELECT external_id, link FROM written WHERE skill = ? AND key = ?", (skill, key)
            ).fetchone()
        return Written(row[0], row[1]) if row is not None else None

    def remember(self, skill: str, key: str, external_id: str, link: str | None) -> None:
        """Record that `skill` wrote `external_id` (at `link`) for the request `key`."""

        with self._db.connect() as con:
            con.execute(
                "INSERT INTO written (skill, key, external_id, link, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (skill, key) DO UPDATE SET external_id = excluded.external_id, "
                "link = excluded.link, at = excluded.at",
                (skill, key, external_id, link, datetime.now(UTC).isoformat()),
            )
