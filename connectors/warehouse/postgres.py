"""The PostgreSQL warehouse: compiled SQL in PostgreSQL's dialect, run read-only with psycopg 3.

`PostgresWarehouse(url)` keeps one connection and gives every query the same guarantees as the
DuckDB warehouse:

- **Read-only.** The session is opened with `default_transaction_read_only=on` and every query
  runs inside a `BEGIN READ ONLY` transaction through a server-side cursor (`DECLARE ... CURSOR
  FOR`), which accepts a single SELECT and nothing else. In production, connect as a role that
  has only `SELECT` on the warehouse's tables as well (`CREATE ROLE cortex_reader LOGIN;
  GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO cortex_reader`): the transaction guards
  against a mistake, the role against everything else.
- **A statement timeout that cancels.** `statement_timeout` is set for the session; the server
  cancels a query that runs past it, and the cancel comes out as `WarehouseTimeout`.
- **A row cap.** At most `max_rows + 1` rows are fetched from the cursor; `truncated` says more
  were there.
- **Freshness.** The latest value of the tables' DATE and TIMESTAMP columns (or the one named
  per table), cached per table for one *data version*.
- **A data version** (`data_version`, for the result cache and the freshness): the server's
  write-ahead-log insert position (on a standby, the last one replayed), read in the query's
  own transaction before the query. Every change to a logged table moves it (a commit is
  logged before others see it; the *write* position can lag until the log is flushed), so a
  result or a freshness kept under it is never stale; other writes (vacuum, checkpoints, hint
  bits) move it too, which costs a cache miss and nothing else. A source that is unlogged,
  temporary or a foreign table changes without the log: a query reading one has no version
  and is not cached. (A view over such a table is not detected: name such tables in
  metrics.yml, not views of them.)

Results come back as pandas frames typed like DuckDB's (`connectors.warehouse.duckdb_frame`):
integers int64 (Int64 with NULLs), NUMERIC and floats float64, DATE and TIMESTAMP datetime64
(TIMESTAMPTZ in UTC), text str, booleans bool. psycopg's errors come out as `WarehouseError`s
with a one-line message and a hint; the URL's password never appears in one.
"""

from __future__ import annotations

import difflib
import math
import re
import threading
import time
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from connectors.warehouse.base import (
    ClosesOnExit,
    QueryResult,
    WarehouseError,
    WarehouseTimeout,
    capped_result,
)

__all__ = ["PostgresWarehouse", "redacted_url"]

#: The log position the transaction reads at, and whether every source table is logged (a
#: permanent table, view or materialized view: its changes move the log).
_VERSION_SQL: Final = b"""
SELECT
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
        ELSE pg_current_wal_insert_lsn() END)::text,
  NOT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    JOIN unnest(%s::text[], %s::text[]) AS s(schema_name, table_name)
      ON n.nspname = s.schema_name AND c.relname = s.table_name
    WHERE c.relpersistence <> 'p' OR c.relkind = 'f'
  )
"""

_TIMEOUT_HINT: Final = (
    "Narrow the time range, add filters, or raise CORTEX_QUERY_TIMEOUT (in seconds)."
)
_READ_ONLY_HINT: Final = (
    "Cortex reads PostgreSQL in read-only transactions: a query can read tables and cannot "
    "change data or settings."
)
_NAMES_HINT: Final = (
    "Check the table and column names against the warehouse (`Warehouse.columns()`)."
)
_CONNECT_HINT: Final = (
    "Check CORTEX_WAREHOUSE (postgresql://user:password@host:port/database), that the server "
    "is running and that the role may connect."
)
_CONNECT_TIMEOUT_SECONDS: Final = 10
_INTEGER_TYPES: Final = frozenset({"int2", "int4", "int8", "oid"})
_FLOAT_TYPES: Final = frozenset({"numeric", "float4", "float8", "money"})
_STRING_TYPES: Final = frozenset({"text", "varchar", "bpchar", "name", "char"})
_TEMPORAL_TYPES: Final = frozenset(
    {"date", "timestamp without time zone", "timestamp with time zone"}
)
#: What a query may start with (after comments): a server-side cursor takes one such query.
_READABLE: Final = re.compile(
    r"^(\s|--[^\n]*\n|/\*.*?\*/)*(\(\s*)*(SELECT|WITH|VALUES|TABLE)\b", re.I | re.S
)


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (column name, information_schema data type)

    @property
    def key(self) -> str:
        """The table's name in `columns()`: bare in `public`, else schema-qualified."""
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"


