"""Compile a semantic query to SQL, with the provenance of every number.

The SQL is built as a sqlglot syntax tree; filter values are literals in that tree. The plan:

1. Each requested metric is reduced to *leaves*: a measure plus the metric's own filter and, for
   cumulative metrics, a window.
2. Leaves are grouped by their table, time axis and kind (plain, snapshot, cumulative). Each group
   aggregates at its own grain, joining only many-to-one from its table (and one-to-one either
   way, along the shortest path of `joins.join_paths`, the graph `cortex check` checks), so
   measures from different tables never multiply each other's rows (fan-out and chasm traps).
3. Snapshot measures (ARR) are evaluated on one day per period (the period's last day inside the
   range); cumulative measures over a window ending on that day. The days come from a spine of
   literal dates computed here, so they are the same on every engine.
4. Groups are merged on the requested dimensions; ratios and derived metrics are computed from
   the merged aggregates (a ratio of sums, never an average of ratios).
5. A comparison compiles the same query over the previous period and joins the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.joins import JoinPath, join_paths
from semantic_layer.model import (
    GRAINS,
    METRIC_TIME,
    Dimension,
    Grain,
    Measure,
    Metric,
    MetricFormat,
    SemanticModel,
    Snapshot,
    Table,
)
from semantic_layer.query import Filter, FilterValue, OrderBy, SemanticQuery, parse_where
from semantic_layer.time import (
    DateRange,
    default_range,
    partial_periods,
    periods,
    resolve_time_range,
    shift,
    truncate,
)

SOURCE_DIALECT = "duckdb"
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark", "trino")
_ADDITIVE = ("sum", "count", "count_distinct")
_EPOCH = date(1900, 1, 1)

ColumnKind = Literal["dimension", "metric", "comparison"]


# --------------------------------------------------------------------------- public results


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


# --------------------------------------------------------------------------- parsing helpers


@lru_cache(maxsize=4096)
def _parsed(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=SOURCE_DIALECT)


def _parse(sql: str) -> exp.Expr:
    return _parsed(sql).copy()


def _qualify(sql: str, alias: str) -> exp.Expr:
    """`sql` (over one table's columns) with every unqualified column prefixed by `alias`."""
    tree = _parse(sql)
    for column in tree.find_all(exp.Column):
        if not column.table:
            column.set("table", exp.to_identifier(alias))
    return tree


def _date(day: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE, copy=False)


def _literal(value: FilterValue) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, date):
        return _date(value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def _and(parts: Iterable[exp.Expr]) -> exp.Expr | None:
    items = list(parts)
    return exp.and_(*items, copy=False) if items else None


def _null_safe_eq(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return exp.NullSafeEQ(this=left, expression=right)


def _trunc(value: exp.Expr, grain: Grain) -> exp.Expr:
    if grain == "day":
        return exp.cast(value, exp.DataType.Type.DATE, copy=False)
    truncated = exp.func("DATE_TRUNC", exp.Literal.string(grain.upper()), value, copy=False)
    return exp.cast(truncated, exp.DataType.Type.DATE, copy=False)


def _add_months(value: exp.Expr, months: int, days: int) -> exp.Expr:
    unit, amount = ("DAY", days) if days else ("MONTH", months)
    interval = exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit))
    return exp.cast(exp.Add(this=value, expression=interval), exp.DataType.Type.DATE, copy=False)


def _table(name: str, alias: str | None = None) -> exp.Table:
    """A table reference `schema.name AS alias`, built without parsing."""
    *schema, table_name = name.split(".")
    table = exp.Table(this=exp.to_identifier(table_name))
    if schema:
        table.set("db", exp.to_identifier(schema[-1]))
    if alias is not None:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def _source(table: Table) -> exp.Expr:
    """A model table in FROM or JOIN, aliased by its name: the warehouse table, or `(sql)`."""
    if table.sql:
        alias = exp.TableAlias(this=exp.to_identifier(table.name))
        return exp.Subquery(this=_parse(table.sql), alias=alias)
    return _table(table.source, table.name)


JoinKind = Literal["inner", "left", "full", "cross"]


def _join(select: exp.Select, source: exp.Expr, on: exp.Expr | None, kind: JoinKind) -> None:
    """Append `kind JOIN source ON on` to `select`, built without parsing."""
    join = exp.Join(this=source)
    if on is not None:
        join.set("on", on)
    if kind in ("left", "full"):
        join.set("side", kind.upper())
    else:
        join.set("kind", kind.upper())
    select.append("joins", join)


# --------------------------------------------------------------------------- name resolution


@dataclass(frozen=True)
class _DimRef:
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


def _dim_ref(text: str, model: SemanticModel) -> _DimRef:
    name_part, _, grain_text = text.strip().partition(":")
    grain: Grain | None = None
    if grain_text:
        lowered = grain_text.strip().lower()
        if lowered not in GRAINS:
            raise UnknownNameError("time grain", grain_text, GRAINS, f"In '{text}'.")
        grain = next(g for g in GRAINS if g == lowered)
    table, _, name = name_part.rpartition(".")
    ref = _DimRef(text, table or None, name.strip(), grain)
    if ref.is_metric_time:
        return _DimRef(text, None, METRIC_TIME, grain or "day")
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
        return _DimRef(text, ref.table, ref.name, "day")
    return ref


# --------------------------------------------------------------------------- the plan


LeafKind = Literal["plain", "snapshot", "cumulative"]


@dataclass(frozen=True)
class _Leaf:
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
class _Group:
    """Leaves that share a table, a time axis and a kind: aggregated in one SELECT."""

    alias: str
    table: Table
    kind: LeafKind
    time_dimension: str | None
    window: str | None
    grain_to_date: Grain | None
    leaves: list[tuple[_Leaf, str]] = field(default_factory=list)
    metrics: dict[str, None] = field(default_factory=dict)  # requested metrics it serves


