"""`cortex check` and `cortex metrics`: metrics.yml and access.yml checked, the catalog listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from cortex.cli import app
from tests.cortex.conftest import ROOT, run

BROKEN = ROOT / "tests" / "semantic_layer" / "fixtures" / "broken"


def test_check_passes_on_the_shipped_model_against_the_warehouse(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "check")
    assert code == 0
    assert "checked against the warehouse; access.yml checked against it" in out


def test_check_reports_a_broken_access_yml_at_its_line(cortex: CliRunner, tmp_path: Path) -> None:
    access = tmp_path / "access.yml"
    access.write_text(
        "version: 1\nroles:\n  analyst: {description: All.}\n"
        "metrics:\n  arr: {requires: [analyts]}\n",
        encoding="utf-8",
    )
    result = cortex.invoke(app, ["check", "--no-warehouse"], env={"CORTEX_ACCESS": str(access)})
    assert result.exit_code == 1
    assert "access.yml:5" in result.stderr and "Did you mean 'analyst'" in result.stderr


def test_check_lists_every_problem_in_one_run(cortex: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(BROKEN / "all_at_once", broken)
    result = cortex.invoke(
        app, ["check", "--no-warehouse"], env={"CORTEX_METRICS": str(broken / "metrics.yml")}
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) >= 4
    assert any("unknown key" in line and "Did you mean" in line for line in errors)
    assert any("cycle" in line for line in errors)
    assert all(line.split(":")[1].isdigit() for line in errors)  # file:line on each
    assert "error(s)" in result.stderr


def test_metrics_lists_the_catalog(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "metrics", "--json")
    assert code == 0
    catalog = json.loads(out)
    names = {m["name"] for m in catalog["metrics"]}
    assert {"arr", "net_new_arr", "ai_automation_rate", "win_rate"} <= names
    assert all(m["owner"] and m["description"] for m in catalog["metrics"])
