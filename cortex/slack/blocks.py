"""Answers as Slack messages, built from `slack_sdk.models.blocks` within Slack's limits.

Pure functions of an `Answer`; nothing here talks to Slack. Every block is a validated
`slack_sdk` object turned into a dict only when the message is made (`SlackMessage.of`): a
block over a limit fails there, in our code, not as `invalid_blocks` from Slack.

An answer is, top to bottom: the narrative (a `markdown` block); the result as a `table` block
(a header row of column labels, then the rows formatted as the terminal formats them, numbers
right-aligned); a note when the table is cut, saying the full result is in the thread as a CSV
file (app.py uploads it); the context line (trust badge, freshness, owners); how it was
computed; the caveats (`markdown` blocks); Show SQL and the skills as compact buttons; and 👍/👎
as a `feedback_buttons` element, whose two buttons carry `up:<record>` / `down:<record>`.

Slack's limits kept here: 50 blocks a message; 3,000 characters a section or context text;
12,000 characters of `markdown` blocks in a message, all of them together; one table a message,
of at most `MAX_TABLE_ROWS` rows (its header row included) and `MAX_TABLE_COLUMNS` cells a row,
and at most `MAX_TABLE_CHARS` characters in its cells; button labels of 75 characters and values
of 2,000. The fallback `text` (what notifications show) is kept under 3,000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from slack_sdk.models.basic_objects import JsonValidator
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownBlock,
    MarkdownTextObject,
    PlainTextObject,
    RawTextObject,
    SectionBlock,
    TableBlock,
    TableBlockColumnSettings,
)

from cortex.answer import Answer
from cortex.answers.formatting import provenance_points
from cortex.answers.wording import cell_text, shown_partials
from cortex.slack.markdown import to_slack_markdown
from semantic_layer.compile import CompiledQuery

__all__ = [
    "ACTION_ASK",
    "ACTION_CANCEL",
    "ACTION_CONFIRM",
    "ACTION_FEEDBACK",
    "ACTION_FEEDBACK_DOWN",
    "ACTION_FEEDBACK_UP",
    "ACTION_SHOW_SQL",
    "ACTION_SKILL",
    "MAX_BLOCKS",
    "MAX_BUTTON_LABEL",
    "MAX_BUTTON_VALUE",
    "MAX_MARKDOWN_CHARS",
    "MAX_SECTION_CHARS",
    "MAX_TABLE_CHARS",
    "MAX_TABLE_COLUMNS",
    "MAX_TABLE_ROWS",
    "ResultTable",
    "SlackMessage",
    "action_message",
    "answer_message",
    "confirmation_message",
    "escape",
    "feedback_vote",
    "placeholder_message",
    "rows_shown",
    "sql_message",
    "text_message",
]

MAX_BLOCKS: Final = 50
MAX_SECTION_CHARS: Final = 3000
MAX_BUTTON_LABEL: Final = 75
MAX_BUTTON_VALUE: Final = 2000
#: All `markdown` blocks of one message together (Slack answers `msg_blocks_too_long` beyond).
MAX_MARKDOWN_CHARS: Final = 12_000
#: Rows of a table block, its header row included (Slack's limit is 100 rows).
MAX_TABLE_ROWS: Final = 100
#: Cells of a table row (Slack's limit is 20).
MAX_TABLE_COLUMNS: Final = 20
#: Characters in all the cells of a table together: Slack rejects a table far beyond this.
MAX_TABLE_CHARS: Final = 10_000
#: Skill buttons under an answer (an actions block holds 25 elements; a phone shows few).
MAX_SKILL_BUTTONS: Final = 4
#: Suggested rephrasings of a clarification shown as buttons.
MAX_SUGGESTIONS: Final = 5

ACTION_FEEDBACK: Final = "cortex_feedback"  # the feedback_buttons element: `up:<id>`/`down:<id>`
#: The 👍/👎 buttons of messages posted before `feedback_buttons`; still answered when clicked.
ACTION_FEEDBACK_UP: Final = "cortex_feedback_up"
ACTION_FEEDBACK_DOWN: Final = "cortex_feedback_down"
ACTION_SHOW_SQL: Final = "cortex_show_sql"
ACTION_ASK: Final = "cortex_ask"  # a suggested rephrasing; `cortex_ask_<n>` in one message
ACTION_SKILL: Final = "cortex_skill"  # a skill on an answer; `cortex_skill_<n>` in one message
ACTION_CONFIRM: Final = "cortex_confirm"
ACTION_CANCEL: Final = "cortex_cancel"

_VOTES: Final = ("up", "down")


class ResultTable(TableBlock):
    """Slack's `table` block with the limits Slack enforces and `TableBlock` leaves unchecked."""

    @JsonValidator(f"a table holds at most {MAX_TABLE_ROWS} rows, its header included")
    def _validate_row_count(self) -> bool:
        return len(self.rows) <= MAX_TABLE_ROWS

    @JsonValidator(f"a table row holds at most {MAX_TABLE_COLUMNS} cells, all rows alike")
    def _validate_row_width(self) -> bool:
        widths = {len(row) for row in self.rows}
        return len(widths) == 1 and 0 < widths.pop() <= MAX_TABLE_COLUMNS

    @JsonValidator(f"column_settings holds at most {MAX_TABLE_COLUMNS} items")
    def _validate_settings(self) -> bool:
        return self.column_settings is None or len(self.column_settings) <= MAX_TABLE_COLUMNS

    @JsonValidator(f"a table's cells hold at most {MAX_TABLE_CHARS} characters together")
    def _validate_characters(self) -> bool:
        return sum(len(_cell_chars(cell)) for row in self.rows for cell in row) <= MAX_TABLE_CHARS


