"""Fixtures of the cortex tests: a workspace on the demo warehouse and the shipped metrics.yml,
an offline planner that knows the demo's dimension values, and `cortex`, a runner of the real
command line (in-process) whose settings are environment variables, as a user would pass them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.warehouse import DuckDBWarehouse
from cortex.cli import app
from cortex.knowledge import build_value_index
from cortex.planning.offline.planner import OfflinePlanner
from cortex.settings import load_settings
from cortex.workspace import Workspace
from semantic_layer.loader import load_model
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def workspace(demo_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    """The session's demo warehouse with the shipped metrics.yml, as of DEMO_AS_OF."""
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as opened:
        yield opened


@pytest.fixture(scope="session")
def valued_planner(demo_path: Path) -> OfflinePlanner:
    """The offline planner on the shipped metrics.yml, with the demo's dimension values."""
    model = load_model(ROOT / "metrics.yml")
    with DuckDBWarehouse(demo_path) as warehouse:
        values = build_value_index(model, warehouse)
    return OfflinePlanner(model, as_of=DEMO_AS_OF, values=values)


@pytest.fixture()
def cortex(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose environment points Cortex at the demo and the shipped metrics.yml, as
    the user `ada`."""
    monkeypatch.chdir(tmp_path)  # logs and default stores land here, not in the repo
    return CliRunner(
        env={
            "CORTEX_WAREHOUSE": str(demo_path),
            "CORTEX_METRICS": str(ROOT / "metrics.yml"),
            "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
            "USER": "ada",
        }
    )


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
