"""The aggregates of a group's SELECT: each measure's aggregation, and where its condition goes.

Each leaf's condition is kept inside its aggregate (`agg(x) FILTER (WHERE cond)`) unless it may
filter the group's rows in WHERE (`shared_condition` says when, and why); formulas over the leaf
columns are filled in with the aggregates themselves when a group is the whole query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from semantic_layer.model import Measure

#: The longest IN list `in_as_equalities` spells out (the longest measured faster).
_IN_AS_EQUALITIES_UP_TO = 8


def in_as_equalities(node: exp.Expr) -> exp.Expr:
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


def aggregation(measure: Measure, value: exp.Expr) -> exp.Expr:
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


def shared_condition(conditions: Sequence[exp.Expr | None], *, grouped: bool) -> exp.Expr | None:
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


def substitute(formula: exp.Expr, alias: str, columns: dict[str, exp.Expr]) -> exp.Expr:
    """`formula` with each `alias.column` placeholder replaced by `columns[column]`."""

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table == alias and node.name in columns:
            return columns[node.name].copy()
        return node

    return formula.copy().transform(replace)
