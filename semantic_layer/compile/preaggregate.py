"""Pre-aggregation: a fact aggregated at its join keys before it is joined to a dimension table.

"Tickets by segment" joins ten million tickets to fifty thousand accounts and then counts. When
every dimension of the query comes from the joined (one) side and every aggregate can be
rolled up, counting per `account_id` first and joining the fifty thousand counts to accounts
gives the same numbers and joins 200 times fewer rows:

    SELECT accounts.segment, SUM(tickets.m0)
    FROM (SELECT tickets.account_id AS account_id, COUNT(*) AS m0 FROM tickets
          WHERE <the conditions on tickets alone> GROUP BY 1) AS tickets
    JOIN accounts ON tickets.account_id = accounts.account_id
    WHERE <the conditions on the joined tables>
    GROUP BY 1

Why it is the same answer. Every join from a group's table is many-to-one (or one-to-one), so
each fact row meets at most one row of each joined table, chosen by its key columns alone: the
rows of one key land in one group. A sum (or count, min, max) of a group is then the sum (sum,
min, max) of the per-key sums (counts, ...) of the keys in that group, and a condition on a
joined table holds for all rows of a key or for none. A NULL key forms one pre-aggregated row
that, like the rows it stands for, meets no joined row (dropped by an INNER join, kept with
NULL dimensions by a LEFT one). A leaf's own condition stays inside its inner aggregate, so a
key whose rows all fail it gives a 0 count (or a NULL sum) and the group still appears.

Only rolled-up aggregates qualify: count, sum, min and max. A count distinct, a median, a
percentile or an average of a group is no function of its keys' values, so such a group is
compiled as before; so is a group with a dimension of the fact itself (metric_time included),
a snapshot or cumulative group (their spine join), or a condition inside an aggregate that
reads a joined table. A filter on a joined table ("Enterprise accounts") also keeps the join
first: the engine then reads only the matching facts through the join, which measured faster
than counting every key first (bench/RESULTS.md: top Enterprise accounts by tickets, 1.19x of
the hand-written SQL pre-aggregated at scale 10). The soundness suite
(tests/semantic_layer/test_properties.py) compares both shapes with pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic_layer.compile.sql import and_all

#: The aggregations whose value over a group is a function of their values over its keys.
ROLLUPS = ("sum", "count", "min", "max")


def reads_only(node: exp.Expr, table: str) -> bool:
    """Whether every column `node` reads is a column of `table`."""
    return all(column.table == table for column in node.find_all(exp.Column))


def reads(node: exp.Expr, table: str) -> bool:
    """Whether `node` reads any column of `table`."""
    return any(column.table == table for column in node.find_all(exp.Column))


def rollup(aggregation: str, partial: exp.Expr) -> exp.Expr:
    """The aggregate over a group of the per-key `partial` values of an `aggregation`.

    Counts are summed and cast back to BIGINT: SUM of a BIGINT is a wider type on several
    engines (HUGEINT on DuckDB, NUMERIC on PostgreSQL), and a count stays an integer.
    """
    if aggregation == "count":
        return exp.cast(exp.Sum(this=partial), exp.DataType.Type.BIGINT, copy=False)
    builders = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}
    return builders[aggregation](this=partial)


def split_where(where: Sequence[exp.Expr], fact: str) -> tuple[list[exp.Expr], list[exp.Expr]]:
    """The conditions on the fact alone (before aggregating) and the others (after joining)."""
    inner = [w for w in where if reads_only(w, fact)]
    outer = [w for w in where if not reads_only(w, fact)]
    return inner, outer


def inner_select(
    source: exp.Expr,
    fact: str,
    keys: Sequence[str],
    partials: dict[str, exp.Expr],
    where: Sequence[exp.Expr],
) -> exp.Subquery:
    """The fact aggregated per key: `(SELECT keys, partials FROM source WHERE ... GROUP BY
    keys) AS fact`, aliased as the fact so the joins and the outer SELECT read it unchanged."""
    select = exp.Select()
    columns: list[exp.Expr] = [
        exp.alias_(exp.column(key, table=fact), key, copy=False) for key in keys
    ]
    columns += [exp.alias_(value, name, copy=False) for name, value in partials.items()]
    select.set("expressions", columns)
    select.set("from_", exp.From(this=source))
    condition = and_all(where)
    if condition is not None:
        select.set("where", exp.Where(this=condition))
    positions = [exp.Literal.number(i + 1) for i in range(len(keys))]
    select.set("group", exp.Group(expressions=positions))
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(fact)))


def join_keys(select: exp.Select, fact: str) -> list[str]:
    """The fact's columns the joins of `select` read (its keys), in order."""
    keys: dict[str, None] = {}
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is None:
            continue
        for column in on.find_all(exp.Column):
            if column.table == fact:
                keys.setdefault(column.name)
    return list(keys)
