"""Delivering a digest exactly once per digest, period and recipient, across crashes.

The delivery ledger is a SQLite file (`data/digests.sqlite` beside the audit trail), one row per
(digest, period, recipient): a channel, a person, or a metric owner told of a fired signal. A
period is the digest's scheduled time it stands for (ISO, in the schedule's timezone). A row
also records the period itself as done (recipient `*`), with `nothing_fired` when an
`only_when_fired` digest had nothing to say, so the period is not run again.

Before posting, `deliver` claims the row (`delivering`, with its process id); after Slack's
ok, it marks it `delivered` with the message's ts. A process killed between the two leaves a
`delivering` row: the next run (in a new process: the holder's pid is gone) asks the
`Courier` to look for the message in Slack (each post carries metadata naming its digest,
period and recipient), marks it delivered when found, and posts it when not. So a crash can
neither post twice nor lose the digest. A row claimed by a live process, or within
`LEASE_SECONDS`, is left to it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

from cortex.signals.signals import DigestReport, SignalOutcome
from cortex.stores.sqlite import SQLiteFile

__all__ = [
    "Courier",
    "DeliveryLedger",
    "Recipient",
    "Stamp",
    "deliver",
]

_log = logging.getLogger("cortex.signals.delivery")
LEASE_SECONDS: Final = 600.0
EVENT_TYPE: Final = "cortex_digest"
PERIOD_ROW: Final = "*"

State = Literal["delivering", "delivered", "nothing_fired", "unreachable"]

_MIGRATIONS: Final = (
    """
    CREATE TABLE IF NOT EXISTS digest_deliveries (
        digest TEXT NOT NULL,
        period TEXT NOT NULL,
        recipient TEXT NOT NULL,
        state TEXT NOT NULL,
        channel TEXT,
        ts TEXT,
        pid INTEGER,
        claimed_at REAL NOT NULL,
        delivered_at REAL,
        PRIMARY KEY (digest, period, recipient)
    );
    """,
)


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: `kind` channel or person (the digest), or owner (a fired
    signal's notice to its metric's owner, `address` an e-mail, `signal` its index)."""

    kind: Literal["channel", "person", "owner"]
    address: str
    signal: int | None = None

    @property
    def key(self) -> str:
        """The recipient's key in the ledger and in the message metadata."""
        suffix = f"#{self.signal}" if self.signal is not None else ""
        return f"{self.kind}:{self.address}{suffix}"


@dataclass(frozen=True)
class Stamp:
    """What a posted message carries to be found again: its digest, period and recipient."""

    digest: str
    period: str
    recipient: str

    def metadata(self) -> dict[str, object]:
        """Slack message metadata for `chat.postMessage`."""
        return {
            "event_type": EVENT_TYPE,
            "event_payload": {
                "digest": self.digest,
                "period": self.period,
                "recipient": self.recipient,
            },
        }


class Courier(Protocol):
    """Where digests go (Slack): resolves recipients, posts, and finds what it posted."""

    def channel_of(self, recipient: Recipient) -> str | None:
        """The conversation to post in for `recipient`, or None when it cannot be reached."""
        ...

    def post_digest(self, channel: str, report: DigestReport, stamp: Stamp) -> str:
        """Post the digest; the message's ts."""
        ...

    def post_owner_notice(
        self, channel: str, report: DigestReport, outcome: SignalOutcome, stamp: Stamp
    ) -> str:
        """Tell a metric's owner that its signal fired; the message's ts."""
        ...

    def find(self, channel: str, stamp: Stamp, since: float) -> str | None:
        """The ts of a message posted in `channel` since `since` carrying `stamp`, if any."""
        ...


