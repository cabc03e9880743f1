"""The PostgreSQL warehouse keeps DuckDB's guarantees: read-only, a timeout that cancels, a row
cap, freshness, typed frames, and errors that say what to do without leaking the password."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from connectors.warehouse import (
    CachedWarehouse,
    DuckDBWarehouse,
    WarehouseError,
    WarehouseTimeout,
)
from connectors.warehouse.postgres import PostgresWarehouse
from tests.fakes.postgres_server import PostgresServer

TYPED = (
    "SELECT ticket_id, csat_score, handed_over, created_at, CAST(created_at AS DATE) AS day, "
    "channel, CAST(ticket_id AS DECIMAL(12,2)) / 4 AS quarter "
    "FROM tickets ORDER BY ticket_id LIMIT 50"
)


def test_results_are_typed_like_duckdbs(postgres_url: str, demo_path: Path) -> None:
    with PostgresWarehouse(postgres_url) as postgres, DuckDBWarehouse(demo_path) as duck:
        ours, theirs = postgres.run(TYPED).frame, duck.run(TYPED).frame
    assert [str(t) for t in ours.dtypes] == [str(t) for t in theirs.dtypes]
    pd.testing.assert_frame_equal(ours, theirs)


def test_a_long_query_is_cancelled_by_the_server(postgres_url: str) -> None:
    with PostgresWarehouse(postgres_url, timeout_seconds=0.5) as warehouse:
        started = time.monotonic()
        with pytest.raises(WarehouseTimeout, match="stopped after 0.5 s") as raised:
            warehouse.run("SELECT pg_sleep(30)")
        assert time.monotonic() - started < 5
        assert raised.value.hint and "CORTEX_QUERY_TIMEOUT" in raised.value.hint
        assert warehouse.run("SELECT 1 AS one").frame["one"].tolist() == [1]  # still usable


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO tickets (ticket_id) VALUES (-1)",
        "DROP TABLE tickets",
        "SET default_transaction_read_only = off",
        "SELECT 1; DELETE FROM tickets",
    ],
)
def test_only_a_select_runs(postgres_server: PostgresServer, statement: str) -> None:
    # Even as the superuser: the connector itself refuses to change anything.
    with PostgresWarehouse(postgres_server.url) as warehouse:
        with pytest.raises(WarehouseError) as raised:
            warehouse.run(statement)
        assert raised.value.hint and "read" in raised.value.hint
        assert warehouse.run("SELECT count(*) AS n FROM tickets WHERE ticket_id = -1").frame[
            "n"
        ].tolist() == [0]


def test_a_writing_select_is_refused_by_the_read_only_transaction(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.sql("CREATE SEQUENCE IF NOT EXISTS ids")
    with PostgresWarehouse(postgres_server.url) as warehouse:
        with pytest.raises(WarehouseError, match="data-modifying"):
            warehouse.run(
                "WITH gone AS (DELETE FROM tickets RETURNING 1) SELECT count(*) FROM gone"
            )
        with pytest.raises(WarehouseError, match="read-only transaction") as raised:
            warehouse.run("SELECT nextval('ids')")  # a function that writes
        assert raised.value.hint and "read-only" in raised.value.hint
        kept = warehouse.run("SELECT count(*) AS n FROM tickets").frame["n"].tolist()
    assert kept[0] > 0


def test_the_row_cap_truncates(postgres_url: str) -> None:
    with PostgresWarehouse(postgres_url, max_rows=5) as warehouse:
        capped = warehouse.run("SELECT ticket_id FROM tickets")
        exact = warehouse.run("SELECT ticket_id FROM tickets LIMIT 5")
    assert (capped.row_count, capped.truncated) == (5, True)
    assert (exact.row_count, exact.truncated) == (5, False)


def test_freshness_and_columns_match_duckdbs(postgres_url: str, demo_path: Path) -> None:
    sources = ("tickets", "subscriptions")
    only = {"tickets": "created_at"}
    with PostgresWarehouse(postgres_url) as postgres, DuckDBWarehouse(demo_path) as duck:
        assert postgres.columns() == duck.columns()
        for columns in (None, only):
            ours = postgres.run("SELECT 1", source_tables=sources, freshness_columns=columns)
            theirs = duck.run("SELECT 1", source_tables=sources, freshness_columns=columns)
            assert ours.freshness is not None and ours.freshness == theirs.freshness
        with pytest.raises(WarehouseError, match="Did you mean 'tickets'"):
            postgres.run("SELECT 1", source_tables=("tikets",))


def test_ping_answers_and_a_closed_warehouse_says_so(postgres_url: str) -> None:
    warehouse = PostgresWarehouse(postgres_url)
    warehouse.ping(2)
    warehouse.close()
    warehouse.close()  # harmless
    with pytest.raises(WarehouseError, match="closed"):
        warehouse.run("SELECT 1")


def test_a_failed_connection_never_shows_the_password() -> None:
    with socket_closed_port() as port:
        url = f"postgresql://reader:hunter2@127.0.0.1:{port}/analytics"
        with pytest.raises(WarehouseError) as raised:
            PostgresWarehouse(url)
    shown = f"{raised.value.message} {raised.value.hint} {raised.value!r}"
    assert "hunter2" not in shown
    assert "reader:***@127.0.0.1" in raised.value.message
    assert raised.value.hint and "CORTEX_WAREHOUSE" in raised.value.hint


def socket_closed_port() -> _ClosedPort:
    return _ClosedPort()


class _ClosedPort:
    """A loopback port nothing listens on (bound, then released)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        return None


