"""The plan of a query: the dimensions as requested, and the leaves and groups it aggregates.

A *leaf* is one aggregate the query needs (a measure, its metric's filter, a cumulative window);
a *group* is the leaves that share a table, a time axis and a kind, aggregated in one SELECT.
`Planner` (planner.py) makes them; `GroupBuilder` (group.py) writes each group's SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlglot import exp

from semantic_layer.compile.sources import warehouse_tables
from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.model import GRAINS, METRIC_TIME, Grain, Measure, SemanticModel, Table
from semantic_layer.query import Filter, SemanticQuery


@dataclass(frozen=True)
class DimRef:
    """A dimension as requested: `[table.]name[:grain]`."""

    text: str
    table: str | None
    name: str
    grain: Grain | None

    @property
    def is_metric_time(self) -> bool:
        return self.name == METRIC_TIME and self.table is None

    @property
    def output(self) -> str:
        if self.grain is not None:
            return f"{self.name}__{self.grain}"
        return self.name


def dim_ref(text: str, model: SemanticModel) -> DimRef:
    """The dimension `text` names; a time dimension given without a grain is by day."""
    name_part, _, grain_text = text.strip().partition(":")
    grain: Grain | None = None
    if grain_text:
        lowered = grain_text.strip().lower()
        if lowered not in GRAINS:
            raise UnknownNameError("time grain", grain_text, GRAINS, f"In '{text}'.")
        grain = next(g for g in GRAINS if g == lowered)
    table, _, name = name_part.rpartition(".")
    ref = DimRef(text, table or None, name.strip(), grain)
    if ref.is_metric_time:
        return DimRef(text, None, METRIC_TIME, grain or "day")
    dims = [(t, d) for t in model.tables for d in t.dimensions if d.name == ref.name]
    if ref.table is not None:
        dims = [(t, d) for t, d in dims if t.name == ref.table]
    if not dims:
        every = [METRIC_TIME] + [d.name for t in model.tables for d in t.dimensions]
        raise UnknownNameError("dimension", name_part, every)
    is_time = dims[0][1].type == "time"
    if grain is not None and not is_time:
        raise QueryError(
            f"'{ref.name}' is not a time dimension, so it takes no grain; write '{ref.name}'."
        )
    if is_time and grain is None:
        return DimRef(text, ref.table, ref.name, "day")
    return ref


LeafKind = Literal["plain", "snapshot", "cumulative"]


@dataclass(frozen=True)
class Leaf:
    """One aggregate the query needs: a measure, the metric's filter, a cumulative window."""

    table: Table
    measure: Measure
    filters: tuple[Filter, ...]
    window: str | None
    grain_to_date: Grain | None
    cumulative: bool

    @property
    def kind(self) -> LeafKind:
        if self.measure.snapshot is not None:
            return "snapshot"
        return "cumulative" if self.cumulative else "plain"

    @property
    def time_dimension(self) -> str | None:
        return self.measure.time_dimension or self.table.time_dimension

    @property
    def group_key(self) -> tuple[object, ...]:
        # Snapshots of one table share a group whatever their bounds: one join to the spine.
        time = None if self.kind == "snapshot" else self.time_dimension
        return (self.table.name, time, self.kind, self.window, self.grain_to_date)


@dataclass
class Group:
    """Leaves that share a table, a time axis and a kind: aggregated in one SELECT."""

    alias: str
    table: Table
    kind: LeafKind
    time_dimension: str | None
    window: str | None
    grain_to_date: Grain | None
    leaves: list[tuple[Leaf, str]] = field(default_factory=list)
    metrics: dict[str, None] = field(default_factory=dict)  # requested metrics it serves


@dataclass
class Plan:
    model: SemanticModel
    query: SemanticQuery
    as_of: date
    dims: tuple[DimRef, ...]
    filters: tuple[Filter, ...]
    formulas: dict[str, exp.Expr]
    groups: list[Group]
    joins: dict[str, str] = field(default_factory=dict)
    tables_read: dict[str, None] = field(default_factory=dict)

    def read(self, table: Table) -> None:
        """Note the warehouse tables `table` reads: its own, or those its `sql` names."""
        self.tables_read.update(dict.fromkeys(warehouse_tables(table)))


def window_days(window: str) -> tuple[int, Grain]:
    """A cumulative metric's `window` ('7 days', '3 months') as (count, grain)."""
    count_text, _, unit = window.strip().partition(" ")
    unit = unit.strip().lower().rstrip("s")
    if not count_text.isdigit() or unit not in GRAINS:
        raise QueryError(f"The window '{window}' is not like '7 days' or '3 months'.")
    return int(count_text), next(g for g in GRAINS if g == unit)
