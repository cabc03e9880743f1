"""metrics.yml -> a dbt project folder: semantic models, metrics and saved queries (MetricFlow).

- a table becomes a semantic model over `ref('<table>')` (a table declared by `sql` also gets
  the model file `models/<table>.sql`); its primary key a primary entity, each relationship a
  foreign (or, one-to-one, unique) entity of the same name in the `from` table;
- dimensions and measures keep their names; a measure's `filter` is folded into its expression
  (`CASE WHEN filter THEN expr END`, which every aggregation reads alike), a snapshot measure
  travels in `meta` (MetricFlow has no validity-interval measures);
- metrics keep their types; a metric's filter is written as MetricFlow's Jinja;
- verified queries become saved queries; named filters, objectives and the fiscal year, which
  dbt has no place for, travel in `dbt_project.yml` under `vars: {cortex: ...}`.

Cortex's own fields (synonyms, owners, status, format...) travel in each object's
`config.meta.cortex`. A table without a time dimension cannot hold MetricFlow measures: its
measures, and the metrics over them, travel in `meta` too and are listed as not mapped.
"""

from __future__ import annotations

from typing import Any

from cortex.interchange.common import CORTEX_KEY, Exported, Findings, dump_yaml, extras
from cortex.interchange.filters import to_jinja
from semantic_layer.model import (
    METRIC_TIME,
    Dimension,
    Measure,
    Metric,
    SemanticModel,
    Table,
    VerifiedQuery,
)
from semantic_layer.rules.context import columns_in

METRIC_EXTRAS = (
    "owner",
    "synonyms",
    "format",
    "unit",
    "status",
    "access_groups",
    "better",
    "fill_nulls_with",
)
DIMENSION_EXTRAS = ("synonyms", "value_synonyms")
TABLE_EXTRAS = ("freshness", "count_metric", "name_dimension", "sql", "primary_key", "table")
QUERY_EXTRAS = ("verified_by", "verified_at", "onboarding")
AGGREGATIONS = {
    "sum": "sum",
    "count": "count",
    "count_distinct": "count_distinct",
    "avg": "average",
    "min": "min",
    "max": "max",
    "median": "median",
    "percentile": "percentile",
}
SEMANTIC_MODELS_FILE = "models/semantic_models.yml"
PROJECT_FILE = "dbt_project.yml"


def _meta(values: dict[str, Any]) -> dict[str, Any]:
    return {"config": {"meta": {CORTEX_KEY: values}}} if values else {}


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


class _Entities:
    """The entity names of the tables: a table's primary entity, named after its key."""

    def __init__(self, model: SemanticModel) -> None:
        self.names: dict[str, str] = {}
        for table in model.tables:
            taken = {d.name for d in table.dimensions} | {m.name for m in table.measures}
            key = table.primary_key
            name = key.removesuffix("_id") if key.endswith("_id") else table.name
            if name in taken or name in self.names.values():
                name = f"{table.name}_entity"
            self.names[table.name] = name

    def dimension(
        self, model: SemanticModel, home: str | None, table: str | None, name: str
    ) -> str:
        """The MetricFlow template naming dimension `name` (of `table`, else of `home` when it
        has one, else of the first table that does)."""
        owner = model.table(table) if table else None
        if owner is None:
            tables = [t for t in model.tables if any(d.name == name for d in t.dimensions)]
            preferred = [t for t in tables if t.name == home]
            owner = (preferred or tables)[0] if (preferred or tables) else None
        entity = self.names.get(owner.name, owner.name) if owner else "unknown"
        found = next((d for d in owner.dimensions if d.name == name), None) if owner else None
        if name == METRIC_TIME:
            return "TimeDimension('metric_time', 'day')"
        if found is not None and found.type == "time":
            return f"TimeDimension('{entity}__{name}', 'day')"
        return f"Dimension('{entity}__{name}')"


def export_dbt(model: SemanticModel, *, project_name: str = "cortex_export") -> Exported:
    """The dbt project (relative path -> text) holding `model`, and what did not map."""
    findings = Findings()
    entities = _Entities(model)
    timeless = {t.name for t in model.tables if not t.time_dimension}
    kept_measures = {m.name for t in model.tables if t.name in timeless for m in t.measures}
    kept_metrics = _metrics_over(model, kept_measures)
    semantic_models = [
        _semantic_model(model, table, entities, findings, kept=table.name in timeless)
        for table in model.tables
    ]
    metrics = [
        _metric(model, metric, entities, findings)
        for metric in model.metrics
        if metric.name not in kept_metrics
    ]
    for metric in model.metrics:
        if metric.name in kept_metrics:
            findings.at(
                metric.location,
                f"metric '{metric.name}'",
                "its measure is on a table without a time dimension, which MetricFlow cannot "
                "hold; kept for Cortex in dbt_project.yml (vars.cortex.metrics).",
            )
    saved = [
        _saved_query(model, q, index, entities) for index, q in enumerate(model.verified_queries)
    ]
    document: dict[str, Any] = {
        "version": 2,
        "semantic_models": semantic_models,
        "metrics": metrics,
    }
    if saved:
        document["saved_queries"] = saved
    files = {PROJECT_FILE: dump_yaml(_project(model, project_name, kept_metrics, findings))}
    files[SEMANTIC_MODELS_FILE] = dump_yaml(document)
    for table in model.tables:
        if table.sql is not None:
            files[f"models/{table.name}.sql"] = table.sql.strip() + "\n"
    return Exported(files, tuple(findings.unmapped))


