"""Schema versions of a SQLite file: a store's migrations, recorded in `PRAGMA user_version`.

A store lists its migrations oldest first: the SQL script at index i takes a file from
version i to version i + 1. Version 0 is a file with no version recorded: a new one, or one
written before versions were, so migration 1 creates only what is missing (`IF NOT EXISTS`).
A migration, once released, is never edited: a change to a schema is a new migration.

`migrate(con, migrations)` applies those a file lacks, each in a transaction of its own that
takes the write lock first (`BEGIN IMMEDIATE`) and reads the version again under it, so two
processes opening an old file at once upgrade it once. A file at a newer version than the
migrations know (written by a newer Cortex) raises `NewerSchema`, and is left as it is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

__all__ = ["NewerSchema", "migrate", "version_of"]


class NewerSchema(Exception):
    """The file's schema is at `found`, newer than the latest version the code knows."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}, newer than {known}")
        self.found = found
        self.known = known


def version_of(con: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0 when none is)."""
    version: int = con.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(con: sqlite3.Connection, migrations: Sequence[str]) -> None:
    """Bring the file of `con` to version len(migrations); raises NewerSchema or sqlite3.Error.

    `con` must be outside a transaction; a migration that fails is rolled back whole.
    """
    latest = len(migrations)
    version = version_of(con)
    while version < latest:
        con.execute("BEGIN IMMEDIATE")
        try:
            version = version_of(con)  # another process may have upgraded it while we waited
            if version < latest:
                for statement in _statements(migrations[version]):
                    con.execute(statement)
                version += 1
                con.execute(f"PRAGMA user_version = {version}")
            con.commit()
        except BaseException:
            con.rollback()
            raise
    if version > latest:
        raise NewerSchema(version, latest)


def _statements(script: str) -> Iterator[str]:
    """The statements of `script` one by one, so that they run inside our transaction
    (`executescript` would commit first); a trigger's body stays in its statement."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\r\n;"):
                yield statement
            statement = ""
    if statement.strip(" \t\r\n;"):
        yield statement  # incomplete: SQLite says what is missing
