"""Every block payload Cortex sends is one Slack accepts: parsed back with
`slack_sdk.models.blocks` and held to Slack's limits (tests/slack/block_limits.py), over the
shapes an answer takes: 1, 99, 100, 101 and hundreds of rows, a single number, more columns
than a table holds, long narratives and caveats, five suggestions, a denial, an error, a skill
confirmation, the SQL message."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cortex.answer import Action, Answer
from cortex.assembly import build_agent
from cortex.knowledge.context import Caveat
from cortex.slack.blocks import (
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    SlackMessage,
    action_message,
    answer_message,
    confirmation_message,
    placeholder_message,
    rows_shown,
    sql_message,
    text_message,
)
from cortex.workspace import Workspace
from semantic_layer.compile import OutputColumn
from tests.slack.block_limits import problems

SKILLS = [("Save to Notion", "notion.page"), ("File in Linear", "linear.issue")]


def accepted(message: SlackMessage) -> None:
    assert problems(message.text, message.blocks) == [], message.blocks


@pytest.fixture()
def breakdown(workspace: Workspace) -> Answer:
    """An answer with a row per account: the result every shape below is cut from."""
    answer = build_agent(workspace).ask("ARR by account")
    assert answer.result is not None and answer.result.row_count > MAX_TABLE_ROWS
    return answer


def with_rows(answer: Answer, rows: int) -> Answer:
    """`answer` with `rows` rows (its own, repeated when it has fewer)."""
    assert answer.result is not None
    frame = answer.result.frame
    frame = pd.concat([frame] * (rows // len(frame) + 1), ignore_index=True).head(rows)
    return replace(answer, result=replace(answer.result, frame=frame, row_count=rows))


def with_columns(answer: Answer, extra: int) -> Answer:
    """`answer` with `extra` more metric columns (copies of its last)."""
    assert answer.compiled is not None and answer.result is not None
    last = answer.compiled.columns[-1]
    copies = [
        replace(last, name=f"{last.name}_{n}", label=f"{last.label} {n}") for n in range(extra)
    ]
    frame = answer.result.frame.copy()
    for column in copies:
        frame[column.name] = frame[last.name]
    compiled = replace(answer.compiled, columns=(*answer.compiled.columns, *copies))
    return replace(answer, compiled=compiled, result=replace(answer.result, frame=frame))


@pytest.mark.parametrize("rows", [1, 99, 100, 101, 250])
def test_results_of_any_length_fit_one_table(breakdown: Answer, rows: int) -> None:
    message = answer_message(with_rows(breakdown, rows), record_id="1", skills=SKILLS)
    accepted(message)
    (table,) = [b for b in message.blocks if b["type"] == "table"]
    assert len(table["rows"]) == min(rows, MAX_TABLE_ROWS - 1) + 1
    assert ("Showing" in json.dumps(message.blocks)) == (rows > MAX_TABLE_ROWS - 1)
    assert rows_shown(with_rows(breakdown, rows)) == min(rows, MAX_TABLE_ROWS - 1)


def test_a_single_number_is_a_one_cell_table(workspace: Workspace) -> None:
    message = answer_message(build_agent(workspace).ask("what's our ARR?"), record_id="1")
    accepted(message)


def test_more_columns_than_a_table_holds_show_the_first_twenty_and_say_so(
    breakdown: Answer,
) -> None:
    message = answer_message(with_columns(breakdown, 30), record_id="1")
    accepted(message)
    (table,) = [b for b in message.blocks if b["type"] == "table"]
    assert {len(row) for row in table["rows"]} == {MAX_TABLE_COLUMNS}
    assert f"the first {MAX_TABLE_COLUMNS} of 32 columns" in json.dumps(message.blocks)


def test_long_caveats_and_a_long_narrative_stay_within_the_markdown_budget(
    breakdown: Answer,
) -> None:
    caveats = tuple(Caveat(f"Notes › part {n}", "- a point\n" * 600) for n in range(8))
    long = replace(breakdown, text="A very long story. " * 1000, caveats=caveats)
    message = answer_message(long, record_id="1")
    accepted(message)
    markdown = [b["text"] for b in message.blocks if b["type"] == "markdown"]
    assert markdown[0].startswith("A very long story") and "cut here" in "".join(markdown)


def test_clarifications_refusals_errors_and_skill_messages_are_accepted() -> None:
    long = "Did you mean the number of accounts that renewed " * 10
    clarified = Answer("clarification", long, "q", "c", suggestions=(long,) * 7)
    message = answer_message(clarified, record_id="1")
    accepted(message)
    (actions,) = [b for b in message.blocks if b["type"] == "actions"]
    assert len(actions["elements"]) == 5
    accepted(answer_message(Answer("denied", "No. " * 2000, "q", "c"), record_id="1"))
    accepted(answer_message(Answer("error", "Sorry <@U1>.", "q", "c"), record_id="1"))
    value = json.dumps({"s": "notion.page", "i": {"title": "x" * 3000}, "u": "U1", "r": 1})
    accepted(confirmation_message("Save this to Notion? " * 300, value, asker="U1"))
    done = Action("report.html", {}, outcome="done", link="https://x.test/a", files=("/t/r.html",))
    accepted(action_message(Answer("action", "Made it.", "q", "c", action=done)))
    accepted(placeholder_message("q" * 5000))
    accepted(text_message("x" * 5000, emoji=":warning:"))


def test_the_sql_message_is_accepted_however_long_the_sql(breakdown: Answer) -> None:
    assert breakdown.compiled is not None
    accepted(sql_message(breakdown.compiled.sql))
    accepted(sql_message("SELECT 1 -- a line\n" * 20_000))
    accepted(sql_message("SELECT '" + "x" * 10_000 + "'"))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(min_value=1, max_value=300),
    extra_columns=st.integers(min_value=0, max_value=25),
    narrative=st.text(min_size=1, max_size=15_000),
    caveats=st.lists(
        st.tuples(st.text(min_size=1, max_size=200), st.text(min_size=1, max_size=5000)),
        max_size=30,
    ),
    label=st.text(min_size=1, max_size=300),
)
def test_any_answer_is_a_message_slack_accepts(
    breakdown: Answer,
    rows: int,
    extra_columns: int,
    narrative: str,
    caveats: list[tuple[str, str]],
    label: str,
) -> None:
    answer = with_columns(with_rows(breakdown, rows), extra_columns)
    assert answer.compiled is not None
    first = answer.compiled.columns[0]
    relabelled = (OutputColumn(first.name, first.kind, label), *answer.compiled.columns[1:])
    answer = replace(
        answer,
        text=narrative,
        caveats=tuple(Caveat(s, m) for s, m in caveats),
        compiled=replace(answer.compiled, columns=relabelled),
    )
    accepted(answer_message(answer, record_id="123456789", skills=[(label, "x" * 3000)]))


def test_the_check_catches_what_slack_would_reject() -> None:
    cell = {"type": "raw_text", "text": "x"}
    table = {"type": "table", "rows": [[cell]] * 101}
    wide = {"type": "table", "rows": [[cell] * 21]}
    markdown = [{"type": "markdown", "text": "x" * 7000}] * 2
    button = {
        "type": "button",
        "action_id": "a",
        "text": {"type": "plain_text", "text": "x" * 76},
        "value": "v",
    }
    assert problems("t", [table]) == ["a table of 101 rows"]
    assert problems("t", [wide, wide]) == ["table rows of [21] cells"] * 2 + ["more than one table"]
    assert problems("t", markdown) == ["14000 characters of markdown blocks"]
    assert problems("t", [{"type": "actions", "elements": [button]}])  # the SDK's own check
    assert problems("", [{"type": "divider"}] * 51) == [
        "fallback text of 0 characters",
        "51 blocks",
    ]
