"""Who receives a digest beyond its audience in digests.yml: people who subscribed themselves.

`Subscriptions(path)` is a small SQLite file (`subscriptions.sqlite` beside the audit trail)
holding, per digest and person, their latest choice: subscribed or not. `recipients(digest)` is
the digest's people in digests.yml plus those who subscribed, less those who unsubscribed (a
person listed in digests.yml may opt out; the channels are the file's alone). The App Home sets
the choices (Subscribe / Unsubscribe); the digest runner reads them when it delivers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cortex.settings import Settings
from cortex.signals.digests import Digest
from cortex.stores.sqlite import SQLiteFile

__all__ = ["Subscriptions", "with_subscribers"]

_MIGRATIONS: Final = (
    """
    CREATE TABLE IF NOT EXISTS digest_subscriptions (
        digest TEXT NOT NULL,
        user_id TEXT NOT NULL,
        subscribed INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (digest, user_id)
    );
    """,
)


class Subscriptions:
    """People's own choices of digests, in a SQLite file (or `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        self._db = SQLiteFile(
            path,
            migrations=_MIGRATIONS,
            wal=True,
            name="digest subscriptions",
            setting="CORTEX_AUDIT (subscriptions.sqlite is kept next to it)",
            lazy=True,
        )

    @classmethod
    def for_settings(cls, settings: Settings) -> Subscriptions:
        """The subscriptions of a workspace: `subscriptions.sqlite` beside its audit trail."""
        return cls(settings.audit_path.with_name("subscriptions.sqlite"))

    def choose(self, digest: str, user_id: str, *, subscribed: bool) -> None:
        """Record `user_id`'s choice for `digest` (the latest choice counts)."""
        with self._db.connect() as con:
            con.execute(
                "INSERT INTO digest_subscriptions (digest, user_id, subscribed, at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (digest, user_id) DO UPDATE SET "
                "subscribed = excluded.subscribed, at = excluded.at",
                (digest, user_id, int(subscribed), datetime.now(UTC).isoformat()),
            )

    def choices(self, digest: str) -> dict[str, bool]:
        """Each person's latest choice for `digest`: True subscribed, False opted out."""
        with self._db.connect() as con:
            rows = con.execute(
                "SELECT user_id, subscribed FROM digest_subscriptions WHERE digest = ?", (digest,)
            ).fetchall()
        return {str(user): bool(subscribed) for user, subscribed in rows}

    def recipients(self, digest: Digest) -> tuple[str, ...]:
        """The people who receive `digest`: its audience's people and the subscribed, less
        those who opted out, in that order."""
        chosen = self.choices(digest.name)
        listed = [p for p in digest.audience.people if chosen.get(p, True)]
        joined = [p for p, yes in chosen.items() if yes and p not in digest.audience.people]
        return (*listed, *sorted(joined))


def with_subscribers(digest: Digest, subscriptions: Subscriptions | None) -> Digest:
    """`digest` with its people as they stand with the subscriptions (itself when none)."""
    if subscriptions is None:
        return digest
    people = subscriptions.recipients(digest)
    return replace(digest, audience=replace(digest.audience, people=people))