def _metrics_over(model: SemanticModel, measures: set[str]) -> set[str]:
    """The metrics built, directly or through other metrics, on any of `measures`."""
    found = {m.name for m in model.metrics if m.measure in measures}
    grew = True
    while grew:
        grew = False
        for metric in model.metrics:
            used = {
                metric.numerator,
                metric.denominator,
                *(c.name for c in columns_in(metric.expr or "")),
            }
            if metric.name not in found and used & found:
                found.add(metric.name)
                grew = True
    return found


def _project(
    model: SemanticModel, name: str, kept_metrics: set[str], findings: Findings
) -> dict[str, Any]:
    cortex: dict[str, Any] = {}
    if model.fiscal_year_start_month != 1:
        cortex["fiscal_year_start_month"] = model.fiscal_year_start_month
    if model.filters:
        cortex["filters"] = [
            f.model_dump(mode="json", exclude_defaults=True) for f in model.filters
        ]
        for named in model.filters:
            findings.at(
                named.location,
                f"filter '{named.name}'",
                "dbt has no named filters; kept for Cortex in dbt_project.yml "
                "(vars.cortex.filters).",
            )
    if model.objectives is not None:
        cortex["objectives"] = model.objectives.model_dump(mode="json", exclude_defaults=True)
        findings.at(
            model.objectives.location,
            "objectives",
            "dbt has no objectives; kept for Cortex in dbt_project.yml (vars.cortex.objectives).",
        )
    if kept_metrics:
        cortex["metrics"] = [
            m.model_dump(mode="json", exclude_defaults=True, by_alias=True) | {"label": m.label}
            for m in model.metrics
            if m.name in kept_metrics
        ]
    project: dict[str, Any] = {"name": name, "version": "1.0.0", "config-version": 2}
    if cortex:
        project["vars"] = {CORTEX_KEY: cortex}
    return project


def _semantic_model(
    model: SemanticModel, table: Table, entities: _Entities, findings: Findings, *, kept: bool
) -> dict[str, Any]:
    own = entities.names[table.name]
    entity_list: list[dict[str, Any]] = [
        _clean(
            {
                "name": own,
                "type": "primary",
                "expr": table.primary_key if table.primary_key != own else None,
            }
        )
    ]
    for rel in model.relationships:
        if rel.from_table != table.name:
            continue
        target = entities.names.get(rel.to_table, rel.to_table)
        if len(rel.keys) != 1 or any(e["name"] == target for e in entity_list):
            findings.at(
                rel.location,
                f"relationship '{rel.label}'",
                "a MetricFlow entity joins on one column, once per pair of tables; not mapped.",
            )
            continue
        [(column, _)] = rel.keys.items()
        entity = {
            "name": target,
            "type": "unique" if rel.type == "one_to_one" else "foreign",
            "expr": column if column != target else None,
        }
        entity_list.append(_clean(entity) | _meta({"required": True} if rel.required else {}))
    table_extras = extras(table, TABLE_EXTRAS)
    table_extras.pop("table", None)
    if table.table is not None and table.table != table.name:
        table_extras["table"] = table.table
    measures = [_measure(m, findings) for m in table.measures]
    if kept and measures:
        table_extras["measures"] = [
            m.model_dump(mode="json", exclude_defaults=True) for m in table.measures
        ]
        for measure in table.measures:
            findings.at(
                measure.location,
                f"table '{table.name}' measure '{measure.name}'",
                "MetricFlow measures need a time dimension and the table has none; kept for "
                "Cortex in the semantic model's meta.",
            )
        measures = []
    semantic_model: dict[str, Any] = {
        "name": table.name,
        "description": table.description or None,
        "model": f"ref('{table.source if table.sql is None else table.name}')",
        "defaults": {"agg_time_dimension": table.time_dimension} if table.time_dimension else None,
        "entities": entity_list,
        "dimensions": [_dimension(d) for d in table.dimensions],
        "measures": measures,
    }
    return _clean(semantic_model) | _meta(table_extras)


