"""Answers as Slack messages: native blocks (markdown, table, feedback_buttons) built with
`slack_sdk.models.blocks`, readable on a phone, never raw mrkdwn or escaped twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cortex.agent import Agent
from cortex.answer import Answer
from cortex.answers.formatting import format_value
from cortex.assembly import build_agent
from cortex.slack.blocks import (
    ACTION_ASK,
    ACTION_FEEDBACK,
    ACTION_SHOW_SQL,
    ACTION_SKILL,
    MAX_TABLE_ROWS,
    SlackMessage,
    answer_message,
    escape,
    feedback_vote,
    rows_shown,
    sql_message,
    text_message,
)
from cortex.slack.markdown import to_slack_markdown
from cortex.slack.mrkdwn import to_mrkdwn
from cortex.workspace import Workspace


@pytest.fixture()
def agent(workspace: Workspace) -> Iterator[Agent]:
    yield build_agent(workspace)


def of_type(message: SlackMessage, kind: str) -> list[dict[str, Any]]:
    return [b for b in message.blocks if b["type"] == kind]


def sections(message: SlackMessage) -> list[str]:
    return [b["text"]["text"] for b in of_type(message, "section")]


def table(message: SlackMessage) -> list[list[str]]:
    (block,) = of_type(message, "table")
    return [[cell["text"] for cell in row] for row in block["rows"]]


def test_a_breakdown_is_a_table_with_labels_and_right_aligned_numbers(agent: Agent) -> None:
    answer = agent.ask("ARR by segment")
    message = answer_message(answer, record_id="7")
    (narrative, *_) = of_type(message, "markdown")
    assert message.blocks[0] == narrative and "ARR" in narrative["text"]
    header, *rows = table(message)
    assert header == ["Segment", "ARR"] and len(rows) == 3
    assert {row[0] for row in rows} == {"Enterprise", "Mid-Market", "SMB"}
    assert all(row[1].startswith("$") for row in rows)  # formatted as the terminal does
    (block,) = of_type(message, "table")
    assert [s["align"] for s in block["column_settings"]] == ["left", "right"]


def test_a_long_result_shows_what_a_table_holds_and_says_where_the_rest_is(agent: Agent) -> None:
    answer = agent.ask("ARR by account")
    assert answer.result is not None and answer.result.row_count > MAX_TABLE_ROWS
    message = answer_message(answer, record_id="1")
    assert len(table(message)) == MAX_TABLE_ROWS == rows_shown(answer) + 1
    note = f"Showing {MAX_TABLE_ROWS - 1} of {answer.result.row_count:,} rows"
    assert note in str(message.blocks) and "CSV file" in str(message.blocks)


def test_a_single_number_is_rounded_in_the_sentence_and_exact_in_the_table(agent: Agent) -> None:
    answer = agent.ask("what's our ARR?")
    assert answer.result is not None
    exact = format_value(answer.result.frame["arr"].iloc[0], "currency")
    message = answer_message(answer, record_id="1")
    sentence = of_type(message, "markdown")[0]["text"]
    assert exact not in sentence and sentence.startswith("ARR is $")
    assert table(message) == [["ARR"], [exact]]
    assert "Showing" not in str(message.blocks)


def test_values_go_into_table_cells_as_written_and_are_escaped_in_text(agent: Agent) -> None:
    message = answer_message(agent.ask("ARR by vertical"), record_id="1")
    assert [r[0] for r in table(message) if "Apparel" in r[0]] == ["Apparel & Accessories"]
    assert escape("<b> & <@U1>") == "&lt;b&gt; &amp; &lt;@U1&gt;"


def test_a_narrative_cannot_format_mention_or_link_in_a_markdown_block() -> None:
    answer = Answer("answer", "<!channel> *x* [a](b) & _y_", "q", "c")
    text = answer_message(answer, record_id=None).blocks[0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    denied = Answer("denied", "No <@U1>.", "q", "c")
    assert "<@U1>" not in str(answer_message(denied, record_id=None).blocks)


def test_every_answer_has_show_sql_skills_and_feedback_buttons_carrying_its_record(
    agent: Agent,
) -> None:
    skills = [("Save to Notion", "notion.page"), ("HTML report", "report.html")]
    message = answer_message(agent.ask("ARR by segment"), record_id="42", skills=skills)
    actions, feedback = message.blocks[-2:]
    assert actions["type"] == "actions" and feedback["type"] == "context_actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (ACTION_SHOW_SQL, "42"),
        (f"{ACTION_SKILL}_0", "notion.page|42"),
        (f"{ACTION_SKILL}_1", "report.html|42"),
    ]
    assert all("style" not in e for e in actions["elements"])  # compact, not primary
    (thumbs,) = feedback["elements"]
    assert thumbs["type"] == "feedback_buttons" and thumbs["action_id"] == ACTION_FEEDBACK
    up, down = thumbs["positive_button"]["value"], thumbs["negative_button"]["value"]
    assert (feedback_vote(up), feedback_vote(down)) == (("up", "42"), ("down", "42"))
    assert feedback_vote("sideways:42") is None and feedback_vote("up:") is None


def test_without_an_audit_record_there_is_nothing_to_click(agent: Agent) -> None:
    message = answer_message(agent.ask("ARR by segment"), record_id=None)
    assert not of_type(message, "actions") and not of_type(message, "context_actions")


def test_a_clarification_turns_its_suggestions_into_buttons(agent: Agent) -> None:
    answer = agent.ask("what's our NPS?")
    message = answer_message(answer, record_id="1")
    (actions,) = of_type(message, "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(set(ids)) == len(ids) and all(i.startswith(f"{ACTION_ASK}_") for i in ids)
    assert [e["value"] for e in actions["elements"]] == list(answer.suggestions[: len(ids)])
    assert all(len(e["text"]["text"]) <= 75 for e in actions["elements"])


def test_a_refusal_and_an_apology_are_short_and_marked() -> None:
    denied = Answer("denied", "You are not allowed to see ARR.", "q", "c")
    assert ":lock:" in sections(answer_message(denied, record_id="1"))[0]
    failed = Answer("error", "Sorry, trace id abcd1234.", "q", "c", trace_id="abcd1234")
    assert ":warning:" in sections(answer_message(failed, record_id="1"))[0]
    assert text_message("x" * 5000).text.endswith("…")


def test_long_sql_is_split_into_code_blocks() -> None:
    sql = "\n".join(f"SELECT {n} AS column_{n} -- a long line of SQL" for n in range(400))
    message = sql_message(sql)
    assert len(message.blocks) > 1
    assert all(s.startswith("```") and s.endswith("```") for s in sections(message))


def test_caveats_reach_slack_as_markdown_blocks_without_html(agent: Agent) -> None:
    message = answer_message(agent.ask("what's our CSAT this quarter?"), record_id="1")
    notes = [b["text"] for b in of_type(message, "markdown") if b["text"].startswith(":memo:")]
    assert notes, message.blocks
    for note in notes:
        assert "<!--" not in note and note.startswith(":memo: **")


def test_a_markdown_table_reaches_a_markdown_block_as_an_aligned_monospaced_block() -> None:
    text = to_slack_markdown(
        "<!-- for analysts -->\nSee **this**:\n\n| Phrase | Means |\n|---|---|\n"
        "| today | the as-of day |\n| ytd | a <= b |"
    )
    assert text == (
        "See **this**:\n\n```\nPhrase  Means\n------  -------------\ntoday   the as-of day\n"
        "ytd     a <= b\n```"
    )
    mrkdwn = to_mrkdwn("| Phrase | Means |\n|---|---|\n| ytd | a <= b |")
    assert mrkdwn == "```\nPhrase  Means\n------  ------\nytd     a &lt;= b\n```"


def _texts(value: object, kind: str = "mrkdwn") -> Iterator[tuple[str, str]]:
    """(kind, text) of every text object in a Block Kit structure."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            yield str(value.get("type", kind)), value["text"]
        for item in value.values():
            yield from _texts(item, kind)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item, kind)


@pytest.mark.parametrize(
    "question",
    [
        "what's our NPS?",
        "tickets per agent last month",
        "ARR by vertical",
        "ARR for deals over 50k",
        "what's the win rate by source this year vs last year?",
        "why did ticket volume go up last month?",
        "what's our CSAT this quarter?",
        "how many tickets were created with csat_score <= 2 last month?",
    ],
)
def test_every_text_that_reaches_slack_is_written_for_slack(agent: Agent, question: str) -> None:
    message = answer_message(agent.ask(question), record_id="1")
    texts = [("fallback", message.text), *_texts(list(message.blocks))]
    for kind, text in texts:
        assert "cortex metrics" not in text and "`cortex " not in text, text  # no CLI to run
        if kind != "markdown":
            assert "**" not in text, text  # mrkdwn bolds with one asterisk
        decoded = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if kind in ("plain_text", "raw_text"):
            assert decoded == text, text  # plain text shows entities as they are
        else:
            assert "&lt;" not in decoded and "&amp;" not in decoded, text  # escaped once
