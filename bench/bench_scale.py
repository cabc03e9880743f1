"""Latency and peak memory of every demo query as the data grows, and on the other engines.

    python -m bench.bench_scale [--scales 1 10 50] [--engines duckdb postgres spark]
                                [--engines-scale 10] [--repeat 3] [--timeout 120]
                                [--cache-dir bench/.cache]

DuckDB runs at every scale of `--scales`; PostgreSQL and Spark (local mode) run at
`--engines-scale` on the same data: the DuckDB demo of that scale exported with
`cortex.demo.export` (to a throwaway PostgreSQL server, `tests.fakes.postgres_server`, and to
Parquet files in the cache directory). The demo warehouse of each scale (seed 42, as of
2026-11-24) is built into the cache directory once, under the name `bench_runtime` uses, and
reused. The query set is `bench.cases.query_set` (the golden cases and the verified queries).

Each engine and scale runs in a fresh subprocess that opens the warehouse the way Cortex does
(`open_warehouse`), compiles every query in the engine's dialect and times `Warehouse.run` (the
query, the row cap and the freshness look-ups of its tables: what an answer waits for). Each
query runs once (*first*), then `--repeat` more times (*median* of those). The 2-second target
is on the median.

Peak memory is per query: before each query the high-water mark of resident memory (`VmHWM`) is
reset (`/proc/PID/clear_refs`, Linux >= 4.0) and read afterwards, so it is the most the process
held while that query ran (the data it had already cached included). Whose memory:
- DuckDB runs inside the benchmark's process: *process MiB* is DuckDB and Python together.
- Spark: *engine MiB* is the local-mode JVM (the driver, which runs the executors' tasks too);
  *process MiB* is the Python driver beside it.
- PostgreSQL: *engine MiB* is the largest server process (the backend serving the query;
  parallel workers that already exited are not seen, and shared buffers count in each process);
  *process MiB* is the Python client.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TARGET_SECONDS = 2.0
SEED = 42
ENGINES = ("duckdb", "postgres", "spark")


# --- memory of processes, from /proc -------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (children, their children, ...)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    pending.append(child)
    return found


def reset_peak(pid: int) -> bool:
    """Reset the process's peak resident memory to its current one; False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MiB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the child: one engine, one warehouse, every query ---------------------------------------


def _engine_pids(engine: str, postmaster_pidfile: str | None) -> list[int]:
    """The processes that are the engine, when it runs outside this process."""
    if engine == "spark":
        return descendants(os.getpid())
    if engine == "postgres" and postmaster_pidfile:
        postmaster = int(Path(postmaster_pidfile).read_text().split()[0])
        return [postmaster, *descendants(postmaster)]
    return []


def child(
    engine: str, where: str, repeat: int, timeout: float, postmaster_pidfile: str | None
) -> None:
    """Runs in the subprocess: one JSON line per query on stdout, then one with the totals."""
    from bench.cases import AS_OF, demo_model, query_set
    from connectors.warehouse.base import WarehouseError
    from connectors.warehouse.open import open_warehouse
    from semantic_layer.compile import compile_query

    model = demo_model()
    queries = query_set(model)
    began = time.perf_counter()
    warehouse = open_warehouse(where, timeout_seconds=timeout, max_rows=100_000)
    warehouse.ping(timeout)
    me = os.getpid()
    opened = {"open_seconds": time.perf_counter() - began, "startup_mib": peak_mib(me)}
    print(json.dumps(opened), flush=True)
    for bench_query in queries:
        compiled = compile_query(bench_query.query, model, as_of=AS_OF, dialect=warehouse.dialect)
        engine_pids = _engine_pids(engine, postmaster_pidfile)
        reset = all([reset_peak(pid) for pid in [me, *engine_pids]])
        times: list[float] = []
        rows = 0
        error = ""
        for _ in range(1 + repeat):
            started = time.perf_counter()
            try:
                result = warehouse.run(
                    compiled.sql,
                    source_tables=compiled.source_tables,
                    freshness_columns=compiled.freshness_columns,
                )
            except WarehouseError as failed:
                error = str(failed).splitlines()[0]
                break
            times.append((time.perf_counter() - started) * 1000)
            rows = len(result.frame)
        engine_pids = [*engine_pids, *_engine_pids(engine, postmaster_pidfile)]
        record = {
            "name": bench_query.name,
            "rows": rows,
            "first_ms": times[0] if times else None,
            "median_ms": statistics.median(times[1:]) if len(times) > 1 else None,
            "process_mib": peak_mib(me),
            "engine_mib": max((peak_mib(pid) for pid in set(engine_pids)), default=None),
            "peak_reset": reset,
            "error": error,
        }
        print(json.dumps(record), flush=True)
    warehouse.close()