def _dimension(dimension: Dimension) -> dict[str, Any]:
    cortex = extras(dimension, DIMENSION_EXTRAS)
    if dimension.type in ("boolean", "number"):
        cortex["type"] = dimension.type
    fields: dict[str, Any] = {
        "name": dimension.name,
        "type": "time" if dimension.type == "time" else "categorical",
        "label": dimension.label,
        "description": dimension.description or None,
        "expr": dimension.expr,
    }
    if dimension.type == "time":
        fields["type_params"] = {"time_granularity": "day"}
    return _clean(fields) | _meta(cortex)


def _measure(measure: Measure, findings: Findings) -> dict[str, Any]:
    cortex: dict[str, Any] = {}
    expr = measure.expr or ("1" if measure.aggregation == "count" else None)
    if measure.filter is not None:
        cortex["filter"] = measure.filter
        if measure.expr is not None:
            cortex["expr"] = measure.expr
        expr = f"CASE WHEN {measure.filter} THEN {expr or measure.name} END"
    if measure.snapshot is not None:
        cortex["snapshot"] = measure.snapshot.model_dump(mode="json")
        findings.at(
            measure.location,
            f"measure '{measure.name}'",
            "a snapshot (its value on each period's last day, over validity intervals) has no "
            "MetricFlow equivalent; kept for Cortex in meta.",
        )
    fields: dict[str, Any] = {
        "name": measure.name,
        "description": measure.description or None,
        "agg": AGGREGATIONS[measure.aggregation],
        "expr": expr,
        "agg_time_dimension": measure.time_dimension,
    }
    if measure.percentile is not None:
        fields["agg_params"] = {"percentile": measure.percentile, "use_discrete_percentile": False}
    return _clean(fields) | _meta(cortex)


def _metric(
    model: SemanticModel, metric: Metric, entities: _Entities, findings: Findings
) -> dict[str, Any]:
    cortex = extras(metric, METRIC_EXTRAS)
    fill = metric.fill_nulls_with
    exact_fill = fill is not None and float(fill).is_integer()
    if exact_fill:
        cortex.pop("fill_nulls_with", None)
    params: dict[str, Any] = {}
    if metric.type in ("simple", "cumulative"):
        measure_input: dict[str, Any] = {"name": metric.measure}
        if exact_fill:
            measure_input["fill_nulls_with"] = int(fill or 0)
        params["measure"] = measure_input
        if metric.type == "cumulative":
            window = (
                {"window": metric.window}
                if metric.window
                else {"grain_to_date": metric.grain_to_date}
            )
            params["cumulative_type_params"] = {**window, "period_agg": "last"}
    elif metric.type == "ratio":
        params = {"numerator": metric.numerator, "denominator": metric.denominator}
    else:
        used = list(dict.fromkeys(c.name for c in columns_in(metric.expr or "")))
        params = {"expr": metric.expr, "metrics": [{"name": name} for name in used]}
    fields: dict[str, Any] = {
        "name": metric.name,
        "label": metric.label,
        "description": metric.description or None,
        "type": metric.type,
        "type_params": params,
    }
    if metric.filter is not None:
        found = model.measure(metric.measure or "")
        home = found[0].name if found else None
        fields["filter"] = to_jinja(
            metric.filter, lambda t, n: entities.dimension(model, home, t, n)
        )
    return _clean(fields) | _meta(cortex)


def _saved_query(
    model: SemanticModel, query: VerifiedQuery, index: int, entities: _Entities
) -> dict[str, Any]:
    spec = query.query
    first = model.metric(spec.metrics[0]) if spec.metrics else None
    found = model.measure(first.measure or "") if first else None
    home = found[0].name if found else None
    group_by = []
    for dimension in spec.dimensions:
        name, _, grain = dimension.partition(":")
        if name == METRIC_TIME:
            group_by.append(f"TimeDimension('metric_time', '{grain or 'day'}')")
        else:
            group_by.append(entities.dimension(model, home, None, name))
    where = [to_jinja(w, lambda t, n: entities.dimension(model, home, t, n)) for w in spec.where]
    params = _clean(
        {
            "metrics": list(spec.metrics),
            "group_by": group_by,
            "where": where,
            "order_by": [
                f"Metric('{o.lstrip('-')}')" + (".descending(True)" if o.startswith("-") else "")
                for o in spec.order_by
                if model.metric(o.lstrip("-")) is not None
            ],
            "limit": spec.limit,
        }
    )
    cortex = extras(query, QUERY_EXTRAS) | {
        "question": query.question,
        "query": spec.model_dump(mode="json", exclude_defaults=True),
    }
    saved = {"name": f"verified_query_{index + 1}", "label": query.question, "query_params": params}
    return saved | _meta(cortex)
