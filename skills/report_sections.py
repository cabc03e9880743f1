"""What a report shows of one answer, as plain data a template lays out: a `Section`.

`report_section(answer, model)` reads everything from the answer and the loaded model, never
from names of its own: the question and the narrative; the result's cells as Cortex writes them
(`cell_text`), each with its raw value kept for sorting; a filter for each categorical column,
its choices taken from the result; the Vega-Lite chart of `chart_spec`, with a parameter the
filter of the charted column sets; and how the number was computed (`provenance_points`, the
period, the data's freshness, the trust, the SQL). An answer without numbers becomes a section
that says why (`problem`), so the other sections of a report still stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from cortex.answer import Answer
from cortex.answers.chart import chart_spec
from cortex.answers.formatting import column_grain, format_dimension, is_missing, provenance_points
from cortex.answers.wording import capitalize, cell_text, scope_of, shown_partials
from semantic_layer.compile import CompiledQuery, OutputColumn
from semantic_layer.model import SemanticModel

__all__ = [
    "CHART_PICK",
    "Cell",
    "Column",
    "Row",
    "Section",
    "SectionFilter",
    "report_section",
]

#: The chart parameter a filter sets: the value picked, or null for all of them.
CHART_PICK = "cortex_pick"


@dataclass(frozen=True)
class Column:
    """A column of the table: its label, and whether it holds numbers (right-aligned, sorted
    as numbers) or text and periods (left-aligned, sorted as text)."""

    label: str
    kind: Literal["number", "text"]


@dataclass(frozen=True)
class Cell:
    """A cell as Cortex writes it (`$1,234,567`, `2026-11 (partial: 1–24 Nov 2026)`) and its
    raw value as text for sorting: a number's digits, a day in ISO form, "" when empty."""

    text: str
    raw: str


@dataclass(frozen=True)
class Row:
    """A row of the table, and for each of the section's filters the value it is kept for."""

    cells: tuple[Cell, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class SectionFilter:
    """A choice the reader can make: one value of a categorical column ("All" first).

    `charted` says the chart draws this column, so picking a value filters the chart too.
    """

    label: str
    choices: tuple[str, ...]
    charted: bool


@dataclass(frozen=True)
class Section:
    """One answer in a report. Without numbers only `question` and `problem` are set."""

    question: str
    narrative: str = ""
    problem: str | None = None
    trust: str | None = None
    chart: dict[str, Any] | None = None
    columns: tuple[Column, ...] = ()
    rows: tuple[Row, ...] = ()
    filters: tuple[SectionFilter, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()
    caveats: tuple[str, ...] = ()
    sql: str = ""
    truncated: bool = False

    @property
    def has_numbers(self) -> bool:
        """Whether the section shows a result (else it says why not)."""
        return self.problem is None


def _raw(value: object) -> str:
    """A cell's value as text that sorts: numbers as digits, days in ISO form, "" if empty."""
    if is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(int(value)) if isinstance(value, int | np.integer) else repr(float(value))
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _is_categorical(column: OutputColumn) -> bool:
    return column.kind == "dimension" and column_grain(column.name) is None


def _charted_field(compiled: CompiledQuery, categorical: Sequence[OutputColumn]) -> str | None:
    """The neutral field `chart_spec` puts the one categorical column under: `series` (the
    colour of a line over time) or `category` (the bars); None when it charts none."""
    if len(categorical) != 1:
        return None
    timed = any(c.kind == "dimension" and column_grain(c.name) for c in compiled.columns)
    return "series" if timed else "category"


def filterable_chart(spec: dict[str, Any], field: str) -> dict[str, Any]:
    """`spec` with a parameter, `CHART_PICK`, that keeps only the rows whose `field` (one of
    the chart's own neutral fields) is the value picked; null keeps them all. The expression
    names only our field and parameter; the value picked is data, never code."""
    pick: dict[str, Any] = {"name": CHART_PICK, "value": None}
    keep = {"filter": f"{CHART_PICK} === null || datum[{field!r}] === {CHART_PICK}"}
    return {
        **spec,
        "params": [*spec.get("params", []), pick],
        "transform": [keep, *spec.get("transform", [])],
    }


def _number_kind(column: OutputColumn) -> Literal["number", "text"]:
    return "text" if column.kind == "dimension" else "number"


def _freshness(answer: Answer) -> str:
    result = answer.result
    if result is None or result.freshness is None:
        return "Data freshness unknown"
    fresh = result.freshness.isoformat(sep=" ", timespec="minutes")
    return f"Data as of {fresh}"


def _problem(answer: Answer) -> str | None:
    """Why an answer has no numbers to report, or None when it has some."""
    if answer.status != "answer" or answer.compiled is None or answer.result is None:
        told = answer.text.strip() or "Cortex gave no answer."
        if answer.suggestions:
            told += " Try: " + "; ".join(f"“{s}”" for s in answer.suggestions) + "."
        return told
    if answer.result.frame.empty:
        return (
            "The query ran but found no rows: nothing matched its filters in its period. "
            "Widen the period or drop a filter."
        )
    return None


def report_section(answer: Answer, model: SemanticModel) -> Section:
    """The section of a report that shows `answer`, read from it and from `model` alone."""
    question = answer.question.strip() or "(no question)"
    problem = _problem(answer)
    if problem is not None or answer.compiled is None or answer.result is None:
        return Section(question=question, problem=problem)
    compiled, result = answer.compiled, answer.result
    frame = result.frame
    shown = [c for c in compiled.columns if c.name in frame.columns]
    categorical = [c for c in shown if _is_categorical(c)]
    spec = chart_spec(compiled, frame, model)
    field = _charted_field(compiled, categorical) if spec is not None else None
    if spec is not None and field is not None:
        spec = filterable_chart(spec, field)
    partials = shown_partials(compiled, frame)
    rows = []
    for record in frame.to_dict("records"):
        cells = tuple(Cell(cell_text(c, record, partials), _raw(record[c.name])) for c in shown)
        keys = tuple(format_dimension(record[c.name]) for c in categorical)
        rows.append(Row(cells, keys))
    filters = tuple(
        SectionFilter(
            label=column.label,
            choices=tuple(sorted({row.keys[index] for row in rows}, key=str.casefold)),
            charted=field is not None,
        )
        for index, column in enumerate(categorical)
    )
    provenance = compiled.provenance
    period = capitalize(scope_of(provenance, model).period)
    points = [
        *provenance_points(provenance),
        ("", f"Period: {period}"),
        ("", f"{_freshness(answer)}; from {', '.join(provenance.source_tables)}"),
    ]
    return Section(
        question=question,
        narrative=answer.text,
        trust=answer.trust,
        chart=spec,
        columns=tuple(Column(c.label, _number_kind(c)) for c in shown),
        rows=tuple(rows),
        filters=filters,
        provenance=tuple(points),
        caveats=tuple(caveat.markdown for caveat in answer.caveats),
        sql=compiled.sql,
        truncated=result.truncated,
    )