@dataclass
class _Plan:
    model: SemanticModel
    query: SemanticQuery
    as_of: date
    dims: tuple[_DimRef, ...]
    filters: tuple[Filter, ...]
    formulas: dict[str, exp.Expr]
    groups: list[_Group]
    joins: dict[str, str] = field(default_factory=dict)
    tables_read: dict[str, None] = field(default_factory=dict)

    def read(self, table: Table) -> None:
        """Note the warehouse tables `table` reads: its own, or those its `sql` names."""
        if table.sql is None:
            self.tables_read[table.source] = None
            return
        for source in _parsed(table.sql).find_all(exp.Table):
            self.tables_read[".".join(part.name for part in source.parts)] = None


def _window_days(window: str) -> tuple[int, Grain]:
    count_text, _, unit = window.strip().partition(" ")
    unit = unit.strip().lower().rstrip("s")
    if not count_text.isdigit() or unit not in GRAINS:
        raise QueryError(f"The window '{window}' is not like '7 days' or '3 months'.")
    return int(count_text), next(g for g in GRAINS if g == unit)


class _Planner:
    """Turns metric names into formulas over leaves, and leaves into groups."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.leaves: dict[tuple[object, ...], tuple[_Leaf, str]] = {}
        self.groups: dict[tuple[object, ...], _Group] = {}

    def metric(self, name: str) -> Metric:
        metric = self.model.metric(name)
        if metric is None:
            raise UnknownNameError("metric", name, [m.name for m in self.model.metrics])
        return metric

    def formula(self, name: str, stack: tuple[str, ...] = ()) -> exp.Expr:
        """The metric as an expression over leaf placeholders (`group.leaf` columns)."""
        formula = self._formula(name, stack)
        fill = self.metric(name).fill_nulls_with
        if fill is None:
            return formula
        return exp.func("COALESCE", formula, exp.Literal.number(fill), copy=False)

    def _formula(self, name: str, stack: tuple[str, ...]) -> exp.Expr:
        if name in stack:
            raise QueryError(f"Metric '{name}' depends on itself: {' -> '.join(stack + (name,))}.")
        metric = self.metric(name)
        here = (*stack, name)
        requested = stack[0] if stack else name
        if metric.type in ("simple", "cumulative"):
            table, measure = self._measure(metric)
            return self._leaf_formula(table, measure, metric, requested)
        if metric.type == "ratio" and (average := self._average(metric)) is not None:
            return self._leaf_formula(*average, requested)
        if metric.type == "ratio":
            numerator = self.formula(metric.numerator or "", here)
            denominator = self.formula(metric.denominator or "", here)
            return exp.Div(
                this=exp.cast(
                    exp.paren(numerator, copy=False), exp.DataType.Type.DOUBLE, copy=False
                ),
                expression=exp.func(
                    "NULLIF", exp.paren(denominator, copy=False), exp.Literal.number(0), copy=False
                ),
            )

        def expand(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Column):
                return node
            inner = self.formula(node.name, here)
            referenced = self.metric(node.name)
            additive = referenced.type == "simple" and (
                self._measure(referenced)[1].aggregation in _ADDITIVE
            )
            if additive:  # no rows in a period adds nothing, rather than emptying the sum
                inner = exp.func("COALESCE", inner, exp.Literal.number(0), copy=False)
            return exp.paren(inner, copy=False)

        return _parse(metric.expr or "").transform(expand)

    def _measure(self, metric: Metric) -> tuple[Table, Measure]:
        found = self.model.measure(metric.measure or "")
        if found is None:
            raise QueryError(
                f"Metric '{metric.name}' names measure '{metric.measure}', which metrics.yml "
                "does not declare. Run `cortex check`."
            )
        return found

    def _average(self, ratio: Metric) -> tuple[Table, Measure, Metric] | None:
        """`sum(x) / count(x)` over the same rows as one `avg(x)`: the same number, one scan.

        Returns the table, an `avg` measure and the numerator metric (for its filter), or None
        when the ratio is not of that shape.
        """
        numerator = self.metric(ratio.numerator or "")
        denominator = self.metric(ratio.denominator or "")
        if numerator.type != "simple" or denominator.type != "simple":
            return None
        table, total = self._measure(numerator)
        other_table, count = self._measure(denominator)
        same_rows = (
            table.name == other_table.name
            and numerator.filter == denominator.filter
            and total.filter == count.filter
            and total.time_dimension == count.time_dimension
            and total.snapshot is None
            and count.snapshot is None
        )
        same_values = (
            total.aggregation == "sum"
            and count.aggregation == "count"
            and count.expr is not None
            and _parsed(total.sql) == _parsed(count.sql)
        )
        if not (same_rows and same_values):
            return None
        average = total.model_copy(
            update={"name": f"{total.name}/{count.name}", "aggregation": "avg"}
        )
        return table, average, numerator

    def _leaf_formula(
        self, table: Table, measure: Measure, metric: Metric, requested: str
    ) -> exp.Expr:
        filters = parse_where(metric.filter) if metric.filter else ()
        leaf = _Leaf(
            table,
            measure,
            filters,
            metric.window,
            metric.grain_to_date,
            metric.type == "cumulative",
        )
        key = (measure.name, filters, leaf.window, leaf.grain_to_date, leaf.cumulative)
        if key not in self.leaves:
            group = self.groups.get(leaf.group_key)
            if group is None:
                group = _Group(
                    f"g{len(self.groups)}",
                    table,
                    leaf.kind,
                    leaf.time_dimension,
                    leaf.window,
                    leaf.grain_to_date,
                )
                self.groups[leaf.group_key] = group
            column = f"m{len(self.leaves)}"
            group.leaves.append((leaf, column))
            self.leaves[key] = (leaf, column)
        leaf, column = self.leaves[key]
        group = self.groups[leaf.group_key]
        group.metrics.setdefault(requested, None)
        placeholder = exp.column(column, table=group.alias)
        if measure.aggregation in ("count", "count_distinct"):
            return exp.func("COALESCE", placeholder, exp.Literal.number(0), copy=False)
        return placeholder


# --------------------------------------------------------------------------- group SQL


class _GroupBuilder:
    """Builds the aggregating SELECT of one group."""

    def __init__(self, plan: _Plan, group: _Group, time_range: DateRange | None) -> None:
        self.plan = plan
        self.group = group
        self.time_range = time_range
        self.reach = join_paths(plan.model.relationships, group.table.name)
        self.joined: dict[str, JoinPath] = {}
        self.days = self._days() if group.kind != "plain" else []

    # -- names

    def resolve(self, ref: _DimRef, purpose: str) -> tuple[Table, Dimension]:
        """The dimension `ref` names, as reached from this group's table (nearest wins)."""
        candidates: list[tuple[int, Table, Dimension]] = []
        for table_name, path in self.reach.paths.items():
            if ref.table is not None and table_name != ref.table:
                continue
            table = self.plan.model.table(table_name)
            if table is None:
                continue
            for dim in table.dimensions:
                if dim.name == ref.name:
                    candidates.append((len(path.steps), table, dim))
        if not candidates:
            metric_names = self._metric_names()
            reachable = ", ".join(sorted(self.reach.paths))
            raise QueryError(
                f"{purpose.capitalize()} '{ref.text}' can't be used with {metric_names}: its "
                f"table '{self.group.table.name}' only reaches {reachable} through many-to-one "
                "joins. Remove it, or ask for these metrics separately."
            )
        candidates.sort(key=lambda c: c[0])
        nearest = [c for c in candidates if c[0] == candidates[0][0]]
        if len(nearest) > 1:
            options = " or ".join(f"'{c[1].name}.{c[2].name}'" for c in nearest)
            raise QueryError(
                f"'{ref.text}' is ambiguous for {self._metric_names()}: use {options}."
            )
        _, table, dim = nearest[0]
        if table.name in self.reach.ties:
            first, second = self.reach.ties[table.name]
            raise QueryError(
                f"{purpose.capitalize()} '{ref.text}' can't be used with {self._metric_names()}: "
                f"its table '{self.group.table.name}' reaches '{table.name}' by two join paths "
                f"of the same length, {first} and {second}, and metrics.yml does not say which "
                "one is meant. Run `cortex check`, and keep one of the paths."
            )
        self._join(table.name)
        return table, dim

    def _metric_names(self) -> str:
        return "metric " + " and ".join(f"'{n}'" for n in self.group.metrics)

    def _join(self, table_name: str) -> None:
        if table_name != self.group.table.name:
            self.joined[table_name] = self.reach.paths[table_name]

    def time_column(self) -> exp.Expr:
        """The group's own time axis, as a column expression."""
        name = self.group.time_dimension
        table = self.group.table
        dim = next((d for d in table.dimensions if d.name == name), None)
        if dim is None:
            metric_names = self._metric_names()
            raise QueryError(
                f"{metric_names.capitalize()} (table '{table.name}') has no time dimension, so "
                "it can't be grouped or filtered by time. Remove the time range or metric_time."
            )
        return _qualify(dim.sql, table.name)

    def dimension_sql(self, ref: _DimRef, purpose: str) -> exp.Expr:
        if ref.is_metric_time:
            if self.group.kind == "plain":
                value = self.time_column()
            elif purpose == "dimension":
                return self._spine_value("period")
            else:
                value = self._spine_value("day")
            return _trunc(value, ref.grain or "day") if purpose == "dimension" else value
        table, dim = self.resolve(ref, purpose)
        value = _qualify(dim.sql, table.name)
        if not isinstance(value, exp.Column):
            value = exp.paren(
                value, copy=False
            )  # `a IS NOT NULL` must stay one operand of IN, =, ...
            if table.name != self.group.table.name:
                # A joined row that is missing has no value, not the value of `NULL IS NULL`.
                key = exp.column(table.primary_key, table=table.name)
                found = exp.not_(exp.Is(this=key, expression=exp.Null()), copy=False)
                value = exp.Case(ifs=[exp.If(this=found, true=value)])
        if dim.type == "time" and purpose == "dimension":
            return _trunc(value, ref.grain or "day")
        return value

    def filter_sql(self, item: Filter) -> exp.Expr:
        ref = _dim_ref(item.field, self.plan.model)
        if ref.is_metric_time:
            ref = _DimRef(ref.text, None, METRIC_TIME, None)
        column = self.dimension_sql(ref, "filter")
        values = [_literal(v) for v in item.values]
        if item.op == "is null":
            return exp.Is(this=column, expression=exp.Null())
        if item.op == "is not null":
            return exp.not_(exp.Is(this=column, expression=exp.Null()), copy=False)
        if item.op in ("in", "not in"):
            test = exp.In(this=column, expressions=values)
            return exp.not_(test, copy=False) if item.op == "not in" else test
        if item.op == "between":
            return exp.Between(this=column, low=values[0], high=values[1])
        if len(values) != 1:
            raise QueryError(f"The filter '{item}' needs exactly one value.")
        operators: dict[str, Callable[..., exp.Expr]] = {
            "=": exp.EQ,
            "!=": exp.NEQ,
            "<": exp.LT,
            "<=": exp.LTE,
            ">": exp.GT,
            ">=": exp.GTE,
        }
        return operators[item.op](this=column, expression=values[0])

    # -- aggregates

    def aggregate(self, leaf: _Leaf, condition: exp.Expr | None) -> exp.Expr:
        """The leaf's aggregate over the rows where `condition` holds (all rows when None).

        A row count is `COUNT_IF(condition)`; any other aggregate `agg(x) FILTER (WHERE
        condition)`. On DuckDB each measured fastest for its kind (bench/RESULTS.md): COUNT_IF
        ran as fast as the faster of FILTER and `COUNT(CASE WHEN ...)` on every demo case (each
        of those lost by 10-25 % on one), and FILTER beat the CASE on sums. sqlglot writes them
        for every engine: COUNTIF on BigQuery, `SUM(CASE WHEN condition THEN 1 ELSE 0 END)` on
        Postgres (NULL over no rows, where the metric's formula already reads a count as 0), and
        `agg(IF(condition, x, NULL))` where there is no FILTER (BigQuery, Snowflake): the same
        number, as every aggregation here skips NULLs.
        """
        measure = leaf.measure
        counts_rows = measure.aggregation == "count" and measure.expr is None
        if condition is not None:
            condition = condition.transform(_in_as_equalities)
        if condition is not None and counts_rows:
            return exp.CountIf(this=condition)
        value = exp.Star() if counts_rows else _qualify(measure.sql, self.group.table.name)
        aggregate = _aggregation(measure, value)
        if condition is None:
            return aggregate
        return exp.Filter(this=aggregate, expression=exp.Where(this=condition))

    def leaf_condition(self, leaf: _Leaf) -> exp.Expr | None:
        parts: list[exp.Expr] = []
        if leaf.measure.snapshot is not None and len(self._snapshots()) > 1:
            # The join keeps rows valid for any measure; each checks the bounds it alone has.
            snapshot, day = leaf.measure.snapshot, self._spine_value("day")
            starts, ends = self._distinct_bounds()
            if len(starts) > 1:
                parts.append(exp.LTE(this=self._start(snapshot.valid_from), expression=day))
            if len(ends) > 1:
                parts.append(exp.GT(this=self._bound(snapshot.valid_to), expression=day.copy()))
        if leaf.measure.filter:
            parts.append(
                exp.paren(_qualify(leaf.measure.filter, self.group.table.name), copy=False)
            )
        parts.extend(self.filter_sql(f) for f in leaf.filters)
        return _and(parts)

    # -- the days snapshot and cumulative groups are evaluated on

    def _days(self) -> list[tuple[date, date]]:
        """(period, day) pairs: the last day of each period inside the range."""
        grain = next((d.grain for d in self.plan.dims if d.is_metric_time), None)
        if self.time_range is None:
            return [(self.plan.as_of, self.plan.as_of)]
        if grain is None:
            return [(self.time_range.last_day, self.time_range.last_day)]
        return periods(self.time_range, grain)

    def _spine_value(self, name: str) -> exp.Expr:
        """A spine column: a literal when the group is evaluated on one day, else `_spine.x`."""
        if len(self.days) == 1:
            period, day = self.days[0]
            start, end = self._window(day)
            values = {"period": period, "day": day, "start_day": start, "end_day": end}
            return _date(values[name])
        return exp.column(name, table="_spine")

    def spine(self) -> exp.Expr:
        """The days as a VALUES list: one row per period."""
        rows: list[exp.Expr] = []
        cumulative = self.group.kind == "cumulative"
        for period, day in self.days:
            values = [_date(period), _date(day)]
            if cumulative:
                start, end = self._window(day)
                values += [_date(start), _date(end)]
            rows.append(exp.Tuple(expressions=values))
        columns = ["period", "day"] + (["start_day", "end_day"] if cumulative else [])
        return exp.Values(
            expressions=rows,
            alias=exp.TableAlias(
                this=exp.to_identifier("_spine"),
                columns=[exp.to_identifier(c) for c in columns],
            ),
        )

    def _window(self, day: date) -> tuple[date, date]:
        end = day + timedelta(days=1)
        if self.group.window:
            count, unit = _window_days(self.group.window)
            return shift(end, unit, -count), end
        if self.group.grain_to_date:
            return truncate(day, self.group.grain_to_date), end
        return _EPOCH, end

    # -- the SELECT

    def build(self, inline: dict[str, exp.Expr] | None) -> exp.Select:
        """The group's SELECT: dimensions plus one column per leaf (or the `inline` metrics)."""
        group, table = self.group, self.group.table
        select = exp.Select()
        dim_columns: list[exp.Expr] = []
        for ref in self.plan.dims:
            dim_columns.append(
                exp.alias_(self.dimension_sql(ref, "dimension"), ref.output, copy=False)
            )
        conditions = {column: self.leaf_condition(leaf) for leaf, column in group.leaves}
        shared = _shared(list(conditions.values()), grouped=bool(dim_columns))
        aggregates = {
            column: self.aggregate(leaf, None if shared else conditions[column])
            for leaf, column in group.leaves
        }
        where: list[exp.Expr] = []
        if shared is not None:
            where.append(shared)
        where.extend(self.filter_sql(f) for f in self.plan.filters)
        if group.kind == "plain" and self.time_range is not None:
            time = self.time_column()
            where.append(exp.GTE(this=time.copy(), expression=_date(self.time_range.start)))
            where.append(exp.LT(this=time, expression=_date(self.time_range.end)))
        source = _source(table)
        if group.kind == "plain":
            select.set("from_", exp.From(this=source))
        elif len(self.days) == 1:  # one day: a filter, not a join
            select.set("from_", exp.From(this=source))
            where.append(self._in_window())
        else:
            select.set("from_", exp.From(this=self.spine()))
            _join(select, source, self._in_window(), "inner")
        for path in sorted(self.joined.values(), key=lambda p: len(p.steps)):
            self._add_path(select, path)
        outputs: list[exp.Expr] = list(dim_columns)
        if inline is None:
            outputs += [exp.alias_(agg, column, copy=False) for column, agg in aggregates.items()]
        else:
            for name, formula in inline.items():
                outputs.append(
                    exp.alias_(_substitute(formula, group.alias, aggregates), name, copy=False)
                )
        select.set("expressions", outputs)
        condition = _and(where)
        if condition is not None:
            select.set("where", exp.Where(this=condition))
        if dim_columns:
            positions = [exp.Literal.number(i + 1) for i in range(len(dim_columns))]
            select.set("group", exp.Group(expressions=positions))
        owners = sorted({leaf.measure.name for leaf, _ in group.leaves})
        select.add_comments([f"{table.name}: {', '.join(owners)} ({group.kind})"])
        return select

    def _in_window(self) -> exp.Expr:
        """Rows counted on the spine day: valid that day (snapshot) or inside its window."""
        if self.group.kind == "snapshot":
            day = self._spine_value("day")
            # Rows valid for any of the measures; each then counts only its own (leaf_condition).
            starts, ends = self._distinct_bounds()
            start = (
                self._start(starts[0])
                if len(starts) == 1
                else exp.func("LEAST", *(self._bound(b) for b in starts), copy=False)
            )
            end = (
                self._bound(ends[0])
                if len(ends) == 1
                else exp.func("GREATEST", *(self._bound(b) for b in ends), copy=False)
            )
            return exp.and_(
                exp.LTE(this=start, expression=day),
                exp.GT(this=end, expression=day.copy()),
                copy=False,
            )
        time = self.time_column()
        return exp.and_(
            exp.GTE(this=time.copy(), expression=self._spine_value("start_day")),
            exp.LT(this=time, expression=self._spine_value("end_day")),
            copy=False,
        )

    def _snapshots(self) -> list[Snapshot]:
        """The distinct validity bounds of the group's snapshot measures."""
        found: dict[tuple[str, str], Snapshot] = {}
        for leaf, _ in self.group.leaves:
            if (snapshot := leaf.measure.snapshot) is not None:
                found.setdefault((snapshot.valid_from, snapshot.valid_to), snapshot)
        return list(found.values())

    def _distinct_bounds(self) -> tuple[list[str], list[str]]:
        """The distinct `valid_from` and `valid_to` expressions of the group's snapshots."""
        snapshots = self._snapshots()
        starts = list(dict.fromkeys(s.valid_from for s in snapshots))
        ends = list(dict.fromkeys(s.valid_to for s in snapshots))
        return starts, ends

    def _start(self, sql: str) -> exp.Expr:
        """A `valid_from` bound as a date (an empty one is never reached)."""
        table = self.group.table.name
        return exp.cast(_qualify(sql, table), exp.DataType.Type.DATE, copy=False)

    def _bound(self, sql: str) -> exp.Expr:
        """A validity bound as a date; an empty bound is far in the future (open, or never)."""
        value = exp.cast(_qualify(sql, self.group.table.name), exp.DataType.Type.DATE, copy=False)
        return exp.func("COALESCE", value, _date(date(9999, 12, 31)), copy=False)

    def _add_path(self, select: exp.Select, path: JoinPath) -> None:
        for rel, source, target in path.hops():
            existing = {j.alias_or_name for j in select.args.get("joins") or []}
            if target in existing:
                continue
            on = [
                exp.EQ(
                    this=exp.column(from_key, table=rel.from_table),
                    expression=exp.column(to_key, table=rel.to_table),
                )
                for from_key, to_key in rel.keys.items()
            ]
            target_table = self.plan.model.table(target)
            assert target_table is not None
            # `required` promises a `to` row for every `from` row, not the other way round: a
            # one-to-one relationship walked backwards is always a LEFT join.
            inner = rel.required and rel.from_table == source
            _join(select, _source(target_table), _and(on), "inner" if inner else "left")
            keys = " and ".join(
                f"{rel.from_table}.{a} = {rel.to_table}.{b}" for a, b in rel.keys.items()
            )
            self.plan.joins[f"{rel.from_table}->{rel.to_table}"] = (
                f"{rel.from_table} -> {rel.to_table} ({rel.type.replace('_', '-')}) on {keys}"
            )
            self.plan.read(target_table)


