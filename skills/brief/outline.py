"""What a brief holds, read from the model alone: its areas, their metrics and breakdowns.

For an entity's table (the merchants), an *area* is another table whose metrics can be
filtered by the entity: a table that reaches the entity's table through the join graph
(`semantic_layer.joins`). Each certified metric whose first measure lives in the area is
briefed (cumulative metrics repeat their measure over a window and are left out; metrics
counted on the entity's own table are 0 or 1 for one entity and are left to its profile).
An area's *breakdowns* are its categorical dimensions with few values; its *rates* are its
ratio metrics in percent, each broken down by the dimensions of its denominator's table that
do not define the rate's own rows (the automation rate is not broken down by who handled
the ticket: that would be 0% or 100% by definition).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from cortex.knowledge.values import ValueIndex
from semantic_layer.compile import metrics_used
from semantic_layer.joins import join_paths
from semantic_layer.model import Dimension, Metric, SemanticModel, Table

__all__ = [
    "MAX_BREAKDOWN_VALUES",
    "Area",
    "Rate",
    "defining_columns",
    "dimension_columns",
    "outline",
    "table_title",
]

#: A dimension with at most this many values is broken down (intent, channel, stage).
MAX_BREAKDOWN_VALUES = 12
#: The metrics a breakdown table shows, at most.
_BREAKDOWN_METRICS = 4


@dataclass(frozen=True)
class Rate:
    """A ratio metric in percent and the dimensions it is compared across."""

    metric: Metric
    numerator: Metric
    denominator: Metric
    #: the table the rate's volume (its denominator) is counted in, whose dimensions it is
    #: compared across
    table: Table
    dimensions: tuple[Dimension, ...]

    def field(self, dimension: Dimension) -> str:
        """A dimension of the volume's table as a query names it."""
        return f"{self.table.name}.{dimension.name}"


@dataclass(frozen=True)
class Area:
    """A table whose metrics the entity filters: its metrics, breakdowns and rates."""

    table: Table
    title: str
    metrics: tuple[Metric, ...]
    breakdowns: tuple[Dimension, ...]
    breakdown_metrics: tuple[Metric, ...]
    rates: tuple[Rate, ...]

    def field(self, dimension: Dimension) -> str:
        """A dimension of this area's table as a query names it."""
        return f"{self.table.name}.{dimension.name}"


def table_title(table: Table, model: SemanticModel) -> str:
    """A table's name as a heading: words capitalised as the metric labels write them
    ("arr_movements" reads "ARR movements" when a label writes "ARR")."""
    spelled = {
        word.lower(): word
        for metric in model.metrics
        for word in metric.label.split()
        if word.isupper() and len(word) > 1
    }
    words = [spelled.get(word, word) for word in table.name.split("_")]
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def _home(model: SemanticModel, metric: Metric) -> str | None:
    """The table of the first measure a metric is built from (its numerator for a ratio)."""
    for used in metrics_used(model, [metric.name]):
        found = model.measure(used.measure or "")
        if found is not None:
            return found[0].name
    return None


def _tables_of(model: SemanticModel, metric: Metric) -> set[str]:
    return {
        found[0].name
        for used in metrics_used(model, [metric.name])
        if (found := model.measure(used.measure or "")) is not None
    }


def _reaches(model: SemanticModel, start: str, target: str) -> bool:
    reach = join_paths(model.relationships, start)
    return target in reach.paths and target not in reach.ties


def _columns(sql: str | None) -> set[str]:
    if not sql:
        return set()
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return set()
    return {column.name.lower() for column in tree.find_all(exp.Column)}


def defining_columns(model: SemanticModel, metric: Metric) -> set[str]:
    """The columns a metric's own conditions name (its filters and its measures' filters)."""
    columns: set[str] = set()
    for used in metrics_used(model, [metric.name]):
        columns |= _columns(used.filter)
        found = model.measure(used.measure or "")
        if found is not None:
            columns |= _columns(found[1].filter)
    return columns


def dimension_columns(dimension: Dimension) -> set[str]:
    """The columns a dimension's expression reads."""
    return _columns(dimension.sql)


def _few_valued(table: Table, index: ValueIndex) -> tuple[Dimension, ...]:
    return tuple(
        d
        for d in table.dimensions
        if d.type == "categorical"
        and d.name != table.name_dimension
        and 1 < len(index.values(d.name, table.name)) <= MAX_BREAKDOWN_VALUES
    )


def _rate(model: SemanticModel, metric: Metric, index: ValueIndex) -> Rate | None:
    numerator = model.metric(metric.numerator or "")
    denominator = model.metric(metric.denominator or "")
    if metric.type != "ratio" or metric.format != "percent" or not numerator or not denominator:
        return None
    volume_table = _home(model, denominator)
    table = model.table(volume_table or "")
    if table is None:
        return None
    defining = defining_columns(model, metric)
    sources = _tables_of(model, metric)
    dimensions = tuple(
        d
        for d in _few_valued(table, index)
        if not (_columns(d.sql) & defining)
        and all(_reaches(model, source, table.name) for source in sources)
    )
    return Rate(metric, numerator, denominator, table, dimensions) if dimensions else None


def outline(model: SemanticModel, entity_table: Table, index: ValueIndex) -> tuple[Area, ...]:
    """The areas of a brief on a row of `entity_table`, in the order metrics.yml declares
    the tables; areas without a briefed metric are left out."""
    by_table: dict[str, list[Metric]] = {}
    for metric in model.metrics:
        if metric.status != "certified" or metric.type == "cumulative":
            continue
        tables = _tables_of(model, metric)
        home = _home(model, metric)
        if home is None or home == entity_table.name or not tables:
            continue
        if all(_reaches(model, table, entity_table.name) for table in tables):
            by_table.setdefault(home, []).append(metric)
    areas: list[Area] = []
    for table in model.tables:
        metrics = by_table.get(table.name)
        if not metrics:
            continue
        local = [  # metrics every one of whose tables reaches this one's dimensions
            m
            for m in metrics
            if all(_reaches(model, source, table.name) for source in _tables_of(model, m))
        ]
        counted = [m for m in local if m.name == table.count_metric]
        plain = [m for m in local if m.type == "simple" and m not in counted]
        ratios = [m for m in local if m.type == "ratio" and m.format == "percent"]
        shown = (counted + plain[: 1 if counted else 2] + ratios)[:_BREAKDOWN_METRICS]
        rates = tuple(r for m in metrics if (r := _rate(model, m, index)) is not None)
        areas.append(
            Area(
                table=table,
                title=table_title(table, model),
                metrics=tuple(metrics),
                breakdowns=_few_valued(table, index),
                breakdown_metrics=tuple(shown),
                rates=rates,
            )
        )
    return tuple(areas)
