"""The Apache Spark warehouse: run compiled SQL on Spark, get a frame typed like DuckDB's back.

`SparkWarehouse(url)` reaches Spark three ways:

    spark://local?parquet=DIR   local mode in this process (`local[2]`), the tables read from
                                the Parquet files of DIR: `DIR/<table>.parquet` (a file, or a
                                folder of part files) is the table <table>. `local[N]` works too.
    spark://host:7077           a standalone cluster; the tables are its catalog's (add
                                `?parquet=DIR` to register Parquet files there as well)
    sc://host:15002             Spark Connect; the tables are the server's

It keeps the guarantees of the DuckDB warehouse:

- read-only: Spark has no read-only session, so only what the compiler produces is sent: one
  SELECT (or WITH ... SELECT) statement, checked by parsing it with sqlglot, and reading files
  straight from SQL (``SELECT * FROM parquet.`/etc` ``) is off in local mode;
- a time limit that really cancels: each query runs in a job group of its own (classic Spark;
  a session tag on Spark Connect) that a watcher cancels, interrupting the running tasks, once
  the limit has passed;
- a row cap (`LIMIT max_rows + 1` on the query's DataFrame), and the freshness of the tables
  read (the latest DATE or TIMESTAMP value, cached per table: while a Parquet table's files
  stay as they are, `FRESHNESS_SECONDS` for a catalog table);
- a data version for the result cache: the files of the Parquet tables a query reads (their
  tables are registered again when they change); a query reading a catalog table has none;
- Spark's errors come out as `WarehouseError`s with a one-line message and a hint.

One SparkSession serves the whole process (starting one costs seconds: `startup_seconds` says
how many it took), with Spark's own logging kept to errors and no progress bars, so nothing of
Spark reaches a CLI user's terminal.
"""

from __future__ import annotations

import difflib
import logging
import math
import threading
import time
import uuid
import warnings
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from connectors.warehouse.base import (
    ClosesOnExit,
    QueryResult,
    WarehouseError,
    WarehouseNotFound,
    WarehouseTimeout,
    capped_result,
)
from connectors.warehouse.deadline import cancel_after
from connectors.warehouse.spark_frame import to_frame

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkTarget", "SparkWarehouse", "is_spark_url", "parse_spark_url", "read_only_check"]

_TIMEOUT_HINT: Final = (
    "Narrow the time range, add filters, or raise CORTEX_QUERY_TIMEOUT (in seconds)."
)
_READ_ONLY_HINT: Final = (
    "Cortex sends Spark only the single SELECT statements it compiles from metrics.yml."
)
_NAMES_HINT: Final = (
    "Check the table and column names against the warehouse (`Warehouse.columns()`)."
)
_URL_HINT: Final = (
    "Use spark://local?parquet=DIR (local mode over the Parquet files in DIR), "
    "spark://host:7077 (a cluster) or sc://host:15002 (Spark Connect)."
)
_CANCEL_POLL_SECONDS: Final = 0.05
#: How long the freshness of a catalog table (a cluster's, Spark Connect's) is kept.
FRESHNESS_SECONDS: Final = 60.0
_LOCAL_THREADS: Final = 2
_TEMPORAL_TYPES: Final = frozenset({"date", "timestamp", "timestamp_ntz"})

#: How a Spark session is set up: answers in UTC like DuckDB's naive timestamps; few shuffle
#: partitions (answers are small); no web UI, no progress bars; no SQL over raw file paths.
SPARK_SETTINGS: Final[dict[str, str]] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.runSQLOnFiles": "false",
}

#: The loggers of pyspark that print a failed query's error and stack trace to stderr.
_PYSPARK_QUERY_LOGGERS: Final = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")

_SESSION_LOCK: Final = threading.Lock()
_SESSIONS: dict[str, tuple[SparkSession, float]] = {}


@dataclass(frozen=True)
class SparkTarget:
    """Where a Spark URL points: `master` (classic) or `remote` (Spark Connect), and `parquet`,
    the folder whose Parquet files become tables (None: use the catalog's tables)."""

    master: str | None
    remote: str | None
    parquet: Path | None

    @property
    def key(self) -> str:
        """The session this target shares with others of the process."""
        return f"remote:{self.remote}" if self.remote else f"master:{self.master}"


