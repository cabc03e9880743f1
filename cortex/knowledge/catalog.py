"""The catalog of names a planner may use, with what each means, and its prompt listing.

`build_catalog(model, values=..., context=...)` gathers metrics, dimensions, named filters and
verified queries in one frozen `Catalog`, whose `describe()` is the compact listing a planner
puts in its prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cortex.knowledge.context import ContextLibrary
from cortex.knowledge.values import ValueIndex
from semantic_layer.model import METRIC_TIME, NamedFilter, SemanticModel, VerifiedQuery

__all__ = ["Catalog", "DimensionEntry", "MetricEntry", "build_catalog"]

_DESCRIBED_VALUES: Final = 12


@dataclass(frozen=True)
class MetricEntry:
    """A metric as the planner sees it."""

    name: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    format: str
    owner: str


@dataclass(frozen=True)
class DimensionEntry:
    """A dimension as the planner sees it; `values` when the value index holds them.

    `value_synonyms` pairs a value with the words people use for it (`ai`: bot, chatbot).
    """

    name: str
    table: str
    type: str
    synonyms: tuple[str, ...]
    description: str
    values: tuple[str, ...] = ()
    value_synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Every name a planner may use, with what it means; `describe()` for a prompt."""

    metrics: tuple[MetricEntry, ...]
    dimensions: tuple[DimensionEntry, ...]
    filters: tuple[NamedFilter, ...]
    verified_queries: tuple[VerifiedQuery, ...]
    values: ValueIndex | None = None
    context: ContextLibrary | None = None

    def describe(self) -> str:
        """A compact listing of metrics, dimensions (with known values) and named filters."""
        lines = ["Metrics (name: label [format] - description; synonyms):"]
        for m in self.metrics:
            lines.append(f"- {m.name}: {m.label} [{m.format}] - {m.description}{_also(m.synonyms)}")
        lines.append("Dimensions (table.name [type] - description; synonyms; values):")
        lines.append(f"- {METRIC_TIME} [time] - each metric's own time axis, by day to year")
        for d in self.dimensions:
            shown = ""
            words = dict(d.value_synonyms)
            listed = d.values or tuple(words)
            if listed:
                more = ", ..." if len(listed) > _DESCRIBED_VALUES else ""
                named = [_with_words(v, words.get(v, ())) for v in listed[:_DESCRIBED_VALUES]]
                shown = f"; values: {', '.join(named)}{more}"
            lines.append(
                f"- {d.table}.{d.name} [{d.type}] - {d.description}{_also(d.synonyms)}{shown}"
            )
        if self.filters:
            lines.append("Named filters (name: where - description; synonyms):")
            for f in self.filters:
                lines.append(f"- {f.name}: {f.where} - {f.description}{_also(f.synonyms)}")
        return "\n".join(lines)


def _also(synonyms: Sequence[str]) -> str:
    return f"; also: {', '.join(synonyms)}" if synonyms else ""


def _with_words(value: str, phrases: Sequence[str]) -> str:
    """`ai (also: bot, chatbot)`: a value with the words people use for it."""
    return f"{value} (also: {', '.join(phrases)})" if phrases else value


def build_catalog(
    model: SemanticModel,
    *,
    values: ValueIndex | None = None,
    context: ContextLibrary | None = None,
) -> Catalog:
    """The planner's catalog of `model`, with dimension values from `values` when given."""
    metrics = tuple(
        MetricEntry(m.name, m.label, m.description, m.synonyms, m.format, m.owner)
        for m in model.metrics
    )
    dimensions = tuple(
        DimensionEntry(
            name=d.name,
            table=t.name,
            type=d.type,
            synonyms=d.synonyms,
            description=" ".join(d.description.split()),
            values=values.values(d.name, t.name) if values is not None else (),
            value_synonyms=tuple(d.value_synonyms.items()),
        )
        for t in model.tables
        for d in t.dimensions
    )
    return Catalog(
        metrics=metrics,
        dimensions=dimensions,
        filters=model.filters,
        verified_queries=model.verified_queries,
        values=values,
        context=context,
    )
