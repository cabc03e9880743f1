"""The offline planner's accuracy on every eval set is held by CI at its recorded figures.

`evals/figures.toml` records, for each set, how many questions it holds, how many Cortex
answers correctly, how many get a wrong number and how many must-clarify questions get a
number, measured through the whole pipeline as `cortex eval` measures them, on the demo a
fresh machine builds for the sets' day (scale 1, seed 42, as of 2026-11-24): the README's
figures. This test fails when a set's correct count moves
either way or a wrong answer appears where none was recorded: a change that moves a figure
records the new one in the same commit, deliberately.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex.agent import Agent
from cortex.assembly import choose_planner
from cortex.demo import build_demo
from cortex.evaluation import Report, load_eval, run_eval
from cortex.knowledge import build_value_index
from cortex.settings import load_settings
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "evals" / "figures.toml"
SETS = sorted(p.name for p in (ROOT / "evals").glob("*.yml"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The default demo (scale 1, seed 42) as of the sets' day, as `cortex eval` builds it."""
    folder = tmp_path_factory.mktemp("gate")
    demo = build_demo(folder / "demo.duckdb", scale=1, as_of=DEMO_AS_OF, seed=42).path
    environ = {
        "CORTEX_WAREHOUSE": str(demo),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    settings = load_settings(environ, cwd=folder)
    with Workspace.open(settings) as opened:
        yield opened


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    with FIGURES.open("rb") as file:
        return tomllib.load(file)


def measure(workspace: Workspace, name: str) -> Report:
    as_of, cases = load_eval(ROOT / "evals" / name)
    assert as_of == DEMO_AS_OF, f"{name} is read as of {as_of}, the test demo as of {DEMO_AS_OF}"
    values = build_value_index(workspace.model, workspace.warehouse)
    planner = choose_planner(workspace, None, values)
    store = ConversationStore(":memory:")
    return run_eval(cases, lambda: Agent(workspace, planner, store, values=values), workspace)


def test_every_eval_set_has_recorded_figures(figures: dict[str, Any]) -> None:
    assert sorted(figures) == SETS


@pytest.mark.parametrize("name", SETS)
def test_the_planner_holds_its_recorded_figures(
    workspace: Workspace, figures: dict[str, Any], name: str
) -> None:
    report = measure(workspace, name)
    measured = {
        "questions": len(report.outcomes),
        "correct": sum(o.correct for o in report.outcomes),
        "wrong_answers": sum(o.wrong_answer for o in report.outcomes),
        "must_clarify_answered": report.must_clarify_answered,
    }
    recorded = figures[name]
    failures = "\n".join(
        f"  {o.case}: {o.question} -> {o.detail}" for o in report.outcomes if not o.correct
    )
    assert measured["questions"] == recorded["questions"], f"{name} changed size: {measured}"
    assert measured["correct"] == recorded["correct"], (
        f"{name}: {measured['correct']} correct, {recorded['correct']} recorded. If the change "
        f"is meant, record the new figures in evals/figures.toml and the README.\n{failures}"
    )
    assert measured["wrong_answers"] <= recorded["wrong_answers"], f"{name}: {failures}"
    assert measured["must_clarify_answered"] <= recorded["must_clarify_answered"], failures
