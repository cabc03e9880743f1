"""The result cache in front of a real DuckDB warehouse: a repeated query runs once, a change of
data is a miss, memory stays in bounds, concurrent askers share one run, frames stay private.

Runs are counted by `Counting` (tests/connectors/warehouse/counting.py), a thin wrapper that
passes every call to the real `DuckDBWarehouse` and can hold a run at a gate."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from connectors.warehouse import (
    CachedWarehouse,
    DuckDBWarehouse,
    QueryResult,
    ResultCache,
    WarehouseError,
)
from tests.connectors.warehouse.counting import Counting

TICKETS = "SELECT count(*) AS n FROM tickets"
ACCOUNTS = "SELECT count(*) AS n FROM accounts"
SEGMENTS = "SELECT segment, count(*) AS n FROM accounts GROUP BY segment ORDER BY segment"


@pytest.fixture()
def counting(demo_path: Path) -> Iterator[Counting]:
    with Counting(DuckDBWarehouse(demo_path)) as warehouse:
        yield warehouse


def test_a_repeated_query_is_answered_from_the_cache(counting: Counting) -> None:
    cached = CachedWarehouse(counting)
    first = cached.run(TICKETS, source_tables=["tickets"])
    again = cached.run(TICKETS, source_tables=["tickets"])
    assert counting.runs == 1
    assert (first.cache, again.cache) == ("miss", "hit")
    assert again.frame.equals(first.frame) and again.freshness == first.freshness
    assert (again.row_count, again.truncated) == (first.row_count, first.truncated)
    assert set(again.timings_ms) == {"cache"}
    assert cached.cache.stats().hits == 1 and cached.cache.stats().misses == 1


def test_different_sql_or_different_sources_miss(counting: Counting) -> None:
    cached = CachedWarehouse(counting)
    cached.run(TICKETS, source_tables=["tickets"])
    assert cached.run(ACCOUNTS, source_tables=["accounts"]).cache == "miss"
    # The same SQL asked with other freshness columns has another freshness: its own entry.
    assert cached.run(TICKETS, source_tables=["tickets"], freshness_columns={}).cache == "hit"
    other = cached.run(
        TICKETS, source_tables=["tickets"], freshness_columns={"tickets": "created_at"}
    )
    assert other.cache == "miss" and counting.runs == 3


def test_a_change_of_data_is_a_miss_and_shows_the_new_numbers(
    demo_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_path, copy)
    cache = ResultCache()  # shared by every connection to the file below

    def tickets() -> tuple[int, str, int]:
        with Counting(DuckDBWarehouse(copy)) as counting:
            result = CachedWarehouse(counting, cache).run(TICKETS, source_tables=["tickets"])
            return int(result.frame["n"].iloc[0]), result.cache, counting.runs

    before, status, runs = tickets()
    assert (status, runs) == ("miss", 1)
    assert tickets() == (before, "hit", 0)  # reopened, the same data: the same version
    with duckdb.connect(str(copy)) as writer:  # a load job, while Cortex is not reading
        writer.execute("DELETE FROM tickets WHERE rowid % 2 = 0")
    after, status, runs = tickets()
    assert (status, runs) == ("miss", 1)
    assert 0 < after < before
    assert tickets() == (after, "hit", 0)


def test_the_version_is_the_file_as_opened(demo_path: Path) -> None:
    with DuckDBWarehouse(demo_path) as first, DuckDBWarehouse(demo_path) as second:
        assert first.data_version() is not None
        assert first.data_version() == second.data_version(["tickets"])
        assert first.identity == second.identity
    with DuckDBWarehouse(demo_path, max_rows=5) as capped:
        assert capped.identity != first.identity  # a row cap changes the rows: another key


def test_the_oldest_entries_go_when_there_are_too_many(counting: Counting) -> None:
    cached = CachedWarehouse(counting, ResultCache(max_entries=2))
    for sql in (TICKETS, ACCOUNTS, TICKETS, SEGMENTS):  # TICKETS used again: ACCOUNTS is oldest
        cached.run(sql)
    assert counting.runs == 3 and len(cached.cache) == 2
    assert cached.run(TICKETS).cache == "hit"
    assert cached.run(ACCOUNTS).cache == "miss"
    assert cached.cache.stats().evictions == 2


def test_the_oldest_entries_go_when_the_frames_take_too_many_bytes(counting: Counting) -> None:
    size = CachedWarehouse(counting).run(SEGMENTS).frame.memory_usage(deep=True).sum()
    cached = CachedWarehouse(counting, ResultCache(max_bytes=int(size * 1.5)))
    cached.run(SEGMENTS)
    cached.run(SEGMENTS + " LIMIT 100")  # as big: the first must go
    assert len(cached.cache) == 1 and cached.cache.stats().bytes <= size * 1.5
    assert cached.run(SEGMENTS).cache == "miss"
    tiny = CachedWarehouse(counting, ResultCache(max_bytes=16))
    tiny.run(SEGMENTS)  # bigger than the whole cache: not kept at all
    assert len(tiny.cache) == 0 and tiny.run(SEGMENTS).cache == "miss"


def test_concurrent_identical_queries_run_once(demo_path: Path) -> None:
    gate = threading.Event()
    with Counting(DuckDBWarehouse(demo_path), gate) as counting:
        cached = CachedWarehouse(counting)
        with ThreadPoolExecutor(8) as pool:
            first = pool.submit(cached.run, SEGMENTS, source_tables=["accounts"])
            _until(lambda: counting.runs == 1)  # the first is on the warehouse, held
            others = [
                pool.submit(cached.run, SEGMENTS, source_tables=["accounts"]) for _ in range(7)
            ]
            _until(lambda: cached.cache.stats().hits == 7)  # all seven wait for that run
            gate.set()
            results = [first.result(), *(other.result() for other in others)]
        assert counting.runs == 1
        assert [r.cache for r in results] == ["miss"] + ["hit"] * 7
        assert all(r.frame.equals(results[0].frame) for r in results)
        assert len({id(r.frame) for r in results}) == 8  # each caller has its own frame


def test_a_failure_reaches_every_waiting_caller_and_is_not_kept(demo_path: Path) -> None:
    gate = threading.Event()
    bad = "SELECT count(*) FROM no_such_table"
    with Counting(DuckDBWarehouse(demo_path), gate) as counting:
        cached = CachedWarehouse(counting)
        with ThreadPoolExecutor(3) as pool:
            calls = [pool.submit(cached.run, bad)]
            _until(lambda: counting.runs == 1)
            calls += [pool.submit(cached.run, bad) for _ in range(2)]
            _until(lambda: cached.cache.stats().hits == 2)
            gate.set()
            errors = [call.exception() for call in calls]
        assert all(isinstance(error, WarehouseError) for error in errors)
        assert all("no_such_table" in str(error) for error in errors)
        assert counting.runs == 1 and len(cached.cache) == 0
        with pytest.raises(WarehouseError):
            cached.run(bad)
        assert counting.runs == 2


def test_a_caller_changing_its_frame_does_not_change_the_cache(counting: Counting) -> None:
    cached = CachedWarehouse(counting)
    missed = cached.run(SEGMENTS)
    expected = missed.frame.copy()
    missed.frame.loc[0, "n"] = -1  # the frame returned by the run that filled the cache
    hit = cached.run(SEGMENTS)
    assert hit.frame.equals(expected)
    hit.frame["n"] = 0  # and a frame served from the cache
    hit.frame.columns = ["renamed", "too"]
    hit.timings_ms["cache"] = -1.0
    again = cached.run(SEGMENTS)
    assert again.frame.equals(expected) and again.timings_ms["cache"] >= 0


def test_a_warehouse_without_a_data_version_is_not_cached(counting: Counting) -> None:
    class Unversioned:
        """A warehouse that cannot say which version of its data it reads."""

        dialect = "duckdb"

        def run(self, sql: str, **given: object) -> QueryResult:
            return counting.run(sql)

        def columns(self) -> dict[str, frozenset[str]]:
            return counting.columns()

        def ping(self, timeout_seconds: float) -> None:
            counting.ping(timeout_seconds)

        def close(self) -> None:
            """The fixture closes the real warehouse."""

        def __enter__(self) -> Unversioned:
            return self

        def __exit__(self, *_: object) -> None:
            self.close()

    cached = CachedWarehouse(Unversioned())  # type: ignore[arg-type]  # run takes **given
    assert [cached.run(TICKETS).cache for _ in range(2)] == ["off", "off"]
    assert counting.runs == 2 and len(cached.cache) == 0


def _until(condition: object, seconds: float = 10.0) -> None:
    """Wait until `condition()` holds (it is polled), failing after `seconds`."""
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)
