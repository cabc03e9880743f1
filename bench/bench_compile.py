"""Compile latency of the demo query set: p50, p95 and max of `compile_query`, per query.

    python bench/bench_compile.py [--repeat 200] [--warmup 20]

The queries are those of bench/cases.py: every case of tests/semantic_layer/cases.yml and every
verified query of metrics.yml. Each is compiled `--warmup` times untimed, then `--repeat` times
timed, round-robin over the queries. Target: overall p50 <= 2 ms.

Reference, measured in the same run and interleaved with the compiles: sqlglot parsing the
compiled SQL and rendering it again (pretty DuckDB SQL). That is roughly the cost of any compiler
that builds a sqlglot tree of that size and prints it, so the ratio compile / reference says how
much the planning itself adds, whatever the machine.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version

import sqlglot

from bench.cases import AS_OF, BenchQuery, demo_model, query_set
from semantic_layer.compile import compile_query
from semantic_layer.model import SemanticModel

TARGET_P50_MS = 2.0


@dataclass(frozen=True)
class Timings:
    """Milliseconds of every timed compile of one query, and of its reference."""

    name: str
    compile_ms: list[float]
    reference_ms: list[float]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with `fraction` of samples at or below."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - began) / 1e6


def measure(
    model: SemanticModel, queries: Sequence[BenchQuery], repeat: int, warmup: int
) -> list[Timings]:
    """Compile every query `warmup` times, then time `repeat` rounds over all of them."""
    sql = {q.name: compile_query(q.query, model, as_of=AS_OF).sql for q in queries}

    def compile_one(query: BenchQuery) -> Callable[[], object]:
        return lambda: compile_query(query.query, model, as_of=AS_OF)

    def reference(query: BenchQuery) -> Callable[[], object]:
        return lambda: sqlglot.parse_one(sql[query.name], read="duckdb").sql(
            dialect="duckdb", pretty=True
        )

    for _ in range(warmup):
        for query in queries:
            compile_one(query)()
            reference(query)()
    timings = [Timings(q.name, [], []) for q in queries]
    for _ in range(repeat):
        for query, timing in zip(queries, timings, strict=True):
            timing.compile_ms.append(_timed(compile_one(query)))
            timing.reference_ms.append(_timed(reference(query)))
    return timings


def table(timings: Sequence[Timings]) -> str:
    """A Markdown table: one row per query, then the overall figures."""
    lines = [
        "| query | p50 ms | p95 ms | max ms | reference p50 ms | compile / reference |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, compiles: Sequence[float], references: Sequence[float]) -> str:
        p50, reference = percentile(compiles, 0.5), percentile(references, 0.5)
        return (
            f"| {name} | {p50:.2f} | {percentile(compiles, 0.95):.2f} | {max(compiles):.2f} "
            f"| {reference:.2f} | {p50 / reference:.2f} |"
        )

    lines += [row(t.name, t.compile_ms, t.reference_ms) for t in timings]
    every_compile = [ms for t in timings for ms in t.compile_ms]
    every_reference = [ms for t in timings for ms in t.reference_ms]
    lines.append(row("**all queries**", every_compile, every_reference))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed compiles per query")
    parser.add_argument("--warmup", type=int, default=20, help="untimed compiles per query first")
    args = parser.parse_args()

    model = demo_model()
    queries = query_set(model)
    timings = measure(model, queries, args.repeat, args.warmup)
    every = [ms for t in timings for ms in t.compile_ms]
    p50, p95 = percentile(every, 0.5), percentile(every, 0.95)
    verdict = "met" if p50 <= TARGET_P50_MS else "MISSED"
    print(
        f"compile_query latency, {len(queries)} queries x {args.repeat} timed compiles "
        f"(after {args.warmup} warm-up rounds); Python {platform.python_version()}, "
        f"sqlglot {version('sqlglot')}\n"
    )
    print(table(timings))
    print(
        f"\noverall: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {max(every):.2f} ms; "
        f"target p50 <= {TARGET_P50_MS:g} ms: {verdict}"
    )


if __name__ == "__main__":
    main()
