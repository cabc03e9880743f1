"""The PostgreSQL warehouse keeps DuckDB's guarantees: read-only, a timeout that cancels, a row
cap, freshness, typed frames, and errors that say what to do without leaking the password."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from connectors.warehouse import DuckDBWarehouse, WarehouseError, WarehouseTimeout
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
