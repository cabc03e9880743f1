"""An answer as the page shows it: the sentence, the chart's spec, the table, how it was computed.

Everything shown comes from the `Answer` the agent gave and the loaded model: the Vega-Lite spec
is `cortex.answers.chart.chart_spec` (drawn in the browser by vega-embed, served locally), the
cells are formatted as the terminal and Slack format them, and "how it was computed" holds the
same points as the CLI's (`provenance_points`) plus where and when the data was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from markdown_it import MarkdownIt
from markupsafe import Markup

from cortex.answer import Answer
from cortex.answers.chart import chart_spec
from cortex.answers.formatting import provenance_points
from cortex.answers.wording import cell_text, shown_partials
from semantic_layer.model import SemanticModel

__all__ = ["MAX_TABLE_ROWS", "AnswerView", "Column", "view_of"]

#: Rows the page's table shows at most (the rest are counted).
MAX_TABLE_ROWS: Final = 200
#: Markdown of context/ as HTML: raw HTML in it is escaped, unsafe links are not made links.
_MARKDOWN: Final = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Column:
    """A column of the table: its label, and whether it holds numbers (aligned right)."""

    label: str
    numeric: bool


@dataclass(frozen=True)
class AnswerView:
    """What the answer page shows of one answer."""

    answer: Answer
    #: its audit record (None when the audit trail could not be written: no feedback then)
    record_id: int | None
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    #: rows of the result the table leaves out
    more_rows: int = 0
    chart: dict[str, Any] | None = None
    #: (a part to emphasise, the rest), one per point of "how this was computed"
    computed: tuple[tuple[str, str], ...] = ()
    #: where and when the data was read, and whether the result was cut short
    data_notes: tuple[str, ...] = ()
    sql: str | None = None
    #: (the context document and section, its text as HTML) of each caveat
    caveats: tuple[tuple[str, Markup], ...] = field(default_factory=tuple)

    @property
    def has_numbers(self) -> bool:
        return self.answer.status == "answer" and self.answer.compiled is not None


def view_of(answer: Answer, record_id: int | None, model: SemanticModel) -> AnswerView:
    """The page's view of `answer` (recorded as `record_id`) over `model`."""
    compiled, result = answer.compiled, answer.result
    caveats = tuple((c.source, Markup(_MARKDOWN.render(c.markdown))) for c in answer.caveats)
    if answer.status != "answer" or compiled is None or result is None:
        return AnswerView(answer, record_id, caveats=caveats)
    frame = result.frame
    partials = shown_partials(compiled, frame)
    shown = frame.head(MAX_TABLE_ROWS).to_dict("records")
    rows = tuple(tuple(cell_text(c, row, partials) for c in compiled.columns) for row in shown)
    columns = tuple(Column(c.label, c.kind != "dimension") for c in compiled.columns)
    fresh = result.freshness.isoformat(sep=" ") if result.freshness else "unknown"
    ran = (
        "from the result cache (the same query on the same data ran before)"
        if result.cache == "hit"
        else f"ran in {sum(result.timings_ms.values()):.0f} ms"
    )
    notes = [f"Data as of {fresh}; {ran} on {', '.join(compiled.source_tables)}."]
    if result.truncated:
        notes.append(f"Showing the first {result.row_count:,} rows only.")
    return AnswerView(
        answer,
        record_id,
        columns=columns,
        rows=rows,
        more_rows=max(0, len(frame) - MAX_TABLE_ROWS),
        chart=chart_spec(compiled, frame, model),
        computed=tuple(provenance_points(compiled.provenance)),
        data_notes=tuple(notes),
        sql=compiled.sql,
        caveats=caveats,
    )
