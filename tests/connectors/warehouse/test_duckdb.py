"""DuckDBWarehouse against small DuckDB files built in tmp_path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connectors.warehouse import (
    DuckDBWarehouse,
    QueryResult,
    Warehouse,
    WarehouseError,
    WarehouseNotFound,
    WarehouseTimeout,
)

# 10^12 pairs: minutes of work on any machine, so only an interrupt can end it in time.
SLOW_SQL = "SELECT count(*) FROM range(1000000) AS a(x), range(1000000) AS b(y) WHERE a.x + b.y < 0"

TABLES = """
CREATE TABLE orders (
    order_id BIGINT,
    account_id INTEGER,
    amount DECIMAL(12, 2),
    quantity INTEGER,
    status VARCHAR,
    ordered_at TIMESTAMP,
    shipped_on DATE
);
INSERT INTO orders VALUES
    (1, 10, 19.99, 2, 'paid', TIMESTAMP '2026-11-20 09:30:00', DATE '2026-11-21'),
    (2, 11, 5.00, 1, 'paid', TIMESTAMP '2026-11-22 18:00:00', NULL),
    (3, NULL, 120.50, 7, NULL, TIMESTAMP '2026-11-23 08:15:00', DATE '2026-11-25');
CREATE TABLE accounts (account_id INTEGER, account_name VARCHAR);
INSERT INTO accounts VALUES (10, 'Acme'), (11, 'Globex');
CREATE TABLE events (event_id BIGINT, happened_at TIMESTAMPTZ);
INSERT INTO events VALUES (1, TIMESTAMPTZ '2026-11-26 12:00:00+02:00');
CREATE VIEW paid_orders AS SELECT * FROM orders WHERE status = 'paid';
CREATE SCHEMA archive;
CREATE TABLE archive.orders (order_id BIGINT, closed_on DATE);
INSERT INTO archive.orders VALUES (1, DATE '2020-01-31');
"""


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(path) as connection:
        connection.execute(TABLES)
    return path


@pytest.fixture
def warehouse(warehouse_path: Path) -> Iterator[DuckDBWarehouse]:
    with DuckDBWarehouse(warehouse_path, timeout_seconds=10, max_rows=100) as opened:
        yield opened


def test_satisfies_the_warehouse_protocol(warehouse: DuckDBWarehouse) -> None:
    typed: Warehouse = warehouse
    assert typed.dialect == "duckdb"
    assert isinstance(typed.run("SELECT 1 AS one"), QueryResult)


def test_run_returns_the_rows(warehouse: DuckDBWarehouse) -> None:
    result = warehouse.run("SELECT order_id, status FROM orders ORDER BY order_id")
    assert result.row_count == 3
    assert not result.truncated
    assert result.frame["order_id"].tolist() == [1, 2, 3]
    assert result.frame["status"].tolist()[:2] == ["paid", "paid"]
    assert pd.isna(result.frame["status"].iloc[2])


def test_columns_come_back_typed(warehouse: DuckDBWarehouse) -> None:
    frame = warehouse.run(
        "SELECT order_id, account_id, amount, quantity, status, ordered_at, shipped_on, "
        "sum(quantity) OVER () AS total_quantity, count(*) OVER () AS n, "
        "sum(amount) OVER () AS total_amount FROM orders ORDER BY order_id"
    ).frame
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    assert dtypes["order_id"] == "int64"
    assert dtypes["account_id"] == "Int64"  # has a NULL
    assert dtypes["quantity"] == "int64"
    assert dtypes["total_quantity"] == "int64"  # sum(INTEGER) is a HUGEINT in DuckDB
    assert dtypes["n"] == "int64"
    assert dtypes["amount"] == "float64"  # DECIMAL(12,2), not object Decimal
    assert dtypes["total_amount"] == "float64"  # DECIMAL(38,2)
    assert dtypes["status"] == "str"
    assert dtypes["ordered_at"].startswith("datetime64")
    assert dtypes["shipped_on"].startswith("datetime64")
    assert frame["amount"].tolist() == [19.99, 5.0, 120.5]
    assert frame["account_id"].isna().tolist() == [False, False, True]
    assert frame["shipped_on"].iloc[0] == pd.Timestamp("2026-11-21")
    assert pd.isna(frame["shipped_on"].iloc[1])
    assert frame["ordered_at"].iloc[2] == pd.Timestamp("2026-11-23 08:15:00")


def test_other_types_keep_their_values(warehouse: DuckDBWarehouse) -> None:
    frame = warehouse.run(
        "SELECT happened_at, true AS flag, CAST(NULL AS BOOLEAN) AS no_flag, 1.5::DOUBLE AS x, "
        "INTERVAL 1 DAY AS span, [1, 2] AS pair, NULL AS nothing, 3::TINYINT AS small "
        "FROM events"
    ).frame
    assert frame["happened_at"].iloc[0] == pd.Timestamp("2026-11-26 10:00:00", tz="UTC")
    assert str(frame["flag"].dtype) == "bool"
    assert str(frame["no_flag"].dtype) == "boolean"
    assert str(frame["x"].dtype) == "float64"
    assert frame["span"].iloc[0] == pd.Timedelta(days=1)
    assert list(frame["pair"].iloc[0]) == [1, 2]
    assert frame["nothing"].iloc[0] is None
    assert str(frame["small"].dtype) == "int64"


def test_an_empty_result_keeps_its_columns(warehouse: DuckDBWarehouse) -> None:
    result = warehouse.run("SELECT * FROM orders WHERE false")
    assert result.row_count == 0
    assert list(result.frame.columns) == [
        "order_id",
        "account_id",
        "amount",
        "quantity",
        "status",
        "ordered_at",
        "shipped_on",
    ]
    assert str(result.frame["amount"].dtype) == "float64"


def test_rows_beyond_max_rows_are_cut(warehouse_path: Path) -> None:
    with DuckDBWarehouse(warehouse_path, max_rows=10) as warehouse:
        cut = warehouse.run("SELECT range AS n FROM range(25) ORDER BY n DESC")
        exact = warehouse.run("SELECT range AS n FROM range(10)")
    assert cut.truncated
    assert cut.row_count == len(cut.frame) == 10
    assert cut.frame["n"].tolist() == list(range(24, 14, -1))  # the order survives the cap
    assert not exact.truncated
    assert exact.row_count == 10


def test_the_row_cap_stops_a_huge_result_early(warehouse_path: Path) -> None:
    # Ten billion rows would not fit in memory; the cap means only six are ever produced.
    with DuckDBWarehouse(warehouse_path, max_rows=5, timeout_seconds=20) as warehouse:
        result = warehouse.run("SELECT * FROM range(10000000000)")
    assert result.truncated
    assert result.frame["range"].tolist() == [0, 1, 2, 3, 4]


def test_timings_are_reported(warehouse: DuckDBWarehouse) -> None:
    timings = warehouse.run("SELECT 1", source_tables=["orders"]).timings_ms
    assert set(timings) == {"execute", "fetch", "freshness"}
    assert all(value >= 0 for value in timings.values())


def test_freshness_is_the_latest_timestamp_or_date(warehouse: DuckDBWarehouse) -> None:
    # The latest value in orders is shipped_on 2026-11-25, a DATE, later than any ordered_at.
    result = warehouse.run("SELECT count(*) FROM orders", source_tables=["orders"])
    assert result.freshness == datetime(2026, 11, 25)


def test_freshness_spans_all_source_tables(warehouse: DuckDBWarehouse) -> None:
    result = warehouse.run("SELECT 1", source_tables=["orders", "accounts", "events"])
    assert result.freshness == datetime(2026, 11, 26, 10, 0)  # TIMESTAMPTZ, as naive UTC


def test_freshness_is_none_without_timestamps(warehouse: DuckDBWarehouse) -> None:
    assert warehouse.run("SELECT 1", source_tables=["accounts"]).freshness is None
    assert warehouse.run("SELECT 1").freshness is None


def test_freshness_reads_views_and_other_schemas(warehouse: DuckDBWarehouse) -> None:
    assert warehouse.run("SELECT 1", source_tables=["paid_orders"]).freshness == datetime(
        2026, 11, 22, 18, 0
    )
    assert warehouse.run("SELECT 1", source_tables=["archive.orders"]).freshness == datetime(
        2020, 1, 31
    )


def test_freshness_is_cached_per_table(warehouse: DuckDBWarehouse) -> None:
    warehouse.run("SELECT 1", source_tables=["orders", "accounts"])
    # Private state, read (not patched) to show that the second run does not scan again.
    assert warehouse._freshness == {
        ("main", "orders", None): datetime(2026, 11, 25),
        ("main", "accounts", None): None,
    }
    again = warehouse.run("SELECT 1", source_tables=["ORDERS"])
    assert again.freshness == datetime(2026, 11, 25)
    assert len(warehouse._freshness) == 2


def test_an_unknown_source_table_is_named(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError, match="Unknown source table 'oders'") as caught:
        warehouse.run("SELECT 1", source_tables=["oders"])
    assert "Did you mean 'orders'?" in caught.value.message


def test_columns_lists_tables_and_views(warehouse: DuckDBWarehouse) -> None:
    columns = warehouse.columns()
    assert columns["accounts"] == frozenset({"account_id", "account_name"})
    assert columns["paid_orders"] == columns["orders"]
    assert "shipped_on" in columns["orders"]
    assert columns["archive.orders"] == frozenset({"order_id", "closed_on"})


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("SELECT * FROM read_csv('{csv}')", id="read_csv"),
        pytest.param("SELECT * FROM '{csv}'", id="csv-by-path"),
        pytest.param("SELECT * FROM read_parquet('{parquet}')", id="read_parquet"),
        pytest.param("COPY orders TO '{out}'", id="copy-to"),
        pytest.param("ATTACH '{other}' AS other", id="attach"),
        pytest.param("INSTALL httpfs", id="install"),
        pytest.param("LOAD httpfs", id="load"),
    ],
)
def test_queries_cannot_reach_other_files(
    warehouse: DuckDBWarehouse, tmp_path: Path, sql: str
) -> None:
    csv = tmp_path / "secret.csv"
    csv.write_text("a,b\n1,2\n")
    parquet = tmp_path / "secret.parquet"
    with duckdb.connect() as connection:
        connection.execute(f"COPY (SELECT 1 AS a) TO '{parquet}' (FORMAT parquet)")
    paths = {"csv": csv, "parquet": parquet, "out": tmp_path / "out.csv", "other": tmp_path / "o"}
    with pytest.raises(WarehouseError):
        warehouse.run(sql.format(**paths))
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "SET GLOBAL enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET threads = 1",
    ],
)
def test_queries_cannot_change_the_configuration(
    warehouse: DuckDBWarehouse, tmp_path: Path, sql: str
) -> None:
    with pytest.raises(WarehouseError, match="locked") as caught:
        warehouse.run(sql)
    assert caught.value.hint is not None and "read-only" in caught.value.hint
    csv = tmp_path / "secret.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(WarehouseError, match="disabled by configuration"):
        warehouse.run(f"SELECT * FROM read_csv('{csv}')")


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE x (a INTEGER)",
        "INSERT INTO accounts VALUES (12, 'Initech')",
        "UPDATE orders SET amount = 0",
        "DROP TABLE accounts",
        "SELECT 1; DELETE FROM orders",
    ],
)
def test_queries_cannot_write(warehouse: DuckDBWarehouse, sql: str) -> None:
    with pytest.raises(WarehouseError, match="read-only"):
        warehouse.run(sql)
    assert warehouse.run("SELECT count(*) AS n FROM orders").frame["n"].tolist() == [3]


def test_a_slow_query_is_interrupted_at_the_time_limit(warehouse_path: Path) -> None:
    with DuckDBWarehouse(warehouse_path, timeout_seconds=0.5) as warehouse:
        started = time.perf_counter()
        with pytest.raises(WarehouseTimeout) as caught:
            warehouse.run(SLOW_SQL)
        elapsed = time.perf_counter() - started
        assert elapsed < 3, f"the query ran {elapsed:.1f} s past a 0.5 s limit"
        assert "0.5 s" in caught.value.message
        assert caught.value.hint is not None
        assert "CORTEX_QUERY_TIMEOUT" in caught.value.hint
        assert "filters" in caught.value.hint
        # The warehouse is still usable after an interrupt.
        assert warehouse.run("SELECT 42 AS answer").frame["answer"].tolist() == [42]


def test_runs_from_many_threads_at_once(warehouse_path: Path) -> None:
    with DuckDBWarehouse(warehouse_path, timeout_seconds=1) as warehouse:

        def run(n: int) -> object:
            if n == 0:
                try:
                    warehouse.run(SLOW_SQL)
                except WarehouseTimeout as timeout:
                    return timeout
            frame = warehouse.run(
                f"SELECT {n} + count(*) AS v FROM orders", source_tables=["orders"]
            )
            return frame.frame["v"].tolist()

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, range(16)))
    assert isinstance(results[0], WarehouseTimeout)
    assert results[1:] == [[n + 3] for n in range(1, 16)]


def test_a_missing_table_is_a_one_line_error(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError) as caught:
        warehouse.run("SELECT * FROM tickets")
    assert type(caught.value) is WarehouseError
    assert "tickets" in caught.value.message
    assert "\n" not in str(caught.value)
    assert caught.value.message.startswith("Catalog Error")
    assert caught.value.__cause__ is None


def test_a_missing_column_names_it(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError, match="revenue") as caught:
        warehouse.run("SELECT revenue FROM orders")
    assert "\n" not in str(caught.value)
    assert caught.value.hint is not None


def test_a_syntax_error_is_a_warehouse_error(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError, match="syntax error"):
        warehouse.run("SELEC 1")


def test_a_missing_file_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(WarehouseNotFound) as caught:
        DuckDBWarehouse(tmp_path / "nowhere.duckdb")
    assert "nowhere.duckdb" in caught.value.message
    assert caught.value.hint is not None
    assert "cortex demo build" in caught.value.hint
    assert "CORTEX_WAREHOUSE" in caught.value.hint


def test_a_file_that_is_not_duckdb_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database")
    with pytest.raises(WarehouseError, match="not a valid DuckDB database") as caught:
        DuckDBWarehouse(path)
    assert not isinstance(caught.value, WarehouseNotFound)


def test_a_closed_warehouse_refuses_queries(warehouse_path: Path) -> None:
    with DuckDBWarehouse(warehouse_path) as warehouse:
        pass
    warehouse.close()  # closing twice is harmless
    with pytest.raises(WarehouseError, match="closed"):
        warehouse.run("SELECT 1")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": float("nan")}, "timeout_seconds"),
        ({"max_rows": 0}, "max_rows"),
        ({"threads": 0}, "threads"),
    ],
)
def test_bad_options_are_refused(
    warehouse_path: Path, options: dict[str, float], expected: str
) -> None:
    with pytest.raises(WarehouseError, match=expected):
        DuckDBWarehouse(warehouse_path, **options)  # type: ignore[arg-type]


def test_threads_can_be_limited(warehouse_path: Path) -> None:
    with DuckDBWarehouse(warehouse_path, threads=1) as warehouse:
        frame = warehouse.run("SELECT current_setting('threads') AS threads").frame
    assert frame["threads"].tolist() == [1]


def test_freshness_can_be_read_from_one_named_column(warehouse: DuckDBWarehouse) -> None:
    # shipped_on holds a planned day (2026-11-25); ordered_at says when data last arrived.
    named = {"orders": "ordered_at"}
    result = warehouse.run("SELECT 1", source_tables=["orders"], freshness_columns=named)
    assert result.freshness == datetime(2026, 11, 23, 8, 15)


def test_ping_answers_when_the_warehouse_does_and_fails_once_it_is_closed(
    warehouse_path: Path,
) -> None:
    warehouse = DuckDBWarehouse(warehouse_path)
    warehouse.ping(timeout_seconds=1.0)  # returns: the warehouse answers a trivial query
    warehouse.close()
    with pytest.raises(WarehouseError, match="closed"):
        warehouse.ping(timeout_seconds=1.0)
