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

The modules, in the order a query goes through them:

    compiler.py    `compile_query`: check the names, plan, settle the time range, render
    plan.py        the dimensions as requested, the leaves and groups, the plan (1, 2)
    planner.py     each metric as a formula over leaves; the leaves in groups (1, 2)
    group.py       one group's SELECT: joins, filters, the spine of days, aggregates (2, 3)
    aggregates.py  each measure's aggregation, and whether its condition may go in WHERE
    merge.py       the groups merged on the dimensions (4), and a comparison (5)
    output.py      the result's columns and the order of its rows
    provenance.py  how each metric is defined, and what the rows met
    results.py     what `compile_query` returns: `CompiledQuery`, `Provenance`, ...
    sources.py     a model table as SQL: its source, the warehouse tables it reads, and the
                   query listing a dimension's values
    sql.py         small builders of sqlglot trees, and the engines (`DIALECTS`)
"""

from semantic_layer.compile.compiler import compile_query
from semantic_layer.compile.provenance import metrics_used
from semantic_layer.compile.results import (
    CompiledQuery,
    MetricProvenance,
    OutputColumn,
    PartialPeriod,
    Provenance,
)
from semantic_layer.compile.sources import distinct_values_query, tables_read
from semantic_layer.compile.sql import DIALECTS
from semantic_layer.expressions import SOURCE_DIALECT
from semantic_layer.query import OrderBy

__all__ = [
    "DIALECTS",
    "SOURCE_DIALECT",
    "CompiledQuery",
    "MetricProvenance",
    "OrderBy",
    "OutputColumn",
    "PartialPeriod",
    "Provenance",
    "compile_query",
    "distinct_values_query",
    "metrics_used",
    "tables_read",
]