#: The longest IN list `_in_as_equalities` spells out (the longest measured faster).
_IN_AS_EQUALITIES_UP_TO = 8


def _in_as_equalities(node: exp.Expr) -> exp.Expr:
    """`column IN (a, b)` as `(column = a OR column = b)`, what IN means in SQL (NULLs too).

    Inside an aggregate DuckDB cannot push an IN list into the scan as it does in WHERE, and
    there the ORs of up to 8 values ran about 20 % faster than the IN (bench/RESULTS.md): the
    pre-sale count of conversion_rate, 1.20 -> 1.0x of the analyst's WHERE at scale 10.
    """
    values = node.expressions if isinstance(node, exp.In) else []
    if not values or len(values) > _IN_AS_EQUALITIES_UP_TO or not isinstance(node.this, exp.Column):
        return node
    if node.args.get("query") is not None or node.args.get("unnest") is not None:
        return node
    tests = [exp.EQ(this=node.this.copy(), expression=value.copy()) for value in values]
    spelt = exp.or_(*tests, copy=False)
    return spelt if isinstance(node.parent, exp.Paren) else exp.paren(spelt, copy=False)


def _aggregation(measure: Measure, value: exp.Expr) -> exp.Expr:
    """`measure`'s aggregation of `value`."""
    if measure.aggregation == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    if measure.aggregation == "percentile":
        return exp.PercentileCont(this=value, expression=exp.Literal.number(measure.percentile))
    builders: dict[str, Callable[..., exp.Expr]] = {
        "sum": exp.Sum,
        "count": exp.Count,
        "avg": exp.Avg,
        "min": exp.Min,
        "max": exp.Max,
        "median": exp.Median,
    }
    return builders[measure.aggregation](this=value)