def test_unchanged_data_is_answered_from_the_result_cache_and_a_change_is_read_at_once(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.sql("CREATE TABLE version_probe (day DATE, amount INT)")
    postgres_server.sql("INSERT INTO version_probe VALUES ('2026-11-01', 1), ('2026-11-02', 2)")
    postgres_server.grant_reads()
    query = "SELECT SUM(amount) AS total FROM version_probe"
    with CachedWarehouse(PostgresWarehouse(postgres_server.readonly_url)) as warehouse:
        first = warehouse.run(query, source_tables=["version_probe"])
        again = warehouse.run(query, source_tables=["version_probe"])
        postgres_server.sql("INSERT INTO version_probe VALUES ('2026-11-24', 40)")
        changed = warehouse.run(query, source_tables=["version_probe"])

    assert (first.cache, again.cache, changed.cache) == ("miss", "hit", "miss")
    assert again.frame["total"].tolist() == [3]
    assert changed.frame["total"].tolist() == [43]
    assert (first.freshness, changed.freshness) == (datetime(2026, 11, 2), datetime(2026, 11, 24))


def test_the_freshness_follows_new_data_in_a_long_running_process(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.sql("CREATE TABLE freshness_probe (loaded_at TIMESTAMP)")
    postgres_server.sql("INSERT INTO freshness_probe VALUES ('2026-11-01 08:00')")
    postgres_server.grant_reads()
    with PostgresWarehouse(postgres_server.readonly_url) as warehouse:
        before = warehouse.run("SELECT 1 AS one", source_tables=["freshness_probe"]).freshness
        postgres_server.sql("INSERT INTO freshness_probe VALUES ('2026-11-24 09:30')")
        after = warehouse.run("SELECT 1 AS one", source_tables=["freshness_probe"]).freshness
    assert (before, after) == (datetime(2026, 11, 1, 8), datetime(2026, 11, 24, 9, 30))


def test_a_table_that_changes_without_the_log_is_never_cached(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.sql("CREATE UNLOGGED TABLE unlogged_probe (amount INT)")
    postgres_server.sql("INSERT INTO unlogged_probe VALUES (5)")
    postgres_server.grant_reads()
    query = "SELECT SUM(amount) AS total FROM unlogged_probe"
    with CachedWarehouse(PostgresWarehouse(postgres_server.readonly_url)) as warehouse:
        runs = [warehouse.run(query, source_tables=["unlogged_probe"]) for _ in range(2)]
        assert warehouse.warehouse.data_version(["unlogged_probe"]) is None  # type: ignore[attr-defined]
    assert [r.cache for r in runs] == ["off", "off"]
