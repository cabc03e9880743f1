"""The scale benchmark, run on the test demo (DuckDB only): every demo query is timed and its
peak memory measured, in a subprocess that opens the warehouse as Cortex does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_scale
from bench.cases import AS_OF, demo_model, query_set
from tests.conftest import DEMO_SCALE, DEMO_SEED


def test_every_demo_query_gets_a_latency_and_a_peak_memory(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cached = tmp_path / f"demo_scale{DEMO_SCALE:g}_seed{DEMO_SEED}_{AS_OF.isoformat()}.duckdb"
    cached.symlink_to(demo_path)
    argv = ["--scales", f"{DEMO_SCALE:g}", "--engines", "duckdb", "--repeat", "1"]
    argv += ["--seed", str(DEMO_SEED), "--cache-dir", str(tmp_path)]

    (run,) = bench_scale.main(argv)

    expected = [query.name for query in query_set(demo_model())]
    assert [q.name for q in run.queries] == expected
    for figure in run.queries:
        assert figure.error == ""
        assert figure.rows > 0
        assert figure.first_ms is not None and figure.median_ms is not None
        assert figure.median_ms > 0
        assert figure.peak_reset, "the peak of each query is its own (VmHWM reset)"
        assert 20 < figure.process_mib <= run.child_peak_mib
        assert figure.engine_mib is None  # DuckDB runs inside the measured process
    assert run.failure == ""
    printed = capsys.readouterr().out
    assert f"duckdb at scale {DEMO_SCALE:g}: {len(expected)}/{len(expected)} queries" in printed
    assert "| query | rows | first ms | median ms | process MiB | engine MiB | <= 2 s |" in printed
    assert "cores" in printed and "RAM" in printed


def test_a_query_over_two_seconds_is_flagged() -> None:
    run = bench_scale.Run("duckdb", 50.0)
    run.queries = [
        bench_scale.QueryFigure("fast", 3, 900.0, 800.0, 500.0, None, True, ""),
        bench_scale.QueryFigure("slow", 3, 2600.0, 2500.0, 900.0, None, True, ""),
    ]
    lines = bench_scale.table(run).splitlines()
    assert lines[2].endswith("| yes |") and lines[3].endswith("| **no** |")
    assert "1/2 queries under 2 s" in bench_scale.summary(run)
    assert "slowest slow 2,500 ms" in bench_scale.summary(run)
