"""Fixtures of the command-line tests: `cortex`, a runner on the demo warehouse.

Each test passes its settings as environment variables, as a user would, and runs the real
`cortex` command line in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.cli import app
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[3]


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
