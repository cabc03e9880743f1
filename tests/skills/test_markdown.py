"""An answer as Markdown (`skills.markdown`), for the pages and tasks that carry it: its numbers
as Cortex shows them and everything that says how they were computed."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from cortex.answer import Answer
from cortex.assembly import build_agent
from cortex.workspace import Workspace
from skills.markdown import answer_markdown, answers_markdown


def test_a_time_series_is_a_table_with_its_partial_period_marked(workspace: Workspace) -> None:
    model = workspace.model
    agent = build_agent(workspace)
    answer = agent.ask("ARR month by month this year pls")
    agent.close()
    assert answer.status == "answer" and answer.result is not None, answer.text
    markdown = answer_markdown(answer, model)

    rows = re.findall(r"^\| (2026-\d\d[^|]*) \| ([^|]+) \|$", markdown, re.MULTILINE)
    assert len(rows) == len(answer.result.frame) == 11  # January to November 2026
    assert rows[-1][0] == "2026-11 (partial: 1–24 Nov 2026)"
    assert "- Period: in 2026 through 24 Nov" in markdown
    assert "- As of: 24 Nov 2026" in markdown
    assert "| Month | " in markdown and "| :-- | --: |" in markdown


def test_several_answers_follow_each_other_under_their_questions(workspace: Workspace) -> None:
    model = workspace.model
    agent = build_agent(workspace)
    first = agent.ask("What's our ARR by segment?")
    second = agent.ask("How many tickets came in last quarter?")
    agent.close()
    markdown = answers_markdown([first, second], model)

    assert markdown.index("## What's our ARR by segment?") < markdown.index("\n---\n")
    assert markdown.index("\n---\n") < markdown.index("## How many tickets came in last quarter?")
    assert markdown.count("```sql\n") == 2


def test_an_answer_without_numbers_is_its_question_and_text(workspace: Workspace) -> None:
    asked = Answer(
        status="clarification",
        text="Which metric do you mean?",
        question="How are we doing?",
        conversation_id="c1",
        suggestions=("ARR by segment", "Open tickets"),
    )
    assert answer_markdown(asked, workspace.model) == (
        "## How are we doing?\n\nWhich metric do you mean?\n\n- ARR by segment\n\n- Open tickets\n"
    )


def test_a_cell_with_a_pipe_cannot_break_the_table(workspace: Workspace) -> None:
    agent = build_agent(workspace)
    answer = agent.ask("What's our ARR by segment?")
    agent.close()
    assert answer.result is not None
    frame = answer.result.frame.copy()
    frame.loc[0, "segment"] = "Enterprise | EMEA"
    piped = replace(answer, result=replace(answer.result, frame=pd.DataFrame(frame)))
    assert "| Enterprise \\| EMEA | $" in answer_markdown(piped, workspace.model)
