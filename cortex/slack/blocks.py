"""Answers as Slack messages: Block Kit blocks and a plain-text fallback, within Slack's limits.

Pure functions of an `Answer`; nothing here talks to Slack. A message has at most 50 blocks, a
section at most 3,000 characters and a button label 75, a button value 2,000; the fallback
`text` (what notifications show) is kept under 3,000 characters. A long table is cut to
`MAX_TABLE_ROWS` rows with a note saying how many there are, so it stays readable on a phone:
one line a row, the dimension values in bold, then the metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from cortex.answer import Answer
from cortex.answers.formatting import format_cell, provenance_points
from cortex.answers.wording import cell_text, shown_partials
from cortex.slack.mrkdwn import to_mrkdwn
from semantic_layer.compile import CompiledQuery

__all__ = [
    "ACTION_ASK",
    "ACTION_CANCEL",
    "ACTION_CONFIRM",
    "ACTION_SKILL",
    "ACTION_FEEDBACK_DOWN",
    "ACTION_FEEDBACK_UP",
    "ACTION_SHOW_SQL",
    "MAX_BLOCKS",
    "MAX_TABLE_ROWS",
    "SlackMessage",
    "action_message",
    "answer_message",
    "confirmation_message",
    "escape",
    "placeholder_message",
    "sql_message",
    "text_message",
]

MAX_BLOCKS: Final = 50
MAX_SECTION_CHARS: Final = 3000
MAX_BUTTON_LABEL: Final = 75
MAX_BUTTON_VALUE: Final = 2000
MAX_TABLE_ROWS: Final = 15
#: Skill buttons under an answer (an actions block holds 25 elements; a phone shows few).
MAX_SKILL_BUTTONS: Final = 4

ACTION_FEEDBACK_UP: Final = "cortex_feedback_up"
ACTION_FEEDBACK_DOWN: Final = "cortex_feedback_down"
ACTION_SHOW_SQL: Final = "cortex_show_sql"
ACTION_ASK: Final = "cortex_ask"  # a suggested rephrasing; `cortex_ask_<n>` in one message
ACTION_SKILL: Final = "cortex_skill"  # a skill on an answer; `cortex_skill_<n>` in one message
ACTION_CONFIRM: Final = "cortex_confirm"
ACTION_CANCEL: Final = "cortex_cancel"

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """What to post: the fallback text (notifications, screen readers) and the blocks."""

    text: str
    blocks: tuple[Block, ...]

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `chat.postMessage` / `chat.update`."""
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    """Text safe inside mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_CHARS)}}


def _context(*lines: str) -> Block:
    elements = [{"type": "mrkdwn", "text": _clip(line, MAX_SECTION_CHARS)} for line in lines]
    return {"type": "context", "elements": elements[:10]}  # a context block holds 10 elements


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(label, MAX_BUTTON_LABEL), "emoji": True},
        "action_id": action_id,
        "value": _clip(value, MAX_BUTTON_VALUE),
    }
    if style is not None:
        button["style"] = style
    return button


def text_message(text: str, *, emoji: str = "") -> SlackMessage:
    """A short message: a refusal, an apology, a question back without suggestions."""
    shown = f"{emoji} {text}" if emoji else text
    return SlackMessage(_clip(escape(text), MAX_SECTION_CHARS), (_section(escape(shown)),))


def placeholder_message(question: str) -> SlackMessage:
    """The "working on it" message an answer replaces."""
    return SlackMessage(
        "Working on it…",
        (_context(f":hourglass_flowing_sand: Working on “{escape(_clip(question, 200))}”…"),),
    )


def _table_lines(compiled: CompiledQuery, frame: pd.DataFrame) -> list[str]:
    """One line a row: `• *Enterprise* · 2026-10 — ARR $4.2M · Accounts 120`."""
    dimensions = [c for c in compiled.columns if c.kind == "dimension"]
    values = [c for c in compiled.columns if c.kind != "dimension"]
    labelled = len(values) > 1 or not dimensions
    partials = shown_partials(compiled, frame)
    lines = []
    for row in frame.head(MAX_TABLE_ROWS).to_dict("records"):
        keys = " · ".join(f"*{escape(cell_text(c, row, partials))}*" for c in dimensions)
        cells = [format_cell(c, row[c.name]) for c in values]
        shown = " · ".join(
            f"{escape(c.label)} {cell}" if labelled else cell
            for c, cell in zip(values, cells, strict=True)
        )
        lines.append(f"• {keys} — {shown}" if keys else f"• {shown}")
    return lines


def _table_blocks(compiled: CompiledQuery, frame: pd.DataFrame, total_rows: int) -> list[Block]:
    if frame.empty:
        return []  # a single number is shown too: the narrative rounds it ($35.8K)
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in _table_lines(compiled, frame):
        if sum(len(x) + 1 for x in chunk) + len(line) > MAX_SECTION_CHARS:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if total_rows > MAX_TABLE_ROWS:
        blocks.append(
            _context(
                f"Showing {MAX_TABLE_ROWS} of {total_rows:,} rows. Ask for the top "
                f"{MAX_TABLE_ROWS}, or narrow the question with a filter, to see the rest."
            )
        )
    return blocks


def _has_dimensions(compiled: CompiledQuery) -> bool:
    return any(c.kind == "dimension" for c in compiled.columns)


def _how_computed(answer: Answer) -> str:
    assert answer.compiled is not None
    p = answer.compiled.provenance
    lines = ["*How I computed this*"]
    for emphasis, rest in provenance_points(p, joins=False):
        shown = f"*{escape(emphasis)}*" if emphasis else ""
        lines.append(f"• {shown}{escape(rest)}")
    return "\n".join(lines)


def _badge_line(answer: Answer) -> str:
    assert answer.compiled is not None
    badge = (
        ":white_check_mark: *Verified* query"
        if answer.trust == "verified"
        else ":gear: *Generated* from governed metrics"
    )
    result = answer.result
    fresh = "unknown"
    if result is not None and result.freshness is not None:
        fresh = result.freshness.isoformat(sep=" ", timespec="minutes")
    owners = sorted({m.owner for m in answer.compiled.provenance.metrics})
    return f"{badge} · data as of {fresh} · owners: {escape(', '.join(owners))}"


def _feedback_actions(record_id: str, skills: Sequence[tuple[str, str]] = ()) -> Block:
    on_answer = [
        _button(label, f"{ACTION_SKILL}_{n}", f"{skill}|{record_id}")
        for n, (label, skill) in enumerate(skills[:MAX_SKILL_BUTTONS])
    ]
    return {
        "type": "actions",
        "block_id": "cortex_answer_actions",
        "elements": [
            _button("👍", ACTION_FEEDBACK_UP, record_id),
            _button("👎", ACTION_FEEDBACK_DOWN, record_id),
            _button("Show SQL", ACTION_SHOW_SQL, record_id),
            *on_answer,
        ],
    }


def answer_message(
    answer: Answer, *, record_id: str | None, skills: Sequence[tuple[str, str]] = ()
) -> SlackMessage:
    """The message for any answer; `record_id` (the audit record) is what the buttons carry.
    `skills` are (label, skill name) pairs offered as buttons under an answer with numbers
    ("Save to Notion"). Without a record (the audit log could not be written) there are no
    buttons: a rating, Show SQL or a skill would have nothing to point at."""
    if answer.status == "action":
        return action_message(answer)
    if answer.status == "clarification":
        return _clarification(answer)
    if answer.status == "denied":
        return text_message(answer.text, emoji=":lock:")
    if answer.status == "error":
        return text_message(answer.text, emoji=":warning:")
    if answer.status != "answer" or answer.compiled is None or answer.result is None:
        return text_message(answer.text)
    frame = answer.result.frame
    blocks: list[Block] = [_section(escape(answer.text))]
    blocks.extend(_table_blocks(answer.compiled, frame, answer.result.row_count))
    blocks.append(_context(_badge_line(answer)))
    blocks.append(_section(_how_computed(answer)))
    for caveat in answer.caveats:
        blocks.append(_section(f":memo: *{escape(caveat.source)}*\n{to_mrkdwn(caveat.markdown)}"))
    if answer.action is not None and answer.action.outcome == "done":
        blocks.extend(_produced(answer))
    blocks = blocks[: MAX_BLOCKS - 1]
    if record_id is not None:
        blocks.append(_feedback_actions(record_id, skills))
    return SlackMessage(_clip(escape(answer.text), MAX_SECTION_CHARS), tuple(blocks))


def _clarification(answer: Answer) -> SlackMessage:
    blocks: list[Block] = [_section(f":thinking_face: {escape(answer.text)}")]
    suggestions: Sequence[str] = answer.suggestions[:5]
    if suggestions:
        blocks.append(
            {
                "type": "actions",
                "block_id": "cortex_suggestions",
                "elements": [
                    _button(text, f"{ACTION_ASK}_{n}", text) for n, text in enumerate(suggestions)
                ],
            }
        )
    return SlackMessage(_clip(escape(answer.text), MAX_SECTION_CHARS), tuple(blocks))


def sql_message(sql: str) -> SlackMessage:
    """The SQL behind an answer, in code blocks of at most a section each."""
    budget = MAX_SECTION_CHARS - 8  # the ``` fences and newlines
    chunks, current = [], ""
    for line in (escape(line) for line in sql.splitlines()):  # measured as Slack will get it
        if len(current) + len(line) + 1 > budget and current:
            chunks.append(current)
            current = ""
        current += _clip(line, budget) + "\n"
    if current:
        chunks.append(current)
    blocks = [_section(f"```\n{chunk}```") for chunk in chunks[: MAX_BLOCKS - 1]]
    if len(chunks) >= MAX_BLOCKS:
        blocks.append(_context("The SQL is longer than one Slack message; this is its start."))
    return SlackMessage("The SQL behind this answer", tuple(blocks))


def _produced(answer: Answer) -> list[Block]:
    """What a skill made, as a line: its link, or the files posted in the thread."""
    action = answer.action
    if action is None:
        return []
    lines = []
    if action.link is not None:
        lines.append(f":link: <{action.link}|Open it>")
    if action.files:
        names = ", ".join(escape(path.rsplit("/", 1)[-1]) for path in action.files)
        lines.append(f":page_facing_up: {names} (in this thread)")
    return [_context(*lines)] if lines else []


def action_message(answer: Answer) -> SlackMessage:
    """What a skill asked for gave: what it says, with its link or files."""
    emoji = ":white_check_mark:" if answer.action and answer.action.outcome == "done" else ""
    shown = f"{emoji} {escape(answer.text)}" if emoji else escape(answer.text)
    blocks: list[Block] = [_section(shown), *_produced(answer)]
    return SlackMessage(_clip(escape(answer.text), MAX_SECTION_CHARS), tuple(blocks))


def confirmation_message(question: str, value: str, *, asker: str) -> SlackMessage:
    """The question to confirm a skill that writes outside Cortex, with Confirm and Cancel
    buttons carrying `value`; only `asker` (a Slack user id) may click them."""
    blocks: list[Block] = [
        _section(f":raised_hand: {escape(question)}"),
        _context(f"Only <@{asker}>, who asked, can confirm."),
        {
            "type": "actions",
            "block_id": "cortex_confirmation",
            "elements": [
                _button("Confirm", ACTION_CONFIRM, value, style="primary"),
                _button("Cancel", ACTION_CANCEL, value),
            ],
        },
    ]
    return SlackMessage(_clip(escape(question), MAX_SECTION_CHARS), tuple(blocks))
