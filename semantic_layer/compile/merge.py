"""The query's SELECT: its groups merged on the requested dimensions, and a comparison.

The groups are merged with FULL OUTER JOINs on the dimensions, and the metrics computed from the
merged aggregates (a ratio of sums, never an average of ratios). A comparison compiles the same
query over the previous period and joins the two.
"""

from __future__ import annotations

from sqlglot import exp

from semantic_layer.compile.group import GroupBuilder
from semantic_layer.compile.plan import Plan
from semantic_layer.compile.sql import add_join, add_months, and_all, null_safe_eq, table_ref
from semantic_layer.time import DateRange


def core(
    plan: Plan, time_range: DateRange | None, prefix: str
) -> tuple[list[exp.Expr], exp.Select]:
    """The CTEs and final SELECT of the query over `time_range` (no ORDER BY / LIMIT)."""
    builders = [GroupBuilder(plan, group, time_range) for group in plan.groups]
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
    select.set("from_", exp.From(this=table_ref(f"{prefix}{first}", first)))
    keys: dict[str, exp.Expr] = {d: exp.column(d, table=first) for d in dim_names}
    for alias in rest:
        source = table_ref(f"{prefix}{alias}", alias)
        if not dim_names:
            add_join(select, source, None, "cross")
            continue
        on = and_all(null_safe_eq(keys[d].copy(), exp.column(d, table=alias)) for d in dim_names)
        add_join(select, source, on, "full")
        keys = {
            d: exp.func("COALESCE", keys[d], exp.column(d, table=alias), copy=False)
            for d in dim_names
        }
    columns = [exp.alias_(keys[d], d, copy=False) for d in dim_names]
    columns += [exp.alias_(formula.copy(), name, copy=False) for name, formula in outputs.items()]
    select.set("expressions", columns)
    return ctes, select


def with_ctes(ctes: list[exp.Expr], select: exp.Select) -> exp.Select:
    """`select` with `ctes` as its WITH clause (none when empty)."""
    if ctes:
        select.set("with_", exp.With(expressions=ctes))
    return select


def _shift_for(plan: Plan) -> tuple[int, int]:
    """(months, days) the comparison period is behind, for joining it to the current rows."""
    grain = next((d.grain for d in plan.dims if d.is_metric_time), None)
    if plan.query.compare == "previous_year":
        return 12, 0
    if grain is None:
        return 0, 0
    return {"day": (0, 1), "week": (0, 7), "month": (1, 0), "quarter": (3, 0), "year": (12, 0)}[
        grain
    ]


def compare(plan: Plan, time_range: DateRange) -> tuple[exp.Select, DateRange]:
    """The query over `time_range` beside the previous period (the previous year, or the
    period one step of the time grain before), with each metric's change; and that period."""
    grain = next((d.grain for d in plan.dims if d.is_metric_time), None)
    if plan.query.compare == "previous_year":
        previous = time_range.shifted("year", -1)
    elif grain is not None:
        previous = time_range.shifted(grain, -1)
    else:
        previous = time_range.previous()
    current_ctes, current = core(plan, time_range, "cur_")
    previous_ctes, before = core(plan, previous, "prev_")
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
            right = add_months(right, months, days)
        on.append(null_safe_eq(left, right))
    select = exp.Select(expressions=[exp.column(ref.output, table="cur") for ref in plan.dims])
    select.set("from_", exp.From(this=table_ref("cur")))
    add_join(select, table_ref("prev"), and_all(on), "left" if on else "cross")
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
    return with_ctes(ctes, select), previous