# --- the parent: prepare each engine's data, run the children, print tables ------------------


@dataclass
class QueryFigure:
    """One query on one engine at one scale."""

    name: str
    rows: int
    first_ms: float | None
    median_ms: float | None
    process_mib: float
    engine_mib: float | None
    peak_reset: bool
    error: str


@dataclass
class Run:
    """One engine at one scale: how it was prepared, opened, and every query's figures."""

    engine: str
    scale: float
    prepare_seconds: float = 0.0
    prepare_note: str = ""
    open_seconds: float = 0.0
    child_peak_mib: float = 0.0
    wall_seconds: float = 0.0
    queries: list[QueryFigure] = field(default_factory=list)
    failure: str = ""


def demo_file(cache_dir: Path, scale: float, seed: int) -> Path:
    """The DuckDB demo of `scale`, built into `cache_dir` unless it is there (as bench_runtime
    names it, so both benchmarks share one cache)."""
    from bench.cases import AS_OF

    path = cache_dir / f"demo_scale{scale:g}_seed{seed}_{AS_OF.isoformat()}.duckdb"
    if not path.exists():
        from cortex.demo import build_demo

        cache_dir.mkdir(parents=True, exist_ok=True)
        print(f"building the demo at scale {scale:g} into {path} ...", flush=True)
        built = build_demo(path, scale=scale, as_of=AS_OF, seed=seed)
        print(f"built in {built.seconds:.0f} s", flush=True)
    return path


def run_child(
    engine: str, scale: float, where: str, args: argparse.Namespace, pidfile: str | None
) -> Run:
    """Run one engine's queries in a fresh subprocess.

    Its peak memory is the largest of its per-query peaks and its peak before the first query
    (start-up and opening the warehouse). Not `ru_maxrss` from `os.wait4`: a forked child
    inherits the parent's high-water mark until it execs, and the parent may just have built a
    demo in memory."""
    command = [sys.executable, "-m", "bench.bench_scale", "--child", engine, where]
    command += ["--repeat", str(args.repeat), "--timeout", str(args.timeout)]
    if pidfile:
        command += ["--postmaster-pidfile", pidfile]
    run = Run(engine, scale)
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        record = json.loads(line)
        if "open_seconds" in record:
            run.open_seconds = record["open_seconds"]
            run.child_peak_mib = record["startup_mib"]
        else:
            run.queries.append(QueryFigure(**record))
            print(f"  {engine} scale {scale:g}: {_brief(run.queries[-1])}", flush=True)
    process.stdout.close()
    process.wait()
    run.wall_seconds = time.perf_counter() - began
    run.child_peak_mib = max([run.child_peak_mib, *(q.process_mib for q in run.queries)])
    if process.returncode != 0:
        run.failure = f"the subprocess exited with {process.returncode}"
    return run


def _brief(figure: QueryFigure) -> str:
    if figure.error:
        return f"{figure.name}: {figure.error}"
    return f"{figure.name}: {figure.median_ms:.0f} ms, {figure.process_mib:.0f} MiB"


def run_duckdb(scale: float, args: argparse.Namespace) -> Run:
    return run_child("duckdb", scale, str(demo_file(args.cache_dir, scale, args.seed)), args, None)


def run_spark(scale: float, args: argparse.Namespace) -> Run:
    """Spark local mode over the demo of `scale` as Parquet (exported once, then reused)."""
    from cortex.demo.export import export_to_parquet

    source = demo_file(args.cache_dir, scale, args.seed)
    folder = source.with_name(source.stem + "_parquet")
    began = time.perf_counter()
    note = "reused"
    if not (folder / "tickets.parquet").exists():
        export_to_parquet(source, folder)
        note = "exported"
    prepared = time.perf_counter() - began
    run = run_child("spark", scale, f"spark://local?parquet={folder}", args, None)
    run.prepare_seconds, run.prepare_note = prepared, f"Parquet {note}"
    return run


