"""A request to act, asked in plain words: the agent recognises it before planning, and
`follow_through` runs the skill on the conversation's latest answer, confirming writes first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from cortex.agent import Agent
from cortex.assembly import build_agent
from cortex.workspace import Workspace
from skills.base import Requester, Skill, SkillContext, SkillInput, SkillResult
from skills.dispatch import follow_through
from skills.registry import SkillRegistry


class Noted(SkillInput):
    about: str | None = None


class Notebook(Skill[Noted]):
    name = "notebook.save"
    description = "Saves answers to the notebook."
    input_model = Noted
    writes_outside = True
    requests = (r"\b(save|put) (?P<subject>.+?) (in|to) the notebook\b",)

    def __init__(self) -> None:
        self.saved: list[tuple[str | None, list[str]]] = []

    def request_input(self, subject: str | None) -> Mapping[str, Any]:
        return {} if subject in (None, "this", "that", "it") else {"about": subject}

    def run(self, context: SkillContext, given: Noted) -> SkillResult:
        numbers = [answer.text for answer in context.answers]
        self.saved.append((given.about, numbers))
        return SkillResult(text="Saved to the notebook.", link="https://notebook.test/1")


@pytest.fixture()
def notebook() -> Notebook:
    return Notebook()


@pytest.fixture()
def agent(workspace: Workspace, notebook: Notebook) -> Iterator[Agent]:
    registry = SkillRegistry([notebook])
    agent = build_agent(workspace, requests=registry.readers())
    yield agent
    agent.close()


def test_a_request_is_recognised_before_planning_and_confirmed_before_it_writes(
    agent: Agent, notebook: Notebook
) -> None:
    registry = SkillRegistry([notebook])
    ada = Requester(user_id="ada")
    first = agent.ask("What's our ARR by segment?")
    asked = agent.ask("Save this to the notebook", first.conversation_id)
    assert (asked.status, asked.action and asked.action.skill) == ("action", "notebook.save")

    waiting = follow_through(asked, registry, agent, ada)
    assert waiting.status == "action"
    assert waiting.action is not None and waiting.action.outcome == "awaiting confirmation"
    assert notebook.saved == []

    done = follow_through(asked, registry, agent, ada, confirmed=True)
    assert done.action is not None
    assert (done.action.outcome, done.action.link) == ("done", "https://notebook.test/1")
    assert notebook.saved == [(None, [first.text])]  # the latest answer, computed again


def test_a_request_with_nothing_answered_yet_hands_the_skill_no_answers(
    agent: Agent, notebook: Notebook
) -> None:
    asked = agent.ask("Save this to the notebook")
    done = follow_through(
        asked, SkillRegistry([notebook]), agent, Requester(user_id="ada"), confirmed=True
    )
    assert notebook.saved == [(None, [])]
    assert done.action is not None and done.action.outcome == "done"


def test_a_question_that_asks_no_skill_is_answered_as_before(agent: Agent) -> None:
    answer = agent.ask("What's our ARR by segment?")
    assert answer.status == "answer" and answer.action is None
