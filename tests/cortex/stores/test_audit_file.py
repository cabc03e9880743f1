"""The audit trail's SQLite file: versioned, upgraded with its records, refused when too new.

The file written before schema versions is made with the CREATE statements Cortex used then
(from git history: cortex/audit.py, now cortex/stores/audit.py), user_version left at 0.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cortex.stores.audit import COLUMNS, AuditEntry, AuditLog
from cortex.stores.sqlite import StoreError

#: The audit trail as Cortex created it before its schema had versions.
BEFORE_VERSIONS = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT,
    channel TEXT,
    thread TEXT,
    question TEXT NOT NULL,
    outcome TEXT NOT NULL,
    answer TEXT NOT NULL,
    plan TEXT,
    sql TEXT,
    "rows" INTEGER,
    latency_ms REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd REAL,
    trace_id TEXT,
    as_of TEXT,
    feedback TEXT,
    feedback_comment TEXT,
    feedback_by TEXT,
    feedback_at TEXT
);
CREATE INDEX IF NOT EXISTS records_at ON records (at);
CREATE TRIGGER IF NOT EXISTS records_are_kept BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: records are never deleted');
END;
CREATE TRIGGER IF NOT EXISTS records_are_not_rewritten
BEFORE UPDATE OF "id", "at", "source", "user_id", "user_name", "channel", "thread", "question", \
"outcome", "answer", "plan", "sql", "rows", "latency_ms", "input_tokens", "output_tokens", \
"cost_usd", "trace_id", "as_of" ON records
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: only feedback can be added');
END;
"""


def version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as con:
        found: int = con.execute("PRAGMA user_version").fetchone()[0]
        return found


def entry(question: str = "What is our ARR?") -> AuditEntry:
    return AuditEntry(source="cli", user_id="ada", question=question, outcome="answered")


def test_an_audit_file_written_before_versions_upgrades_with_its_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    with closing(sqlite3.connect(path)) as con, con:
        con.executescript(BEFORE_VERSIONS)
        con.execute(
            "INSERT INTO records (at, source, user_id, user_name, question, outcome, answer, "
            '"rows", as_of, feedback, feedback_comment, feedback_by, feedback_at) '
            "VALUES ('2026-11-20T09:00:00.000+00:00', 'slack', 'U0ADA00001', 'Ada', "
            "'What is our ARR?', 'answered', '$1.2M', 1, '2026-11-20', 'down', 'Too low', "
            "'U0ADA00001', '2026-11-20T09:05:00.000+00:00')"
        )
        con.execute(
            "INSERT INTO records (at, source, user_id, question, outcome, answer) "
            "VALUES ('2026-11-21T10:00:00.000+00:00', 'cli', 'ben', 'Tickets?', 'clarified', '')"
        )
    assert version(path) == 0

    log = AuditLog(path)
    first, second = log.get(1), log.get(2)
    assert version(path) == 5
    assert first is not None and second is not None
    assert (first.at, first.user_name, first.answer, first.rows, first.as_of) == (
        datetime(2026, 11, 20, 9, tzinfo=UTC),
        "Ada",
        "$1.2M",
        1,
        date(2026, 11, 20),
    )
    assert (first.feedback, first.feedback_comment, first.feedback_by) == (
        "down",
        "Too low",
        "U0ADA00001",
    )
    assert (second.user_id, second.question, second.outcome) == ("ben", "Tickets?", "clarified")
    # It goes on as before: new records after the old ones, feedback, and no record rewritten.
    assert log.record(entry("Churn?")) == 3
    log.record_feedback(2, "up")
    assert [record.id for record in log.list()] == [3, 2, 1]
    with closing(sqlite3.connect(path)) as con, pytest.raises(sqlite3.DatabaseError):
        con.execute("DELETE FROM records WHERE id = 1")
    with closing(sqlite3.connect(path)) as con:
        triggers = con.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'"
        )
        assert triggers.fetchone() == (2,)


def test_a_new_audit_file_is_at_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    AuditLog(path).record(entry())
    assert version(path) == 5


def test_every_column_but_the_feedback_is_kept_as_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record(entry())
    with closing(sqlite3.connect(log.path)) as con:
        for column in COLUMNS:
            update = f'UPDATE records SET "{column}" = "{column}"'
            if column.startswith("feedback"):
                con.execute(update)
            else:
                with pytest.raises(sqlite3.DatabaseError, match="only feedback can be added"):
                    con.execute(update)


def test_an_audit_file_from_a_newer_cortex_is_refused_clearly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "audit.sqlite"
    AuditLog(path).record(entry())
    known = version(path)  # the latest version this Cortex knows
    with closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA user_version = {known + 1}")  # what a later Cortex would leave
    refusal = (
        f"Cortex cannot use the audit log {path}: a newer Cortex wrote it (schema version "
        f"{known + 1}; this one knows versions up to {known})."
    )
    with pytest.raises(StoreError) as raised:
        AuditLog(path).list()
    assert str(raised.value) == refusal
    assert raised.value.hint == "Upgrade Cortex to open it, or set CORTEX_AUDIT to another file."
    with caplog.at_level(logging.WARNING, logger="cortex.store"):
        assert AuditLog(path).record(entry()) is None  # recording costs no answer
    assert caplog.messages[0].startswith(refusal)
    assert version(path) == known + 1
