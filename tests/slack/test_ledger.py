"""The event ledger: a claim is a lease that expires unless its answer is recorded.

Also the Slack events file it shares with the placeholders: an older file upgrades.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from cortex.slack.ledger import LEASE_SECONDS, EventLedger
from cortex.slack.placeholders import Placeholders


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_764_000_000.0

    def __call__(self) -> float:
        return self.now


def ledger(tmp_path: Path, clock: Clock) -> EventLedger:
    return EventLedger(tmp_path / "events.sqlite", clock=clock)


def test_a_redelivery_is_dropped_while_the_first_delivery_holds_its_lease(tmp_path: Path) -> None:
    clock = Clock()
    events = ledger(tmp_path, clock)
    assert events.claim("Ev1")
    clock.now += LEASE_SECONDS - 1  # still answering, slowly
    assert not events.claim("Ev1")


def test_a_claim_whose_answer_was_never_recorded_expires_with_its_lease(tmp_path: Path) -> None:
    clock = Clock()
    events = ledger(tmp_path, clock)
    assert events.claim("Ev1")
    clock.now += LEASE_SECONDS + 1
    assert events.claim("Ev1")  # taken on again, once
    assert not events.claim("Ev1")


def test_a_claim_whose_answer_was_recorded_never_expires(tmp_path: Path) -> None:
    clock = Clock()
    events = ledger(tmp_path, clock)
    assert events.claim("Ev1")
    events.done("Ev1")
    clock.now += LEASE_SECONDS * 10
    assert not events.claim("Ev1")


def test_a_restart_frees_the_claims_left_unfinished_and_keeps_the_answered_ones(
    tmp_path: Path,
) -> None:
    clock = Clock()
    before = ledger(tmp_path, clock)
    before.claim("Ev.answered")
    before.done("Ev.answered")
    before.claim("Ev.interrupted")
    after = ledger(tmp_path, clock)  # a new process, seconds later
    assert after.release_unfinished() == 1
    assert after.claim("Ev.interrupted") and not after.claim("Ev.answered")


def test_events_claimed_by_the_ledger_before_leases_stay_answered(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE claimed_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL)")
        con.execute("INSERT INTO claimed_events VALUES ('Ev.old', ?)", (Clock().now,))
    con.close()
    events = EventLedger(path, clock=Clock())
    assert events.release_unfinished() == 0
    assert not events.claim("Ev.old")


def test_an_events_file_written_before_versions_keeps_its_claims_and_placeholders(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.sqlite"
    with closing(sqlite3.connect(path)) as con, con:  # as Cortex left it before schema versions
        con.executescript(
            """
            CREATE TABLE event_claims (
                event_id TEXT PRIMARY KEY,
                claimed_at REAL NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE placeholders (
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
            );
            """
        )
        con.execute("INSERT INTO event_claims VALUES ('Ev.done', ?, 1)", (Clock().now,))
        con.execute(
            "INSERT INTO placeholders VALUES ('Ev.waiting', 'C1', '1.0', 'slack:C1:1.0', '1.1', "
            "'What is our ARR?', 'U1', ?, NULL, NULL)",
            (Clock().now,),
        )
    events = EventLedger(path, clock=Clock())
    assert not events.claim("Ev.done")
    (waiting,) = Placeholders(path).waiting()
    assert (waiting.key, waiting.placeholder_ts, waiting.question) == (
        "Ev.waiting",
        "1.1",
        "What is our ARR?",
    )
    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (3,)
