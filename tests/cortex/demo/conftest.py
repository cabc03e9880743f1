"""Helpers of the demo tests: queries on a demo warehouse and the calendar the demo follows.

Most tests read the session's scale-0.05 demo (`demo_con`, `demo_summary` from tests/conftest.py);
the build tests make their own tiny warehouses in tmp_path. Tolerances are wide enough for a
250-account company.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[3]

Con = duckdb.DuckDBPyConnection


def scalar(con: Con, sql: str, *params: object) -> Any:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row[0]


def rows(con: Con, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def arr_on(con: Con, day: date) -> float:
    return float(
        scalar(
            con,
            "SELECT coalesce(sum(arr), 0) FROM subscriptions "
            "WHERE started_on <= ? AND (ended_on IS NULL OR ended_on > ?)",
            day,
            day,
        )
    )


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    following = date(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1, 1)
    return date(year, month0 + 1, min(day.day, (following - timedelta(days=1)).day))


def black_friday(year: int) -> date:
    november_first = date(year, 11, 1)
    first_thursday = november_first + timedelta(days=(3 - november_first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def history_start(as_of: date) -> date:
    return add_months(as_of, -34)
