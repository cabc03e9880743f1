"""Answers as Slack messages: readable on a phone, within Slack's limits, never raw mrkdwn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cortex.agent import Agent
from cortex.answer import Answer
from cortex.answers.formatting import format_value
from cortex.assembly import build_agent
from cortex.slack.blocks import (
    ACTION_ASK,
    MAX_BLOCKS,
    MAX_TABLE_ROWS,
    SlackMessage,
    answer_message,
    escape,
    sql_message,
    text_message,
)
from cortex.slack.mrkdwn import to_mrkdwn
from cortex.workspace import Workspace


@pytest.fixture()
def agent(workspace: Workspace) -> Iterator[Agent]:
    yield build_agent(workspace)


def sections(message: SlackMessage) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def within_limits(message: SlackMessage) -> bool:
    texts = [b.get("text", {}).get("text", "") for b in message.blocks]
    texts += [
        e.get("text", "")
        for b in message.blocks
        for e in b.get("elements", [])
        if isinstance(e.get("text"), str)
    ]
    return len(message.blocks) <= MAX_BLOCKS and all(len(t) <= 3000 for t in texts)


def test_a_breakdown_is_one_line_a_row_with_the_values_formatted(agent: Agent) -> None:
    message = answer_message(agent.ask("ARR by segment"), record_id="7")
    table = sections(message)[1]
    assert table.count("\n") == 2  # three segments, one line each
    assert "• *Enterprise* — $" in table


def test_a_long_result_is_cut_with_a_note_and_stays_within_limits(agent: Agent) -> None:
    answer = agent.ask("ARR by account")
    assert answer.result is not None and answer.result.row_count > MAX_TABLE_ROWS
    message = answer_message(answer, record_id="1")
    assert sections(message)[1].count("\n") == MAX_TABLE_ROWS - 1
    assert f"Showing {MAX_TABLE_ROWS} of {answer.result.row_count:,} rows" in str(message.blocks)
    assert within_limits(message)


def test_a_single_number_is_rounded_in_the_sentence_and_exact_below_it(agent: Agent) -> None:
    answer = agent.ask("what's our ARR?")
    assert answer.result is not None
    exact = format_value(answer.result.frame["arr"].iloc[0], "currency")
    message = answer_message(answer, record_id="1")
    sentence, table = sections(message)[:2]
    assert exact not in sentence and sentence.startswith("ARR is $")
    assert table == f"• ARR {exact}"


def test_dimension_values_are_escaped_for_mrkdwn(agent: Agent) -> None:
    message = answer_message(agent.ask("ARR by vertical"), record_id="1")
    assert "Apparel &amp; Accessories" in sections(message)[1]
    assert escape("<b> & <@U1>") == "&lt;b&gt; &amp; &lt;@U1&gt;"


def test_every_answer_has_feedback_and_sql_buttons_carrying_its_record(agent: Agent) -> None:
    message = answer_message(agent.ask("ARR by segment"), record_id="42")
    actions = message.blocks[-1]
    assert actions["type"] == "actions"
    assert [e["value"] for e in actions["elements"]] == ["42", "42", "42"]


def test_a_clarification_turns_its_suggestions_into_buttons(agent: Agent) -> None:
    answer = agent.ask("what's our NPS?")
    message = answer_message(answer, record_id="1")
    (actions,) = [b for b in message.blocks if b["type"] == "actions"]
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


def test_long_sql_is_split_into_code_blocks_within_limits() -> None:
    sql = "\n".join(f"SELECT {n} AS column_{n} -- a long line of SQL" for n in range(400))
    message = sql_message(sql)
    assert len(message.blocks) > 1 and within_limits(message)
    assert all(s.startswith("```") and s.endswith("```") for s in sections(message))


def test_caveats_reach_slack_as_mrkdwn_never_as_raw_markdown(agent: Agent) -> None:
    message = answer_message(agent.ask("what's our CSAT this quarter?"), record_id="1")
    notes = [text for text in sections(message) if text.startswith(":memo:")]
    assert notes, sections(message)
    for note in notes:
        assert "**" not in note and "<!--" not in note
        assert note.startswith(":memo: *") and "\n• " in note


def test_a_markdown_table_reaches_slack_as_an_aligned_monospaced_block() -> None:
    text = to_mrkdwn("| Phrase | Means |\n|---|---|\n| today | the as-of day |\n| ytd | a <= b |")
    assert text == (
        "```\nPhrase  Means\n------  -------------\ntoday   the as-of day\nytd     a &lt;= b\n```"
    )


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
        assert "**" not in text, text  # Slack bolds with one asterisk
        decoded = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if kind == "plain_text":
            assert decoded == text, text  # plain text shows entities as they are
        else:
            assert "&lt;" not in decoded and "&amp;" not in decoded, text  # escaped once
