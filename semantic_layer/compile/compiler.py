"""`compile_query`: a semantic query to SQL for one engine, with the provenance of every number.

It checks the query's names, plans its metrics (planner.py), settles the time range, builds the
SELECT (merge.py, over one SELECT per group, group.py) and renders it for the engine.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from semantic_layer.compile.merge import compare, core, with_ctes
from semantic_layer.compile.output import order_by, output_columns
from semantic_layer.compile.plan import Plan, dim_ref
from semantic_layer.compile.planner import Planner, listing_group, never_null, one_row
from semantic_layer.compile.provenance import build_provenance
from semantic_layer.compile.results import CompiledQuery
from semantic_layer.compile.sources import prune_derived_columns
from semantic_layer.compile.sql import check_dialect, counts_conditions, render
from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from semantic_layer.time import DateRange, default_range, resolve_time_range


def compile_query(
    query: SemanticQuery, model: SemanticModel, *, as_of: date, dialect: str = "duckdb"
) -> CompiledQuery:
    """SQL for `query` on `dialect`, with its output columns and provenance.

    Raises UnknownNameError (with suggestions) for names the model lacks, and QueryError for a
    query that can't be answered as asked (say, a dimension the metric's table can't reach).
    """
    check_dialect(dialect)
    planner = Planner(model)
    formulas = {name: planner.formula(name) for name in query.metrics}
    if len(set(query.metrics)) != len(query.metrics):
        raise QueryError("A metric is asked for twice; name each metric once.")
    dims = tuple(dim_ref(text, model) for text in query.dimensions)
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
    groups = list(planner.groups.values())
    if not dims:
        counts = never_null(planner, conditional=counts_conditions(dialect))
        formulas = {name: one_row(formula, counts) for name, formula in formulas.items()}
    if not query.metrics:
        timed = query.time_range is not None or any(ref.is_metric_time for ref in dims)
        groups = [listing_group(model, dims, filters, timed=timed)]
    plan = Plan(model, query, as_of, dims, tuple(filters), formulas, groups)
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
            "about a period up to today (a future period suits metrics of dates still to come, "
            "such as expected or due dates)."
        )
    if time_range is not None and spine_based and time_range.end > as_of + timedelta(days=1):
        time_range = replace(time_range, end=as_of + timedelta(days=1))  # no value for days to come
        notes.append(f"Snapshot metrics are taken up to {as_of.isoformat()} (the as-of day).")

    previous: DateRange | None = None
    if query.compare and time_range is not None:
        select, previous = compare(plan, time_range)
    else:
        ctes, merged = core(plan, time_range, "")
        select = with_ctes(ctes, merged)

    columns = output_columns(plan)
    ordering = order_by(plan, columns)  # checked even when unused: a bad name is an error
    if dims:  # a total is one row: nothing to order
        select = select.order_by(*ordering, copy=False)
    if query.limit is not None:
        select = select.limit(query.limit, copy=False)
    sql = render(prune_derived_columns(select), dialect)
    provenance = build_provenance(plan, time_range, previous, dialect, sql, notes, spine_based)
    freshness = {
        table.source: column
        for table in model.tables
        if table.source in plan.tables_read and (column := table.freshness_column)
    }
    return CompiledQuery(
        sql, dialect, tuple(columns), provenance, provenance.source_tables, freshness
    )
