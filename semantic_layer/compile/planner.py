"""The planner: each requested metric as a formula over leaves, and the leaves in groups.

A simple or cumulative metric is one leaf; a ratio is its numerator over its denominator (a
ratio of sums), or one `avg` leaf when it is a sum over a count of the same rows; a derived
metric is its expression over the formulas of the metrics it names.

A *listing* (dimensions and no metric: "list the Enterprise accounts in EMEA with their
owner") is one group without leaves, read from the one table that reaches every dimension and
filter field along the join graph by the fewest relationships, grouped so that each combination
of values appears once, as MetricFlow's dimension queries do (`listing_group`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic_layer.compile.plan import DimRef, Group, Leaf, dim_ref
from semantic_layer.compile.sql import parse, parsed
from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.joins import join_paths
from semantic_layer.model import Measure, Metric, SemanticModel, Table
from semantic_layer.query import Filter, parse_where

_ADDITIVE = ("sum", "count", "count_distinct")


class Planner:
    """Turns metric names into formulas over leaves, and leaves into groups."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.leaves: dict[tuple[object, ...], tuple[Leaf, str]] = {}
        self.groups: dict[tuple[object, ...], Group] = {}

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

        return parse(metric.expr or "").transform(expand)

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
            and parsed(total.sql) == parsed(count.sql)
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
        leaf = Leaf(
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
                group = Group(
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


def never_null(planner: Planner, *, conditional: bool) -> frozenset[tuple[str, str]]:
    """The (group, column) placeholders that are never NULL in a query without dimensions: the
    counts of plain groups. Such a group is one SELECT without GROUP BY, which returns one row
    whatever its WHERE keeps, and a count of no rows is 0. A count with a condition of its own
    is one only where the engine counts conditions (`conditional`; `sql.counts_conditions`)."""
    return frozenset(
        (group.alias, column)
        for group in planner.groups.values()
        if group.kind == "plain"
        for leaf, column in group.leaves
        if leaf.measure.aggregation in ("count", "count_distinct")
        and (conditional or not (leaf.filters or leaf.measure.filter))
    )


def one_row(formula: exp.Expr, counts: frozenset[tuple[str, str]]) -> exp.Expr:
    """`formula` for a total (one row) without the `COALESCE(count, 0)` that a count read from
    `counts` never needs: `COALESCE(x, n)` of such an `x` (in parentheses or not) is `x`."""

    def bare(node: exp.Expr) -> exp.Expr | None:
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.Column) and (node.table, node.name) in counts:
            return node
        return None

    def simplify(node: exp.Expr) -> exp.Expr:
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expr):
                node.set(key, simplify(value))
            elif isinstance(value, list):
                node.set(key, [simplify(v) if isinstance(v, exp.Expr) else v for v in value])
        if isinstance(node, exp.Coalesce) and len(node.expressions) == 1:
            column = bare(node.this)
            if column is not None:
                return column
        return node

    return simplify(formula.copy())


def listing_group(
    model: SemanticModel, dims: Sequence[DimRef], filters: Sequence[Filter], *, timed: bool
) -> Group:
    """The one group a listing reads: the table nearest to every dimension and filter field.

    Raises QueryError when the listing names no dimension but a time axis, when no table reaches
    all its fields, or when two tables reach them equally well (naming both).
    """
    named = [ref for ref in dims if not ref.is_metric_time]
    if not named:
        raise QueryError(
            "A query with no metric lists the values of dimensions: name at least one dimension "
            "other than metric_time, or ask for a metric."
        )
    fields = [*named, *(dim_ref(f.field, model) for f in filters)]
    costs = {t.name: cost for t in model.tables if (cost := _cost(model, t, fields)) is not None}
    if not costs:
        asked = ", ".join(dict.fromkeys(ref.text for ref in fields))
        raise QueryError(
            f"No table reaches all of {asked} through many-to-one joins, so they can't be listed "
            "together. List them separately."
        )
    best = min(costs.values())
    nearest = [name for name, cost in costs.items() if cost == best]
    if len(nearest) > 1:
        example = f"'{nearest[0]}.{named[0].name}'"
        raise QueryError(
            f"The listing could be read from {' or '.join(repr(n) for n in nearest)}, with "
            f"different rows. Name the table you mean, e.g. {example}, or add one of its "
            "dimensions."
        )
    table = model.table(nearest[0])
    assert table is not None
    time_dimension = table.time_dimension
    if timed and time_dimension is None:
        raise QueryError(
            f"A listing from table '{table.name}' has no time axis, so it takes no time range "
            "or metric_time. Filter on one of its dimensions instead."
        )
    return Group("listing", table, "plain", time_dimension, None, None)


def _cost(model: SemanticModel, table: Table, fields: Sequence[DimRef]) -> int | None:
    """How many relationships `table` walks to reach `fields` (None when it misses one)."""
    reach = join_paths(model.relationships, table.name)
    total = 0
    for ref in fields:
        hops = [
            len(path.steps)
            for name, path in reach.paths.items()
            if (ref.table is None or ref.table == name)
            and name not in reach.ties
            and (found := model.table(name)) is not None
            and any(d.name == ref.name for d in found.dimensions)
        ]
        if not hops:
            return None
        total += min(hops)
    return total