def _shared(conditions: Sequence[exp.Expr | None], *, grouped: bool) -> exp.Expr | None:
    """The leaves' condition when it can filter the group's rows in WHERE, else None.

    A leaf's condition (its measure's `filter`, its metric's `filter`, and in a snapshot group
    the validity bound it does not share with the others) says which rows *count*, never which
    groups there are: open pipeline by stage has a Closed Won row with no open pipeline in it,
    as win rate by stage has open stages with no win rate. In WHERE it would drop the rows
    before GROUP BY, and a group whose rows all fail it would vanish instead of showing 0 (a
    count) or NULL (a sum; `fill_nulls_with` where the metric gives one), and a comparison would
    lose the row of a group that fell to nothing. So each aggregate carries its own condition
    (`SUM(x) FILTER (WHERE cond)`, `COUNT_IF(cond)`) over every row of the group.

    The rows a group reads in the first place stay in WHERE or in the spine join, since they
    decide which groups the question is about: the query's filters, its time range, and a
    snapshot's validity on the day or a cumulative window, which place those rows in time as
    the time range places a plain measure's (ARR by plan lists the plans with a contract active
    on the day, not every plan ever sold).

    WHERE is kept for the leaves' condition where it provably gives the same answer: every
    leaf has the same condition and the SELECT has no GROUP BY (no dimension, so no period
    either; a snapshot or cumulative group is then taken on one day, without a spine). Such a
    SELECT returns exactly one row whatever WHERE keeps, and `agg(x) FILTER (WHERE cond)` is by
    definition `agg(x)` over the rows where `cond` holds (`COUNT_IF(cond)` is `COUNT(*)` there;
    a count of nothing is 0 both ways, an empty sum NULL). There WHERE is cheaper: DuckDB pushes
    it into the scan and aggregates fewer rows. With a GROUP BY every row read must be grouped
    to find its group, so the condition inside costs what finding the groups costs
    (bench/RESULTS.md); pre-filtering in WHERE and adding the groups back from a DISTINCT of the
    dimensions was measured too, and is slower as often as not.
    """
    first = conditions[0] if conditions else None
    if grouped or first is None or any(c != first for c in conditions):
        return None
    return first


