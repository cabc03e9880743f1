"""Fixtures shared by the whole suite: the demo warehouse and a clean environment.

- `demo_path`: the demo company built once per session (scale DEMO_SCALE, seed DEMO_SEED,
  as of DEMO_AS_OF) into a temporary directory. Open it read-only; it is shared.
- `demo_con`: a read-only DuckDB connection to it, shared by the session (so module- and
  session-scoped fixtures can use it too) and closed at its end. Do not close it yourself.
- Every test runs without CORTEX_*, SLACK_*, ANTHROPIC_*, NOTION_* and LINEAR_* variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from connectors.warehouse import DUCKDB_SETTINGS
from cortex.demo import DemoSummary, build_demo

DEMO_AS_OF = date(2026, 11, 24)
DEMO_SCALE = 0.05
DEMO_SEED = 7

_ISOLATED_PREFIXES = ("CORTEX_", "SLACK_", "ANTHROPIC_", "NOTION_", "LINEAR_")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's tokens or Cortex settings."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def demo_summary(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """The session's demo build: where it is and what it holds."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return build_demo(path, scale=DEMO_SCALE, as_of=DEMO_AS_OF, seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_path(demo_summary: DemoSummary) -> Path:
    """The demo warehouse file (scale DEMO_SCALE, seed DEMO_SEED, as of DEMO_AS_OF)."""
    return demo_summary.path


@pytest.fixture(scope="session")
def demo_con(demo_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the demo warehouse, shared by the session, closed at its end."""
    # The warehouse connector's settings: DuckDB shares one instance per file and refuses a
    # second connection with other settings, so in-process CLI tests can open the file too.
    con = duckdb.connect(str(demo_path), read_only=True, config=dict(DUCKDB_SETTINGS))
    try:
        yield con
    finally:
        con.close()
