"""The SELECT of one group: its dimensions, joins, time filter or spine, and aggregates.

A group aggregates at its own grain, joining only many-to-one from its table (and one-to-one
either way, along the shortest path of `joins.join_paths`, the graph `cortex check` checks), so
measures from different tables never multiply each other's rows (fan-out and chasm traps).
Snapshot measures are evaluated on one day per period (the period's last day inside the range),
cumulative measures over a window ending on that day; the days are a spine of literal dates
computed here, so they are the same on every engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlglot import exp

from semantic_layer.compile.aggregates import (
    aggregation,
    in_as_equalities,
    shared_condition,
    substitute,
)
from semantic_layer.compile.plan import DimRef, Group, Leaf, Plan, dim_ref, window_days
from semantic_layer.compile.preaggregate import (
    ROLLUPS,
    inner_select,
    join_keys,
    reads,
    reads_only,
    rollup,
    split_where,
)
from semantic_layer.compile.sources import table_source
from semantic_layer.compile.sql import (
    add_join,
    and_all,
    date_literal,
    literal,
    qualify,
    truncate_to,
)
from semantic_layer.errors import QueryError
from semantic_layer.joins import JoinPath, join_paths
from semantic_layer.model import METRIC_TIME, Dimension, Snapshot, Table
from semantic_layer.query import Filter
from semantic_layer.time import DateRange, periods, shift, truncate

_EPOCH = date(1900, 1, 1)


class GroupBuilder:
    """Builds the aggregating SELECT of one group."""

    def __init__(self, plan: Plan, group: Group, time_range: DateRange | None) -> None:
        self.plan = plan
        self.group = group
        self.time_range = time_range
        self.reach = join_paths(plan.model.relationships, group.table.name)
        self.joined: dict[str, JoinPath] = {}
        self.days = self._days() if group.kind != "plain" else []

    # -- names

    def resolve(self, ref: DimRef, purpose: str) -> tuple[Table, Dimension]:
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
        if not self.plan.query.metrics:
            return f"a listing from table '{self.group.table.name}'"
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
        return qualify(dim.sql, table.name)

    def dimension_sql(self, ref: DimRef, purpose: str) -> exp.Expr:
        if ref.is_metric_time:
            if self.group.kind == "plain":
                value = self.time_column()
            elif purpose == "dimension":
                return self._spine_value("period")
            else:
                value = self._spine_value("day")
            return truncate_to(value, ref.grain or "day") if purpose == "dimension" else value
        table, dim = self.resolve(ref, purpose)
        value = qualify(dim.sql, table.name)
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
            return truncate_to(value, ref.grain or "day")
        return value

    def filter_sql(self, item: Filter) -> exp.Expr:
        ref = dim_ref(item.field, self.plan.model)
        if ref.is_metric_time:
            ref = DimRef(ref.text, None, METRIC_TIME, None)
        column = self.dimension_sql(ref, "filter")
        values = [literal(v) for v in item.values]
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

    def aggregate(self, leaf: Leaf, condition: exp.Expr | None) -> exp.Expr:
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
            condition = condition.transform(in_as_equalities)
        if condition is not None and counts_rows:
            return exp.CountIf(this=condition)
        value = exp.Star() if counts_rows else qualify(measure.sql, self.group.table.name)
        aggregate = aggregation(measure, value)
        if condition is None:
            return aggregate
        return exp.Filter(this=aggregate, expression=exp.Where(this=condition))

    def leaf_condition(self, leaf: Leaf) -> exp.Expr | None:
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
            parts.append(exp.paren(qualify(leaf.measure.filter, self.group.table.name), copy=False))
        parts.extend(self.filter_sql(f) for f in leaf.filters)
        return and_all(parts)

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
            return date_literal(values[name])
        return exp.column(name, table="_spine")

    def spine(self) -> exp.Expr:
        """The days as a VALUES list: one row per period."""
        rows: list[exp.Expr] = []
        cumulative = self.group.kind == "cumulative"
        for period, day in self.days:
            values = [date_literal(period), date_literal(day)]
            if cumulative:
                start, end = self._window(day)
                values += [date_literal(start), date_literal(end)]
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
            count, unit = window_days(self.group.window)
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
        shared = shared_condition(list(conditions.values()), grouped=bool(dim_columns))
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
            where.append(exp.GTE(this=time.copy(), expression=date_literal(self.time_range.start)))
            where.append(exp.LT(this=time, expression=date_literal(self.time_range.end)))
        source = table_source(table)
        if group.kind == "plain":
            select.set("from_", exp.From(this=source))
        elif len(self.days) == 1:  # one day: a filter, not a join
            select.set("from_", exp.From(this=source))
            where.append(self._in_window())
        else:
            select.set("from_", exp.From(this=self.spine()))
            add_join(select, source, self._in_window(), "inner")
        for path in sorted(self.joined.values(), key=lambda p: len(p.steps)):
            self._add_path(select, path)
        rolled = self._preaggregate(select, source, dim_columns, aggregates, where)
        if rolled is not None:
            aggregates, where = rolled
        outputs: list[exp.Expr] = list(dim_columns)
        if inline is None:
            outputs += [exp.alias_(agg, column, copy=False) for column, agg in aggregates.items()]
        else:
            for name, formula in inline.items():
                outputs.append(
                    exp.alias_(substitute(formula, group.alias, aggregates), name, copy=False)
                )
        select.set("expressions", outputs)
        condition = and_all(where)
        if condition is not None:
            select.set("where", exp.Where(this=condition))
        if dim_columns:
            positions = [exp.Literal.number(i + 1) for i in range(len(dim_columns))]
            select.set("group", exp.Group(expressions=positions))
        owners = sorted({leaf.measure.name for leaf, _ in group.leaves})
        read = ", ".join(owners) if owners else "a listing"
        select.add_comments([f"{table.name}: {read} ({group.kind})"])
        return select

    def _preaggregate(
        self,
        select: exp.Select,
        source: exp.Expr,
        dim_columns: list[exp.Expr],
        aggregates: dict[str, exp.Expr],
        where: list[exp.Expr],
    ) -> tuple[dict[str, exp.Expr], list[exp.Expr]] | None:
        """Aggregate the fact per join key before the joins (preaggregate.py says when and
        why it is the same answer): `select` then reads the keyed partials instead of the table.

        Returns the aggregates over the partials and the conditions left for after the joins,
        or None (and `select` untouched) when the group does not qualify.
        """
        group, fact = self.group, self.group.table.name
        if group.kind != "plain" or not self.joined or not dim_columns or not group.leaves:
            return None
        if any(leaf.measure.aggregation not in ROLLUPS for leaf, _ in group.leaves):
            return None
        if any(reads(column, fact) for column in dim_columns):  # metric_time included
            return None
        if not all(reads_only(aggregate, fact) for aggregate in aggregates.values()):
            return None
        inner_where, outer_where = split_where(where, fact)
        if outer_where:  # the engine filters the fact through the join: measured faster
            return None
        keys = join_keys(select, fact)
        if not keys or any(column in keys for column in aggregates):
            return None
        partials = inner_select(source, fact, keys, aggregates, inner_where)
        select.set("from_", exp.From(this=partials))
        rolled = {
            column: rollup(leaf.measure.aggregation, exp.column(column, table=fact))
            for leaf, column in group.leaves
        }
        return rolled, outer_where

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
            if len(ends) == 1 and len(self.days) == 1 and self.days[0][1] < date.max:
                # On one day (a literal), "no end, or an end after the day" says the same as
                # the open end read as 9999-12-31, and DuckDB filters it 15-20 % faster
                # (bench/RESULTS.md). A join to the spine keeps the one comparison.
                end_after = self._open_or_after(ends[0], day)
            else:
                end = (
                    self._bound(ends[0])
                    if len(ends) == 1
                    else exp.func("GREATEST", *(self._bound(b) for b in ends), copy=False)
                )
                end_after = exp.GT(this=end, expression=day.copy())
            return exp.and_(exp.LTE(this=start, expression=day), end_after, copy=False)
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
        return exp.cast(qualify(sql, table), exp.DataType.Type.DATE, copy=False)

    def _open_or_after(self, sql: str, day: exp.Expr) -> exp.Expr:
        """`sql IS NULL OR CAST(sql AS DATE) > day`: a validity end that is open or after `day`."""
        value = qualify(sql, self.group.table.name)
        after = exp.GT(
            this=exp.cast(value.copy(), exp.DataType.Type.DATE, copy=False),
            expression=day.copy(),
        )
        return exp.paren(exp.or_(exp.Is(this=value, expression=exp.Null()), after), copy=False)

    def _bound(self, sql: str) -> exp.Expr:
        """A validity bound as a date; an empty bound is far in the future (open, or never)."""
        value = exp.cast(qualify(sql, self.group.table.name), exp.DataType.Type.DATE, copy=False)
        return exp.func("COALESCE", value, date_literal(date(9999, 12, 31)), copy=False)

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
            add_join(select, table_source(target_table), and_all(on), "inner" if inner else "left")
            keys = " and ".join(
                f"{rel.from_table}.{a} = {rel.to_table}.{b}" for a, b in rel.keys.items()
            )
            self.plan.joins[f"{rel.from_table}->{rel.to_table}"] = (
                f"{rel.from_table} -> {rel.to_table} ({rel.type.replace('_', '-')}) on {keys}"
            )
            self.plan.read(target_table)
