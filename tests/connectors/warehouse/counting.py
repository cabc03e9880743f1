"""`Counting`: the real DuckDB warehouse, counting the queries it runs (for the cache tests)."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence

from connectors.warehouse import DuckDBWarehouse, QueryResult


class Counting:
    """The real warehouse, counting the queries it runs; `gate`, when set, holds each run
    (after counting it) until the gate opens."""

    def __init__(self, warehouse: DuckDBWarehouse, gate: threading.Event | None = None) -> None:
        self.inner = warehouse
        self.dialect = warehouse.dialect
        self.gate = gate
        self.runs = 0

    @property
    def identity(self) -> str:
        return self.inner.identity

    def data_version(self, source_tables: Sequence[str] = ()) -> Hashable | None:
        return self.inner.data_version(source_tables)

    def run(
        self,
        sql: str,
        *,
        source_tables: Sequence[str] = (),
        freshness_columns: Mapping[str, str] | None = None,
    ) -> QueryResult:
        self.runs += 1
        if self.gate is not None:
            assert self.gate.wait(10)
        return self.inner.run(sql, source_tables=source_tables, freshness_columns=freshness_columns)

    def columns(self) -> dict[str, frozenset[str]]:
        return self.inner.columns()

    def ping(self, timeout_seconds: float) -> None:
        self.inner.ping(timeout_seconds)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> Counting:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
