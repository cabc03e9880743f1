"""A store's SQLite file is versioned (PRAGMA user_version) and upgraded in order, once each.

Real SQLite files throughout; the race between two processes uses two real processes.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from contextlib import closing
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from cortex.stores.sqlite import SQLiteFile, StoreError

#: A store's history: notes, then their authors and a log of upgrades, then one upgrade logged.
MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    "ALTER TABLE notes ADD COLUMN author TEXT; CREATE TABLE upgrades (migration INTEGER)",
    "INSERT INTO upgrades VALUES (3)",
)


def version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as con:
        found: int = con.execute("PRAGMA user_version").fetchone()[0]
        return found


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as con:
        return con.execute(sql).fetchall()


def tables(path: Path) -> set[str]:
    return {name for (name,) in rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_new_file_gets_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    SQLiteFile(path, migrations=MIGRATIONS)
    assert version(path) == 3
    assert tables(path) == {"notes", "upgrades"}
    assert rows(path, "SELECT migration FROM upgrades") == [(3,)]


def test_a_file_in_memory_gets_the_latest_version() -> None:
    store = SQLiteFile(":memory:", migrations=MIGRATIONS)
    with store.connect() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (3,)


def test_an_older_file_gets_the_migrations_it_lacks_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with SQLiteFile(path, migrations=MIGRATIONS[:1]).connect() as con:  # an older release
        con.execute("INSERT INTO notes (text) VALUES ('kept')")
    assert version(path) == 1
    SQLiteFile(path, migrations=MIGRATIONS)
    assert version(path) == 3
    assert rows(path, "SELECT id, text, author FROM notes") == [(1, "kept", None)]
    assert rows(path, "SELECT migration FROM upgrades") == [(3,)]


def test_a_file_at_the_latest_version_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    for _ in range(3):
        SQLiteFile(path, migrations=MIGRATIONS)
    assert rows(path, "SELECT migration FROM upgrades") == [(3,)]


def test_a_file_without_a_version_is_taken_as_version_0(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with closing(sqlite3.connect(path)) as con, con:  # written before versions were recorded
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        con.execute("INSERT INTO notes (text) VALUES ('kept')")
    SQLiteFile(path, migrations=MIGRATIONS)
    assert version(path) == 3
    assert rows(path, "SELECT text FROM notes") == [("kept",)]


def test_a_migration_that_fails_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    broken = (MIGRATIONS[0], "CREATE TABLE half (x); INSERT INTO missing VALUES (1)")
    with pytest.raises(StoreError, match="no such table: missing"):
        SQLiteFile(path, migrations=broken, name="test store")
    assert version(path) == 1
    assert tables(path) == {"notes"}
    SQLiteFile(path, migrations=MIGRATIONS)  # a release that fixes it upgrades the file
    assert version(path) == 3


def test_a_file_from_a_newer_cortex_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    SQLiteFile(path, migrations=MIGRATIONS)
    with pytest.raises(StoreError) as raised:
        SQLiteFile(path, migrations=MIGRATIONS[:2], name="audit log", setting="CORTEX_AUDIT")
    assert raised.value.user_message == (
        f"Cortex cannot use the audit log {path}: a newer Cortex wrote it (schema version 3; "
        "this one knows versions up to 2).\n"
        "Upgrade Cortex to open it, or set CORTEX_AUDIT to another file."
    )
    assert version(path) == 3
    assert rows(path, "SELECT migration FROM upgrades") == [(3,)]


def _open(path: str, opening: Event) -> None:
    """One process opening the file (run in a child process)."""
    opening.set()
    SQLiteFile(path, migrations=MIGRATIONS)


def test_two_processes_opening_an_old_file_at_once_upgrade_it_once(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    SQLiteFile(path, migrations=MIGRATIONS[:2])  # at version 2: migration 3 is still to apply
    spawn = multiprocessing.get_context("spawn")
    opening = [spawn.Event(), spawn.Event()]
    processes = [spawn.Process(target=_open, args=(str(path), event)) for event in opening]
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")  # the write lock: both processes read version 2, wait
        for process in processes:
            process.start()
        assert all(event.wait(timeout=60) for event in opening)
        time.sleep(0.5)  # long enough for both to be waiting on the lock
        holder.execute("ROLLBACK")
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert version(path) == 3
    assert rows(path, "SELECT migration FROM upgrades") == [(3,)]
