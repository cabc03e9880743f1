"""What one engine needs said differently: rewrites of the finished tree before it is rendered.

The compiler builds one sqlglot tree for every engine and sqlglot transpiles most of it (date
truncation, intervals, casts, quoting). What sqlglot cannot fix because the engines differ in
what they can *run*, not in how it is spelled, is rewritten here, per dialect, each rewrite a
named dialect trap pinned by tests/engines/test_dialect_traps.py:

- `hashable_full_join_keys` (postgres): PostgreSQL runs a FULL JOIN only on merge- or
  hash-joinable conditions, and `a IS NOT DISTINCT FROM b` is neither ("FULL JOIN is only
  supported with merge-joinable or hash-joinable join conditions"). The groups of a query are
  merged with FULL JOINs on null-safe equality of the dimensions, so each such condition becomes
  two plain equalities with the same meaning: `COALESCE(CAST(a AS TEXT), '') =
  COALESCE(CAST(b AS TEXT), '') AND (a IS NULL) = (b IS NULL)` (the second tells NULL from '').
- `same_numbers_on_spark` (spark): an average of decimals stays a decimal on Spark, rounded;
  sqlglot writes a continuous percentile as Spark's estimate. Averages are taken of DOUBLEs and
  percentiles exactly (pinned by tests/engines/test_spark_traps.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

__all__ = ["for_dialect"]


def _text_or_empty(value: exp.Expr) -> exp.Expr:
    as_text = exp.cast(value.copy(), exp.DataType.Type.TEXT, copy=False)
    return exp.func("COALESCE", as_text, exp.Literal.string(""), copy=False)


def _is_null(value: exp.Expr) -> exp.Expr:
    return exp.paren(exp.Is(this=value.copy(), expression=exp.Null()), copy=False)


def _hashable(condition: exp.NullSafeEQ) -> exp.Expr:
    left, right = condition.this, condition.expression
    same_text = exp.EQ(this=_text_or_empty(left), expression=_text_or_empty(right))
    same_nullness = exp.EQ(this=_is_null(left), expression=_is_null(right))
    return exp.and_(same_text, same_nullness, copy=False)


def hashable_full_join_keys(tree: exp.Expr) -> exp.Expr:
    """Every null-safe equality in a FULL JOIN's ON as two hash-joinable equalities."""
    for join in tree.find_all(exp.Join):
        if join.side != "FULL" or join.args.get("on") is None:
            continue
        join.set("on", join.args["on"].transform(
            lambda node: _hashable(node) if isinstance(node, exp.NullSafeEQ) else node,
            copy=False,
        ))  # fmt: skip
    return tree


def _same_number_on_spark(node: exp.Expr) -> exp.Expr:
    """`node` rewritten where Spark would compute another number than DuckDB from the same SQL.

    - AVG of a DECIMAL is a DECIMAL on Spark, rounded to 4 more digits than its argument
      (`AVG(CASE ... THEN 1.0 ...)` gives 0.83328 where DuckDB gives 0.8332762...): averages
      are taken of DOUBLEs, as DuckDB does.
    - A continuous percentile is PERCENTILE_APPROX in sqlglot's Spark SQL (an estimate):
      PERCENTILE, Spark's exact percentile, interpolates between the two nearest values as
      DuckDB's QUANTILE_CONT does. (MEDIAN is exact on Spark already.)

    Each is pinned by a test in tests/engines/test_spark_traps.py.
    """
    if isinstance(node, exp.Avg) and not isinstance(node.this, exp.Distinct):
        node.set("this", exp.cast(node.this, exp.DataType.Type.DOUBLE, copy=False))
        return node
    if isinstance(node, exp.PercentileCont):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    return node


def same_numbers_on_spark(tree: exp.Expr) -> exp.Expr:
    """Averages of DOUBLEs and exact percentiles, as DuckDB computes them."""
    return tree.transform(_same_number_on_spark, copy=False)


_REWRITES: dict[str, tuple[Callable[[exp.Expr], exp.Expr], ...]] = {
    "postgres": (hashable_full_join_keys,),
    "spark": (same_numbers_on_spark,),
}


def for_dialect(tree: exp.Expr, dialect: str) -> exp.Expr:
    """`tree` with the rewrites `dialect` needs (changed in place; most dialects need none)."""
    for rewrite in _REWRITES.get(dialect, ()):
        tree = rewrite(tree)
    return tree