class DeliveryLedger:
    """The delivery rows, in a SQLite file (or in memory with `:memory:`)."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self._db = SQLiteFile(
            path, migrations=_MIGRATIONS, name="digest delivery ledger", setting="CORTEX_AUDIT"
        )
        self._clock = clock

    def claim(self, digest: str, period: str, recipient: str) -> tuple[str, float] | None:
        """Take the row for this delivery. None when it is done, or held by a live process;
        else the state found ("new", or "delivering" when a dead process left it) and when it
        was first claimed (where to start looking for a message it may have posted)."""
        now = self._clock()
        with self._db.connect() as con:
            row = con.execute(
                "SELECT state, pid, claimed_at FROM digest_deliveries "
                "WHERE digest = ? AND period = ? AND recipient = ?",
                (digest, period, recipient),
            ).fetchone()
            if row is None:
                con.execute(
                    "INSERT INTO digest_deliveries (digest, period, recipient, state, pid, "
                    "claimed_at) VALUES (?, ?, ?, 'delivering', ?, ?)",
                    (digest, period, recipient, os.getpid(), now),
                )
                return "new", now
            state, pid, claimed_at = str(row[0]), int(row[1] or 0), float(row[2])
            if state != "delivering":
                return None
            if pid != os.getpid() and _alive(pid) and now - claimed_at < LEASE_SECONDS:
                return None  # another process is delivering it now
            con.execute(
                "UPDATE digest_deliveries SET pid = ? WHERE digest = ? AND period = ? "
                "AND recipient = ?",
                (os.getpid(), digest, period, recipient),
            )
            return "delivering", claimed_at

    def finish(
        self,
        digest: str,
        period: str,
        recipient: str,
        state: State,
        *,
        channel: str | None = None,
        ts: str | None = None,
    ) -> None:
        """Record how a claimed delivery ended (`delivered` with where and its ts)."""
        with self._db.connect() as con:
            con.execute(
                "INSERT INTO digest_deliveries (digest, period, recipient, state, channel, ts, "
                "pid, claimed_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (digest, period, recipient) DO UPDATE SET state = excluded.state, "
                "channel = excluded.channel, ts = excluded.ts, "
                "delivered_at = excluded.delivered_at",
                (
                    digest,
                    period,
                    recipient,
                    state,
                    channel,
                    ts,
                    os.getpid(),
                    self._clock(),
                    self._clock(),
                ),
            )

    def is_done(self, digest: str, period: str) -> bool:
        """Whether the period of `digest` has been run to the end (delivered or nothing fired)."""
        return self.state(digest, period, PERIOD_ROW) is not None

    def state(self, digest: str, period: str, recipient: str) -> str | None:
        """The state of one row, None when there is none."""
        with self._db.connect() as con:
            row = con.execute(
                "SELECT state FROM digest_deliveries WHERE digest = ? AND period = ? "
                "AND recipient = ?",
                (digest, period, recipient),
            ).fetchone()
        return None if row is None else str(row[0])

    def rows(self, digest: str | None = None) -> list[tuple[str, str, str, str, str | None]]:
        """(digest, period, recipient, state, ts) of every row, oldest first."""
        with self._db.connect() as con:
            found = con.execute(
                "SELECT digest, period, recipient, state, ts FROM digest_deliveries "
                "WHERE ? IS NULL OR digest = ? ORDER BY claimed_at, recipient",
                (digest, digest),
            ).fetchall()
        return [
            (str(a), str(b), str(c), str(d), None if e is None else str(e))
            for a, b, c, d, e in found
        ]


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recipients(report: DigestReport) -> list[Recipient]:
    """Who this report goes to: the audience, then each fired signal's owner when the digest
    notifies owners."""
    digest = report.digest
    found = [Recipient("channel", c) for c in digest.audience.channels]
    found += [Recipient("person", p) for p in digest.audience.people]
    if digest.notify_owners:
        for index, outcome in enumerate(report.outcomes):
            if outcome in report.fired and outcome.owner:
                found.append(Recipient("owner", outcome.owner, index))
    return found


def deliver(
    report: DigestReport, period: str, courier: Courier, ledger: DeliveryLedger
) -> list[str]:
    """Deliver `report` for `period` to every recipient not yet delivered; one line per
    recipient saying what happened. Nothing is posted for an `only_when_fired` digest with
    nothing fired and nothing failed (the period is recorded as done all the same); a signal
    that could not be computed is always told."""
    digest = report.digest
    if ledger.is_done(digest.name, period):
        return [f"{digest.name} {period}: delivered already"]
    if digest.only_when_fired and not report.fired and not report.failed:
        ledger.finish(digest.name, period, PERIOD_ROW, "nothing_fired")
        return [f"{digest.name} {period}: nothing fired, nothing posted"]
    said: list[str] = []
    pending = False
    for recipient in recipients(report):
        line = _deliver_one(report, period, recipient, courier, ledger)
        pending = pending or line is None
        said.append(line or f"{recipient.key}: another process is delivering it")
    if not pending:
        ledger.finish(digest.name, period, PERIOD_ROW, "delivered")
    return said


def _deliver_one(
    report: DigestReport,
    period: str,
    recipient: Recipient,
    courier: Courier,
    ledger: DeliveryLedger,
) -> str | None:
    name = report.digest.name
    claimed = ledger.claim(name, period, recipient.key)
    if claimed is None:
        state = ledger.state(name, period, recipient.key)
        return None if state == "delivering" else f"{recipient.key}: {state} already"
    found_state, since = claimed
    channel = courier.channel_of(recipient)
    if channel is None:
        ledger.finish(name, period, recipient.key, "unreachable")
        _log.warning("digest %s: cannot reach %s; skipped", name, recipient.key)
        return f"{recipient.key}: unreachable"
    stamp = Stamp(name, period, recipient.key)
    if found_state == "delivering":  # a process died mid-delivery: did Slack get it?
        ts = courier.find(channel, stamp, since - 60)
        if ts is not None:
            ledger.finish(name, period, recipient.key, "delivered", channel=channel, ts=ts)
            return f"{recipient.key}: found in Slack, posted before a restart"
    if recipient.kind == "owner" and recipient.signal is not None:
        outcome = report.outcomes[recipient.signal]
        ts = courier.post_owner_notice(channel, report, outcome, stamp)
    else:
        ts = courier.post_digest(channel, report, stamp)
    ledger.finish(name, period, recipient.key, "delivered", channel=channel, ts=ts)
    return f"{recipient.key}: posted"


def delivered_lines(rows: Sequence[tuple[str, str, str, str, str | None]]) -> list[str]:
    """The ledger's rows as lines for a terminal."""
    return [f"{d}  {p}  {r}  {s}{'  ' + ts if ts else ''}" for d, p, r, s, ts in rows]