def is_spark_url(text: str) -> bool:
    """Whether CORTEX_WAREHOUSE names Spark (spark://, sc:// or local[N]) rather than a file."""
    return text.startswith(("spark://", "sc://")) or text.startswith("local[")


def parse_spark_url(url: str) -> SparkTarget:
    """The target of a Spark URL (see the module docstring); WarehouseError when it is none."""
    if url.startswith("local["):
        return SparkTarget(url, None, None)
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    unknown = sorted(set(options) - {"parquet"})
    if unknown:
        raise WarehouseError(
            f"Unknown option {unknown[0]!r} in the Spark URL {url}.", hint=_URL_HINT
        )
    parquet = Path(options["parquet"][-1]) if "parquet" in options else None
    if parts.scheme == "sc" and parts.netloc:
        if parquet is not None:
            raise WarehouseError(
                "A Spark Connect URL reads the server's tables; ?parquet= is for spark:// URLs.",
                hint=_URL_HINT,
            )
        return SparkTarget(None, f"sc://{parts.netloc}{parts.path}", None)
    if parts.scheme == "spark" and parts.netloc == "local":
        return SparkTarget(f"local[{_LOCAL_THREADS}]", None, parquet)
    if parts.scheme == "spark" and parts.netloc:
        return SparkTarget(f"spark://{parts.netloc}", None, parquet)
    raise WarehouseError(f"{url!r} is not a Spark URL.", hint=_URL_HINT)


def read_only_check(sql: str) -> None:
    """Raise WarehouseError unless `sql` is one SELECT (or WITH ... SELECT) statement in Spark SQL.

    Spark has no read-only session, so this is the guarantee: anything that could change data
    or settings (INSERT, DROP, SET, CACHE, ADD JAR, ...) is refused before it is sent.
    """
    try:
        statements = [s for s in sqlglot.parse(sql, read="spark") if s is not None]
    except SqlglotError:
        raise WarehouseError(
            "Spark gets only the SELECT statements Cortex compiles; this SQL does not parse.",
            hint=_READ_ONLY_HINT,
        ) from None
    if len(statements) != 1:
        raise WarehouseError(
            f"Spark runs one statement a call; this SQL has {len(statements)}.",
            hint=_READ_ONLY_HINT,
        )
    (statement,) = statements
    writes = (exp.DML, exp.DDL, exp.Command, exp.Set, exp.Use, exp.Cache, exp.Uncache)
    if not isinstance(statement, exp.Query) or any(statement.find_all(*writes)):
        kind = statement.key.upper()
        raise WarehouseError(
            f"Cortex runs only SELECT queries on Spark, not {kind} statements.",
            hint=_READ_ONLY_HINT,
        )
    for table in statement.find_all(exp.Table):
        if "/" in table.name or ":" in table.name:  # parquet.`/path`: a file, not a table
            raise WarehouseError(
                f"Cortex reads tables on Spark, not files ({table.name!r}).", hint=_READ_ONLY_HINT
            )