def run_postgres(scale: float, args: argparse.Namespace) -> Run:
    """A throwaway PostgreSQL server (default configuration), loaded with the demo of `scale`
    by `export_to_postgres`, stopped and deleted afterwards."""
    from cortex.demo.export import export_to_postgres
    from tests.fakes.postgres_server import PostgresServer

    source = demo_file(args.cache_dir, scale, args.seed)
    server = PostgresServer.start()
    try:
        began = time.perf_counter()
        export_to_postgres(source, server.url)
        server.grant_reads()
        prepared = time.perf_counter() - began
        print(f"  postgres scale {scale:g}: loaded in {prepared:.0f} s", flush=True)
        pidfile = str(server.folder / "data" / "postmaster.pid")
        run = run_child("postgres", scale, server.readonly_url, args, pidfile)
    finally:
        server.stop()
    run.prepare_seconds, run.prepare_note = prepared, "COPY + ANALYZE"
    return run


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def table(run: Run) -> str:
    """A Markdown table, one row per query; medians over the target are flagged."""
    lines = [
        "| query | rows | first ms | median ms | process MiB | engine MiB | <= 2 s |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for q in run.queries:
        engine = "—" if q.engine_mib is None else f"{q.engine_mib:,.0f}"
        verdict = (
            q.error
            if q.error
            else "yes"
            if q.median_ms is not None and q.median_ms <= TARGET_SECONDS * 1000
            else "**no**"
        )
        lines.append(
            f"| {q.name} | {q.rows} | {_ms(q.first_ms)} | {_ms(q.median_ms)} "
            f"| {q.process_mib:,.0f} | {engine} | {verdict} |"
        )
    return "\n".join(lines)


def summary(run: Run) -> str:
    """One line: how many queries met the target, the slowest, the largest peak."""
    done = [q for q in run.queries if q.median_ms is not None and not q.error]
    met = sum(1 for q in done if (q.median_ms or 0) <= TARGET_SECONDS * 1000)
    slowest = max(done, key=lambda q: q.median_ms or 0.0, default=None)
    slow = f"; slowest {slowest.name} {_ms(slowest.median_ms)} ms" if slowest else ""
    failed = f"; {len(run.queries) - len(done)} failed" if len(done) < len(run.queries) else ""
    return (
        f"{run.engine} at scale {run.scale:g}: {met}/{len(run.queries)} queries under "
        f"{TARGET_SECONDS:g} s (median){slow}{failed}; process peak "
        f"{run.child_peak_mib:,.0f} MiB; opened in {run.open_seconds:.1f} s"
        + (
            f"; prepared in {run.prepare_seconds:.0f} s ({run.prepare_note})"
            if run.prepare_note
            else ""
        )
        + (f"; {run.failure}" if run.failure else "")
    )


def machine() -> str:
    """The machine and the software versions, for the report."""
    import duckdb

    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {memory} RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; load average {load}"
    )


def main(argv: Sequence[str] | None = None) -> list[Run]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0, 50.0])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--engines-scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the first")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per query")
    parser.add_argument("--seed", type=int, default=SEED, help="the demo's random seed")
    parser.add_argument("--cache-dir", type=Path, default=Path("bench") / ".cache")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "WHERE"), help=argparse.SUPPRESS)
    parser.add_argument("--postmaster-pidfile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        engine, where = args.child
        child(engine, where, args.repeat, args.timeout, args.postmaster_pidfile)
        return []

    print(f"Machine: {machine()}", flush=True)
    plan: list[tuple[str, float]] = []
    if "duckdb" in args.engines:
        plan += [("duckdb", scale) for scale in args.scales]
    plan += [(e, args.engines_scale) for e in ("postgres", "spark") if e in args.engines]
    runners = {"duckdb": run_duckdb, "postgres": run_postgres, "spark": run_spark}
    runs = [runners[engine](scale, args) for engine, scale in plan]
    for run in runs:
        print(f"\n### {run.engine} at scale {run.scale:g}\n")
        print(table(run))
        print(f"\n{summary(run)}")
    print(f"\nMachine at the end: {machine()}")
    return runs


if __name__ == "__main__":
    main()