def redacted_url(url: str) -> str:
    """The URL as it may be shown: user, host, port and database, the password as ***."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"  # unparseable: show nothing of it
    user = str(parts.get("user") or "")
    if user and "password" in parts:
        user += ":***"
    at = "@" if user else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    database = f"/{parts['dbname']}" if parts.get("dbname") else ""
    return f"postgresql://{user}{at}{parts.get('host') or ''}{port}{database}"


class PostgresWarehouse(ClosesOnExit):
    """A PostgreSQL database read through one connection; calls from threads take turns."""

    dialect: Final = "postgres"

    def __init__(self, url: str, *, timeout_seconds: float = 30.0, max_rows: int = 10_000) -> None:
        if not (math.isfinite(timeout_seconds) and timeout_seconds > 0):
            raise WarehouseError(f"timeout_seconds must be above 0, not {timeout_seconds!r}.")
        if max_rows < 1:
            raise WarehouseError(f"max_rows must be 1 or more, not {max_rows!r}.")
        self.url = redacted_url(url)
        self.timeout_seconds = timeout_seconds
        self.max_rows = max_rows
        milliseconds = max(1, round(timeout_seconds * 1000))
        try:
            conninfo = make_conninfo(
                url,
                connect_timeout=_CONNECT_TIMEOUT_SECONDS,
                application_name="cortex",
                options=(
                    f"-c default_transaction_read_only=on -c statement_timeout={milliseconds} "
                    "-c TimeZone=UTC"
                ),
            )
            self._connection = psycopg.connect(conninfo, autocommit=False)
        except psycopg.Error as error:
            raise WarehouseError(
                f"Cannot connect to the PostgreSQL warehouse {self.url}: "
                f"{_first_line(error).replace(url, self.url)}",
                hint=_CONNECT_HINT,
            ) from None
        self._connection.read_only = True  # every transaction begins READ ONLY
        self._lock = threading.Lock()
        self._closed = False
        self._tables: dict[tuple[str, str], _Table] | None = None
        self._freshness: dict[tuple[str, str, str | None], datetime | None] = {}
        self._freshness_version: str | None = None
        self._cursors = 0

    def __repr__(self) -> str:
        return f"PostgresWarehouse({self.url!r})"

    @property
    def identity(self) -> str:
        """What decides a query's rows besides its SQL and the data: the database (its URL
        without the password) and the row cap."""
        return f"{self.url}?max_rows={self.max_rows}"

    def data_version(self, source_tables: Sequence[str] = ()) -> Hashable | None:
        """The write-ahead-log position the data is read at (see the module's notes); None when
        a source table changes without the log, or the server does not say."""
        with self._transaction() as connection:
            return self._version(connection, source_tables)

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
        """Run one SELECT and return at most `max_rows` rows, with their freshness and timings.

        Raises `WarehouseTimeout` when the server cancels it after `timeout_seconds`, and
        `WarehouseError` (one line and a hint) when PostgreSQL rejects it.
        """
        if not _READABLE.match(sql):
            raise WarehouseError(
                "Only one SELECT (or WITH ... SELECT) can run on the warehouse.",
                hint=_READ_ONLY_HINT,
            )
        with self._transaction() as connection:
            started = time.perf_counter()
            version = self._version(connection, source_tables)
            self._cursors += 1
            with connection.cursor(name=f"cortex_{self._cursors}") as cursor:
                cursor.itersize = min(self.max_rows + 1, 2_000)
                cursor.execute(sql)
                executed = time.perf_counter()
                rows = cursor.fetchmany(self.max_rows + 1)
                description = cursor.description or []
            frame = _frame(
                rows,
                [(column.name, _type_name(connection, column.type_code)) for column in description],
            )
            fetched = time.perf_counter()
            freshness = self._latest(connection, source_tables, freshness_columns or {}, version)
            finished = time.perf_counter()
        return capped_result(
            frame,
            self.max_rows,
            freshness,
            started=started,
            executed=executed,
            fetched=fetched,
            finished=finished,
        )

    def columns(self) -> dict[str, frozenset[str]]:
        """Every table and view: its name (schema-qualified outside `public`) -> its columns."""
        with self._transaction() as connection:
            tables = self._catalog(connection)
        return {
            table.key: frozenset(name for name, _ in table.columns) for table in tables.values()
        }

    def ping(self, timeout_seconds: float) -> None:
        """Answer `SELECT 1` within `timeout_seconds` (see `Warehouse.ping`)."""
        milliseconds = max(1, round(timeout_seconds * 1000))
        with self._transaction(f"{timeout_seconds:g} s") as connection:
            connection.execute(f"SET LOCAL statement_timeout = {milliseconds}".encode())
            connection.execute(b"SELECT 1").fetchall()

    @contextmanager
    def _transaction(self, limit: str | None = None) -> Iterator[psycopg.Connection[Any]]:
        """The connection inside one read-only transaction, rolled back at the end; psycopg's
        errors translated."""
        with self._lock:
            if self._closed:
                raise WarehouseError(
                    f"The warehouse {self.url} is closed.",
                    hint="Open a new PostgresWarehouse for it.",
                )
            try:
                try:
                    yield self._connection
                finally:
                    if not self._connection.closed:
                        self._connection.rollback()  # nothing to keep: it only read
            except pg_errors.QueryCanceled:
                raise WarehouseTimeout(
                    f"The query was stopped after {limit or f'{self.timeout_seconds:g} s'}, "
                    "the warehouse time limit.",
                    hint=_TIMEOUT_HINT,
                ) from None
            except psycopg.Error as error:
                raise _translate(error) from None

    def _catalog(self, connection: psycopg.Connection[Any]) -> dict[tuple[str, str], _Table]:
        """Tables and views by lower-cased (schema, name), read once."""
        if self._tables is not None:
            return self._tables
        rows = connection.execute(
            b"SELECT table_schema, table_name, column_name, data_type "
            b"FROM information_schema.columns "
            b"WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            b"ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall()
        grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in rows:
            grouped.setdefault((schema, table), []).append((column, data_type))
        self._tables = {
            (schema.lower(), name.lower()): _Table(schema, name, tuple(columns))
            for (schema, name), columns in grouped.items()
        }
        return self._tables

    def _latest(
        self,
        connection: psycopg.Connection[Any],
        sources: Sequence[str],
        freshness_columns: Mapping[str, str],
        version: str | None,
    ) -> datetime | None:
        """The latest DATE or TIMESTAMP value across the source tables, cached per table for
        one data version (read afresh when there is none)."""
        if version != self._freshness_version or version is None:
            self._freshness, self._freshness_version = {}, version
        latest: datetime | None = None
        for source in sources:
            table = self._resolve(connection, source)
            column = freshness_columns.get(source)
            key = (table.schema, table.name, column)
            if key not in self._freshness:
                self._freshness[key] = _table_freshness(connection, table, column)
            value = self._freshness[key]
            if value is not None and (latest is None or value > latest):
                latest = value
        return latest

    def _version(self, connection: psycopg.Connection[Any], sources: Sequence[str]) -> str | None:
        tables = [self._resolve(connection, source) for source in sources]
        row = connection.execute(
            _VERSION_SQL, ([t.schema for t in tables], [t.name for t in tables])
        ).fetchone()
        if row is None or row[0] is None or not row[1]:
            return None
        return str(row[0])

    def _resolve(self, connection: psycopg.Connection[Any], source: str) -> _Table:
        tables = self._catalog(connection)
        parts = source.lower().split(".")
        key = ("public", parts[0]) if len(parts) == 1 else (parts[-2], parts[-1])
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
    connection: psycopg.Connection[Any], table: _Table, only: str | None
) -> datetime | None:
    parts = []
    for column, data_type in table.columns:
        if data_type not in _TEMPORAL_TYPES or (only is not None and column != only):
            continue
        latest = f"max({_quote(column)})"
        if data_type == "timestamp with time zone":
            parts.append(f"({latest} AT TIME ZONE 'UTC')")  # naive UTC, like the other columns
        else:
            parts.append(f"CAST({latest} AS TIMESTAMP)")
    if not parts:
        return None
    sql = f"SELECT greatest({', '.join(parts)}) FROM {_quote(table.schema)}.{_quote(table.name)}"
    row = connection.execute(sql.encode()).fetchone()
    value = None if row is None else row[0]
    return value if isinstance(value, datetime) else None


def _type_name(connection: psycopg.Connection[Any], oid: int) -> str:
    info = connection.adapters.types.get(oid)
    return info.name if info is not None else "unknown"


def _frame(rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The rows as a frame with one dtype per PostgreSQL type, as DuckDB's results have."""
    if not columns:
        return pd.DataFrame()
    series = [
        _series(name, [row[index] for row in rows], pg_type)
        for index, (name, pg_type) in enumerate(columns)
    ]
    return pd.concat(series, axis=1)


def _series(name: str, values: list[Any], pg_type: str) -> pd.Series:
    nulls = np.array([value is None for value in values], dtype=bool)
    if pg_type in _INTEGER_TYPES:
        whole = np.array([0 if value is None else value for value in values], dtype=np.int64)
        if nulls.any():
            return pd.Series(pd.arrays.IntegerArray(whole, nulls), name=name)
        return pd.Series(whole, name=name)
    if pg_type in _FLOAT_TYPES:
        floats = [np.nan if value is None else float(value) for value in values]
        return pd.Series(np.array(floats, dtype=np.float64), name=name)
    if pg_type in _STRING_TYPES:
        return pd.Series(values, name=name, dtype="str")
    if pg_type in ("date", "timestamp"):
        moments = pd.to_datetime(pd.Series(values, dtype=object))
        return pd.Series(moments.astype("datetime64[us]"), name=name)  # DuckDB's unit
    if pg_type == "timestamptz":
        moments = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        return pd.Series(moments.astype("datetime64[us, UTC]"), name=name)
    if pg_type == "bool":
        if nulls.any():
            return pd.Series(values, name=name, dtype="boolean")
        return pd.Series(np.array(values, dtype=bool), name=name)
    return pd.Series(values, name=name, dtype=object)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _translate(error: psycopg.Error) -> WarehouseError:
    """A psycopg error as a WarehouseError: its first line (no SQL, no trace) and a hint."""
    message = _first_line(error)
    if "multiple commands" in message:
        return WarehouseError("Only one SELECT can run at a time.", hint=_READ_ONLY_HINT)
    if isinstance(error, pg_errors.ReadOnlySqlTransaction | pg_errors.InsufficientPrivilege):
        return WarehouseError(message, hint=_READ_ONLY_HINT)
    if isinstance(error, pg_errors.UndefinedTable | pg_errors.UndefinedColumn):
        return WarehouseError(message, hint=_NAMES_HINT)
    if isinstance(error, pg_errors.SyntaxError):
        return WarehouseError(message, hint="The SQL does not parse; check its syntax.")
    if isinstance(error, psycopg.OperationalError):
        return WarehouseError(message, hint=_CONNECT_HINT)
    return WarehouseError(message)
