"""What Cortex needs from any warehouse engine: the `Warehouse` protocol, its result and errors.

Cortex compiles a semantic query to SQL in the warehouse's `dialect`, runs it with `run()` and
gets a `QueryResult` back; `columns()` lets `cortex check` compare metrics.yml with the tables.
An engine (DuckDB today) implements the protocol in its own module and reports every failure as
a `WarehouseError`, so nothing above the connector sees an engine's own exceptions.

Errors::

    WarehouseError          a query or the warehouse failed: `.message` what, `.hint` what to do
     ├── WarehouseNotFound  there is no warehouse file at the configured path
     └── WarehouseTimeout   the query ran past the time limit and was interrupted
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, Protocol, Self

import pandas as pd

__all__ = [
    "capped_result",
    "ClosesOnExit",
    "CacheStatus",
    "QueryResult",
    "Warehouse",
    "WarehouseError",
    "WarehouseNotFound",
    "WarehouseTimeout",
]

#: Where a result came from: the result cache ("hit": the warehouse did not run the query),
#: the warehouse through the cache ("miss"), or the warehouse with no cache in between ("off").
CacheStatus = Literal["hit", "miss", "off"]


class WarehouseError(Exception):
    """A query or the warehouse failed; `message` (also `str()`) says what, `hint` what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class WarehouseNotFound(WarehouseError):
    """There is no warehouse file at the configured path."""


class WarehouseTimeout(WarehouseError):
    """The query ran past the time limit and was interrupted."""


@dataclass(frozen=True)
class QueryResult:
    """The rows of one query, at most `max_rows` of them, and where they came from.

    `timings_ms` has three keys. DuckDB streams results, so "execute" is the time to parse and
    bind the SQL, "fetch" the time to run it and build the frame, "freshness" the time to find
    the latest timestamp of the source tables (zero when it was cached). A result served by the
    result cache (`cache == "hit"`, see `connectors.warehouse.cache`) has one key, "cache": the
    time to find it.
    """

    frame: pd.DataFrame
    row_count: int
    truncated: bool
    freshness: datetime | None
    timings_ms: dict[str, float]
    cache: CacheStatus = "off"


def capped_result(
    frame: pd.DataFrame,
    max_rows: int,
    freshness: datetime | None,
    *,
    started: float,
    executed: float,
    fetched: float,
    finished: float,
) -> QueryResult:
    """A result of at most `max_rows` rows from a frame fetched with one row more (so that
    `truncated` says whether there were more), timed by the `time.perf_counter()` readings
    taken when the query started, ran, was fetched and had its freshness."""
    truncated = len(frame) > max_rows
    if truncated:
        frame = frame.iloc[:max_rows]
    return QueryResult(
        frame=frame,
        row_count=len(frame),
        truncated=truncated,
        freshness=freshness,
        timings_ms={
            "execute": (executed - started) * 1000,
            "fetch": (fetched - executed) * 1000,
            "freshness": (finished - fetched) * 1000,
        },
    )


class ClosesOnExit:
    """`with warehouse:` closes it at the end of the block (a subclass defines `close`)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Warehouse(Protocol):
    """Where compiled SQL runs; `dialect` is the sqlglot dialect to compile to.

    A warehouse holds a connection: `close()` it, or use it as a context manager.
    """

    @property
    def dialect(self) -> str: ...

    def run(
        self,
        sql: str,
        *,
        source_tables: Sequence[str] = (),
        freshness_columns: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run one query; `source_tables` are the tables it reads, for its freshness.

        `freshness_columns` names, per table, the column whose latest value says how recent
        its data is; other tables use all their DATE and TIMESTAMP columns.
        """
        ...

    def columns(self) -> dict[str, frozenset[str]]:
        """Every table (or view) in the warehouse and the names of its columns."""
        ...

    def ping(self, timeout_seconds: float) -> None:
        """Answer a trivial query within `timeout_seconds` (a readiness probe): returns when the
        warehouse answers, raises `WarehouseTimeout` when it does not in time and
        `WarehouseError` when it fails."""
        ...

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the warehouse."""
        ...
