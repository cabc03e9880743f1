"""What a YAML skill's narrative sees of one query's result: `QueryView`.

In the narrative each query is a variable named by its `id`:

    {{ week.value('ticket_volume') }}          the metric, as a narrative writes it (`1.2k`)
    {{ week.change('ticket_volume') }}         `up 3.6% from 502` (the query needs `compare:`)
    {{ week.previous('csat') }}                the value in the period compared with
    {{ week.number('csat') }}                  the raw number, for `{% if ... %}`
    {{ by_channel.value('csat', channel='email') }}   the row where the dimension has that value
    {{ by_channel.total('ticket_volume') }}    the sum over rows (sums and counts only)
    {% for row in by_intent.top('ticket_volume', 3) %}{{ row.intent }}{% endfor %}
    {% for row in by_channel.rows %}{{ row.channel }}: {{ row.ticket_volume }}{% endfor %}
    {{ week.period }}, {{ week.compared_period }}, {{ week.text }}, {{ week.empty }}

`text` is the sentence Cortex says for the query alone (`narrate`). A row is a mapping from
each column (dimensions by name, metrics by name, `<metric>__change` etc. when compared) to the
text a table shows. Anything asked that the result does not hold raises `NarrativeError`,
which the skill reports as a clear failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pandas as pd

from cortex.answers.formatting import format_cell, is_missing
from cortex.answers.narrative import additive_metrics, change_phrase
from cortex.answers.wording import compact_value, period_phrase
from semantic_layer.compile import CompiledQuery, OutputColumn
from semantic_layer.errors import did_you_mean
from semantic_layer.model import SemanticModel

__all__ = ["VIEW_ATTRIBUTES", "VIEW_METRIC_METHODS", "NarrativeError", "QueryView"]

#: The methods whose first argument is a metric of the query, and whose keywords are dimensions.
VIEW_METRIC_METHODS: Final = frozenset({"value", "number", "change", "previous", "total", "top"})
#: Everything a narrative may read of a query.
VIEW_ATTRIBUTES: Final = VIEW_METRIC_METHODS | {
    "rows",
    "text",
    "period",
    "compared_period",
    "empty",
    "bottom",
}


class NarrativeError(ValueError):
    """The narrative asked a query's result for something it does not hold."""


class QueryView:
    """One query's result as a narrative reads it (see the module)."""

    def __init__(
        self, query_id: str, compiled: CompiledQuery, frame: pd.DataFrame, model: SemanticModel
    ) -> None:
        self._id = query_id
        self._compiled = compiled
        self._frame = frame
        self._model = model
        self.text = ""

    @property
    def empty(self) -> bool:
        """Whether the query returned no rows."""
        return bool(self._frame.empty)

    @property
    def period(self) -> str:
        """The days the query covers, as a sentence says them (`in the week of 16 Nov 2026`)."""
        p = self._compiled.provenance
        if p.time_start is None or p.time_end is None:
            return "over all time"
        return period_phrase(p.time_start, p.time_end, p.time_period)

    @property
    def compared_period(self) -> str:
        """The days the comparison covers, or "" when the query compares nothing."""
        p = self._compiled.provenance
        if p.compared_start is None or p.compared_end is None:
            return ""
        return period_phrase(p.compared_start, p.compared_end, p.time_period)

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every row, each column as a table shows it (metrics compact, as a narrative)."""
        return [self._row_text(row) for row in self._frame.to_dict("records")]

    def value(self, metric: str, **where: object) -> str:
        """The metric in the one row matching `where` (the only row when none), compact."""
        column = self._metric(metric)
        return compact_value(self._cell(column.name, where), column.format, column.unit)

    def number(self, metric: str, **where: object) -> float | None:
        """The metric as a number (None when empty), for comparisons in the template."""
        value = self._cell(self._metric(metric).name, where)
        return None if is_missing(value) else float(value)  # type: ignore[arg-type]

    def previous(self, metric: str, **where: object) -> str:
        """The metric in the period compared with."""
        column = self._metric(metric)
        value = self._cell(self._compared(column), where)
        return compact_value(value, column.format, column.unit)

    def change(self, metric: str, **where: object) -> str:
        """How the metric moved against the period compared with: `up 3.6% from 502`."""
        column = self._metric(metric)
        now = self._cell(column.name, where)
        before = self._cell(self._compared(column), where)
        return change_phrase(now, before, column) or "no comparison"

    def total(self, metric: str) -> str:
        """The metric summed over the rows; only for metrics that add up (sums and counts)."""
        column = self._metric(metric)
        if column.name not in additive_metrics(self._model, [column.name]):
            raise NarrativeError(
                f"{metric} does not add up across rows (it is a ratio, an average or a "
                f"median): use {self._id}.value('{metric}') on a query without dimensions."
            )
        return compact_value(self._frame[column.name].sum(), column.format, column.unit)

    def top(self, metric: str, count: int = 3) -> list[dict[str, str]]:
        """The `count` rows with the largest values of the metric, largest first."""
        return self._ranked(metric, count, descending=True)

    def bottom(self, metric: str, count: int = 3) -> list[dict[str, str]]:
        """The `count` rows with the smallest values of the metric, smallest first."""
        return self._ranked(metric, count, descending=False)

    def _ranked(self, metric: str, count: int, *, descending: bool) -> list[dict[str, str]]:
        name = self._metric(metric).name
        ordered = self._frame.sort_values(name, ascending=not descending, na_position="last")
        return [self._row_text(row) for row in ordered.head(count).to_dict("records")]

    def _row_text(self, row: Mapping[object, object]) -> dict[str, str]:
        shown = {}
        for column in self._compiled.columns:
            value = row[column.name]
            if column.kind == "dimension":
                shown[column.name] = format_cell(column, value)
            else:
                shown[column.name] = compact_value(value, column.format, column.unit)
        return shown

    def _metric(self, name: str) -> OutputColumn:
        metrics = {c.name: c for c in self._compiled.columns if c.kind == "metric"}
        if name not in metrics:
            raise NarrativeError(
                f"the query '{self._id}' has no metric '{name}'.{did_you_mean(name, metrics)}"
            )
        return metrics[name]

    def _compared(self, column: OutputColumn) -> str:
        name = f"{column.name}__previous"
        if name not in self._frame.columns:
            raise NarrativeError(
                f"the query '{self._id}' compares nothing: add `compare: previous_period` "
                "(or previous_year) to it."
            )
        return name

    def _cell(self, column: str, where: Mapping[str, object]) -> object:
        frame = self._frame
        dimensions = [c.name for c in self._compiled.columns if c.kind == "dimension"]
        for key, wanted in where.items():
            if key not in dimensions:
                raise NarrativeError(
                    f"the query '{self._id}' has no dimension '{key}'."
                    f"{did_you_mean(key, dimensions)}"
                )
            frame = frame[frame[key].astype(str).str.lower() == str(wanted).lower()]
        if len(frame) != 1:
            said = ", ".join(f"{k}={v!r}" for k, v in where.items()) or "no dimension values"
            raise NarrativeError(
                f"the query '{self._id}' has {len(frame)} rows for {said}: name the dimension "
                "values of one row, or loop over its rows."
            )
        return frame[column].iloc[0]
