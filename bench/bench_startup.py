"""Start-up: `cortex query` as a whole process against bare DuckDB, and cold start to first SQL.

    python -m bench.bench_startup [--warehouse /tmp/evaldemo/demo.duckdb] [--rounds 15]
                                  [--before DIR]

*Whole process*: `cortex query --metric arr --by segment` run as a fresh process (the console
script's code, `cortex.cli.main`), against the reference `python -c 'import duckdb; ...'` that
connects read-only and runs the same compiled SQL, printing its rows. Interleaved, the order
flipping every round, after one warm-up round (which also fills the compiled-model cache and
the query's memo, as any earlier call would); median wall time. Target: at most 2x the
reference. Also timed: the same command with no memo to answer from (a variable new in each
round changes the memo's key and nothing else), i.e. the full command with the model cached.

*Cold start to first SQL*: from just before the process is spawned to the moment the SQL is
handed to DuckDB (the first `sql` or `execute` on a connection, stamped by a wrapper around
`duckdb.connect` in the measured process); for the reference, its `execute` call. Target:
<= 150 ms. Also shown: the interpreter alone (`python -c pass`), importing
`cortex.cli`, and loading metrics.yml in-process with the pure-Python YAML parser, with libyaml,
and from the model cache.

`--before DIR` also times a checkout of an earlier commit (e.g. `git archive <commit> | tar -x
-C DIR`) in the same rounds, so before and after are measured under the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.cases import AS_OF, ROOT

QUERY = ("query", "--metric", "arr", "--by", "segment")
TARGET_WHOLE = 2.0
TARGET_FIRST_SQL_MS = 150.0
_NO_MEMO = "cortex query, no memo (the full command)"

#: Runs `cortex QUERY` as the console script does and prints `FIRST_SQL <epoch seconds>` on
#: stderr when the first SQL is handed to DuckDB: `duckdb.connect` is wrapped so that the first
#: `sql` or `execute` call on a connection (or on one of its cursors) is stamped. Importing duckdb
#: here first adds nothing: both paths import it before their first SQL.
_DRIVER = """
import sys, time
import duckdb
stamped = []
class Stamped:
    def __init__(self, inner):
        self._inner = inner
    def _stamp(self):
        if not stamped:
            stamped.append(True)
            print(f"FIRST_SQL {time.time()}", file=sys.stderr, flush=True)
    def sql(self, *args, **kwargs):
        self._stamp()
        return self._inner.sql(*args, **kwargs)
    def execute(self, *args, **kwargs):
        self._stamp()
        return self._inner.execute(*args, **kwargs)
    def cursor(self):
        return Stamped(self._inner.cursor())
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self._inner.close()
    def __getattr__(self, name):
        return getattr(self._inner, name)
connect = duckdb.connect
duckdb.connect = lambda *args, **kwargs: Stamped(connect(*args, **kwargs))
sys.argv = ["cortex", *sys.argv[1:]]
from cortex.cli import main
main()
"""

_BARE = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(f"FIRST_SQL {time.time()}", file=sys.stderr, flush=True)
print(con.execute(sys.argv[2]).fetchall())
"""


def _env(warehouse: Path, logs: Path) -> dict[str, str]:
    return os.environ | {
        "CORTEX_CACHE_DIR": str(logs / "cache"),
        "CORTEX_WAREHOUSE": str(warehouse),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": AS_OF.isoformat(),
        "CORTEX_LOG_DIR": str(logs),
    }


def _timed(args: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float | None]:
    """(whole-process ms, ms from spawn to the first SQL or None)."""
    started_epoch = time.time()
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    whole = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr}")
    first = None
    for line in done.stderr.splitlines():
        if line.startswith("FIRST_SQL "):
            first = (float(line.split()[1]) - started_epoch) * 1000
    return whole, first