def _substitute(formula: exp.Expr, alias: str, columns: dict[str, exp.Expr]) -> exp.Expr:
    """`formula` with each `alias.column` placeholder replaced by `columns[column]`."""

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table == alias and node.name in columns:
            return columns[node.name].copy()
        return node

    return formula.copy().transform(replace)


# --------------------------------------------------------------------------- assembly


def _core(
    plan: _Plan, time_range: DateRange | None, prefix: str
) -> tuple[list[exp.Expr], exp.Select]:
    """The CTEs and final SELECT of the query over `time_range` (no ORDER BY / LIMIT)."""
    builders = [_GroupBuilder(plan, group, time_range) for group in plan.groups]
    for builder in builders:
        plan.read(builder.group.table)
    outputs = {name: plan.formulas[name] for name in plan.query.metrics}
    if len(builders) == 1:
        return [], builders[0].build(outputs)
    ctes: list[exp.Expr] = []
    for builder in builders:
        cte_name = exp.TableAlias(this=exp.to_identifier(f"{prefix}{builder.group.alias}"))
        ctes.append(exp.CTE(this=builder.build(None), alias=cte_name))
    # Merge the groups on the dimensions: FULL OUTER JOINs with null-safe equality, each
    # joining on the dimension values found so far.
    dim_names = [ref.output for ref in plan.dims]
    first, *rest = (builder.group.alias for builder in builders)
    select = exp.Select()
    select.set("from_", exp.From(this=_table(f"{prefix}{first}", first)))
    keys: dict[str, exp.Expr] = {d: exp.column(d, table=first) for d in dim_names}
    for alias in rest:
        source = _table(f"{prefix}{alias}", alias)
        if not dim_names:
            _join(select, source, None, "cross")
            continue
        on = _and(_null_safe_eq(keys[d].copy(), exp.column(d, table=alias)) for d in dim_names)
        _join(select, source, on, "full")
        keys = {
            d: exp.func("COALESCE", keys[d], exp.column(d, table=alias), copy=False)
            for d in dim_names
        }
    columns = [exp.alias_(keys[d], d, copy=False) for d in dim_names]
    columns += [exp.alias_(formula.copy(), name, copy=False) for name, formula in outputs.items()]
    select.set("expressions", columns)
    return ctes, select


