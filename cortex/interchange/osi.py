"""metrics.yml -> Open Semantic Interchange (OSI) YAML or JSON.

Tables become datasets (`source`, `primary_key`), dimensions fields with a dimension role
(`is_time` for time dimensions), relationships `from`/`to` with their columns, and each metric
a model-level metric whose ANSI SQL expression aggregates `dataset.column` (a ratio or derived
metric is arithmetic over those). Synonyms go to `ai_context`; everything else of Cortex (the
whole object as metrics.yml declares it) rides in `custom_extensions` under the vendor `CORTEX`,
so an OSI consumer reads the portable part and Cortex loses nothing. A snapshot or cumulative
metric has no OSI expression; it is exported through its extension only and listed.
"""

from __future__ import annotations

import json
from typing import Any

from cortex.interchange.aggregates import measure_sql, qualify
from cortex.interchange.common import Exported, Findings, dump_yaml
from semantic_layer.model import Metric, SemanticModel, Table
from semantic_layer.rules.context import columns_in

#: The OSI version this export writes (the core spec's JSON schema `version`).
OSI_VERSION = "0.2.0.dev0"
VENDOR = "CORTEX"
_DATA_TYPES = {"categorical": "String", "boolean": "Boolean", "number": "Decimal", "time": "Date"}


def _extension(obj: Any) -> list[dict[str, str]]:
    data = obj.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return [{"vendor_name": VENDOR, "data": json.dumps(data, sort_keys=True)}]


def _dialects(sql: str) -> dict[str, Any]:
    return {"dialects": [{"dialect": "ANSI_SQL", "expression": sql}]}


def _ai(synonyms: tuple[str, ...]) -> dict[str, Any]:
    return {"ai_context": {"synonyms": list(synonyms)}} if synonyms else {}


def export_osi(
    model: SemanticModel, *, name: str = "cortex", as_json: bool = False
) -> tuple[str, Exported]:
    """The OSI document (text, and as an `Exported` of one file `name`) and what did not map."""
    findings = Findings()
    datasets = [_dataset(t) for t in model.tables]
    metrics = []
    for metric in model.metrics:
        sql = _metric_sql(model, metric)
        if sql is None:
            findings.at(
                metric.location,
                f"metric '{metric.name}'",
                "a snapshot or cumulative metric "
                "has no OSI SQL expression; exported in its CORTEX extension only.",
            )
            sql = f"NULL /* {metric.type} metric: see the CORTEX extension */"
        entry = {"name": metric.name, "expression": _dialects(sql)}
        if metric.description:
            entry["description"] = metric.description
        metrics.append(entry | _ai(metric.synonyms) | {"custom_extensions": _extension(metric)})
    relationships = [
        {
            "name": rel.name or f"{rel.from_table}_to_{rel.to_table}",
            "from": rel.from_table,
            "to": rel.to_table,
            "from_columns": list(rel.keys),
            "to_columns": list(rel.keys.values()),
            "custom_extensions": _extension(rel),
        }
        for rel in model.relationships
    ]
    semantic_model: dict[str, Any] = {"name": name, "datasets": datasets}
    if relationships:
        semantic_model["relationships"] = relationships
    semantic_model["metrics"] = metrics
    whole = {
        "fiscal_year_start_month": model.fiscal_year_start_month,
        "filters": [f.model_dump(mode="json", exclude_defaults=True) for f in model.filters],
        "verified_queries": [
            q.model_dump(mode="json", exclude_defaults=True) for q in model.verified_queries
        ],
        "objectives": model.objectives.model_dump(mode="json", exclude_defaults=True)
        if model.objectives
        else None,
    }
    semantic_model["custom_extensions"] = [
        {"vendor_name": VENDOR, "data": json.dumps(whole, sort_keys=True)}
    ]
    document = {"version": OSI_VERSION, "semantic_model": [semantic_model]}
    text = json.dumps(document, indent=2) + "\n" if as_json else dump_yaml(document)
    return text, Exported({"": text}, tuple(findings.unmapped))


def _dataset(table: Table) -> dict[str, Any]:
    fields = []
    for dimension in table.dimensions:
        field: dict[str, Any] = {"name": dimension.name, "expression": _dialects(dimension.sql)}
        field["dimension"] = {"is_time": dimension.type == "time"}
        if dimension.label:
            field["label"] = dimension.label
        if dimension.description:
            field["description"] = dimension.description
        field["datatype"] = _DATA_TYPES[dimension.type]
        fields.append(
            field | _ai(dimension.synonyms) | {"custom_extensions": _extension(dimension)}
        )
    dataset: dict[str, Any] = {
        "name": table.name,
        "source": table.source if table.sql is None else table.sql.strip(),
        "primary_key": [table.primary_key],
    }
    if table.description:
        dataset["description"] = table.description
    dataset["fields"] = fields
    dataset["custom_extensions"] = _extension(table.model_copy(update={"dimensions": ()}))
    return dataset


def _metric_sql(model: SemanticModel, metric: Metric) -> str | None:
    if metric.type in ("simple", "cumulative"):
        found = model.measure(metric.measure or "")
        if found is None or found[1].snapshot is not None or metric.type == "cumulative":
            return None
        table, measure = found
        own = {d.name: d.sql for d in table.dimensions}
        if metric.filter is not None:
            if any(c.name not in own for c in columns_in(metric.filter)):
                return None
            where = qualify(metric.filter, own)
            measure = measure.model_copy(
                update={"filter": f"({measure.filter}) AND ({where})" if measure.filter else where}
            )
        columns = {c.name: f"{table.name}.{c.name}" for c in columns_in(measure_sql(measure))}
        return measure_sql(measure, columns)
    if metric.type == "ratio":
        num, den = model.metric(metric.numerator or ""), model.metric(metric.denominator or "")
        parts = [_metric_sql(model, m) if m else None for m in (num, den)]
        return None if None in parts else f"({parts[0]}) / NULLIF({parts[1]}, 0)"
    used = {c.name: model.metric(c.name) for c in columns_in(metric.expr or "")}
    inner = {n: _metric_sql(model, m) if m else None for n, m in used.items()}
    if None in inner.values():
        return None
    return qualify(metric.expr or "", {n: f"({sql})" for n, sql in inner.items() if sql})
