"""Copy every table of a DuckDB warehouse (the demo) into another engine: PostgreSQL or Parquet.

`export_to_postgres(source, url)` creates each table in PostgreSQL with the matching column
types (DuckDB's DECIMAL(12,2) is NUMERIC(12,2), TIMESTAMP is TIMESTAMP, ...) and loads its rows
with `COPY ... FROM STDIN` (CSV written by DuckDB, streamed through psycopg), all in one
transaction: a table that was there is replaced, and a failure leaves the database as it was.
DuckDB's `postgres` extension would do this in one statement but is a download; this needs
nothing but psycopg.

`export_to_parquet(source, folder)` writes one `<table>.parquet` per table (DuckDB's `COPY ...
(FORMAT PARQUET)`), which Spark and most other engines read directly.

Tables in DuckDB's `main` schema go to PostgreSQL's default schema (`public`), others to a
schema of the same name. Both return an `ExportSummary`: the tables and their row counts.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import psycopg

from connectors.warehouse.postgres import redacted_url

__all__ = ["ExportError", "ExportSummary", "export_to_parquet", "export_to_postgres"]

Progress = Callable[[str, int, int], None]

_FIXED_TYPES: Final = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(38,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_DECIMAL: Final = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class ExportError(Exception):
    """The export could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class ExportSummary:
    """Where the tables went, how many rows each has, and how long it took."""

    target: str
    row_counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)

    @property
    def source(self) -> str:
        return f"src.{_quote(self.schema)}.{_quote(self.name)}"

    @property
    def target(self) -> str:
        schema = "public" if self.schema == "main" else self.schema
        return f"{_quote(schema)}.{_quote(self.name)}"


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type that holds a DuckDB type's values exactly."""
    decimal = _DECIMAL.fullmatch(duckdb_type.replace(" ", ""))
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    if duckdb_type in _FIXED_TYPES:
        return _FIXED_TYPES[duckdb_type]
    raise ExportError(
        f"A column of type {duckdb_type} has no PostgreSQL equivalent here; "
        f"supported: {', '.join(sorted(_FIXED_TYPES))} and DECIMAL(p,s)."
    )


def export_to_postgres(
    source: Path, url: str, *, on_progress: Progress | None = None
) -> ExportSummary:
    """Create and fill every table of the DuckDB file `source` in the PostgreSQL at `url`."""
    started = time.perf_counter()
    shown = redacted_url(url)
    counts: dict[str, int] = {}
    with _open(source) as duck, tempfile.TemporaryDirectory(prefix="cortex-export-") as scratch:
        tables = _tables(duck)
        for table in tables:
            for _, column_type in table.columns:
                postgres_type(column_type)  # every type is known before anything is written
        try:
            with psycopg.connect(url, connect_timeout=10) as connection:
                for done, table in enumerate(tables):
                    if on_progress is not None:
                        on_progress(table.name, done, len(tables))
                    counts[table.name] = _copy_table(duck, connection, table, Path(scratch))
                connection.commit()
            with psycopg.connect(url, connect_timeout=10, autocommit=True) as connection:
                for table in tables:
                    connection.execute(f"ANALYZE {table.target}".encode())
        except psycopg.Error as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else "failed"
            raise ExportError(
                f"Cannot export to {shown}: {message.replace(url, shown)}. Check the URL, that "
                "the server is running and that the role may create tables."
            ) from None
    if on_progress is not None:
        on_progress("done", len(counts), len(counts))
    return ExportSummary(shown, counts, time.perf_counter() - started)


def export_to_parquet(
    source: Path, folder: Path, *, on_progress: Progress | None = None
) -> ExportSummary:
    """Write every table of the DuckDB file `source` to `folder/<table>.parquet`."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with _open(source) as duck:
        tables = _tables(duck)
        for done, table in enumerate(tables):
            if on_progress is not None:
                on_progress(table.name, done, len(tables))
            name = table.name if table.schema == "main" else f"{table.schema}.{table.name}"
            target = folder / f"{name}.parquet"
            duck.execute(f"COPY {table.source} TO '{_literal(target)}' (FORMAT PARQUET)")
            counts[name] = _count(duck, table)
    if on_progress is not None:
        on_progress("done", len(counts), len(counts))
    return ExportSummary(str(folder), counts, time.perf_counter() - started)


def _open(source: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with `source` attached read-only as `src` (and made the default).

    Attaching, rather than opening the file, works while this process already holds the file
    open with other settings (the warehouse connector locks its configuration, file access off).
    """
    if not source.is_file():
        raise ExportError(
            f"There is no DuckDB warehouse at {source}. Build it with `cortex demo build` first."
        )
    duck = duckdb.connect(":memory:")
    try:
        duck.execute(f"ATTACH '{_literal(source)}' AS src (READ_ONLY)")
        duck.execute("USE src")
    except duckdb.Error as error:
        duck.close()
        raise ExportError(f"Cannot open {source}: {str(error).splitlines()[0]}") from None
    return duck


def _tables(duck: duckdb.DuckDBPyConnection) -> list[_Table]:
    rows = duck.execute(
        "SELECT c.schema_name, c.table_name, c.column_name, c.data_type "
        "FROM duckdb_columns() c JOIN duckdb_tables() t "
        "ON c.database_name = t.database_name AND c.schema_name = t.schema_name "
        "AND c.table_name = t.table_name "
        "WHERE NOT c.internal AND c.database_name = 'src' "
        "ORDER BY c.schema_name, c.table_name, c.column_index"
    ).fetchall()
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        grouped.setdefault((schema, table), []).append((column, data_type))
    return [_Table(schema, name, tuple(columns)) for (schema, name), columns in grouped.items()]


def _copy_table(
    duck: duckdb.DuckDBPyConnection,
    connection: psycopg.Connection[Any],
    table: _Table,
    scratch: Path,
) -> int:
    """Replace the table in PostgreSQL and stream its rows in as CSV; returns the row count."""
    columns = ", ".join(f"{_quote(name)} {postgres_type(kind)}" for name, kind in table.columns)
    names = ", ".join(_quote(name) for name, _ in table.columns)
    if table.schema != "main":
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(table.schema)}".encode())
    connection.execute(f"DROP TABLE IF EXISTS {table.target} CASCADE".encode())
    connection.execute(f"CREATE TABLE {table.target} ({columns})".encode())
    csv = scratch / f"{table.schema}.{table.name}.csv"
    # NULL is an empty field and an empty string a quoted "" (PostgreSQL's CSV rules too).
    duck.execute(
        f"COPY (SELECT {names} FROM {table.source}) TO '{_literal(csv)}' "
        "(FORMAT CSV, HEADER false, FORCE_QUOTE *, NULL '')"
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table.target} ({names}) FROM STDIN (FORMAT CSV)".encode()) as copy,
        csv.open("rb") as rows,
    ):
        while chunk := rows.read(1 << 20):
            copy.write(chunk)
    csv.unlink()
    return _count(duck, table)


def _count(duck: duckdb.DuckDBPyConnection, table: _Table) -> int:
    row = duck.execute(f"SELECT count(*) FROM {table.source}").fetchone()
    return int(row[0]) if row else 0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
