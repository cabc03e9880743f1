"""The SQLite file under Cortex's small stores: conversations, the audit trail, Slack events.

`SQLiteFile(path, migrations=...)` creates the folder and brings the file's schema to the
latest of the store's migrations (see cortex.stores.migrations: one transaction each, recorded
in `PRAGMA user_version`, so an existing file upgrades). `connect()` is one transaction: on a
file, a connection of its own (so any thread may use it, and SQLite's file locks order the
writers); with `:memory:`, one shared connection behind a lock.

A file that cannot be used (damaged, not a database, in a folder that cannot be made, locked
by another process past the busy timeout, full, written by a newer Cortex) raises `StoreError`,
a `UserError` whose message names the store, the path and the cause, and whose hint says what
to do. A store built with `lazy=True` touches its file only when first used, so building it
never fails.

`SQLiteFile.attempt` is for work whose failure must not cost an answer (recording a turn or an
audit record): the failure is logged as one warning line (what, where, why, what it means, the
fix), its traceback only at DEBUG, and the work's `otherwise` value is returned.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final, TypeVar

from cortex.errors import UserError
from cortex.stores.migrations import NewerSchema, migrate

__all__ = ["SQLiteFile", "StoreError"]

_log = logging.getLogger("cortex.store")
_T = TypeVar("_T")

#: SQLite's primary result codes we give a specific fix for.
_CORRUPT: Final = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_BUSY: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_FULL: Final = frozenset({sqlite3.SQLITE_FULL})


class StoreError(UserError):
    """A store's SQLite file cannot be used; the message names it and the cause."""


class SQLiteFile:
    """A SQLite database at `path` (or in memory with `:memory:`), at the latest version of
    `migrations` (oldest first; the script at index i takes the file from version i to i + 1).

    `name` ("audit log") and `setting` ("CORTEX_AUDIT") are how messages name the store.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        migrations: Sequence[str],
        wal: bool = False,
        timeout: float = 30.0,
        name: str = "SQLite store",
        setting: str | None = None,
        lazy: bool = False,
    ) -> None:
        self.path = str(path)
        self.timeout = timeout
        self.name = name
        self.setting = setting
        self._migrations = tuple(migrations)
        self._wal = wal
        self._prepared = False
        self._preparing = threading.Lock()  # one thread migrates; the others wait for it
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if self.path == ":memory:":
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        if not lazy:
            with self.connect():
                pass

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (committed on success, rolled back on error).

        Raises StoreError when the file cannot be used, whether opening it or in the work.
        """
        try:
            if self._memory is not None:
                with self._lock, self._memory:
                    self._prepare(self._memory)
                    yield self._memory
                return
            if not self._prepared:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=self.timeout)) as con, con:
                self._prepare(con)
                yield con
        except (sqlite3.Error, OSError) as error:
            raise self._error(error) from error
        except NewerSchema as newer:
            raise self._newer(newer) from None

    def attempt(
        self, work: Callable[[sqlite3.Connection], _T], *, otherwise: _T, consequence: str
    ) -> _T:
        """`work` in one transaction; when the file cannot be used, log it and return
        `otherwise`. `consequence` says what the failure means ("This turn is not kept.")."""
        try:
            with self.connect() as con:
                return work(con)
        except StoreError as error:
            _log.warning("%s %s %s", error.message, consequence, error.hint)
            _log.debug("the failure above, in full", exc_info=error)
            return otherwise

    def _prepare(self, con: sqlite3.Connection) -> None:
        """Apply the journal mode and the migrations, once (again after a failure); threads
        that arrive meanwhile wait, so none works on a file half way through its migrations."""
        if self._prepared:
            return
        with self._preparing:
            if self._prepared:
                return
            if self._wal and self._memory is None:  # readers never wait for the writer
                con.execute("PRAGMA journal_mode=WAL")
            migrate(con, self._migrations)
            self._prepared = True

    def _newer(self, newer: NewerSchema) -> StoreError:
        instead = f", or set {self.setting} to another file" if self.setting else ""
        return StoreError(
            f"Cortex cannot use the {self.name} {self.path}: a newer Cortex wrote it "
            f"(schema version {newer.found}; this one knows versions up to {newer.known}).",
            hint=f"Upgrade Cortex to open it{instead}.",
        )

    def _error(self, error: sqlite3.Error | OSError) -> StoreError:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        folder = Path(self.path).parent
        where = f"Check {self.setting}: it" if self.setting else "It"
        hint = f"{where} must be a file Cortex can write, in a folder it can create."
        if isinstance(error, FileExistsError | NotADirectoryError):  # from mkdir
            cause = f"{folder} is a file, not a folder"
        elif isinstance(error, OSError):
            cause = f"its folder {folder} cannot be created ({error.strerror or error})"
        elif Path(self.path).is_dir():
            cause = "it is a folder"
        else:
            cause = str(error)
            if code in _CORRUPT:
                hint = "Move the file aside (it is damaged or not SQLite); Cortex starts a new one."
            elif code in _BUSY:
                hint = "Another process holds it locked; try again when that process is done."
            elif code in _FULL:
                hint = "Free some disk space, or move the file aside to start a new one."
        return StoreError(f"Cortex cannot use the {self.name} {self.path}: {cause}.", hint=hint)