def compiled_sql(warehouse: Path) -> str:
    """The SQL `cortex query` runs, compiled here once."""
    from semantic_layer.compile import compile_query
    from semantic_layer.loader import load_model
    from semantic_layer.query import validate_query

    model = load_model(ROOT / "metrics.yml")
    query = validate_query({"metrics": ["arr"], "dimensions": ["segment"]})
    return compile_query(query, model, as_of=AS_OF).sql


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def load_times(repeat: int) -> dict[str, float]:
    """Median ms of loading metrics.yml in-process: pure-Python parser, libyaml, model cache."""
    import semantic_layer.loader as loader
    from semantic_layer import yaml_lines

    path = ROOT / "metrics.yml"
    os.environ["CORTEX_MODEL_CACHE"] = "off"
    fast = loader.LineLoader
    try:
        loader.LineLoader = yaml_lines._PureLineLoader  # type: ignore[misc]
        pure = _median_ms(lambda: loader.load_model(path), repeat)
    finally:
        loader.LineLoader = fast  # type: ignore[misc]
    libyaml = _median_ms(lambda: loader.load_model(path), repeat)
    del os.environ["CORTEX_MODEL_CACHE"]
    loader.load_model(path)  # fills the cache
    cached = _median_ms(lambda: loader.load_model(path), repeat)
    return {"pure-Python YAML": pure, "libyaml": libyaml, "model cache": cached}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("/tmp/evaldemo/demo.duckdb"))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit to time too")
    args = parser.parse_args(argv)

    sql = compiled_sql(args.warehouse)
    python = sys.executable
    with tempfile.TemporaryDirectory() as logs:
        env = _env(args.warehouse, Path(logs))
        runs: dict[str, tuple[list[str], Path]] = {
            "cortex query": ([python, "-c", _DRIVER, *QUERY], ROOT),
            _NO_MEMO: ([python, "-c", _DRIVER, *QUERY], ROOT),
            "bare duckdb": ([python, "-c", _BARE, str(args.warehouse), sql], ROOT),
            "python -c pass": ([python, "-c", "pass"], ROOT),
            "import cortex.cli": ([python, "-c", "import cortex.cli"], ROOT),
            "import cortex.cli.commands": ([python, "-c", "import cortex.cli.commands"], ROOT),
        }
        if args.before is not None:
            runs["cortex query (before)"] = ([python, "-c", _DRIVER, *QUERY], args.before)
        whole: dict[str, list[float]] = {name: [] for name in runs}
        first: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for round_ in range(args.rounds + 1):
            order = names if round_ % 2 else names[::-1]
            for name in order:
                command, cwd = runs[name]
                # A variable no run has seen before changes the memo's key, not the model's.
                fresh = {"CORTEX_BENCH_ROUND": str(round_)} if name == _NO_MEMO else {}
                ms, first_ms = _timed(command, env | {"PYTHONPATH": str(cwd)} | fresh, cwd)
                if round_ == 0:
                    continue  # warm-up: the OS file cache and the model cache
                whole[name].append(ms)
                if first_ms is not None:
                    first[name].append(first_ms)

    print(f"{args.rounds} rounds, median ms; warehouse {args.warehouse}")
    print("\n| process | whole ms | to first SQL ms |\n|---|---:|---:|")
    for name in names:
        to_sql = f"{statistics.median(first[name]):.0f}" if first[name] else ""
        print(f"| {name} | {statistics.median(whole[name]):.0f} | {to_sql} |")
    ratio = statistics.median(whole["cortex query"]) / statistics.median(whole["bare duckdb"])
    cold = statistics.median(first["cortex query"])
    met = "met" if ratio <= TARGET_WHOLE else "MISSED"
    print(f"\ncortex query / bare duckdb: {ratio:.2f} (target <= {TARGET_WHOLE:g}: {met})")
    met = "met" if cold <= TARGET_FIRST_SQL_MS else "MISSED"
    print(f"cold start to first SQL: {cold:.0f} ms (target <= {TARGET_FIRST_SQL_MS:g}: {met})")

    print("\n| loading metrics.yml in-process | median ms |\n|---|---:|")
    for name, ms in load_times(repeat=max(5, args.rounds)).items():
        print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
