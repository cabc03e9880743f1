"""Build time and peak memory of the demo warehouse, per scale.

    python bench/bench_demo_build.py [--scales 1 10] [--repeat 1] [--seed 42]
                                     [--as-of 2026-11-24]

Each build runs in a fresh Python subprocess (so imports, caches and memory of one build never
help or hurt another) into a temporary directory that is removed afterwards. For each build it
reports the rows per table, the seconds `build_demo` reported, the subprocess's wall time
(interpreter start and imports included), its peak resident memory (`ru_maxrss` from
`os.wait4`, i.e. of that child alone) and the size of the DuckDB file. With `--repeat N` the
median times and the largest peak are shown. The target: scale 1 builds in <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TARGET_SECONDS = {1.0: 30.0}
TABLES = ("accounts", "subscriptions", "tickets", "conversions", "opportunities", "okr_targets")


@dataclass(frozen=True)
class Build:
    """One build of one scale, measured from outside."""

    scale: float
    row_counts: dict[str, int]
    build_seconds: float
    wall_seconds: float
    peak_mib: float
    file_mib: float


def _child(scale: float, as_of: date, seed: int, out: Path) -> None:
    """Runs in the subprocess: build, then print the summary as JSON on stdout."""
    from cortex.demo import build_demo

    summary = build_demo(out, scale=scale, as_of=as_of, seed=seed)
    print(
        json.dumps(
            {
                "row_counts": summary.row_counts,
                "seconds": summary.seconds,
                "file_bytes": out.stat().st_size,
            }
        )
    )


def measure(scale: float, as_of: date, seed: int) -> Build:
    """Build `scale` in a fresh subprocess and measure its wall time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench_demo_") as tmp:
        out = Path(tmp) / "demo.duckdb"
        command = [
            sys.executable,
            __file__,
            "--child",
            f"{scale!r}",
            as_of.isoformat(),
            str(seed),
            str(out),
        ]
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"the build at scale {scale:g} failed (exit {child.returncode})")
        result = json.loads(output.strip().splitlines()[-1])
    return Build(
        scale=scale,
        row_counts={k: int(v) for k, v in result["row_counts"].items()},
        build_seconds=float(result["seconds"]),
        wall_seconds=wall,
        peak_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        file_mib=int(result["file_bytes"]) / 2**20,
    )


def _machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.0f} GiB RAM"
    import duckdb

    return (
        f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def report(builds: list[list[Build]], as_of: date, seed: int) -> str:
    """A markdown table: one row per scale (median of its repeats)."""
    lines = [
        f"Machine: {_machine()}. Date: {date.today().isoformat()}. "
        f"Demo as of {as_of.isoformat()}, seed {seed}.",
        "",
        "| scale | " + " | ".join(TABLES) + " | build s | wall s | peak MiB | file MiB | target |",
        "|---:|" + "---:|" * len(TABLES) + "---:|---:|---:|---:|---|",
    ]
    for runs in builds:
        first = runs[0]
        build_s = statistics.median(b.build_seconds for b in runs)
        wall_s = statistics.median(b.wall_seconds for b in runs)
        peak = max(b.peak_mib for b in runs)
        target = TARGET_SECONDS.get(first.scale)
        verdict = (
            "—" if target is None else f"<= {target:g} s: {'met' if wall_s <= target else 'MISSED'}"
        )
        counts = " | ".join(f"{first.row_counts[t]:,}" for t in TABLES)
        lines.append(
            f"| {first.scale:g} | {counts} | {build_s:.1f} | {wall_s:.1f} | {peak:,.0f} | "
            f"{first.file_mib:,.0f} | {verdict} |"
        )
    if any(len(runs) > 1 for runs in builds):
        lines.append("")
        lines.append(f"Median of {len(builds[0])} builds per scale; peak is the largest.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        scale, as_of, seed, out = args[1:5]
        _child(float(scale), date.fromisoformat(as_of), int(seed), Path(out))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=1, help="builds per scale (median)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 24))
    options = parser.parse_args(args)
    builds: list[list[Build]] = []
    for scale in options.scales:
        runs = []
        for attempt in range(1, options.repeat + 1):
            print(f"building scale {scale:g} ({attempt}/{options.repeat}) ...", flush=True)
            build = measure(scale, options.as_of, options.seed)
            print(
                f"  {build.wall_seconds:.1f} s wall, {build.peak_mib:,.0f} MiB peak",
                flush=True,
            )
            runs.append(build)
        builds.append(runs)
    print()
    print(report(builds, options.as_of, options.seed))


if __name__ == "__main__":
    main()