def _with(ctes: list[exp.Expr], select: exp.Select) -> exp.Select:
    if ctes:
        select.set("with_", exp.With(expressions=ctes))
    return select


def _shift_for(plan: _Plan) -> tuple[int, int]:
    """(months, days) the comparison period is behind, for joining it to the current rows."""
    grain = next((d.grain for d in plan.dims if d.is_metric_time), None)
    if plan.query.compare == "previous_year":
        return 12, 0
    if grain is None:
        return 0, 0
    return {"day": (0, 1), "week": (0, 7), "month": (1, 0), "quarter": (3, 0), "year": (12, 0)}[
        grain
    ]


def _compare(plan: _Plan, time_range: DateRange) -> tuple[exp.Select, DateRange]:
    grain = next((d.grain for d in plan.dims if d.is_metric_time), None)
    if plan.query.compare == "previous_year":
        previous = time_range.shifted("year", -1)
    elif grain is not None:
        previous = time_range.shifted(grain, -1)
    else:
        previous = time_range.previous()
    current_ctes, current = _core(plan, time_range, "cur_")
    previous_ctes, before = _core(plan, previous, "prev_")
    months, days = _shift_for(plan)
    ctes = [
        *current_ctes,
        *previous_ctes,
        exp.CTE(this=current, alias=exp.TableAlias(this=exp.to_identifier("cur"))),
        exp.CTE(this=before, alias=exp.TableAlias(this=exp.to_identifier("prev"))),
    ]
    on: list[exp.Expr] = []
    for ref in plan.dims:
        left = exp.column(ref.output, table="cur")
        right: exp.Expr = exp.column(ref.output, table="prev")
        if ref.is_metric_time and (months or days):
            right = _add_months(right, months, days)
        on.append(_null_safe_eq(left, right))
    select = exp.Select(expressions=[exp.column(ref.output, table="cur") for ref in plan.dims])
    select.set("from_", exp.From(this=_table("cur")))
    _join(select, _table("prev"), _and(on), "left" if on else "cross")
    for name in plan.query.metrics:
        now, then = exp.column(name, table="cur"), exp.column(name, table="prev")
        change = exp.Sub(this=now.copy(), expression=then.copy())
        select = select.select(
            now,
            exp.alias_(then, f"{name}__previous", copy=False),
            exp.alias_(change.copy(), f"{name}__change", copy=False),
            exp.alias_(
                exp.Div(
                    this=exp.cast(
                        exp.paren(change, copy=False), exp.DataType.Type.DOUBLE, copy=False
                    ),
                    expression=exp.func(
                        "NULLIF",
                        exp.func("ABS", then.copy(), copy=False),
                        exp.Literal.number(0),
                        copy=False,
                    ),
                ),
                f"{name}__change_pct",
                copy=False,
            ),
            copy=False,
        )
    return _with(ctes, select), previous


