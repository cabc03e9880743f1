"""An answer as Markdown, with its numbers and how they were computed, for pages and tasks.

    answer_markdown(answer, model) -> str

A Linear issue, a Notion page or a report that carries an answer carries all of it, so that
whoever reads it there can trust the numbers without coming back to Cortex: the question, the
narrative, the result as a table (cells formatted as Cortex formats them everywhere, partial
periods marked), the metrics with their definitions, the filters, the period in words, the
as-of day and data freshness, the caveats, and the SQL in a fenced block. An answer without
numbers (a question back, a refusal) is its question and text. Nothing here knows a metric by
name: everything is read from the answer and the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from cortex.answer import Answer
from cortex.answers.formatting import provenance_points
from cortex.answers.wording import cell_text, day_text, scope_of, shown_partials
from semantic_layer.compile import CompiledQuery
from semantic_layer.model import SemanticModel

__all__ = ["answer_markdown", "answers_markdown", "escape_cell", "result_table"]


def escape_cell(text: str) -> str:
    """`text` safe inside a Markdown table cell: pipes escaped, line breaks as spaces."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def result_table(compiled: CompiledQuery, frame: pd.DataFrame) -> str:
    """A result as a Markdown table: dimensions left-aligned, numbers right-aligned, each cell
    as Cortex shows it (`cell_text`), a partial period saying which days it covers."""
    columns = compiled.columns
    header = "| " + " | ".join(escape_cell(c.label) for c in columns) + " |"
    rule = "| " + " | ".join(":--" if c.kind == "dimension" else "--:" for c in columns) + " |"
    partials = shown_partials(compiled, frame)
    rows = [
        "| " + " | ".join(escape_cell(cell_text(c, row, partials)) for c in columns) + " |"
        for row in frame.to_dict("records")
    ]
    return "\n".join([header, rule, *rows])


def _fence(text: str) -> str:
    """A fence longer than any run of backticks in `text`, so the block cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _how_computed(answer: Answer, compiled: CompiledQuery, model: SemanticModel) -> list[str]:
    provenance = compiled.provenance
    lines = []
    for emphasis, rest in provenance_points(provenance):
        shown = f"**{emphasis}**" if emphasis else ""
        lines.append(f"- {shown}{rest}")
    if not provenance.filters:
        lines.append("- Filters: none (every row counts)")
    scope = scope_of(provenance, model)
    period = " ".join(part for part in (scope.conditions, scope.period) if part)
    if period:
        lines.append(f"- Period: {period}")
    if scope.compared:
        lines.append(f"- Compared with: {scope.compared}")
    as_of = f"- As of: {day_text(provenance.as_of)}"
    result = answer.result
    if result is not None and result.freshness is not None:
        as_of += f" (data fresh to {result.freshness.isoformat(sep=' ')})"
    lines.append(as_of)
    if provenance.source_tables:
        lines.append(f"- Source tables: {', '.join(provenance.source_tables)}")
    if result is not None and result.truncated:
        lines.append(f"- Only the first {result.row_count:,} rows are shown.")
    return lines


def answer_markdown(answer: Answer, model: SemanticModel, *, heading: str = "##") -> str:
    """`answer` as Markdown: the question as a heading (`heading` sets its level), the narrative,
    the result table, how it was computed, the caveats and the SQL."""
    parts = [f"{heading} {answer.question.strip() or 'Answer'}", answer.text.strip()]
    compiled = answer.compiled
    if answer.status != "answer" or compiled is None:
        parts.extend(f"- {suggestion}" for suggestion in answer.suggestions)
        return "\n\n".join(part for part in parts if part) + "\n"
    if answer.result is not None and not answer.result.frame.empty:
        parts.append(result_table(compiled, answer.result.frame))
    trust = {"verified": "verified", "generated": "generated (not verified)"}
    if answer.trust is not None:
        parts.append(f"Trust: {trust[answer.trust]}")
    parts.append(
        "**How this was computed**\n\n" + "\n".join(_how_computed(answer, compiled, model))
    )
    for caveat in answer.caveats:
        parts.append(f"**Note** ({caveat.source})\n\n{caveat.markdown.strip()}")
    fence = _fence(compiled.sql)
    parts.append(f"**SQL** ({compiled.dialect})\n\n{fence}sql\n{compiled.sql.strip()}\n{fence}")
    return "\n\n".join(part for part in parts if part) + "\n"


def answers_markdown(
    answers: Iterable[Answer], model: SemanticModel, *, heading: str = "##"
) -> str:
    """Several answers, oldest first, each as `answer_markdown`, separated by a rule."""
    return "\n---\n\n".join(answer_markdown(a, model, heading=heading) for a in answers)