def _cell_chars(cell: object) -> str:
    if isinstance(cell, RawTextObject):
        return cell.text
    if isinstance(cell, dict):
        return str(cell.get("text", ""))
    return ""


@dataclass(frozen=True)
class SlackMessage:
    """What to post: the fallback text (notifications, screen readers) and the blocks, as the
    dicts `slack_sdk`'s validated block objects give (`of` makes one from those objects)."""

    text: str
    blocks: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, text: str, blocks: Sequence[Block]) -> SlackMessage:
        """A message of validated blocks: each `to_dict()` raises on a block over a limit."""
        if len(blocks) > MAX_BLOCKS:
            raise ValueError(f"a message holds at most {MAX_BLOCKS} blocks, not {len(blocks)}")
        return cls(_clip(text, MAX_SECTION_CHARS), tuple(block.to_dict() for block in blocks))

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `chat.postMessage` / `chat.update`."""
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    """Text safe inside mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]#|])")


def _markdown_text(text: str) -> str:
    """Plain text (a narrative, a question) safe inside a `markdown` block: shown as written,
    never as formatting, a link or a mention (CommonMark reads the entities and the escapes)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape(text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_clip(text, MAX_SECTION_CHARS)))


def _context(*lines: str) -> ContextBlock:
    elements = [MarkdownTextObject(text=_clip(line, MAX_SECTION_CHARS)) for line in lines]
    return ContextBlock(elements=elements[:10])  # a context block holds 10 elements


def _button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=_clip(label, MAX_BUTTON_LABEL), emoji=True),
        action_id=action_id,
        value=_clip(value, MAX_BUTTON_VALUE),
        style=style,
    )


def text_message(text: str, *, emoji: str = "") -> SlackMessage:
    """A short message: a refusal, an apology, a question back without suggestions."""
    shown = f"{emoji} {text}" if emoji else text
    return SlackMessage.of(escape(text), [_section(escape(shown))])


def placeholder_message(question: str) -> SlackMessage:
    """The "working on it" message an answer replaces."""
    return SlackMessage.of(
        "Working on it…",
        [_context(f":hourglass_flowing_sand: Working on “{escape(_clip(question, 200))}”…")],
    )


# --------------------------------------------------------------------------- the table


def rows_shown(answer: Answer) -> int:
    """How many rows of the answer's result its table shows (0: no table). Fewer than the
    result has means the table is cut, and the full result goes in the thread as a file."""
    if answer.compiled is None or answer.result is None or answer.result.frame.empty:
        return 0
    return len(_table_rows(answer.compiled, answer.result.frame)) - 1  # not the header


def _table_rows(compiled: CompiledQuery, frame: pd.DataFrame) -> list[list[str]]:
    """The table's rows as text: the header of column labels, then as many result rows as the
    limits of a table block allow (the first `MAX_TABLE_COLUMNS` columns)."""
    columns = list(compiled.columns)[:MAX_TABLE_COLUMNS]
    header = [_clip(c.label, 200) or c.name for c in columns]
    rows = [header]
    used = sum(len(cell) for cell in header)
    partials = shown_partials(compiled, frame)
    for row in frame.head(MAX_TABLE_ROWS - 1).to_dict("records"):
        cells = [_clip(cell_text(c, row, partials), 200) or "–" for c in columns]
        used += sum(len(cell) for cell in cells)
        if used > MAX_TABLE_CHARS:
            break
        rows.append(cells)
    return rows


def _table(compiled: CompiledQuery, frame: pd.DataFrame) -> ResultTable:
    columns = list(compiled.columns)[:MAX_TABLE_COLUMNS]
    settings = [
        TableBlockColumnSettings(
            align="left" if c.kind == "dimension" else "right", is_wrapped=True
        )
        for c in columns
    ]
    rows = [[RawTextObject(text=cell) for cell in row] for row in _table_rows(compiled, frame)]
    return ResultTable(rows=rows, column_settings=settings, block_id="cortex_result")


def _table_blocks(answer: Answer) -> list[Block]:
    compiled, result = answer.compiled, answer.result
    if compiled is None or result is None or result.frame.empty:
        return []
    table = _table(compiled, result.frame)
    blocks: list[Block] = [table]
    shown = len(table.rows) - 1
    hidden_columns = len(compiled.columns) - MAX_TABLE_COLUMNS
    notes = []
    if shown < result.row_count:
        notes.append(f"Showing {shown:,} of {result.row_count:,} rows")
    if hidden_columns > 0:
        notes.append(f"the first {MAX_TABLE_COLUMNS} of {len(compiled.columns)} columns")
    if notes:
        blocks.append(
            _context(
                f":page_facing_up: {', and '.join(notes)}; the whole result is in this thread "
                "as a CSV file. Narrow the question with a filter to see the rest here."
            )
        )
    return blocks


# --------------------------------------------------------------------------- an answer


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


def _markdown_blocks(texts: Sequence[str], budget: int = MAX_MARKDOWN_CHARS) -> list[Block]:
    """`markdown` blocks of `texts` within the message's budget: a text past it is cut, with a
    line saying so, and the ones after it are left out."""
    blocks: list[Block] = []
    cut = "\n\n_(cut here: Slack shows no more of it)_"
    for text in texts:
        if budget <= len(cut) + 1:
            break
        shown = text if len(text) <= budget else text[: budget - len(cut)].rstrip() + cut
        blocks.append(MarkdownBlock(text=shown))
        budget -= len(shown)
    return blocks


def _caveat_texts(answer: Answer) -> list[str]:
    return [
        f":memo: **{_markdown_text(caveat.source)}**\n\n{to_slack_markdown(caveat.markdown)}"
        for caveat in answer.caveats
    ]


def _answer_actions(record_id: str, skills: Sequence[tuple[str, str]]) -> list[Block]:
    """Show SQL and the skills as compact buttons, then 👍/👎 as `feedback_buttons`."""
    on_answer = [
        _button(label, f"{ACTION_SKILL}_{n}", f"{skill}|{record_id}")
        for n, (label, skill) in enumerate(skills[:MAX_SKILL_BUTTONS])
    ]
    feedback = FeedbackButtonsElement(
        action_id=ACTION_FEEDBACK,
        positive_button=FeedbackButtonObject(
            text=PlainTextObject(text="👍", emoji=True),
            accessibility_label="A good answer",
            value=f"up:{record_id}",
        ),
        negative_button=FeedbackButtonObject(
            text=PlainTextObject(text="👎", emoji=True),
            accessibility_label="Something is wrong with this answer",
            value=f"down:{record_id}",
        ),
    )
    return [
        ActionsBlock(
            block_id="cortex_answer_actions",
            elements=[_button("Show SQL", ACTION_SHOW_SQL, record_id), *on_answer],
        ),
        ContextActionsBlock(block_id="cortex_feedback", elements=[feedback]),
    ]


def feedback_vote(value: str) -> tuple[str, str] | None:
    """(vote, record id) of a clicked `feedback_buttons` value (`up:42`), or None."""
    vote, _, record = value.partition(":")
    return (vote, record) if vote in _VOTES and record else None


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
    narrative, *caveats = _markdown_blocks([_markdown_text(answer.text), *_caveat_texts(answer)])
    head: list[Block] = [narrative, *_table_blocks(answer), _context(_badge_line(answer))]
    head.append(_section(_how_computed(answer)))
    tail: list[Block] = []
    if answer.action is not None and answer.action.outcome == "done":
        tail.extend(_produced(answer))
    if record_id is not None:
        tail.extend(_answer_actions(record_id, skills))
    room = MAX_BLOCKS - len(head) - len(tail)
    return SlackMessage.of(escape(answer.text), [*head, *caveats[:room], *tail])


def _clarification(answer: Answer) -> SlackMessage:
    blocks: list[Block] = [_section(f":thinking_face: {escape(answer.text)}")]
    suggestions: Sequence[str] = answer.suggestions[:MAX_SUGGESTIONS]
    if suggestions:
        blocks.append(
            ActionsBlock(
                block_id="cortex_suggestions",
                elements=[
                    _button(text, f"{ACTION_ASK}_{n}", text) for n, text in enumerate(suggestions)
                ],
            )
        )
    return SlackMessage.of(escape(answer.text), blocks)


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
    blocks: list[Block] = [_section(f"```\n{chunk}```") for chunk in chunks[: MAX_BLOCKS - 1]]
    if len(chunks) >= MAX_BLOCKS:
        blocks.append(_context("The SQL is longer than one Slack message; this is its start."))
    return SlackMessage.of("The SQL behind this answer", blocks)


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
    return SlackMessage.of(escape(answer.text), [_section(shown), *_produced(answer)])


def confirmation_message(question: str, value: str, *, asker: str) -> SlackMessage:
    """The question to confirm a skill that writes outside Cortex, with Confirm and Cancel
    buttons carrying `value`; only `asker` (a Slack user id) may click them."""
    blocks: list[Block] = [
        _section(f":raised_hand: {escape(question)}"),
        _context(f"Only <@{asker}>, who asked, can confirm."),
        ActionsBlock(
            block_id="cortex_confirmation",
            elements=[
                _button("Confirm", ACTION_CONFIRM, value, style="primary"),
                _button("Cancel", ACTION_CANCEL, value),
            ],
        ),
    ]
    return SlackMessage.of(escape(question), blocks)
