"""Runtime of the compiled SQL against the hand-written SQL of every case, on DuckDB.

    python bench/bench_runtime.py --scales 1 10 [--repeat 7] [--min-seconds 1]
                                  [--cache-dir bench/.cache] [--rebuild]

For each scale, the demo warehouse (seed 42, as of 2026-11-24) is built once into the cache
directory and reused by later runs (`--rebuild` builds it again, e.g. after the generator
changed). For every case of tests/semantic_layer/cases.yml, the compiled SQL and the analyst's
hand-written SQL each run once to warm up, then at least `--repeat` times and at least
`--min-seconds` each (a query of a few milliseconds runs a few hundred times, so its median is
steady), interleaved: the order flips every repetition so neither side always runs second. Each
time includes fetching the rows. The figure is median(compiled) / median(hand-written); the
target is <= 1.10 for every case.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.cases import AS_OF, ROOT, Case, demo_model, load_cases
from connectors.warehouse import DUCKDB_SETTINGS
from cortex.demo import build_demo
from semantic_layer.compile import compile_query

SEED = 42
TARGET_RATIO = 1.10
MAX_RUNS = 500


@dataclass(frozen=True)
class Timing:
    """Median milliseconds of both queries of a case, and the rows each returned."""

    name: str
    compiled_ms: float
    hand_ms: float
    compiled_rows: int
    hand_rows: int
    runs: int

    @property
    def ratio(self) -> float:
        return self.compiled_ms / self.hand_ms


def warehouse(cache_dir: Path, scale: float, rebuild: bool) -> Path:
    """The demo warehouse at `scale`, built into `cache_dir` unless it is there already."""
    path = cache_dir / f"demo_scale{scale:g}_seed{SEED}_{AS_OF.isoformat()}.duckdb"
    if rebuild or not path.exists():
        print(f"building the demo warehouse at scale {scale:g} into {path} ...", flush=True)
        summary = build_demo(path, scale=scale, as_of=AS_OF, seed=SEED)
        counts = ", ".join(f"{table} {rows:,}" for table, rows in summary.row_counts.items())
        print(f"built in {summary.seconds:.1f} s: {counts}", flush=True)
    return path


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, int]:
    began = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return (time.perf_counter() - began) * 1000, len(rows)


def measure(
    con: duckdb.DuckDBPyConnection, case: Case, sql: str, repeat: int, min_seconds: float
) -> Timing:
    """Median times of the compiled `sql` and the case's hand-written SQL, interleaved."""
    compiled_warm, compiled_rows = _run(con, sql)
    hand_warm, hand_rows = _run(con, case.sql)
    fastest_ms = max(min(compiled_warm, hand_warm), 0.01)
    runs = min(MAX_RUNS, max(repeat, math.ceil(min_seconds * 1000 / fastest_ms)))
    compiled: list[float] = []
    hand: list[float] = []
    for round_number in range(runs):
        order = [(sql, compiled), (case.sql, hand)]
        for text, times in order if round_number % 2 == 0 else reversed(order):
            times.append(_run(con, text)[0])
    return Timing(
        case.name,
        statistics.median(compiled),
        statistics.median(hand),
        compiled_rows,
        hand_rows,
        runs,
    )


def table(timings: Sequence[Timing]) -> str:
    """A Markdown table, one row per case; misses of the target are flagged."""
    lines = [
        "| case | rows | runs | hand-written ms | compiled ms | compiled / hand-written |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        rows = (
            f"{t.compiled_rows}"
            if t.compiled_rows == t.hand_rows
            else (f"{t.compiled_rows} vs {t.hand_rows} (differ!)")
        )
        flag = " **> 1.10**" if t.ratio > TARGET_RATIO else ""
        lines.append(
            f"| {t.name} | {rows} | {t.runs} | {t.hand_ms:.1f} | {t.compiled_ms:.1f} "
            f"| {t.ratio:.2f}{flag} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=7, help="fewest timed runs of each query")
    parser.add_argument(
        "--min-seconds", type=float, default=1.0, help="least time spent timing each query"
    )
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached warehouses")
    args = parser.parse_args()

    model = demo_model()
    cases = load_cases()
    compiled = {case.name: compile_query(case.query, model, as_of=AS_OF).sql for case in cases}
    worst: list[tuple[float, str, float]] = []
    for scale in args.scales:
        path = warehouse(args.cache_dir, scale, args.rebuild)
        # The settings of connectors.warehouse.DuckDBWarehouse, for both queries alike.
        with duckdb.connect(str(path), read_only=True, config=dict(DUCKDB_SETTINGS)) as con:
            threads = con.execute("SELECT current_setting('threads')").fetchone()
            timings = [
                measure(con, c, compiled[c.name], args.repeat, args.min_seconds) for c in cases
            ]
        print(
            f"\n### Scale {scale:g} (DuckDB {duckdb.__version__}, {threads[0] if threads else '?'}"
            f" threads, {os.cpu_count()} cores; median of the runs shown)\n"
        )
        print(table(timings))
        slowest = max(timings, key=lambda t: t.ratio)
        print(f"\nworst ratio at scale {scale:g}: {slowest.ratio:.2f} ({slowest.name})")
        worst.append((slowest.ratio, slowest.name, scale))
    ratio, name, scale = max(worst)
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"\nworst ratio overall: {ratio:.2f} ({name}, scale {scale:g}); target <= 1.10: {verdict}"
    )


if __name__ == "__main__":
    main()
