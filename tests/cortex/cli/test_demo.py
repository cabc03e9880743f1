"""`cortex demo build`: the demo company written to a DuckDB file, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cortex.cli import app


def test_demo_build_writes_a_warehouse_with_a_progress_bar(tmp_path: Path) -> None:
    out = tmp_path / "small.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "build",
            "--scale",
            "0.01",
            "--as-of",
            "2026-11-24",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert out.is_file()
    assert "Building the demo company" in result.stderr
    assert "tickets" in result.stderr


def test_demo_build_refuses_a_bad_scale_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "build", "--scale", "-1", "--out", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 1
    assert "scale" in result.stderr and "Traceback" not in result.stderr
