"""Which Slack events Cortex has taken on, so a redelivery gets one answer, and a crash none lost.

Slack redelivers an event (same `event_id`, with `X-Slack-Retry-Num`) when it did not see an
acknowledgement in time. The ledger is a SQLite table keyed by event id, in the Slack events
file beside the audit trail (cortex.slack.events_file), so a restart remembers it. A claim is
a lease:

- `claim` takes an event that nobody holds, or whose lease (`LEASE_SECONDS` from the claim,
  longer than the slowest answer: three planning rounds and a query, each with a 30-second
  timeout) ran out before its answer was recorded. It says whether this call holds it now, so
  a redelivery while the first delivery is still being answered is dropped.
- `done` marks the event answered (its answer, refusal or apology recorded): every later
  redelivery is dropped.
- `release_unfinished`, when a process starts serving, frees every claim left unfinished: the
  process that held them is gone (one process serves a Slack app at a time; its stores are
  files beside each other), so a redelivery is answered at once rather than after the lease.

Claims are kept for a day (Slack redelivers within minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cortex.slack.events_file import open_events_file

__all__ = ["KEEP_SECONDS", "LEASE_SECONDS", "EventLedger"]

KEEP_SECONDS: Final = 86_400.0
LEASE_SECONDS: Final = 600.0


class EventLedger:
    """Event claims with a lease, in a SQLite file (or in memory with `:memory:`)."""

    def __init__(
        self,
        path: Path | str,
        *,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = open_events_file(path)
        self.lease_seconds = lease_seconds
        self._clock = clock

    def claim(self, event_id: str) -> bool:
        """True when this call holds `event_id` now: first seen, or its lease ran out unanswered.

        False while another delivery holds it, and for good once it is `done`.
        """
        now = self._clock()
        with self._db.connect() as con:
            con.execute("DELETE FROM event_claims WHERE claimed_at < ?", (now - KEEP_SECONDS,))
            cursor = con.execute(
                "INSERT INTO event_claims (event_id, claimed_at) VALUES (?, ?) "
                "ON CONFLICT (event_id) DO UPDATE SET claimed_at = excluded.claimed_at "
                "WHERE done = 0 AND claimed_at <= ?",
                (event_id, now, now - self.lease_seconds),
            )
            return cursor.rowcount == 1

    def done(self, event_id: str) -> None:
        """Mark `event_id` answered: no redelivery of it is taken on again."""
        with self._db.connect() as con:
            con.execute("UPDATE event_claims SET done = 1 WHERE event_id = ?", (event_id,))

    def release_unfinished(self) -> int:
        """Free every claim not done (a process starting: their holder is gone); how many."""
        with self._db.connect() as con:
            return con.execute("DELETE FROM event_claims WHERE done = 0").rowcount
