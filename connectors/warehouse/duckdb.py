"""The DuckDB warehouse: run compiled SQL on a read-only DuckDB file, get a typed frame back.

`DuckDBWarehouse` opens the file read-only, with file access off and the configuration locked,
so a query can read the tables in the file and nothing else, and cannot switch that back on.
Every call gets its own cursor, a time limit that interrupts the running query, a row cap and
the freshness (latest timestamp) of the tables it read. `identity` and `data_version` let the
result cache (`connectors.warehouse.cache`) tell this file's results from any other's. DuckDB's
errors come out as the `WarehouseError`s of `connectors.warehouse.base`, with a one-line
message and a hint.
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import duckdb
import pandas as pd

from connectors.warehouse.base import (
    ClosesOnExit,
    QueryResult,
    WarehouseError,
    WarehouseNotFound,
    WarehouseTimeout,
    capped_result,
)
from connectors.warehouse.duckdb_file import DUCKDB_SETTINGS, deadline, file_version
from connectors.warehouse.duckdb_frame import to_frame

__all__ = ["DUCKDB_SETTINGS", "DuckDBWarehouse"]

_TIMEOUT_HINT: Final = (
    "Narrow the time range, add filters, or raise CORTEX_QUERY_TIMEOUT (in seconds)."
)
_NOT_FOUND_HINT: Final = (
    "Run `cortex demo build` to build the demo warehouse there, "
    "or set CORTEX_WAREHOUSE to the path of a DuckDB file."
)
_READ_ONLY_HINT: Final = (
    "Cortex opens the warehouse read-only with file access off: a query can read the tables "
    "in the warehouse, and cannot change data or settings or read other files."
)
_NAMES_HINT: Final = (
    "Check the table and column names against the warehouse (`Warehouse.columns()`)."
)
_HINTS: Final[tuple[tuple[type[duckdb.Error], str], ...]] = (
    (duckdb.CatalogException, _NAMES_HINT),
    (duckdb.BinderException, _NAMES_HINT),
    (duckdb.ParserException, "The SQL does not parse; check its syntax."),
    (duckdb.PermissionException, _READ_ONLY_HINT),
    (duckdb.OutOfMemoryException, "Narrow the time range or add filters to read fewer rows."),
)
_TEMPORAL_TYPES: Final = frozenset(
    {"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE"}
)


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (column name, DuckDB type) in table order

    @property
    def key(self) -> str:
        """The table's name in `columns()`: bare in the main schema, else schema-qualified."""
        return self.name if self.schema == "main" else f"{self.schema}.{self.name}"


