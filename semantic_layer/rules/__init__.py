"""Cross-reference checks over a loaded `SemanticModel`: what `cortex check` reports.

Each rule takes a `RuleContext` and yields `Issue`s instead of raising, so that every problem is
reported in one run. `RULES` is the tuple `check_model` runs, in order; each family of rules is
a module of this package:

    check_sql_parses        sql.py: every SQL string parses as DuckDB SQL
    check_columns_exist     columns.py: referenced columns exist in the warehouse (when given)
    check_relationships     relationships.py: joined tables exist; no join cycles; no two paths
    check_time_dimensions   time_dimensions.py: time_dimension names a `type: time` dimension
    check_metric_references metrics.py: referenced measures and metrics exist; no self-reference
    check_filter_names      names.py: filters name dimensions reachable from where they apply
    check_verified_queries  names.py: verified queries name existing metrics, dimensions, filters
    check_metric_docs       docs.py: every metric has an owner and a description (and synonyms
                            if certified)

`context.py` holds what they share: the `RuleContext` and the helpers that make an `Issue`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from semantic_layer.errors import Issue
from semantic_layer.model import SemanticModel
from semantic_layer.rules.columns import check_columns_exist
from semantic_layer.rules.context import Rule, RuleContext
from semantic_layer.rules.docs import check_metric_docs
from semantic_layer.rules.metrics import check_metric_references
from semantic_layer.rules.names import check_filter_names, check_verified_queries
from semantic_layer.rules.relationships import check_relationships
from semantic_layer.rules.sql import check_sql_parses
from semantic_layer.rules.time_dimensions import check_time_dimensions

__all__ = [
    "RULES",
    "Rule",
    "RuleContext",
    "check_columns_exist",
    "check_filter_names",
    "check_metric_docs",
    "check_metric_references",
    "check_model",
    "check_relationships",
    "check_sql_parses",
    "check_time_dimensions",
    "check_verified_queries",
]

RULES: tuple[Rule, ...] = (
    check_sql_parses,
    check_columns_exist,
    check_relationships,
    check_time_dimensions,
    check_metric_references,
    check_filter_names,
    check_verified_queries,
    check_metric_docs,
)


def check_model(
    model: SemanticModel,
    *,
    warehouse_columns: Mapping[str, Collection[str]] | None = None,
    unloaded: frozenset[str] = frozenset(),
) -> list[Issue]:
    """Run every rule in `RULES`; the issues are sorted by file and line."""
    context = RuleContext(model, warehouse_columns, unloaded)
    issues = [issue for rule in RULES for issue in rule(context)]
    return sorted(issues, key=lambda issue: (issue.file, issue.line))
