"""A DuckDB warehouse file as every reader opens it: the connection settings, the file's version
and the time limit that interrupts a query. Standard library and duckdb only, so that a
repeated `cortex query` (`cortex.cli.query_memo`) opens the file exactly as `DuckDBWarehouse`
does before anything heavy is imported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import duckdb

from connectors.warehouse.deadline import cancel_after

__all__ = ["DUCKDB_SETTINGS", "INTERRUPT_POLL_SECONDS", "deadline", "file_version"]

INTERRUPT_POLL_SECONDS: Final = 0.05

#: How every warehouse connection is opened. External access is off and the configuration is
#: locked, so a query can neither read files nor switch that back. Semantic queries join facts
#: to a short list of period-end days (the spine of snapshot and cumulative metrics); above
#: DuckDB's default of 5 rows its planner sorts the whole fact table for a merge join instead
#: of looping over the days, which is 1.5-2x slower on the demo (bench/RESULTS.md).
DUCKDB_SETTINGS: Final[dict[str, str | bool | int | float | list[str]]] = {
    "enable_external_access": False,
    "lock_configuration": True,
    "nested_loop_join_threshold": 64,
}


@contextmanager
def deadline(cursor: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[threading.Event]:
    """Interrupt the cursor once `seconds` have passed, and keep at it until the block ends
    (an interrupt can land between two statements of the same call); the yielded event is set
    once the time limit has passed."""
    with cancel_after(
        cursor.interrupt, seconds, poll_seconds=INTERRUPT_POLL_SECONDS, name="cortex-query-deadline"
    ) as expired:
        yield expired


def file_version(path: Path) -> tuple[tuple[int, int, int, int] | None, ...]:
    """(device, inode, size, modification time in ns) of the file and of its write-ahead log
    (None when there is none): what moves whenever DuckDB writes either."""
    versions: list[tuple[int, int, int, int] | None] = []
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            stat = os.stat(part)
        except OSError:
            versions.append(None)
        else:
            versions.append((stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(versions)