class SparkWarehouse(ClosesOnExit):
    """Spark behind the `Warehouse` protocol; safe to share between threads."""

    dialect: Final = "spark"

    def __init__(self, url: str, *, timeout_seconds: float = 30.0, max_rows: int = 10_000) -> None:
        if not (math.isfinite(timeout_seconds) and timeout_seconds > 0):
            raise WarehouseError(f"timeout_seconds must be above 0, not {timeout_seconds!r}.")
        if max_rows < 1:
            raise WarehouseError(f"max_rows must be 1 or more, not {max_rows!r}.")
        target = parse_spark_url(url)
        tables = _parquet_tables(target.parquet) if target.parquet is not None else {}
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.max_rows = max_rows
        self._target = target
        self._spark, self.startup_seconds = _session(target)
        self._lock = threading.Lock()
        self._closed = False
        self._freshness: dict[tuple[str, str | None], tuple[datetime | None, float]] = {}
        self._version: tuple[tuple[str, int, int, int], ...] | None = None
        self._parquet_names: frozenset[str] = frozenset()
        if target.parquet is not None:
            self._register(target.parquet, tables)

    @property
    def identity(self) -> str:
        """What decides a query's rows besides its SQL and the data: the session's target, the
        Parquet folder and the row cap."""
        return f"spark:{self._target.key}?parquet={self._target.parquet}&max_rows={self.max_rows}"

    def data_version(self, source_tables: Sequence[str] = ()) -> Hashable | None:
        """Over a Parquet folder: the name, size, inode and modification time of every file in
        its tables, read before every query; when they moved, the tables are registered again
        first (Spark keeps the file list it was given). None for the catalog's tables (a cluster
        or Spark Connect), which change without Cortex seeing it: those are not cached."""
        self._check_open()
        version = self._current_version()
        with self._lock:
            only_files = all(source.lower() in self._parquet_names for source in source_tables)
        return version if only_files else None

    def _current_version(self) -> Hashable | None:
        folder = self._target.parquet
        if folder is None:
            return None
        version = _parquet_version(folder)
        with self._lock:
            unchanged = version == self._version
        if not unchanged:
            self._register(folder, _parquet_tables(folder))
        return version

    def _register(self, folder: Path, tables: Mapping[str, Path]) -> None:
        """Make each Parquet table a view of the session, as the files are now, and forget the
        freshness read from the files before."""
        version = _parquet_version(folder)
        try:
            for name, path in tables.items():
                self._spark.read.parquet(str(path)).createOrReplaceTempView(name)
        except Exception as error:  # noqa: BLE001 - every Spark failure becomes a WarehouseError
            raise _translate(error) from None
        with self._lock:
            self._version = version
            self._parquet_names = frozenset(name.lower() for name in tables)
            self._freshness.clear()

    def __repr__(self) -> str:
        return f"SparkWarehouse({self.url!r})"

    def close(self) -> None:
        """Stop using the session; it stays up for the rest of the process (starting one costs
        seconds). Closing twice is harmless."""
        with self._lock:
            self._closed = True

    def run(
        self,
        sql: str,
        *,
        source_tables: Sequence[str] = (),
        freshness_columns: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run one SELECT and return at most `max_rows` rows, with their freshness and timings.

        Raises `WarehouseError` for anything but a single SELECT (before sending it) or when
        Spark rejects it, and `WarehouseTimeout` when it runs past `timeout_seconds`.
        """
        self._check_open()
        read_only_check(sql)
        with self._deadline(self.timeout_seconds) as expired:
            try:
                return self._run(sql, source_tables, freshness_columns or {})
            except Exception as error:  # noqa: BLE001 - Spark raises Py4J and PySpark errors
                if expired.is_set():
                    raise WarehouseTimeout(
                        f"The query was stopped after {self.timeout_seconds:g} s, "
                        "the warehouse time limit.",
                        hint=_TIMEOUT_HINT,
                    ) from None
                raise _translate(error) from None

    def columns(self) -> dict[str, frozenset[str]]:
        """Every table and view of the current database -> the names of its columns."""
        self._check_open()
        try:
            names = [table.name for table in self._spark.catalog.listTables()]
            return {name: frozenset(self._spark.table(name).columns) for name in names}
        except Exception as error:  # noqa: BLE001
            raise _translate(error) from None

    def ping(self, timeout_seconds: float) -> None:
        """Run a trivial query, cancelled after `timeout_seconds` (see `Warehouse.ping`)."""
        self._check_open()
        with self._deadline(timeout_seconds) as expired:
            try:
                self._spark.sql("SELECT 1").collect()
            except Exception as error:  # noqa: BLE001
                if expired.is_set():
                    raise WarehouseTimeout(
                        f"The warehouse did not answer within {timeout_seconds:g} s.",
                        hint=_TIMEOUT_HINT,
                    ) from None
                raise _translate(error) from None

    def _run(
        self, sql: str, sources: Sequence[str], freshness_columns: Mapping[str, str]
    ) -> QueryResult:
        started = time.perf_counter()
        self._current_version()  # new files are read, and their freshness
        frame_plan = self._spark.sql(sql)  # parses and analyses: checks names and types
        bound = time.perf_counter()
        fields = frame_plan.schema.fields
        rows = frame_plan.limit(self.max_rows + 1).collect()
        frame = to_frame(
            [field.name for field in fields],
            [field.dataType.typeName() for field in fields],
            rows,
        )
        fetched = time.perf_counter()
        freshness = self._latest(sources, freshness_columns)
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

    def _latest(
        self, sources: Sequence[str], freshness_columns: Mapping[str, str]
    ) -> datetime | None:
        """The latest DATE or TIMESTAMP value across the source tables, cached per table: for as
        long as the Parquet files stay as they are, or `FRESHNESS_SECONDS` for the catalog's
        tables, whose changes Cortex does not see."""
        latest: datetime | None = None
        for source in sources:
            column = freshness_columns.get(source)
            key = (source.lower(), column)
            with self._lock:
                value, read_at = self._freshness.get(key, (None, None))
                from_files = source.lower() in self._parquet_names
            expired = read_at is None or (
                not from_files and time.monotonic() - read_at > FRESHNESS_SECONDS
            )
            if expired:
                value = self._table_freshness(source, column)
                with self._lock:
                    self._freshness[key] = (value, time.monotonic())
            if value is not None and (latest is None or value > latest):
                latest = value
        return latest

    def _table_freshness(self, source: str, only: str | None) -> datetime | None:
        known = {table.name.lower(): table.name for table in self._spark.catalog.listTables()}
        if source.lower() not in known and "." not in source:
            close = difflib.get_close_matches(source, sorted(known.values()), n=1)
            suggestion = f" Did you mean {close[0]!r}?" if close else ""
            raise WarehouseError(
                f"Unknown source table {source!r}.{suggestion}",
                hint=f"The warehouse has: {', '.join(sorted(known.values())) or 'no tables'}.",
            )
        table = self._spark.table(source)
        parts = [
            f"CAST(max({_quote(field.name)}) AS TIMESTAMP_NTZ)"
            for field in table.schema.fields
            if field.dataType.typeName() in _TEMPORAL_TYPES and only in (None, field.name)
        ]
        if not parts:
            return None
        # greatest() skips NULLs; on Spark it needs two arguments or more.
        latest = parts[0] if len(parts) == 1 else f"greatest({', '.join(parts)})"
        row = table.selectExpr(latest).first()
        value = None if row is None else row[0]
        return value if isinstance(value, datetime) else None

    def _check_open(self) -> None:
        with self._lock:
            if self._closed:
                raise WarehouseError(
                    f"The warehouse {self.url} is closed.", hint="Open a new SparkWarehouse."
                )

    @contextmanager
    def _deadline(self, seconds: float) -> Iterator[threading.Event]:
        """Cancel this thread's Spark jobs once `seconds` have passed, and keep at it until the
        block ends (a job started after the first cancel is cancelled too).

        Classic Spark: the jobs run in a job group of their own, cancelled with their running
        tasks interrupted. Spark Connect: the operations carry a tag, interrupted on the server.
        """
        group = f"cortex-{uuid.uuid4().hex}"
        connect = self._target.remote is not None
        if connect:
            self._spark.addTag(group)
        else:
            self._spark.sparkContext.setJobGroup(group, "cortex query", interruptOnCancel=True)

        def cancel() -> None:
            if connect:
                self._spark.interruptTag(group)
            else:
                self._spark.sparkContext.cancelJobGroup(group)

        try:
            with cancel_after(
                cancel, seconds, poll_seconds=_CANCEL_POLL_SECONDS, name="cortex-spark-deadline"
            ) as expired:
                yield expired
        finally:
            if connect:
                self._spark.removeTag(group)


def _session(target: SparkTarget) -> tuple[SparkSession, float]:
    """The process's SparkSession for `target` and the seconds it took to start, started once."""
    with _SESSION_LOCK:
        if target.key in _SESSIONS:
            return _SESSIONS[target.key]
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():  # pyspark warns of pandas versions it has not seen
                warnings.simplefilter("ignore", FutureWarning)
                from pyspark.sql import SparkSession  # noqa: PLC0415 - seconds to import

                _quiet_python_loggers()
                builder: Any = SparkSession.builder
                if target.remote is not None:
                    session = builder.remote(target.remote).getOrCreate()
                else:
                    session = _classic(builder, target.master or "")
        except ImportError:
            raise WarehouseError(
                "Spark support needs the pyspark package.",
                hint="Install it with `pip install pyspark` (and Java 17 for local mode).",
            ) from None
        except Exception as error:  # noqa: BLE001
            raise WarehouseError(
                f"Cannot start Spark ({target.remote or target.master}): {_first_line(error)}",
                hint="Local mode needs Java 17 or newer on the PATH (or JAVA_HOME); a cluster "
                "or Spark Connect URL must be reachable from here.",
            ) from None
        entry = (session, time.perf_counter() - started)
        _SESSIONS[target.key] = entry
        return entry


def _quiet_python_loggers() -> None:
    """Turn off the loggers pyspark prints every failed query to stderr with (as JSON with the
    JVM's stack trace): the failure reaches the caller as a WarehouseError instead."""
    from pyspark.logger import PySparkLogger  # noqa: PLC0415

    for name in _PYSPARK_QUERY_LOGGERS:
        PySparkLogger.getLogger(name).disabled = True
    # py4j says at INFO that it closes its connection, from a finalizer at interpreter exit,
    # when the log's stream may be closed already ("--- Logging error ---" on stderr)
    logging.getLogger("py4j").setLevel(logging.WARNING)


def _classic(builder: Any, master: str) -> SparkSession:
    """A classic session with SPARK_SETTINGS, its JVM's own console output kept off the
    terminal (Spark prints its banner and log lines there before any setting can stop it)."""
    import subprocess  # noqa: PLC0415

    from pyspark import SparkConf, SparkContext  # noqa: PLC0415
    from pyspark.java_gateway import launch_gateway  # noqa: PLC0415

    builder = builder.master(master).appName("cortex")
    for key, value in SPARK_SETTINGS.items():
        builder = builder.config(key, value)
    if master.startswith("local"):
        builder = builder.config("spark.sql.warehouse.dir", _scratch_warehouse())
    if SparkContext._active_spark_context is None:  # noqa: SLF001 - no public way to ask
        conf = SparkConf(loadDefaults=True)
        for key, value in builder._options.items():  # noqa: SLF001
            conf.set(key, str(value))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        gateway = launch_gateway(conf, popen_kwargs=quiet)  # type: ignore[no-untyped-call]
        SparkContext(conf=conf, gateway=gateway)
    session: SparkSession = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _scratch_warehouse() -> str:
    """A directory of its own, removed at exit, for local mode's catalog: Spark creates
    `spark-warehouse/` in the working directory otherwise, and Cortex writes no tables there."""
    import atexit  # noqa: PLC0415
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="cortex-spark-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _parquet_tables(folder: Path) -> dict[str, Path]:
    """The tables of a Parquet folder: `<name>.parquet` (a file or a folder of parts) -> path."""
    if not folder.is_dir():
        raise WarehouseNotFound(
            f"There is no Parquet folder at {folder}.",
            hint="Run `cortex demo export --to parquet DIR` to write the demo there, "
            "or point ?parquet= at a folder of <table>.parquet files.",
        )
    tables = {path.stem: path for path in sorted(folder.glob("*.parquet"))}
    if not tables:
        raise WarehouseNotFound(
            f"The folder {folder} has no <table>.parquet files.",
            hint="Each table is a file (or a folder of part files) named <table>.parquet.",
        )
    return tables


def _parquet_version(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    """(path, size, inode, modification time in ns) of every file of the folder's tables."""
    found: list[tuple[str, int, int, int]] = []
    for table in sorted(folder.glob("*.parquet")):
        files = [table] if table.is_file() else sorted(p for p in table.rglob("*") if p.is_file())
        for path in files:
            info = path.stat()
            found.append((str(path), info.st_size, info.st_ino, info.st_mtime_ns))
    return tuple(found)


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _first_line(error: BaseException) -> str:
    text = getattr(error, "getMessage", None)
    message = text() if callable(text) else str(error)
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _translate(error: BaseException) -> WarehouseError:
    """A Spark error as a WarehouseError: its first line (no JVM trace) and a hint."""
    message = _first_line(error)
    kind = type(error).__name__
    if kind == "ParseException":
        return WarehouseError(message, hint="The SQL does not parse; check its syntax.")
    if kind == "AnalysisException":
        return WarehouseError(message, hint=_NAMES_HINT)
    if "cancelled" in message.lower():
        return WarehouseError("The query was cancelled.", hint="Run it again.")
    return WarehouseError(message)
