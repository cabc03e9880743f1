"""The bearer tokens of `cortex serve mcp --http`: one per person, kept only as a hash.

`TokenStore(path)` is a small SQLite file beside the audit trail (`mcp_tokens.sqlite`, see
`for_settings`). `issue(user_id)` makes a token (`cmcp_` and 32 random bytes from `secrets`,
URL-safe), stores its SHA-256 and returns the token itself once: nothing can show it again.
`user_of(token)` says whose a token is: the hash of what was presented is compared with every
live hash in constant time (`hmac.compare_digest`), so how long a refusal takes says nothing
about how close a guess was. `revoke(token_id)` ends a token for good (its row stays, marked,
so `list` still shows who had it and when); `list()` shows ids, users, labels and dates, never
a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cortex.errors import UserError
from cortex.settings import Settings
from cortex.stores.sqlite import SQLiteFile

__all__ = ["TOKEN_PREFIX", "IssuedToken", "TokenRecord", "TokenStore"]

#: What every token starts with, so that one pasted into a log or a chat is recognised.
TOKEN_PREFIX: Final = "cmcp_"

_MIGRATIONS: Final = (
    """
    CREATE TABLE IF NOT EXISTS tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT NOT NULL,
        label TEXT,
        sha256 TEXT NOT NULL UNIQUE,
        issued_at TEXT NOT NULL,
        revoked_at TEXT
    );
    """,
)


@dataclass(frozen=True)
class TokenRecord:
    """A token as `list` shows it: never the token, never its hash."""

    id: int
    user_id: str
    label: str | None
    issued_at: datetime
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        """Whether the token still signs its user in."""
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: `token` is shown once and kept nowhere."""

    record: TokenRecord
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenStore:
    """The MCP bearer tokens in a SQLite file (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = SQLiteFile(
            path,
            migrations=_MIGRATIONS,
            name="MCP token store",
            setting="CORTEX_AUDIT (mcp_tokens.sqlite is kept next to it)",
            lazy=True,
        )

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenStore:
        """The store of a workspace: `mcp_tokens.sqlite` next to its audit trail."""
        return cls(settings.audit_path.with_name("mcp_tokens.sqlite"))

    def issue(self, user_id: str, label: str | None = None) -> IssuedToken:
        """A new token for `user_id`; only its hash is stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        created = _now()
        with self._db.connect() as con:
            cursor = con.execute(
                "INSERT INTO tokens (user_id, label, sha256, issued_at) VALUES (?, ?, ?, ?)",
                (user_id, label, _digest(token), created),
            )
            token_id = cursor.lastrowid
        assert token_id is not None
        record = TokenRecord(token_id, user_id, label, datetime.fromisoformat(created), None)
        return IssuedToken(record, token)

    def user_of(self, token: str) -> str | None:
        """The user a live `token` signs in, or None (unknown, revoked, or not one of ours)."""
        presented = _digest(token)
        found: str | None = None
        with self._db.connect() as con:
            rows = con.execute(
                "SELECT user_id, sha256 FROM tokens WHERE revoked_at IS NULL"
            ).fetchall()
        for user_id, stored in rows:  # every row compared: the time taken says nothing
            if hmac.compare_digest(presented, str(stored)):
                found = str(user_id)
        return found

    def list(self) -> list[TokenRecord]:
        """Every token ever issued, oldest first (revoked ones marked)."""
        if not self.path.exists():  # reading never creates the store
            return []
        with self._db.connect() as con:
            rows = con.execute(
                "SELECT id, user_id, label, issued_at, revoked_at FROM tokens ORDER BY id"
            ).fetchall()
        return [_record(row) for row in rows]

    def revoke(self, token_id: int) -> TokenRecord:
        """End token `token_id`; UserError when there is none (or it was revoked already)."""
        with self._db.connect() as con:
            updated = con.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (_now(), token_id),
            ).rowcount
            row = con.execute(
                "SELECT id, user_id, label, issued_at, revoked_at FROM tokens WHERE id = ?",
                (token_id,),
            ).fetchone()
        if row is None:
            raise UserError(
                f"There is no MCP token {token_id}.",
                hint="`cortex mcp token list` shows the tokens and their ids.",
            )
        if not updated:
            raise UserError(f"MCP token {token_id} ({row[1]}) was revoked already.")
        return _record(row)


def _record(row: sqlite3.Row | tuple[object, ...]) -> TokenRecord:
    token_id, user_id, label, issued_at, revoked_at = tuple(row)
    return TokenRecord(
        id=int(str(token_id)),
        user_id=str(user_id),
        label=None if label is None else str(label),
        issued_at=datetime.fromisoformat(str(issued_at)),
        revoked_at=None if revoked_at is None else datetime.fromisoformat(str(revoked_at)),
    )
