"""The metric catalog as one person sees it: each metric they may ask about, and its lineage.

Which metrics are shown, and which rows of each, is decided by their grant itself
(`cortex.access.seen.metrics_seen`), as for `cortex metrics --as-user` and Slack's App Home; the
rest of each card comes from the loaded model: definition, owner, synonyms, status, the
metrics it is built from and the tables each reads (lineage), and the verified questions that
use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cortex.access import Grant
from cortex.access.seen import metrics_seen
from cortex.access.sources import measure_tables
from semantic_layer.compile import metrics_used, tables_read
from semantic_layer.model import Metric, SemanticModel

__all__ = ["Lineage", "MetricCard", "catalog_for"]


@dataclass(frozen=True)
class Lineage:
    """One step of a metric's lineage: a metric it uses, its table and the warehouse tables
    that table reads."""

    metric: str
    label: str
    measure: str
    table: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MetricCard:
    """A metric of the catalog, with the rows this person sees of it and its lineage."""

    metric: Metric
    #: the row filters their row policies add, in words ("every row" when none)
    rows: str
    #: metrics it is built from (a ratio's numerator and denominator; a derived one's inputs)
    built_from: tuple[str, ...]
    lineage: tuple[Lineage, ...]
    verified_questions: tuple[str, ...]


def catalog_for(grant: Grant) -> tuple[list[MetricCard], int]:
    """The cards of the metrics `grant`'s person may ask about, in the model's order, and how
    many other metrics there are (that need a role they lack)."""
    model = grant.policy.model
    cards, hidden = [], 0
    for seen in metrics_seen(grant):
        if not seen.visible:
            hidden += 1
            continue
        rows = " and ".join(str(f) for f in seen.rows) or "every row"
        cards.append(_card(model, seen.metric, rows))
    return cards, hidden


def _card(model: SemanticModel, metric: Metric, rows: str) -> MetricCard:
    used = metrics_used(model, [metric.name])
    lineage = tuple(
        Lineage(
            m.name,
            m.label,
            m.measure or "",
            table.name,
            tables_read(model, table.name),
        )
        for m in used
        for table in measure_tables(model, m)
    )
    questions = tuple(v.question for v in model.verified_queries if metric.name in v.query.metrics)
    built_from = tuple(m.name for m in used if m.name != metric.name)
    return MetricCard(metric, rows, built_from, lineage, questions)