def _order(plan: _Plan, columns: Sequence[OutputColumn]) -> list[exp.Expr]:
    names = {c.name for c in columns}
    aliases = {ref.text: ref.output for ref in plan.dims} | {
        ref.name: ref.output for ref in plan.dims
    }
    order: list[exp.Expr] = []
    for item in plan.query.order_by:
        name = aliases.get(item.field, item.field)
        if name not in names:
            raise UnknownNameError(
                "column to order by",
                item.field,
                names,
                "Order by a metric or dimension you asked for.",
            )
        order.append(exp.Ordered(this=exp.column(name), desc=item.descending))
    if not plan.query.order_by:
        # Time runs forward; within it (or without it) the biggest first. A series by time
        # alone is already in order.
        time = [ref.output for ref in plan.dims if ref.grain is not None]
        order += [exp.Ordered(this=exp.column(t), desc=False) for t in time]
        if len(time) < len(plan.dims) or not plan.dims:
            order.append(exp.Ordered(this=exp.column(plan.query.metrics[0]), desc=True))
    used = {o.this.name for o in order}
    order += [
        exp.Ordered(this=exp.column(r.output), desc=False)
        for r in plan.dims
        if r.output not in used
    ]
    return order


def _definition(model: SemanticModel, metric: Metric) -> tuple[str, tuple[str, ...]]:
    if metric.type == "ratio":
        return f"{metric.numerator} / {metric.denominator} (a ratio of sums)", ()
    if metric.type == "derived":
        return f"{metric.expr}", ()
    found = model.measure(metric.measure or "")
    if found is None:
        return f"measure {metric.measure}", ()
    table, measure = found
    text = f"{measure.aggregation}({measure.expr or '*'}) over {table.name}"
    if measure.filter:
        text += f" where {measure.filter}"
    if metric.filter:
        text += f" and {metric.filter}"
    if measure.snapshot is not None:
        text += (
            f"; a snapshot: rows with {measure.snapshot.valid_from} <= day < "
            f"{measure.snapshot.valid_to}, taken on the last day of each period"
        )
    if metric.window:
        text += f"; over the trailing {metric.window} ending on each day"
    if metric.grain_to_date:
        text += f"; {metric.grain_to_date} to date"
    return text, (table.name,)


def compile_query(
    query: SemanticQuery, model: SemanticModel, *, as_of: date, dialect: str = "duckdb"
) -> CompiledQuery:
    """SQL for `query` on `dialect`, with its output columns and provenance.

    Raises UnknownNameError (with suggestions) for names the model lacks, and QueryError for a
    query that can't be answered as asked (say, a dimension the metric's table can't reach).
    """
    if dialect not in DIALECTS:
        raise UnknownNameError("dialect", dialect, DIALECTS)
    planner = _Planner(model)
    formulas = {name: planner.formula(name) for name in query.metrics}
    if len(set(query.metrics)) != len(query.metrics):
        raise QueryError("A metric is asked for twice; name each metric once.")
    dims = tuple(_dim_ref(text, model) for text in query.dimensions)
    outputs = [ref.output for ref in dims]
    if len(set(outputs)) != len(outputs):
        raise QueryError(
            f"Two dimensions give the same column ({', '.join(outputs)}); name each once."
        )
    filters = list(query.filters)
    for name in query.named_filters:
        named = model.named_filter(name)
        if named is None:
            raise UnknownNameError("named filter", name, [f.name for f in model.filters])
        filters.extend(parse_where(named.where))
    plan = _Plan(model, query, as_of, dims, tuple(filters), formulas, list(planner.groups.values()))
    notes: list[str] = []
    time_range = resolve_time_range(query.time_range, as_of) if query.time_range else None
    grain = next((d.grain for d in dims if d.is_metric_time), None)
    spine_based = any(g.kind != "plain" for g in plan.groups)
    if time_range is None and grain is not None and (spine_based or query.compare):
        time_range = default_range(grain, as_of)
        notes.append(f"No time range given; showing {time_range.describe()}.")
    if time_range is None and query.compare:
        if not all(g.kind != "plain" for g in plan.groups):
            raise QueryError(
                "A comparison needs a time range: add one such as 'this quarter' or 'last 30 days'."
            )
        time_range = DateRange(as_of, as_of + timedelta(days=1), "today", "day")
    if time_range is None and spine_based:
        notes.append(f"Snapshot metrics are taken on {as_of.isoformat()} (the as-of day).")
    if time_range is not None and spine_based and time_range.start > as_of:
        snapshots = ", ".join(query.metrics)
        raise QueryError(
            f"{time_range.describe()} has not begun (the data is as of {as_of.isoformat()}): "
            f"{snapshots} is a snapshot, a value on a day, and has none for days to come. Ask "
            "about a period up to today (a future period suits plans, such as open pipeline by "
            "expected close date)."
        )

    previous: DateRange | None = None
    if query.compare and time_range is not None:
        select, previous = _compare(plan, time_range)
    else:
        ctes, core = _core(plan, time_range, "")
        select = _with(ctes, core)

    columns = _columns(plan)
    select = select.order_by(*_order(plan, columns), copy=False)
    if query.limit is not None:
        select = select.limit(query.limit, copy=False)
    sql = Dialect.get_or_raise(dialect).generate(select, copy=False, pretty=True)
    provenance = _provenance(plan, time_range, previous, dialect, sql, notes, spine_based)
    freshness = {
        table.source: column
        for table in model.tables
        if table.source in plan.tables_read and (column := table.freshness_column)
    }
    return CompiledQuery(
        sql, dialect, tuple(columns), provenance, provenance.source_tables, freshness
    )


