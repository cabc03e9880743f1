"""The result cache: a repeated query is answered from memory, not by the warehouse again.

`CachedWarehouse` wraps any `Warehouse` and is one itself, so every engine gets the cache the
same way. A result is kept under a key of

- the warehouse's `identity` (where the data is, and what else decides the rows: the row cap),
- its `data_version` for the tables the query reads (DuckDB: the file as opened; an engine whose
  data changes under an open connection answers with what moves when it does, e.g. the latest
  freshness value or a per-table change counter),
- the SQL, and the tables and freshness columns it is asked about,

so a change of the data is a new key: the old entries are never served again and age out. A
warehouse that has no `identity` and `data_version` (see `Versioned`), or answers None for the
version, is not cached: every result says `cache == "off"`, as with no cache at all.

`ResultCache` holds the results: least recently used first out, bounded by the number of
entries and by the approximate bytes of their frames; thread-safe; and *coalescing*: while a
query runs, a thread asking for the same key waits for that run instead of starting another,
so a question repeated at once in a busy channel reaches the warehouse once. Results are
copied on the way in and on the way out: a caller changing its frame never changes the cache.
Only successful results are kept; a failure is passed to the threads that waited for it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol, runtime_checkable

from connectors.warehouse.base import ClosesOnExit, QueryResult, Warehouse, WarehouseError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "CacheStats",
    "CachedWarehouse",
    "ResultCache",
    "Versioned",
]

#: The default bounds: a few hundred answers (each at most the row cap) in at most 64 MiB.
DEFAULT_MAX_ENTRIES: Final = 256
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024


@runtime_checkable
class Versioned(Protocol):
    """A warehouse whose results can be cached: who it is and which version of its data it
    reads. `data_version` must be cheap (it runs before every query) and must change whenever
    the rows a query over `source_tables` returns may change; None means "unknown": not cached.
    """

    @property
    def identity(self) -> str: ...

    def data_version(self, source_tables: Sequence[str] = ()) -> Hashable | None: ...


@dataclass(frozen=True)
class CacheStats:
    """What a cache has done so far: answers from memory, runs on the warehouse, entries
    dropped to stay in bounds, and what it holds now."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int


class _Flight:
    """A run under way that other threads asking for the same key wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: QueryResult | None = None
        self.error: WarehouseError | None = None


class ResultCache:
    """Query results by key, least recently used out first, within `max_entries` entries and
    about `max_bytes` bytes of frames (an entry bigger than that on its own is not kept)."""

    def __init__(
        self, *, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError(
                f"max_entries and max_bytes must be 1 or more, not {max_entries}, {max_bytes}."
            )
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[QueryResult, int]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._evictions = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def stats(self) -> CacheStats:
        """The counts so far and what the cache holds."""
        with self._lock:
            return CacheStats(
                self._hits, self._misses, self._evictions, len(self._entries), self._bytes
            )

    def clear(self) -> None:
        """Forget every result (the counts stay)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def get_or_run(self, key: Hashable, run: Callable[[], QueryResult]) -> QueryResult:
        """The result kept under `key` (`cache == "hit"`), else `run()`'s, kept for next time
        (`cache == "miss"`). While a run for `key` is under way, wait for it rather than run
        again; its `WarehouseError` is raised to every thread that waited."""
        started = time.perf_counter()
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
                self._hits += 1
                return _served(kept[0], started)
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self._misses += 1
            else:
                self._hits += 1
        if not leading:
            flight.done.wait()
            if flight.result is None:
                raise _again(flight.error)
            return _served(flight.result, started)
        try:
            result = run()
        except WarehouseError as error:
            flight.error = error
            raise
        else:
            kept_result = _private(result)
            flight.result = kept_result
            self._keep(key, kept_result)
            return replace(result, cache="miss")
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _keep(self, key: Hashable, result: QueryResult) -> None:
        size = _size(result)
        if size > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (result, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self._evictions += 1


class CachedWarehouse(ClosesOnExit):
    """`warehouse` with a result cache in front: the same protocol, results marked hit, miss
    or off (see the module's docstring). Share one `ResultCache` between several warehouses
    when their results should be found by each other (the keys keep them apart)."""

    def __init__(self, warehouse: Warehouse, cache: ResultCache | None = None) -> None:
        self.warehouse = warehouse
        self.cache = cache if cache is not None else ResultCache()

    def __repr__(self) -> str:
        return f"CachedWarehouse({self.warehouse!r})"

    @property
    def dialect(self) -> str:
        """The wrapped warehouse's dialect."""
        return self.warehouse.dialect

    def run(
        self,
        sql: str,
        *,
        source_tables: Sequence[str] = (),
        freshness_columns: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """The result of `sql`: from the cache when the same query ran on the same data, else
        from the warehouse (see `Warehouse.run`)."""
        columns = dict(freshness_columns or {})

        def run() -> QueryResult:
            return self.warehouse.run(sql, source_tables=source_tables, freshness_columns=columns)

        inner = self.warehouse
        version = inner.data_version(source_tables) if isinstance(inner, Versioned) else None
        if version is None or not isinstance(inner, Versioned):
            return replace(run(), cache="off")
        key = (
            inner.identity,
            version,
            sql,
            tuple(source_tables),
            tuple(sorted(columns.items())),
        )
        return self.cache.get_or_run(key, run)

    def columns(self) -> dict[str, frozenset[str]]:
        """The wrapped warehouse's tables and columns."""
        return self.warehouse.columns()

    def ping(self, timeout_seconds: float) -> None:
        """Ping the wrapped warehouse (never answered from the cache)."""
        self.warehouse.ping(timeout_seconds)

    def close(self) -> None:
        """Close the wrapped warehouse; the cache keeps its results for other connections."""
        self.warehouse.close()


def _private(result: QueryResult) -> QueryResult:
    """A copy of `result` no caller holds: its frame and timings copied."""
    return replace(result, frame=result.frame.copy(deep=True), timings_ms=dict(result.timings_ms))


def _served(kept: QueryResult, started: float) -> QueryResult:
    """A kept result as served: a copy of its frame, marked a hit, timed as a lookup."""
    elapsed = (time.perf_counter() - started) * 1000
    return replace(
        kept, frame=kept.frame.copy(deep=True), cache="hit", timings_ms={"cache": elapsed}
    )


def _again(error: WarehouseError | None) -> WarehouseError:
    """The failure of a run another thread waited for, for that thread to raise."""
    if error is None:  # the run failed with something other than a WarehouseError
        return WarehouseError("The query failed in another request.", hint="Ask again.")
    try:
        return type(error)(error.message, hint=error.hint)
    except TypeError:  # a subclass built otherwise
        return WarehouseError(error.message, hint=error.hint)


def _size(result: QueryResult) -> int:
    """About how many bytes `result` holds: its frame's, strings included."""
    return int(result.frame.memory_usage(index=True, deep=True).sum())
