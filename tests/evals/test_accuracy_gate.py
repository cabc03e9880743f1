"""The offline planner's accuracy on every eval set is held by CI at its recorded figures.

`evals/figures.toml` records, for each set, how many questions it holds, how many Cortex
answers correctly, how many get a wrong number and how many must-clarify questions get a
number, measured through the whole pipeline as `cortex eval` measures them, on the demo a
fresh machine builds for the sets' day (scale 1, seed 42, as of 2026-11-24): the README's
figures. A set under `evals/companies/` is another company's: it is measured on that company's
warehouse, metrics.yml and context (`tests/companies/<name>/`), built for the same day.
This test fails when a set's correct count moves either way or a wrong answer appears where
none was recorded: a change that moves a figure records the new one in the same commit,
deliberately.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
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
from skills.builtin import skill_registry
from tests.companies.freight.build import build_freight
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "evals" / "figures.toml"
SETS = sorted(str(p.relative_to(ROOT / "evals")) for p in (ROOT / "evals").rglob("*.yml"))
#: Each other company's warehouse builder, by the name of its folder under tests/companies.
COMPANIES: dict[str, Callable[[Path], Path]] = {
    "freight": lambda path: build_freight(path, as_of=DEMO_AS_OF),
}


def company_of(name: str) -> str | None:
    """The other company a set is about ("companies/freight.yml": freight), or None (the demo)."""
    folder, _, file = name.rpartition("/")
    return Path(file).stem if folder == "companies" else None


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str | None, Workspace]]:
    """The default demo (scale 1, seed 42) as of the sets' day, as `cortex eval` builds it, and
    each other company's, with its own metrics.yml and context."""
    folder = tmp_path_factory.mktemp("gate")
    demo = build_demo(folder / "demo.duckdb", scale=1, as_of=DEMO_AS_OF, seed=42).path
    setups: dict[str | None, dict[str, str]] = {
        None: {"CORTEX_WAREHOUSE": str(demo), "CORTEX_METRICS": str(ROOT / "metrics.yml")}
    }
    for company, build in COMPANIES.items():
        home = ROOT / "tests" / "companies" / company
        setups[company] = {
            "CORTEX_WAREHOUSE": str(build(folder / f"{company}.duckdb")),
            "CORTEX_METRICS": str(home / "metrics.yml"),
            "CORTEX_CONTEXT": str(home / "context"),
        }
    with ExitStack() as stack:
        yield {
            company: stack.enter_context(
                Workspace.open(
                    load_settings({**environ, "CORTEX_AS_OF": DEMO_AS_OF.isoformat()}, cwd=folder)
                )
            )
            for company, environ in setups.items()
        }


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
    readers = skill_registry(workspace.settings).readers()  # as `cortex ask` and `cortex eval`
    return run_eval(
        cases,
        lambda: Agent(workspace, planner, store, values=values, requests=readers),
        workspace,
    )


def test_every_eval_set_has_recorded_figures_and_its_company(figures: dict[str, Any]) -> None:
    assert sorted(figures) == SETS
    assert {company_of(name) for name in SETS} - {None} <= set(COMPANIES)


@pytest.mark.parametrize("name", SETS)
def test_the_planner_holds_its_recorded_figures(
    workspaces: dict[str | None, Workspace], figures: dict[str, Any], name: str
) -> None:
    report = measure(workspaces[company_of(name)], name)
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
