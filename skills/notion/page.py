"""What a Notion page of answers holds, as blocks: the answers shown as Cortex shows them.

For each answer: the question (a heading), the narrative, the result as a table (cells as the
terminal shows them, `cortex.answers.wording.cell_text`), the chart (a PNG of
`cortex.answers.chart`, uploaded by the caller), "How this was computed" (the provenance points
of `cortex.answers.formatting`, the data's freshness, the trust), the caveats as callouts and
the SQL. Then where it was asked: a link back to the Slack thread, and for whom it was written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from cortex.answer import Answer
from cortex.answers.chart import ChartError, chart_spec, render_png
from cortex.answers.formatting import provenance_points
from cortex.answers.wording import cell_text, shown_partials
from semantic_layer.model import SemanticModel
from skills.base import Requester
from skills.notion.blocks import (
    MAX_TABLE_ROWS,
    bulleted,
    callout,
    code,
    heading,
    image,
    paragraph,
    table,
    text_item,
)

__all__ = ["answer_blocks", "chart_png", "footer_blocks", "has_numbers", "page_title"]

Block = dict[str, Any]
_log = logging.getLogger("cortex.skills.notion")
_TRUST = {
    "verified": "verified (a query reviewed by the metric's owners)",
    "generated": "generated (planned for this question; not reviewed)",
}
#: Notion shows a page title in full, but a long one is unreadable: questions are cut here.
_TITLE_CHARS = 200


def has_numbers(answer: Answer) -> bool:
    """Whether the answer holds a result to show (not a question back or a refusal)."""
    return answer.status == "answer" and answer.compiled is not None and answer.result is not None


def page_title(title: str | None, answers: Sequence[Answer]) -> str:
    """The page's title: the one given, else the question (several joined by " · ")."""
    text = (title or "").strip() or " · ".join(a.question.strip() for a in answers)
    return text if len(text) <= _TITLE_CHARS else text[: _TITLE_CHARS - 1] + "…"


def chart_png(answer: Answer, model: SemanticModel | None) -> bytes | None:
    """The answer's chart as PNG bytes, or None when a chart would not help or fails to
    render (the page is written without it; the log says why)."""
    if not has_numbers(answer) or answer.compiled is None or answer.result is None:
        return None
    spec = chart_spec(answer.compiled, answer.result.frame, model)
    if spec is None:
        return None
    try:
        return render_png(spec, scale=2.0)
    except ChartError:
        _log.warning("the chart of %r could not be rendered; the page has none", answer.question)
        return None


def answer_blocks(answer: Answer, *, chart_upload: str | None = None) -> list[Block]:
    """One answer as blocks; `chart_upload` is the id of its uploaded chart, if any."""
    blocks: list[Block] = [heading(answer.question, 2), paragraph(answer.text)]
    if not has_numbers(answer) or answer.compiled is None or answer.result is None:
        return blocks
    compiled, result = answer.compiled, answer.result
    frame = result.frame
    if not frame.empty:
        partials = shown_partials(compiled, frame)
        records = frame.to_dict("records")
        rows = [[cell_text(c, row, partials) for c in compiled.columns] for row in records]
        blocks.append(table([c.label for c in compiled.columns], rows))
        if len(rows) > MAX_TABLE_ROWS or result.truncated:
            blocks.append(paragraph(f"Showing the first {min(len(rows), MAX_TABLE_ROWS):,} rows."))
    if chart_upload is not None:
        blocks.append(image(chart_upload))
    blocks.append(heading("How this was computed", 3))
    for emphasis, rest in provenance_points(compiled.provenance):
        parts = [text_item(emphasis, bold=True)] if emphasis else []
        blocks.append(bulleted([*parts, text_item(rest[:2000])]))
    fresh = result.freshness.isoformat(sep=" ") if result.freshness else "unknown"
    tables = ", ".join(compiled.provenance.source_tables)
    as_of = compiled.provenance.as_of.isoformat()
    blocks.append(bulleted(f"As of {as_of}; data as of {fresh}, from {tables}."))
    if answer.trust is not None:
        blocks.append(bulleted(f"Trust: {_TRUST.get(answer.trust, answer.trust)}."))
    for caveat in answer.caveats:
        blocks.append(callout(f"{caveat.source}: {caveat.markdown}"))
    blocks.append(code(compiled.sql, "sql"))
    return blocks


def footer_blocks(requester: Requester) -> list[Block]:
    """Where the answers were asked: a link back to the thread, and for whom Cortex wrote."""
    who = requester.user_name or requester.user_id
    parts = [text_item(f"Written by Cortex for {who}.")]
    if requester.thread_link:
        where = "Slack" if requester.source == "slack" else "the conversation"
        parts += [
            text_item(f" Asked in {where}: "),
            text_item("the thread", link=requester.thread_link),
        ]
    return [paragraph(parts)]