def _columns(plan: _Plan) -> list[OutputColumn]:
    model = plan.model
    columns: list[OutputColumn] = []
    for ref in plan.dims:
        if ref.is_metric_time:
            label = f"{ref.grain or 'day'}".capitalize()
        else:
            dim = next(d for t in model.tables for d in t.dimensions if d.name == ref.name)
            label = dim.label or dim.name.replace("_", " ").capitalize()
            if ref.grain and ref.grain != "day":
                label = f"{label} ({ref.grain})"
        columns.append(OutputColumn(ref.output, "dimension", label))
    for name in plan.query.metrics:
        metric = model.metric(name)
        assert metric is not None
        columns.append(OutputColumn(name, "metric", metric.label, metric.format, metric.unit, name))
        if plan.query.compare:
            columns += [
                OutputColumn(
                    f"{name}__previous",
                    "comparison",
                    f"{metric.label} (previous)",
                    metric.format,
                    metric.unit,
                    name,
                ),
                OutputColumn(
                    f"{name}__change",
                    "comparison",
                    f"{metric.label} (change)",
                    metric.format,
                    metric.unit,
                    name,
                ),
                OutputColumn(
                    f"{name}__change_pct",
                    "comparison",
                    f"{metric.label} (% change)",
                    "percent",
                    None,
                    name,
                ),
            ]
    return columns


def metrics_used(model: SemanticModel, names: Iterable[str]) -> list[Metric]:
    """The metrics `names` and every metric they are built from (ratio inputs, the metrics a
    derived expression names), each once, in the order reached."""
    seen: dict[str, Metric] = {}
    queue = list(names)
    while queue:
        name = queue.pop(0)
        metric = model.metric(name)
        if metric is None or name in seen:
            continue
        seen[name] = metric
        if metric.type == "ratio":
            queue += [metric.numerator or "", metric.denominator or ""]
        elif metric.type == "derived":
            queue += [c.name for c in _parse(metric.expr or "").find_all(exp.Column)]
    return list(seen.values())


def _partial_periods(plan: _Plan, time_range: DateRange | None) -> tuple[PartialPeriod, ...]:
    """The periods of the query's time columns that the answer shows only in part."""
    return tuple(
        PartialPeriod(ref.output, start, first, last)
        for ref in plan.dims
        if ref.grain is not None and ref.grain != "day"
        for start, first, last in partial_periods(time_range, ref.grain, plan.as_of)
    )


def _provenance(
    plan: _Plan,
    time_range: DateRange | None,
    previous: DateRange | None,
    dialect: str,
    sql: str,
    notes: list[str],
    point_in_time: bool,
) -> Provenance:
    metrics = []
    for metric in metrics_used(plan.model, plan.query.metrics):
        definition, tables = _definition(plan.model, metric)
        metrics.append(
            MetricProvenance(
                metric.name,
                metric.label,
                metric.description,
                metric.owner,
                metric.status,
                metric.format,
                metric.unit,
                definition,
                tables,
            )
        )
    filters = [str(f) for f in plan.filters]
    comparison = None
    if previous is not None and plan.query.compare is not None:
        comparison = f"{plan.query.compare.replace('_', ' ')}: {previous.describe()}"
    return Provenance(
        metrics=tuple(metrics),
        dimensions=tuple(ref.text for ref in plan.dims),
        filters=tuple(filters),
        time_range=time_range.describe() if time_range else None,
        time_start=time_range.start if time_range else None,
        time_end=time_range.last_day if time_range else None,
        comparison=comparison,
        joins=tuple(plan.joins.values()),
        source_tables=tuple(plan.tables_read),
        as_of=plan.as_of,
        dialect=dialect,
        sql=sql,
        notes=tuple(notes),
        conditions=plan.filters,
        time_period=time_range.unit if time_range and time_range.count == 1 else None,
        compared_start=previous.start if previous is not None else None,
        compared_end=previous.last_day if previous is not None else None,
        point_in_time=point_in_time,
        partial_periods=_partial_periods(plan, time_range),
        limit=plan.query.limit,
        ascending=bool(plan.query.order_by) and not plan.query.order_by[0].descending,
    )


__all__ = [
    "DIALECTS",
    "CompiledQuery",
    "MetricProvenance",
    "OrderBy",
    "OutputColumn",
    "PartialPeriod",
    "Provenance",
    "compile_query",
    "metrics_used",
]
