"""How people ask for a skill in plain words, read by the skills' own patterns before any
planning: what each request runs, with what input, and questions about data left alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from cortex.settings import load_settings
from skills.builtin import skill_registry
from skills.registry import SkillRegistry
from tests.cortex.conftest import ROOT


@pytest.fixture(scope="module")
def registry() -> SkillRegistry:
    return skill_registry(load_settings({}, cwd=ROOT))


def requested(registry: SkillRegistry, question: str) -> tuple[str, Mapping[str, Any]] | None:
    for reader in registry.readers():
        wanted = reader.read_request(question)
        if wanted is not None:
            return reader.name, dict(wanted)
    return None


@pytest.mark.parametrize(
    ("question", "skill", "given"),
    [
        ("Save this to Notion", "notion.write_page", {}),
        ("put ARR by segment in Notion", "notion.write_page", {"questions": ["ARR by segment"]}),
        ("send this to Linear", "linear.create_issue", {}),
        (
            "File a task for the support team to look at EMEA churn",
            "linear.create_issue",
            {"title": "Look at EMEA churn"},
        ),
        (
            "open an issue about the refund spike",
            "linear.create_issue",
            {"title": "The refund spike"},
        ),
        (
            "make a report of ticket volume by month",
            "report.html",
            {"questions": ["ticket volume by month"]},
        ),
        ("Make a PDF report of ARR by segment", "report.pdf", {"questions": ["ARR by segment"]}),
        ("brief on Dawn Thread Living", "brief.pdf", {"name": "Dawn Thread Living"}),
        (
            "Give me the full picture of merchant Dawn Thread Living",
            "brief.pdf",
            {"name": "Dawn Thread Living"},
        ),
        ("How are we performing against OKR-1?", "okr.status", {"okr": "OKR-1"}),
        ("Are we on track for our OKRs?", "okr.status", {}),
        ("run the weekly review", "support.weekly_review", {}),
        ("segment deep-dive for SMB", "segment.deep_dive", {"segment": "SMB"}),
    ],
)
def test_a_request_runs_its_skill_with_the_input_it_asks_for(
    registry: SkillRegistry, question: str, skill: str, given: dict[str, Any]
) -> None:
    assert requested(registry, question) == (skill, given)


@pytest.mark.parametrize(
    "question",
    [
        "What's our ARR by segment?",
        "How many tickets did we create last week?",
        "How many tickets were reported last week?",
        "What's the OKR target for OKR-1?",
        "Which channel has the most tickets?",
        "Show me net new ARR by quarter",
    ],
)
def test_a_question_about_data_asks_no_skill(registry: SkillRegistry, question: str) -> None:
    assert requested(registry, question) is None


def test_no_question_of_the_eval_sets_all_about_data_is_taken_for_a_request(
    registry: SkillRegistry,
) -> None:
    asked = []
    for path in sorted((ROOT / "evals").rglob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            for turn in case.get("conversation") or [case]:
                asked.append(str(turn["question"]))
    assert [q for q in asked if requested(registry, q) is not None] == []