class DuckDBWarehouse(ClosesOnExit):
    """A read-only DuckDB file; safe to share between threads (each call gets its own cursor)."""

    dialect: Final = "duckdb"

    def __init__(
        self,
        path: Path,
        *,
        timeout_seconds: float = 30.0,
        max_rows: int = 10_000,
        threads: int | None = None,
    ) -> None:
        if not (math.isfinite(timeout_seconds) and timeout_seconds > 0):
            raise WarehouseError(f"timeout_seconds must be above 0, not {timeout_seconds!r}.")
        if max_rows < 1:
            raise WarehouseError(f"max_rows must be 1 or more, not {max_rows!r}.")
        if threads is not None and threads < 1:
            raise WarehouseError(f"threads must be 1 or more, not {threads!r}.")
        if not path.is_file():
            raise WarehouseNotFound(
                f"There is no DuckDB warehouse at {path}.", hint=_NOT_FOUND_HINT
            )
        config: dict[str, str | bool | int | float | list[str]] = {**DUCKDB_SETTINGS}
        if threads is not None:
            config["threads"] = threads
        before = file_version(path)
        try:
            self._connection = duckdb.connect(path, read_only=True, config=config)
        except duckdb.Error as error:
            raise WarehouseError(
                f"Cannot open the warehouse {path}: {_first_line(error)}",
                hint="Check that the file is a DuckDB database and that no other process "
                "is writing to it.",
            ) from None
        # The file as this connection reads it: no one can write it while it is open read-only
        # (DuckDB's lock), so it only changes between connections. A file replaced while being
        # opened has no version (and its results are not cached).
        after = file_version(path)
        self._version: Hashable | None = after if after == before else None
        self.path = path
        self.connection_config: Mapping[str, str | bool | int | float | list[str]] = config
        self.timeout_seconds = timeout_seconds
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._closed = False
        self._tables: dict[tuple[str, str], _Table] | None = None
        self._freshness: dict[tuple[str, str, str | None], datetime | None] = {}

    def __repr__(self) -> str:
        return f"DuckDBWarehouse({str(self.path)!r})"

    @property
    def identity(self) -> str:
        """What decides a query's rows besides its SQL and the data: the file and the row cap."""
        return f"duckdb:{self.path.resolve()}?max_rows={self.max_rows}"

    def data_version(self, source_tables: Sequence[str] = ()) -> Hashable | None:
        """The version of the data this connection reads, the same for every table: the file's
        (and its write-ahead log's) device, inode, size and modification time when it was
        opened. A write needs the file closed here, so a change of data is a new connection
        with a new version. None when the file changed while it was being opened."""
        return self._version

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._connection.close()

    def run(
        self,
        sql: str,
        *,
        source_tables: Sequence[str] = (),
        freshness_columns: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run one query and return at most `max_rows` rows, with their freshness and timings.

        Freshness is the latest value of `freshness_columns[table]` where given, else of all the
        table's DATE and TIMESTAMP columns.

        Raises `WarehouseTimeout` when the query runs past `timeout_seconds`, and
        `WarehouseError` (with a one-line message and a hint) when DuckDB rejects it.
        """
        with self._cursor() as cursor, deadline(cursor, self.timeout_seconds) as expired:
            try:
                return self._run(cursor, sql, source_tables, freshness_columns or {})
            except duckdb.Error as error:
                raise query_failure(
                    error, expired=expired.is_set(), timeout_seconds=self.timeout_seconds
                ) from None

    def columns(self) -> dict[str, frozenset[str]]:
        """Every table and view: its name (schema-qualified outside `main`) -> its column names."""
        with self._cursor() as cursor:
            try:
                tables = self._catalog(cursor)
            except duckdb.Error as error:
                raise _translate(error) from None
        return {
            table.key: frozenset(name for name, _ in table.columns) for table in tables.values()
        }

    def ping(self, timeout_seconds: float) -> None:
        """Run a trivial query, interrupted after `timeout_seconds` (see `Warehouse.ping`)."""
        with self._cursor() as cursor, deadline(cursor, timeout_seconds) as expired:
            try:
                cursor.execute("SELECT 1").fetchall()
            except duckdb.Error as error:
                if expired.is_set():
                    raise WarehouseTimeout(
                        f"The warehouse did not answer within {timeout_seconds:g} s.",
                        hint=_TIMEOUT_HINT,
                    ) from None
                raise _translate(error) from None

    def _run(
        self,
        cursor: duckdb.DuckDBPyConnection,
        sql: str,
        sources: Sequence[str],
        freshness_columns: Mapping[str, str],
    ) -> QueryResult:
        started = time.perf_counter()
        # Binding checks names and types; the earlier statements of a script run here.
        relation: duckdb.DuckDBPyRelation | None = cursor.sql(sql)
        bound = time.perf_counter()
        if relation is None:  # a statement without rows, such as CHECKPOINT
            frame = pd.DataFrame()
        else:
            limited = relation.limit(self.max_rows + 1)
            types = [str(duck_type.id) for duck_type in limited.types]
            frame = to_frame(limited.fetchnumpy(), types)
        fetched = time.perf_counter()
        freshness = self._latest(cursor, sources, freshness_columns)
        finished = time.perf_counter()
        return capped_result(
            frame,
            self.max_rows,
            freshness,
            started=started,
            executed=bound,
            fetched=fetched,
            finished=finished,
        )

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._closed:
                raise WarehouseError(
                    f"The warehouse {self.path} is closed.",
                    hint="Open a new DuckDBWarehouse for it.",
                )
            cursor = self._connection.cursor()
        with closing(cursor):
            yield cursor

    def _catalog(self, cursor: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], _Table]:
        """Tables and views by lower-cased (schema, name), read once: the data is read-only."""
        if self._tables is not None:
            return self._tables
        rows = cursor.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE NOT internal AND database_name = current_database() "
            "ORDER BY schema_name, table_name, column_index"
        ).fetchall()
        grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in rows:
            grouped.setdefault((schema, table), []).append((column, data_type))
        tables = {
            (schema.lower(), name.lower()): _Table(schema, name, tuple(columns))
            for (schema, name), columns in grouped.items()
        }
        self._tables = tables
        return tables

    def _latest(
        self,
        cursor: duckdb.DuckDBPyConnection,
        sources: Sequence[str],
        freshness_columns: Mapping[str, str],
    ) -> datetime | None:
        """The latest DATE or TIMESTAMP value across the source tables, cached per table."""
        latest: datetime | None = None
        for source in sources:
            table = self._resolve(cursor, source)
            column = freshness_columns.get(source)
            key = (table.schema, table.name, column)
            with self._lock:
                cached = key in self._freshness
                value = self._freshness.get(key)
            if not cached:
                value = _table_freshness(cursor, table, column)
                with self._lock:
                    self._freshness[key] = value
            if value is not None and (latest is None or value > latest):
                latest = value
        return latest

    def _resolve(self, cursor: duckdb.DuckDBPyConnection, source: str) -> _Table:
        tables = self._catalog(cursor)
        parts = source.lower().split(".")
        key = ("main", parts[0]) if len(parts) == 1 else (parts[-2], parts[-1])
        if key in tables:
            return tables[key]
        known = sorted(table.key for table in tables.values())
        close = difflib.get_close_matches(source, known, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        raise WarehouseError(
            f"Unknown source table {source!r}.{suggestion}",
            hint=f"The warehouse has: {', '.join(known) or 'no tables'}.",
        )


def _table_freshness(
    cursor: duckdb.DuckDBPyConnection, table: _Table, only: str | None = None
) -> datetime | None:
    parts = []
    for column, data_type in table.columns:
        if data_type not in _TEMPORAL_TYPES or (only is not None and column != only):
            continue
        latest = f"max({_quote(column)})"
        if data_type == "TIMESTAMP WITH TIME ZONE":
            parts.append(f"timezone('UTC', {latest})")  # as naive UTC, like the other columns
        else:
            parts.append(f"CAST({latest} AS TIMESTAMP)")
    if not parts:
        return None
    # greatest() skips NULLs; a single argument is fine for it too.
    sql = f"SELECT greatest({', '.join(parts)}) FROM {_quote(table.schema)}.{_quote(table.name)}"
    row = cursor.execute(sql).fetchone()
    value = None if row is None else row[0]
    return value if isinstance(value, datetime) else None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def query_failure(error: duckdb.Error, *, expired: bool, timeout_seconds: float) -> WarehouseError:
    """What a query's failure tells the user: the time limit when it had passed (`expired`),
    else DuckDB's error in one line with a hint."""
    if expired:
        return WarehouseTimeout(
            f"The query was stopped after {timeout_seconds:g} s, the warehouse time limit.",
            hint=_TIMEOUT_HINT,
        )
    return _translate(error)


def _translate(error: duckdb.Error) -> WarehouseError:
    """A DuckDB error as a WarehouseError: its first line (no SQL excerpt, no trace) and a hint."""
    if isinstance(error, duckdb.InterruptException):
        return WarehouseError("The query was interrupted.", hint="Run it again.")
    message = _first_line(error)
    hint = next((text for kind, text in _HINTS if isinstance(error, kind)), None)
    if hint is None and any(word in message for word in ("read-only", "configuration")):
        hint = _READ_ONLY_HINT
    return WarehouseError(message, hint=hint)
