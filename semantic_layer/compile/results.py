"""What the compiler returns: the SQL, the columns it gives, and the provenance of every number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from semantic_layer.model import Grain, MetricFormat
from semantic_layer.query import Filter

ColumnKind = Literal["dimension", "metric", "comparison"]


@dataclass(frozen=True)
class OutputColumn:
    """A column of the result: its name, what it is, and how to format it."""

    name: str
    kind: ColumnKind
    label: str
    format: MetricFormat | None = None
    unit: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class MetricProvenance:
    """How one metric is defined and who answers for it."""

    name: str
    label: str
    description: str
    owner: str
    status: str
    format: MetricFormat
    unit: str | None
    definition: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    """Everything needed to say how a number was computed."""

    metrics: tuple[MetricProvenance, ...]
    dimensions: tuple[str, ...]
    filters: tuple[str, ...]
    time_range: str | None
    time_start: date | None
    time_end: date | None
    comparison: str | None
    joins: tuple[str, ...]
    source_tables: tuple[str, ...]
    as_of: date
    dialect: str
    sql: str
    notes: tuple[str, ...] = ()
    #: every condition the rows met (query filters, named filters spelled out, policies)
    conditions: tuple[Filter, ...] = ()
    #: the calendar period the time range names ("this quarter", "2026-10"), if it names one
    time_period: Grain | None = None
    #: the days the comparison period covers (first, last), when there is one
    compared_start: date | None = None
    compared_end: date | None = None
    #: values on a day (snapshots, trailing windows), not sums over the range
    point_in_time: bool = False
    #: the periods a time series shows only in part (see `PartialPeriod`)
    partial_periods: tuple[PartialPeriod, ...] = ()
    #: the rows kept of a ranking (`limit`), and whether it keeps the lowest first
    limit: int | None = None
    ascending: bool = False


@dataclass(frozen=True)
class PartialPeriod:
    """A period of a time column that the answer covers only from `first` to `last`: the
    range cuts it, or it is still running on the as-of day."""

    column: str
    start: date
    first: date
    last: date


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for one engine, the columns it returns and its provenance."""

    sql: str
    dialect: str
    columns: tuple[OutputColumn, ...]
    provenance: Provenance
    source_tables: tuple[str, ...]
    freshness_columns: dict[str, str]
