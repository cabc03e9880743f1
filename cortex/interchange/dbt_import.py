"""A dbt project's MetricFlow semantic layer -> a metrics.yml document.

Semantic models become tables over the relation dbt builds for them (`ref('orders')` reads the
table `orders`), their primary entity the primary key, and each foreign (or unique) entity a
relationship to the semantic model whose primary entity has that name. Dimensions, measures and
simple, ratio, derived and cumulative metrics map one to one; saved queries become verified
queries. What Cortex cannot compute as dbt would (a conversion metric, a semi-additive measure,
an offset window, a metric input filter...) is left out, with its file:line and the reason, and
so is every metric built on it: a number that ignores part of its definition is never produced.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cortex.interchange.common import CORTEX_KEY, Findings, Imported, governed
from cortex.interchange.dbt_export import (
    DIMENSION_EXTRAS,
    METRIC_EXTRAS,
    QUERY_EXTRAS,
)
from cortex.interchange.dbt_read import DbtProject, Found, read_project, relation_of, validate
from cortex.interchange.filters import from_jinja
from semantic_layer.model import METRIC_TIME
from semantic_layer.rules.context import columns_in
from semantic_layer.yaml_lines import LineMap, LineSeq, plain_data

_AGGREGATIONS = {
    "sum": "sum",
    "count": "count",
    "count_distinct": "count_distinct",
    "average": "avg",
    "min": "min",
    "max": "max",
    "median": "median",
    "percentile": "percentile",
    "sum_boolean": "sum",
}
_MEASURE_EXTRAS = ("filter", "snapshot", "expr")


def import_dbt(path: Path, *, owner: str | None = None) -> Imported:
    """The metrics.yml document for the dbt project at `path` (validated by
    dbt-semantic-interfaces first), and what did not map; `owner` owns the metrics whose
    `meta` names no owner."""
    project = read_project(path)
    validate(project)
    imported = _Converter(project).convert()
    return Imported(governed(imported.document, owner=owner, source="dbt"), imported.unmapped)


def _meta(raw: LineMap) -> dict[str, Any]:
    config = raw.get("config")
    meta = config.get("meta") if isinstance(config, dict) else raw.get("meta")
    found = meta.get(CORTEX_KEY) if isinstance(meta, dict) else None
    return plain_data(found) if isinstance(found, dict) else {}  # type: ignore[return-value]


def _line(raw: LineMap, key: str) -> int:
    return raw.key_lines.get(key, raw.line)


def _items(raw: LineMap, key: str) -> list[LineMap]:
    value = raw.get(key)
    return [i for i in value if isinstance(i, LineMap)] if isinstance(value, LineSeq) else []


class _Converter:
    def __init__(self, project: DbtProject) -> None:
        self.project = project
        self.findings = Findings()
        self.measures: set[str] = set()
        self.cortex_vars: dict[str, Any] = dict(project.project_vars.get(CORTEX_KEY) or {})
        #: the semantic models imported as tables, in order
        self.imported_models: list[Found] = []

    def note(self, found: Found, raw: LineMap, what: str, reason: str) -> None:
        self.findings.add(found.file, raw.line, what, reason)

    def convert(self) -> Imported:
        tables = [t for t in (self._table(f) for f in self.project.semantic_models) if t]
        primary = {
            entity: table["name"]
            for table, found in zip(tables, self.imported_models, strict=True)
            for entity in self._entities(found.raw, ("primary", "natural"))
        }
        relationships = [r for f in self.imported_models for r in self._relationships(f, primary)]
        metrics = self._metrics()
        document: dict[str, Any] = {"version": 1}
        if "fiscal_year_start_month" in self.cortex_vars:
            document["fiscal_year_start_month"] = self.cortex_vars["fiscal_year_start_month"]
        if isinstance(self.cortex_vars.get("objectives"), dict):
            document["objectives"] = self.cortex_vars["objectives"]
        document["tables"] = tables
        if relationships:
            document["relationships"] = relationships
        document["metrics"] = metrics
        if isinstance(self.cortex_vars.get("filters"), list):
            document["filters"] = self.cortex_vars["filters"]
        queries = [q for q in (self._verified(f) for f in self.project.saved_queries) if q]
        if queries:
            document["verified_queries"] = queries
        return Imported(document, tuple(self.findings.unmapped))

    # tables

    def _entities(self, raw: LineMap, types: tuple[str, ...]) -> dict[str, LineMap]:
        return {
            str(e["name"]): e
            for e in _items(raw, "entities")
            if str(e.get("type", "")).lower() in types
        }

    def _table(self, found: Found) -> dict[str, Any] | None:
        raw = found.raw
        name = str(raw["name"])
        extra = _meta(raw)
        keys = [
            *self._entities(raw, ("primary",)).values(),
            *self._entities(raw, ("unique", "natural")).values(),
        ]
        if not keys and "primary_key" not in extra:
            self.note(
                found,
                raw,
                f"semantic model '{name}'",
                "has no primary or unique entity, "
                "which Cortex needs as the table's key; not imported.",
            )
            return None
        relation = relation_of(raw)
        key = extra.get("primary_key") or str(keys[0].get("expr") or keys[0]["name"])
        table: dict[str, Any] = {"name": name}
        if "sql" in extra:
            table["sql"] = extra["sql"]
        else:
            source = extra.get("table") or (
                ".".join(p for p in relation if p) if relation else name
            )
            if source != name:
                table["table"] = source
        table["primary_key"] = key
        if raw.get("description"):
            table["description"] = str(raw["description"]).strip()
        defaults = raw.get("defaults")
        if isinstance(defaults, dict) and defaults.get("agg_time_dimension"):
            table["time_dimension"] = defaults["agg_time_dimension"]
        for option in ("freshness", "count_metric", "name_dimension"):
            if option in extra:
                table[option] = extra[option]
        table["dimensions"] = [self._dimension(found, d) for d in _items(raw, "dimensions")]
        measures = [m for m in (self._measure(found, m) for m in _items(raw, "measures")) if m]
        measures += [dict(m) for m in extra.get("measures", [])]
        self.measures.update(m["name"] for m in measures)
        table["measures"] = measures
        self.imported_models.append(found)
        return {k: v for k, v in table.items() if v != []}

    def _dimension(self, found: Found, raw: LineMap) -> dict[str, Any]:
        extra = _meta(raw)
        kind = str(raw.get("type", "categorical")).lower()
        dimension: dict[str, Any] = {"name": raw["name"]}
        cortex_type = extra.get("type") or ("time" if kind == "time" else "categorical")
        if cortex_type != "categorical":
            dimension["type"] = cortex_type
        for key in ("expr", "label", "description"):
            if raw.get(key) not in (None, "") and not (key == "expr" and raw[key] == raw["name"]):
                dimension[key] = str(raw[key]).strip() if key == "description" else raw[key]
        params = raw.get("type_params")
        grain = (
            str(params.get("time_granularity", "day")).lower()
            if isinstance(params, dict)
            else "day"
        )
        if kind == "time" and grain != "day":
            self.note(
                found,
                raw,
                f"dimension '{raw['name']}'",
                f"time_granularity {grain}: Cortex reads time dimensions by day and coarser; "
                "imported as a day-grain time dimension.",
            )
        if isinstance(params, dict) and params.get("validity_params"):
            self.note(
                found,
                raw,
                f"dimension '{raw['name']}'",
                "validity_params (a slowly changing dimension) are not mapped; imported as a "
                "plain time dimension.",
            )
        return dimension | {k: extra[k] for k in DIMENSION_EXTRAS if k in extra}

    def _measure(self, found: Found, raw: LineMap) -> dict[str, Any] | None:
        name = str(raw["name"])
        extra = _meta(raw)
        agg = str(raw["agg"]).lower()
        measure: dict[str, Any] = {"name": name, "aggregation": _AGGREGATIONS[agg]}
        expr = raw.get("expr")
        expr = None if expr is None else str(expr)
        if agg == "sum_boolean":
            expr = f"CASE WHEN {expr or name} THEN 1 ELSE 0 END"
        if "filter" in extra:  # Cortex's own filter, folded into the expression on export
            expr = extra.get("expr")
            measure["filter"] = extra["filter"]
        if expr is not None and not (agg == "count" and expr.strip() == "1"):
            measure["expr"] = expr
        params = raw.get("agg_params")
        if agg == "percentile":
            if (
                not isinstance(params, dict)
                or "percentile" not in params
                or params.get("use_discrete_percentile")
                or params.get("use_approximate_percentile")
            ):
                self.note(
                    found,
                    raw,
                    f"measure '{name}'",
                    "Cortex computes an exact continuous "
                    "percentile; a discrete or approximate one is not mapped.",
                )
                return None
            measure["percentile"] = params["percentile"]
        if raw.get("non_additive_dimension") is not None and "snapshot" not in extra:
            self.note(
                found,
                raw,
                f"measure '{name}'",
                "non_additive_dimension (a semi-additive "
                "measure) has no Cortex equivalent that gives the same numbers; not imported.",
            )
            return None
        if "snapshot" in extra:
            measure["snapshot"] = extra["snapshot"]
        if raw.get("description"):
            measure["description"] = str(raw["description"]).strip()
        if raw.get("agg_time_dimension"):
            measure["time_dimension"] = raw["agg_time_dimension"]
        return measure

    def _relationships(self, found: Found, primary: dict[str, str]) -> list[dict[str, Any]]:
        raw = found.raw
        own_keys = self._entities(raw, ("primary",))
        found_list = []
        for name, entity in self._entities(raw, ("foreign", "unique")).items():
            target = primary.get(name)
            if target is None or target == raw["name"] or name in own_keys:
                if target is None and str(entity.get("type")).lower() == "foreign":
                    self.note(
                        found,
                        entity,
                        f"entity '{name}'",
                        "no semantic model has it as its "
                        "primary entity, so it joins to nothing; not mapped.",
                    )
                continue
            target_model = next(f for f in self.imported_models if f.raw["name"] == target)
            target_key = self._entities(target_model.raw, ("primary", "natural"))[name]
            relationship: dict[str, Any] = {
                "from": raw["name"],
                "to": target,
                "keys": {str(entity.get("expr") or name): str(target_key.get("expr") or name)},
            }
            if str(entity.get("type")).lower() == "unique":
                relationship["type"] = "one_to_one"
            if _meta(entity).get("required"):
                relationship["required"] = True
            found_list.append(relationship)
        return found_list

    # metrics

    def _metrics(self) -> list[dict[str, Any]]:
        by_name = {str(f.raw["name"]): f for f in self.project.metrics}
        built: dict[str, dict[str, Any]] = {}
        dropped: set[str] = set()
        pending = list(by_name)
        while pending:  # a metric is built once the metrics it uses are
            progressed = False
            for name in list(pending):
                found = by_name[name]
                uses = self._uses(found.raw)
                if any(u in dropped or u not in by_name for u in uses):
                    missing = next(u for u in uses if u in dropped or u not in by_name)
                    self.note(
                        found,
                        found.raw,
                        f"metric '{name}'",
                        f"it is built on '{missing}', which was not imported.",
                    )
                    dropped.add(name)
                elif all(u in built for u in uses):
                    metric = self._metric(found)
                    if metric is None:
                        dropped.add(name)
                    else:
                        built[name] = metric
                else:
                    continue
                pending.remove(name)
                progressed = True
            if not progressed:
                break
        kept = [dict(m) for m in self.cortex_vars.get("metrics", []) if isinstance(m, dict)]
        return [*(built[n] for n in by_name if n in built), *kept]

    def _uses(self, raw: LineMap) -> list[str]:
        params = raw.get("type_params") or {}
        kind = str(raw.get("type", "")).lower()
        if kind == "ratio":
            return [self._input_name(params.get(k)) for k in ("numerator", "denominator")]
        if kind == "derived":
            return [self._input_name(m) for m in params.get("metrics") or []]
        return []

    @staticmethod
    def _input_name(value: Any) -> str:
        return str(value.get("name")) if isinstance(value, dict) else str(value)

    def _metric(self, found: Found) -> dict[str, Any] | None:
        raw = found.raw
        name = str(raw["name"])
        kind = str(raw.get("type", "")).lower()
        params: LineMap = raw.get("type_params") or LineMap(raw.line)
        extra = _meta(raw)
        metric: dict[str, Any] = {
            "name": name,
            "label": raw.get("label") or name.replace("_", " ").capitalize(),
        }
        if kind != "simple":
            metric["type"] = kind
        if raw.get("description"):
            metric["description"] = str(raw["description"]).strip()
        metric |= {k: extra[k] for k in METRIC_EXTRAS if k in extra}
        config = raw.get("config")
        plain_meta = config.get("meta") if isinstance(config, dict) else raw.get("meta")
        if "owner" not in metric and isinstance(plain_meta, dict) and plain_meta.get("owner"):
            metric["owner"] = str(plain_meta["owner"])  # dbt's usual `meta: {owner: ...}`
        filters = (
            [raw["filter"]] if isinstance(raw.get("filter"), str) else list(raw.get("filter") or [])
        )
        if kind in ("simple", "cumulative"):
            measure = params.get("measure")
            measure_name = self._input_name(measure)
            if measure is None or measure_name not in self.measures:
                reason = (
                    f"it is built on measure '{measure_name}', which was not imported."
                    if measure is not None
                    else "a simple metric without a measure (dbt's "
                    "newer inline aggregation) is not mapped."
                )
                self.note(found, raw, f"metric '{name}'", reason)
                return None
            metric["measure"] = measure_name
            if isinstance(measure, dict):
                inner = measure.get("filter")
                filters += [inner] if isinstance(inner, str) else list(inner or [])
                if measure.get("fill_nulls_with") is not None:
                    metric["fill_nulls_with"] = measure["fill_nulls_with"]
                if measure.get("join_to_timespine"):
                    self.note(
                        found,
                        raw,
                        f"metric '{name}'",
                        "join_to_timespine (a row for every "
                        "period) is not mapped; periods without rows are left out.",
                    )
            if kind == "cumulative" and not self._cumulative(found, params, metric):
                return None
        elif kind == "ratio":
            for key in ("numerator", "denominator"):
                value = params.get(key)
                if isinstance(value, dict) and (value.get("filter") or value.get("alias")):
                    self.note(
                        found,
                        raw,
                        f"metric '{name}'",
                        f"a {key} with its own filter or alias is not mapped.",
                    )
                    return None
                metric[key] = self._input_name(value)
        elif kind == "derived":
            expr = str(params.get("expr", ""))
            for item in params.get("metrics") or []:
                if not isinstance(item, dict):
                    continue
                if item.get("filter") or item.get("offset_window") or item.get("offset_to_grain"):
                    self.note(
                        found,
                        raw,
                        f"metric '{name}'",
                        "a derived input with a filter or an "
                        "offset (a period-over-period input) is not mapped.",
                    )
                    return None
                if item.get("alias"):
                    expr = _rename(expr, str(item["alias"]), str(item["name"]))
            metric["expr"] = expr
        else:
            self.note(
                found,
                raw,
                f"metric '{name}'",
                f"a {kind} metric has no Cortex equivalent; not imported.",
            )
            return None
        if filters:
            if kind in ("ratio", "derived"):
                self.note(
                    found, raw, f"metric '{name}'", f"a filter on a {kind} metric is not mapped."
                )
                return None
            converted = [from_jinja(str(f)) for f in filters]
            unreadable = [t for _, bad in converted for t in bad]
            if unreadable:
                self.note(
                    found,
                    raw,
                    f"metric '{name}'",
                    f"its filter uses {unreadable[0]}, which "
                    "Cortex filters cannot express; not imported.",
                )
                return None
            metric["filter"] = " AND ".join(
                f"({w})" if len(converted) > 1 else w for w, _ in converted
            )
        return metric

    def _cumulative(self, found: Found, params: LineMap, metric: dict[str, Any]) -> bool:
        nested = params.get("cumulative_type_params")
        source = nested if isinstance(nested, dict) else params
        window, grain = (
            source.get("window") or params.get("window"),
            source.get("grain_to_date") or params.get("grain_to_date"),
        )
        if window:
            metric["window"] = str(window)
        elif grain:
            metric["grain_to_date"] = str(grain).lower()
        else:
            self.note(
                found,
                found.raw,
                f"metric '{metric['name']}'",
                "a cumulative metric over all time (no window or grain_to_date) is not mapped.",
            )
            return False
        period = str(source.get("period_agg", "first")).lower()
        if period != "last":
            self.note(
                found,
                found.raw,
                f"metric '{metric['name']}'",
                f"period_agg {period}: Cortex "
                "reports a cumulative metric's value on each period's last day; "
                "imported with that.",
            )
        return True

    # saved queries

    def _verified(self, found: Found) -> dict[str, Any] | None:
        raw = found.raw
        extra = _meta(raw)
        params = raw.get("query_params") or {}
        question = (
            extra.get("question") or raw.get("label") or raw.get("description") or raw["name"]
        )
        if isinstance(extra.get("query"), dict):
            query = extra["query"]
        else:
            dimensions = []
            for item in params.get("group_by") or []:
                text, unreadable = from_jinja(
                    "{{ " + str(item) + " }}" if "{{" not in str(item) else str(item)
                )
                grain = (
                    str(item).split("'")[-2]
                    if "TimeDimension" in str(item) and str(item).count("'") >= 4
                    else ""
                )
                dimensions.append(
                    f"{METRIC_TIME}:{grain}"
                    if text == METRIC_TIME and grain and grain != "day"
                    else text
                )
            where = [
                from_jinja(str(w))[0]
                for w in (
                    [params["where"]]
                    if isinstance(params.get("where"), str)
                    else params.get("where") or []
                )
            ]
            query = {"metrics": list(params.get("metrics") or [])}
            if dimensions:
                query["dimensions"] = dimensions
            if where:
                query["where"] = where
            if params.get("limit") is not None:
                query["limit"] = params["limit"]
        verified = {"question": question, "query": query}
        return verified | {k: extra[k] for k in QUERY_EXTRAS if k in extra}


def _rename(expr: str, alias: str, name: str) -> str:
    """`expr` with the metric input called `alias` named by its metric's own name."""
    out = expr
    for column in sorted(columns_in(expr), key=lambda c: -len(c.name)):
        if column.name == alias:
            out = re.sub(rf"\b{alias}\b", name, out)
    return out
