"""`build_demo`: check the arguments, run the generation steps, move the file into place.

Each step fills one table (`generate_*` in the module of that name) on one DuckDB connection; the
file is built in a temporary directory beside the target and renamed over it at the end.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from cortex.demo.accounts import generate_accounts
from cortex.demo.conversions import generate_conversions
from cortex.demo.okr_targets import generate_okr_targets
from cortex.demo.opportunities import generate_opportunities
from cortex.demo.params import Params
from cortex.demo.schema import SCHEMA, TABLES
from cortex.demo.sql import MACROS
from cortex.demo.subscriptions import generate_subscriptions
from cortex.demo.tickets import generate_tickets

__all__ = [
    "ACCOUNTS_PER_SCALE",
    "MAX_SCALE",
    "MIN_SCALE",
    "TICKETS_PER_SCALE",
    "DemoBuildError",
    "DemoSummary",
    "ProgressCallback",
    "build_demo",
]

ACCOUNTS_PER_SCALE = 5_000
TICKETS_PER_SCALE = 1_000_000
MIN_SCALE = 0.002
MAX_SCALE = 100.0

ProgressCallback = Callable[[str, int, int], None]


class DemoBuildError(ValueError):
    """The demo warehouse cannot be built as asked; the message says how to fix the call."""


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` built: where, from which arguments, how many rows and how fast."""

    path: Path
    scale: float
    seed: int
    as_of: date
    row_counts: dict[str, int]
    seconds: float


def _validate(path: Path, scale: float, as_of: date, seed: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise DemoBuildError(
            f"scale must be a number, got {scale!r}. Pass e.g. scale=1 (about 5,000 accounts and "
            "1,000,000 tickets) or scale=0.05 for a quick build."
        )
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise DemoBuildError(
            f"scale must be between {MIN_SCALE} and {MAX_SCALE:g}, got {scale!r}. Scale 1 is "
            "about 5,000 accounts and 1,000,000 tickets; use e.g. scale=0.05 for a quick build."
        )
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise DemoBuildError(
            f"as_of must be a datetime.date (e.g. date(2026, 11, 24)), got {as_of!r}."
        )
    if not 2000 <= as_of.year <= 2100:
        raise DemoBuildError(
            f"as_of must be a day between 2000 and 2100, got {as_of.isoformat()}. "
            "Pass the day the demo data should end on, e.g. today."
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DemoBuildError(f"seed must be an integer between 0 and 2**63 - 1, got {seed!r}.")
    if path.is_dir():
        raise DemoBuildError(
            f"{path} is a directory; pass the path of the DuckDB file to write, "
            f"e.g. {path / 'demo.duckdb'}."
        )


def build_demo(
    path: Path,
    *,
    scale: float = 1.0,
    as_of: date,
    seed: int = 42,
    on_progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the demo company into the DuckDB file `path` (replacing it) and summarise it.

    The same `seed`, `scale` and `as_of` always give the same rows. The file is built beside
    `path` and renamed into place at the end, so a failed build never leaves half a warehouse.
    `on_progress(step, steps_done, steps_total)` is called after each step.
    Raises DemoBuildError for arguments it cannot build from.
    """
    path = Path(path)
    _validate(path, scale, as_of, seed)
    began = time.perf_counter()
    params = Params(
        seed=seed,
        as_of=as_of,
        n_accounts=max(1, round(ACCOUNTS_PER_SCALE * scale)),
        n_tickets=max(1, round(TICKETS_PER_SCALE * scale)),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise DemoBuildError(
            f"Cannot create the demo warehouse in {path.parent}: {exc.strerror}. "
            "Pass a path in a writable directory."
        ) from exc
    try:
        building = workdir / path.name
        row_counts = _build_into(building, params, on_progress)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()  # a log of the file being replaced would corrupt the new one
        os.replace(building, path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return DemoSummary(
        path=path,
        scale=float(scale),
        seed=seed,
        as_of=as_of,
        row_counts=row_counts,
        seconds=time.perf_counter() - began,
    )


def _finish(con: duckdb.DuckDBPyConnection, p: Params) -> None:
    """Drop the temp tables and write everything to the file."""
    for table in ("_opp", "_tdraw", "_tacc", "_days", "_acc", "_names"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("CHECKPOINT")


_STEPS: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection, Params], None]], ...] = (
    ("accounts", generate_accounts),
    ("subscriptions", generate_subscriptions),
    ("tickets", generate_tickets),
    ("conversions", generate_conversions),
    ("opportunities", generate_opportunities),
    ("okr_targets", generate_okr_targets),
    ("finishing", _finish),
)


def _build_into(target: Path, p: Params, on_progress: ProgressCallback | None) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        con.execute(p.sql(MACROS))
        con.execute(SCHEMA)
        for done, (label, step) in enumerate(_STEPS, start=1):
            step(con, p)
            if on_progress is not None:
                on_progress(label, done, len(_STEPS))
        counts: dict[str, int] = {}
        for table in TABLES:
            found = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(found[0]) if found else 0
        return counts
    finally:
        con.close()
