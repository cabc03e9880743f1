"""The quantities a question asks to add up, and the metrics that add them up.

A measure that sums, averages or takes the median of one column (`amount`, `order_value`,
`csat_score`) makes that column a *quantity* of its table. A question naming a quantity
wants it aggregated: "the sum of the amounts of deals won by each rep" asks for won amounts,
not for the number of deals won. When the planner picked a count over the same rows, the
quantity reads as its sibling: the metric that aggregates that column over the same table
with the same filters (`Quantities.variant`). When there is none, the quantity is a part of
the question the query would ignore, and the planner asks back (`Quantities.unowned`).

Everything comes from the loaded model: the measures' expressions and filters, the metrics
built on them; nothing here names a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cortex.knowledge.words import stem
from semantic_layer.compile import metrics_used
from semantic_layer.expressions import column_names
from semantic_layer.model import Metric, SemanticModel

__all__ = ["Quantities", "Quantity"]

_AGGREGATING: Final = frozenset({"sum", "avg", "median", "min", "max", "percentile"})
_WORD_SPLIT: Final = "_"


@dataclass(frozen=True)
class Quantity:
    """A column a measure aggregates: its table, its name and its words as `stem`s."""

    table: str
    column: str
    words: tuple[str, ...]


class Quantities:
    """The quantities of one model and which metrics aggregate each."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        found: dict[tuple[str, str], Quantity] = {}
        for table in model.tables:
            for measure in table.measures:
                column = measure.expr
                if column is None or measure.aggregation not in _AGGREGATING:
                    continue
                if column_names(column) == (column,):  # a bare column, not an expression
                    words = tuple(stem(w) for w in column.lower().split(_WORD_SPLIT) if w)
                    found[(table.name, column)] = Quantity(table.name, column, words)
        self.quantities = tuple(found.values())
        #: metric -> the quantities it aggregates (a ratio's or derived metric's parts too)
        self.aggregated: dict[str, frozenset[tuple[str, str]]] = {
            metric.name: frozenset(
                pair
                for used in metrics_used(model, [metric.name])
                for pair in self._of_metric(used)
            )
            for metric in model.metrics
        }

    def _of_metric(self, metric: Metric) -> list[tuple[str, str]]:
        measured = self.model.measure(metric.measure or "")
        if measured is None:
            return []
        table, measure = measured
        key = (table.name, measure.expr or "")
        return [key] if any((q.table, q.column) == key for q in self.quantities) else []

    def named(self, words: Sequence[str], tables: frozenset[str]) -> list[Quantity]:
        """The quantities of `tables` that `words` (a question's words, as `stem`s) name."""
        found = []
        for quantity in self.quantities:
            size = len(quantity.words)
            if quantity.table in tables and any(
                tuple(words[i : i + size]) == quantity.words for i in range(len(words))
            ):
                found.append(quantity)
        return found

    def words_of(self, metrics: Sequence[str]) -> set[str]:
        """The `stem`s of the quantities `metrics` aggregate: words that explain them."""
        pairs = set().union(*(self.aggregated.get(m, frozenset()) for m in metrics))
        return {w for q in self.quantities if (q.table, q.column) in pairs for w in q.words}

    def unowned(
        self, words: Sequence[str], metrics: Sequence[str], tables: frozenset[str]
    ) -> list[Quantity]:
        """The quantities `words` name that none of `metrics` aggregates."""
        owned = set().union(*(self.aggregated.get(m, frozenset()) for m in metrics))
        return [q for q in self.named(words, tables) if (q.table, q.column) not in owned]

    def variant(self, name: str, column: str, aggregation: str) -> str | None:
        """The metric that aggregates `column` by `aggregation` over the rows metric `name`
        covers (same table, same filters), when exactly one does: "the sum of the amounts"
        of a count of won deals, or "the sum" of an average CSAT score."""
        metric = self.model.metric(name)
        measured = self.model.measure(metric.measure or "") if metric else None
        if metric is None or measured is None or metric.type != "simple":
            return None
        table, measure = measured
        counts = measure.aggregation in ("count", "count_distinct")
        if not counts and measure.expr != column or measure.aggregation == aggregation:
            return None
        found = []
        for other in self.model.metrics:
            sibling = self.model.measure(other.measure or "") if other.type == "simple" else None
            if sibling is None:
                continue
            other_table, other_measure = sibling
            if (
                other_table.name == table.name
                and other_measure.expr == column
                and other_measure.aggregation == aggregation
                and other_measure.filter == measure.filter
                and other.filter == metric.filter
            ):
                found.append(other.name)
        return found[0] if len(found) == 1 else None

    def summed_column(self, name: str) -> str | None:
        """The quantity metric `name` aggregates, when it is a simple metric over one."""
        pairs = self.aggregated.get(name, frozenset())
        metric = self.model.metric(name)
        return next(iter(pairs))[1] if len(pairs) == 1 and metric and metric.measure else None

    def aggregation(self, name: str) -> str | None:
        """How simple metric `name` aggregates its measure (None for other metrics)."""
        metric = self.model.metric(name)
        measured = self.model.measure(metric.measure or "") if metric else None
        return measured[1].aggregation if metric and metric.type == "simple" and measured else None
