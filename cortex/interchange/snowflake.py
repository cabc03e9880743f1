"""metrics.yml to and from a Snowflake semantic view (Cortex Analyst semantic model) YAML.

Export: a table becomes a logical table over `base_table`, its dimensions `dimensions` and
`time_dimensions`, each simple metric a table metric whose `expr` is its measure's aggregate
(filters folded in as a CASE), each ratio and derived metric a view-level metric over
`table.metric`; relationships and named filters map to theirs. Snowflake's YAML accepts no
fields of its own, so what it cannot hold (owners, status, formats, value synonyms, snapshot and
cumulative metrics, SQL tables, verified queries, objectives) is written beside it in
`<name>.cortex.yml`, which the import reads back when present, and listed as not mapped.

Import: table metrics whose `expr` is one aggregate (or a ratio of two) become measures and
metrics, facts and dimensions are read as the row-level SQL they name, view-level metrics over
`table.metric` become ratio or derived metrics. Verified queries are SQL, which Cortex never
runs: they are listed, as is anything else without a Cortex equivalent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from cortex.interchange.aggregates import measure_sql, qualify, read_aggregate
from cortex.interchange.common import (
    Exported,
    Findings,
    Imported,
    InterchangeError,
    dump_yaml,
    extras,
    governed,
)
from cortex.interchange.dbt_export import METRIC_EXTRAS
from semantic_layer.errors import Issue
from semantic_layer.model import Metric, SemanticModel, Table
from semantic_layer.rules.context import columns_in
from semantic_layer.yaml_lines import (
    LineLoader,
    LineMap,
    LineSeq,
    display_path,
    plain_data,
    read_text,
)

SIDECAR_SUFFIX = ".cortex.yml"
_DATA_TYPES = {"categorical": "VARCHAR", "boolean": "BOOLEAN", "number": "NUMBER", "time": "DATE"}
_NUMBER_TYPES = (
    "NUMBER",
    "INT",
    "INTEGER",
    "BIGINT",
    "SMALLINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "NUMERIC",
    "REAL",
)


def _snowflake_sql(sql: str) -> str:
    """Cortex's SQL (DuckDB's dialect) as Snowflake writes it."""
    return sqlglot.transpile(sql, read="duckdb", write="snowflake")[0]


def sidecar_name(name: str) -> str:
    return f"{Path(name).stem}{SIDECAR_SUFFIX}"


# --- export -------------------------------------------------------------------------------------


def export_snowflake(
    model: SemanticModel, *, name: str = "semantic_model.yaml", database: str = "ANALYTICS",
    schema: str = "PUBLIC",
) -> Exported:  # fmt: skip
    """The semantic view YAML (`name`) and its Cortex sidecar, and what did not map."""
    findings = Findings()
    side: dict[str, Any] = {"metrics": {}, "measures": {}, "dimensions": {}, "tables": {}}
    home = {m.name: t for t in model.tables for m in t.measures}
    kept: list[Metric] = []
    table_metrics: dict[str, list[dict[str, Any]]] = {t.name: [] for t in model.tables}
    exported: set[str] = set()
    for metric in model.metrics:
        extra = extras(metric, METRIC_EXTRAS)
        if extra:
            side["metrics"][metric.name] = extra
        table = home.get(metric.measure or "") if metric.type == "simple" else None
        found = _table_metric(model, metric, table, side) if table else None
        if found is not None and table is not None:
            table_metrics[table.name].append(found)
            exported.add(metric.name)
    grew = True
    while grew:  # a ratio or derived metric maps once every metric it uses has
        grew = False
        for metric in model.metrics:
            if metric.type not in ("ratio", "derived") or metric.name in exported:
                continue
            used = (
                [metric.numerator, metric.denominator]
                if metric.type == "ratio"
                else [c.name for c in columns_in(metric.expr or "")]
            )
            if all(u in exported for u in used):
                exported.add(metric.name)
                grew = True
    kept = [m for m in model.metrics if m.name not in exported]
    view_metrics = [
        _view_metric(model, m, home)
        for m in model.metrics
        if m.name in exported and m.type in ("ratio", "derived")
    ]
    for metric in kept:
        findings.at(metric.location, f"metric '{metric.name}'", _why_kept(model, metric, home))
    if kept:
        side["kept_metrics"] = [
            m.model_dump(mode="json", by_alias=True, exclude_defaults=True) | {"label": m.label}
            for m in kept
        ]
        side["kept_measures"] = {
            m.measure: {"table": home[m.measure].name, **_measure_dump(model, m.measure)}
            for m in kept
            if m.measure in home
        }
    tables = [
        _table(model, t, table_metrics[t.name], side, findings, database, schema)
        for t in model.tables
    ]
    document: dict[str, Any] = {"name": Path(name).stem, "tables": tables}
    relationships = [_relationship(r) for r in model.relationships]
    if relationships:
        document["relationships"] = relationships
    if view_metrics:
        document["metrics"] = view_metrics
    _model_extras(model, side, findings, tables)
    side = {k: v for k, v in side.items() if v}
    header = (
        "# What the Snowflake semantic view cannot hold, for `cortex model import` to read back.\n"
    )
    return Exported(
        {name: dump_yaml(document), sidecar_name(name): header + dump_yaml(side)},
        tuple(findings.unmapped),
    )


def _why_kept(model: SemanticModel, metric: Metric, home: dict[str, Table]) -> str:
    found = model.measure(metric.measure or "")
    if metric.type == "cumulative":
        reason = "a cumulative metric (a window or period-to-date) has no semantic view equivalent"
    elif found is not None and found[1].snapshot is not None:
        reason = (
            "a snapshot measure (its value on each period's last day) has no semantic view "
            "equivalent"
        )
    elif metric.filter is not None:
        reason = "its filter reaches dimensions of other tables, which a table metric cannot"
    else:
        reason = "it is built on a metric that did not map"
    return f"{reason}; kept for Cortex in the {SIDECAR_SUFFIX} file."


def _measure_dump(model: SemanticModel, name: str) -> dict[str, Any]:
    found = model.measure(name)
    return found[1].model_dump(mode="json", exclude_defaults=True) if found else {}


def _own_columns(table: Table) -> dict[str, str]:
    return {d.name: d.sql for d in table.dimensions if d.expr is not None}


def _table_metric(
    model: SemanticModel, metric: Metric, table: Table, side: dict[str, Any]
) -> dict[str, Any] | None:
    found = model.measure(metric.measure or "")
    if found is None or found[1].snapshot is not None:
        return None
    measure = found[1]
    own = {d.name for d in table.dimensions}
    if metric.filter is not None:
        if any(c.name not in own or c.table for c in columns_in(metric.filter)):
            return None
        folded = qualify(metric.filter, _own_columns(table))
        both = f"({measure.filter}) AND ({folded})" if measure.filter else folded
        measure = measure.model_copy(update={"filter": both})
    if measure.time_dimension and measure.time_dimension != table.time_dimension:
        side["measures"][metric.name] = {"time_dimension": measure.time_dimension}
    entry: dict[str, Any] = {
        "name": metric.name,
        "description": metric.description or metric.label,
        "expr": _snowflake_sql(measure_sql(measure)),
    }
    if metric.synonyms:
        entry["synonyms"] = list(metric.synonyms)
    return entry


def _view_metric(model: SemanticModel, metric: Metric, home: dict[str, Table]) -> dict[str, Any]:
    def ref(name: str) -> str:
        target = model.metric(name)
        table = home.get(target.measure or "") if target else None
        return f"{table.name}.{name}" if table else name

    if metric.type == "ratio":
        expr = f"{ref(metric.numerator or '')} / {ref(metric.denominator or '')}"
    else:
        tree = sqlglot.parse_one(metric.expr or "", read="duckdb")
        expr = tree.transform(
            lambda n: (
                exp.column(n.name, table=ref(n.name).split(".")[0])
                if isinstance(n, exp.Column) and "." in ref(n.name)
                else n
            )
        ).sql(dialect="snowflake")
    entry: dict[str, Any] = {
        "name": metric.name,
        "description": metric.description or metric.label,
        "expr": expr,
    }
    if metric.synonyms:
        entry["synonyms"] = list(metric.synonyms)
    return entry


def _table(
    model: SemanticModel, table: Table, metrics: list[dict[str, Any]], side: dict[str, Any],
    findings: Findings, database: str, schema: str,
) -> dict[str, Any]:  # fmt: skip
    keep = extras(table, ("freshness", "count_metric", "name_dimension", "sql", "time_dimension"))
    if table.sql is not None:
        findings.at(
            table.location,
            f"table '{table.name}'",
            "a table defined by SQL has no base "
            f"table; exported over a view of its name, its SQL kept in the {SIDECAR_SUFFIX} file.",
        )
    if keep:
        side["tables"][table.name] = keep
    entry: dict[str, Any] = {"name": table.name}
    if table.description:
        entry["description"] = table.description
    entry["base_table"] = {
        "database": database,
        "schema": schema,
        "table": table.source if table.sql is None else table.name,
    }
    entry["primary_key"] = {"columns": [table.primary_key]}
    plain = [d for d in table.dimensions if d.type != "time"]
    timed = [d for d in table.dimensions if d.type == "time"]
    for key, group in (("dimensions", plain), ("time_dimensions", timed)):
        if group:
            entry[key] = [_dimension(table, d, side) for d in group]
    if metrics:
        entry["metrics"] = metrics
    filters = [f for f in model.filters if _filter_home(model, f.where) == table.name]
    if filters:
        entry["filters"] = [
            {
                "name": f.name,
                "description": f.description or f.name,
                "expr": _snowflake_sql(qualify(f.where, _own_columns(table))),
            }
            | ({"synonyms": list(f.synonyms)} if f.synonyms else {})
            for f in filters
        ]
    return entry


def _filter_home(model: SemanticModel, where: str) -> str | None:
    names = [c.name for c in columns_in(where)]
    for table in model.tables:
        if names and all(any(d.name == n for d in table.dimensions) for n in names):
            return table.name
    return None


def _dimension(table: Table, dimension: Any, side: dict[str, Any]) -> dict[str, Any]:
    keep = extras(dimension, ("value_synonyms", "label"))
    if dimension.type in ("boolean", "number"):
        keep["type"] = dimension.type
    if keep:
        side["dimensions"][f"{table.name}.{dimension.name}"] = keep
    entry: dict[str, Any] = {
        "name": dimension.name,
        "expr": _snowflake_sql(dimension.sql),
        "data_type": _DATA_TYPES[dimension.type],
    }
    if dimension.description:
        entry["description"] = dimension.description
    if dimension.synonyms:
        entry["synonyms"] = list(dimension.synonyms)
    return entry


def _relationship(rel: Any) -> dict[str, Any]:
    return {
        "name": rel.name or f"{rel.from_table}_to_{rel.to_table}",
        "left_table": rel.from_table,
        "right_table": rel.to_table,
        "relationship_columns": [
            {"left_column": k, "right_column": v} for k, v in rel.keys.items()
        ],
        "join_type": "inner" if rel.required else "left_outer",
        "relationship_type": rel.type,
    }


def _model_extras(
    model: SemanticModel, side: dict[str, Any], findings: Findings, tables: list[dict[str, Any]]
) -> None:
    placed = {f["name"] for t in tables for f in t.get("filters", [])}
    homeless = [f for f in model.filters if f.name not in placed]
    if homeless:
        side["filters"] = [f.model_dump(mode="json", exclude_defaults=True) for f in homeless]
        for named in homeless:
            findings.at(
                named.location,
                f"filter '{named.name}'",
                "it spans tables, and a semantic "
                f"view's filters belong to one; kept in the {SIDECAR_SUFFIX} file.",
            )
    if model.verified_queries:
        side["verified_queries"] = [
            q.model_dump(mode="json", exclude_defaults=True) for q in model.verified_queries
        ]
        for query in model.verified_queries:
            findings.at(
                query.location,
                f"verified query '{query.question}'",
                "a semantic view's "
                "verified queries are SQL and Cortex's are semantic queries (Cortex writes no "
                f"SQL for them); kept in the {SIDECAR_SUFFIX} file.",
            )
    if model.objectives is not None:
        side["objectives"] = model.objectives.model_dump(mode="json", exclude_defaults=True)
        findings.at(
            model.objectives.location,
            "objectives",
            f"no semantic view equivalent; kept in the {SIDECAR_SUFFIX} file.",
        )
    if model.fiscal_year_start_month != 1:
        side["fiscal_year_start_month"] = model.fiscal_year_start_month


# --- import -------------------------------------------------------------------------------------


def _load(path: Path) -> LineMap:
    shown = display_path(path)
    text = read_text(path, shown)
    if isinstance(text, Issue):
        raise InterchangeError("The file cannot be read.", [text])
    try:
        data = yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as error:
        raise InterchangeError(f"{shown} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, LineMap):
        raise InterchangeError(f"{shown} is not a semantic view: expected a mapping with `tables`.")
    return data


def _items(raw: Any, key: str) -> list[LineMap]:
    value = raw.get(key) if isinstance(raw, dict) else None
    return [i for i in value if isinstance(i, LineMap)] if isinstance(value, LineSeq) else []


def import_snowflake(path: Path, *, owner: str | None = None) -> Imported:
    """The metrics.yml document for the semantic view YAML at `path` (and its sidecar)."""
    if not path.is_file():
        raise InterchangeError(f"{path} not found; give a semantic view YAML file.")
    data = _load(path)
    if not _items(data, "tables"):
        raise InterchangeError(
            f"{display_path(path)} declares no `tables`; is it a semantic view YAML?"
        )
    side_path = path.with_name(sidecar_name(path.name))
    side: dict[str, Any] = plain_data(_load(side_path)) if side_path.is_file() else {}  # type: ignore[assignment]
    imported = _Reader(display_path(path), side).read(data)
    return Imported(governed(imported.document, owner=owner, source="Snowflake"), imported.unmapped)


class _Reader:
    def __init__(self, file: str, side: dict[str, Any]) -> None:
        self.file = file
        self.side = side
        self.findings = Findings()
        self.metric_table: dict[str, str] = {}

    def note(self, raw: LineMap, what: str, reason: str) -> None:
        self.findings.add(self.file, raw.line, what, reason)

    def read(self, data: LineMap) -> Imported:
        for key in ("custom_instructions", "module_custom_instructions"):
            if key in data:
                self.findings.add(
                    self.file,
                    data.key_lines[key],
                    key,
                    "instructions for Snowflake's "
                    "SQL-writing model; Cortex writes no SQL from a model, not mapped.",
                )
        tables: list[dict[str, Any]] = []
        metrics: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        for raw in _items(data, "tables"):
            table = self._table(raw, metrics, filters)
            if table is not None:
                tables.append(table)
        kept_measures: dict[str, Any] = self.side.get("kept_measures") or {}
        for measure_name, measure in kept_measures.items():
            owner = next((t for t in tables if t["name"] == measure.get("table")), None)
            taken = {m["name"] for t in tables for m in t.get("measures", [])}
            if owner is not None and measure_name not in taken:
                owner.setdefault("measures", []).append(
                    {k: v for k, v in measure.items() if k != "table"} | {"name": measure_name}
                )
        for raw in _items(data, "metrics"):
            metric = self._view_metric(raw)
            if metric is not None:
                metrics.append(metric)
        metrics += [dict(m) for m in self.side.get("kept_metrics") or []]
        extra_metrics = self.side.get("metrics") or {}
        for metric in metrics:
            metric.update(
                {
                    k: v
                    for k, v in (extra_metrics.get(metric["name"]) or {}).items()
                    if k in METRIC_EXTRAS
                }
            )
        document: dict[str, Any] = {"version": 1}
        if "fiscal_year_start_month" in self.side:
            document["fiscal_year_start_month"] = self.side["fiscal_year_start_month"]
        if "objectives" in self.side:
            document["objectives"] = self.side["objectives"]
        document["tables"] = tables
        relationships = [
            r for r in (self._relationship(r) for r in _items(data, "relationships")) if r
        ]
        if relationships:
            document["relationships"] = relationships
        document["metrics"] = metrics
        filters += self.side.get("filters") or []
        if filters:
            document["filters"] = filters
        for raw in _items(data, "verified_queries"):
            self.note(
                raw,
                f"verified query '{raw.get('question', raw.get('name'))}'",
                "its answer is "
                "SQL; Cortex answers with semantic queries and never runs SQL from a model. "
                "Add it to verified_queries as a semantic query.",
            )
        if self.side.get("verified_queries"):
            document["verified_queries"] = self.side["verified_queries"]
        return Imported(document, tuple(self.findings.unmapped))

    def _table(
        self, raw: LineMap, metrics: list[dict[str, Any]], filters: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        name = str(raw.get("name"))
        keep = (self.side.get("tables") or {}).get(name, {})
        key = raw.get("primary_key")
        columns = key.get("columns") if isinstance(key, dict) else None
        if not isinstance(columns, list) or len(columns) != 1:
            self.note(
                raw, f"table '{name}'", "Cortex needs a one-column primary_key; not imported."
            )
            return None
        base = raw.get("base_table")
        table: dict[str, Any] = {"name": name}
        if "sql" in keep:
            table["sql"] = keep["sql"]
        elif isinstance(base, dict) and base.get("table") and base["table"] != name:
            table["table"] = str(base["table"])
        table["primary_key"] = str(columns[0])
        if raw.get("description"):
            table["description"] = str(raw["description"]).strip()
        dimensions = [self._dimension(name, d, "categorical") for d in _items(raw, "dimensions")]
        timed = [self._dimension(name, d, "time") for d in _items(raw, "time_dimensions")]
        time_dimension = keep.get("time_dimension") or (timed[0]["name"] if timed else None)
        if time_dimension:
            table["time_dimension"] = time_dimension
        for option in ("freshness", "count_metric", "name_dimension"):
            if option in keep:
                table[option] = keep[option]
        table["dimensions"] = dimensions + timed
        rows = {str(f["name"]): str(f.get("expr") or f["name"]) for f in _items(raw, "facts")}
        rows |= {
            str(d["name"]): str(d.get("expr") or d["name"])
            for d in [*_items(raw, "dimensions"), *_items(raw, "time_dimensions")]
        }
        measures = []
        for metric_raw in _items(raw, "metrics"):
            built = self._table_metric(name, metric_raw, rows)
            if built is not None:
                measures += built[0]
                metrics += built[1]
        if measures:
            table["measures"] = measures
        for item in _items(raw, "filters"):
            where = self._filter(item, rows)
            if where is not None:
                filters.append(
                    {"name": item["name"], "where": where}
                    | ({"description": str(item["description"])} if item.get("description") else {})
                    | ({"synonyms": list(item["synonyms"])} if item.get("synonyms") else {})
                )
        return {k: v for k, v in table.items() if v != []}

    def _dimension(self, table: str, raw: LineMap, kind: str) -> dict[str, Any]:
        keep = (self.side.get("dimensions") or {}).get(f"{table}.{raw.get('name')}", {})
        data_type = str(raw.get("data_type", "")).upper().split("(")[0]
        if kind != "time":
            kind = (
                "boolean"
                if data_type == "BOOLEAN"
                else "number"
                if data_type in _NUMBER_TYPES
                else "categorical"
            )
        dimension: dict[str, Any] = {"name": raw["name"]}
        kind = keep.get("type", kind)
        if kind != "categorical":
            dimension["type"] = kind
        expr = str(raw.get("expr") or raw["name"])
        if expr != raw["name"]:
            dimension["expr"] = sqlglot.parse_one(expr, read="snowflake").sql(dialect="duckdb")
        if "label" in keep:
            dimension["label"] = keep["label"]
        if raw.get("description"):
            dimension["description"] = str(raw["description"]).strip()
        if raw.get("synonyms"):
            dimension["synonyms"] = list(raw["synonyms"])
        if "value_synonyms" in keep:
            dimension["value_synonyms"] = keep["value_synonyms"]
        if raw.get("cortex_search_service"):
            self.note(
                raw,
                f"dimension '{raw['name']}'",
                "cortex_search_service is Snowflake's own value index; not mapped.",
            )
        return dimension

    def _table_metric(
        self, table: str, raw: LineMap, rows: dict[str, str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        name = str(raw.get("name"))
        expr = str(raw.get("expr", ""))
        columns = {**rows, **{f"{table}.{k}": v for k, v in rows.items()}}
        described = (
            {"description": str(raw["description"]).strip()} if raw.get("description") else {}
        )
        synonyms: dict[str, Any] = (
            {"synonyms": list(raw["synonyms"])} if raw.get("synonyms") else {}
        )
        self.metric_table[name] = table
        extra = (self.side.get("measures") or {}).get(name, {})
        single = read_aggregate(expr, "snowflake", columns)
        if single is not None:
            measure: dict[str, Any] = {"name": name, "aggregation": single.aggregation}
            if single.expr is not None:
                measure["expr"] = single.expr
            if single.percentile is not None:
                measure["percentile"] = single.percentile
            if "time_dimension" in extra:
                measure["time_dimension"] = extra["time_dimension"]
            metric = {
                "name": name,
                "label": _label(name),
                **described,
                **synonyms,
                "measure": measure["name"],
            }
            return [measure], [metric]
        parts = _ratio_parts(expr)
        if parts is not None:
            read = [read_aggregate(p, "snowflake", columns) for p in parts]
            if all(r is not None for r in read):
                measures, metrics = [], []
                for role, part in zip(("numerator", "denominator"), read, strict=True):
                    assert part is not None
                    measure = {"name": f"{name}_{role}", "aggregation": part.aggregation}
                    measure = dict(measure)
                    measure |= {"expr": part.expr} if part.expr is not None else {}
                    measure |= (
                        {"percentile": part.percentile} if part.percentile is not None else {}
                    )
                    measures.append(measure)
                    metrics.append(
                        {
                            "name": f"{name}_{role}",
                            "label": f"{_label(name)} ({role})",
                            "description": f"The {role} of {name}.",
                            "measure": measure["name"],
                        }
                    )
                metrics.append(
                    {
                        "name": name,
                        "label": _label(name),
                        **described,
                        **synonyms,
                        "type": "ratio",
                        "numerator": f"{name}_numerator",
                        "denominator": f"{name}_denominator",
                    }
                )
                return measures, metrics
        self.note(
            raw,
            f"metric '{name}'",
            f"expr {expr!r} is not one aggregate (or a ratio of two) "
            "over the table's rows; not imported.",
        )
        return None

    def _view_metric(self, raw: LineMap) -> dict[str, Any] | None:
        name = str(raw.get("name"))
        expr = str(raw.get("expr", ""))
        try:
            tree = sqlglot.parse_one(expr, read="snowflake")
        except sqlglot.errors.ParseError:
            tree = None
        refs = list(tree.find_all(exp.Column)) if tree is not None else []
        unknown = [c.sql() for c in refs if c.name not in self.metric_table]
        if tree is None or unknown or tree.find(exp.AggFunc) is not None:
            self.note(
                raw,
                f"metric '{name}'",
                f"expr {expr!r} is not arithmetic over table metrics "
                f"{'(' + unknown[0] + ' is not one) ' if unknown else ''}; not imported.",
            )
            return None
        metric: dict[str, Any] = {"name": name, "label": _label(name)}
        if raw.get("description"):
            metric["description"] = str(raw["description"]).strip()
        if raw.get("synonyms"):
            metric["synonyms"] = list(raw["synonyms"])
        plain = tree.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
        if (
            isinstance(plain, exp.Div)
            and isinstance(plain.this, exp.Column)
            and isinstance(plain.expression, exp.Column)
        ):
            return metric | {
                "type": "ratio",
                "numerator": plain.this.name,
                "denominator": plain.expression.name,
            }
        return metric | {"type": "derived", "expr": plain.sql(dialect="duckdb")}

    def _filter(self, raw: LineMap, rows: dict[str, str]) -> str | None:
        expr = str(raw.get("expr", ""))
        back = {v: k for k, v in rows.items()}
        try:
            tree = sqlglot.parse_one(expr, read="snowflake")
        except sqlglot.errors.ParseError:
            tree = None
        if tree is None:
            self.note(
                raw,
                f"filter '{raw.get('name')}'",
                "its expr is not SQL Cortex can read; not imported.",
            )
            return None
        names = set(rows)
        text = qualify(
            tree.sql(dialect="duckdb"),
            {k: k for k in names} | {v: k for v, k in back.items() if k in names},
        )
        outside = [c.name for c in columns_in(text) if c.name not in names]
        if outside:
            self.note(
                raw,
                f"filter '{raw.get('name')}'",
                f"'{outside[0]}' is not a dimension; Cortex filters name dimensions. Not imported.",
            )
            return None
        return text

    def _relationship(self, raw: LineMap) -> dict[str, Any] | None:
        pairs = _items(raw, "relationship_columns")
        if not pairs:
            self.note(
                raw, f"relationship '{raw.get('name')}'", "no relationship_columns; not imported."
            )
            return None
        relationship: dict[str, Any] = {
            "name": raw.get("name"),
            "from": raw.get("left_table"),
            "to": raw.get("right_table"),
        }
        relationship["keys"] = {str(p["left_column"]): str(p["right_column"]) for p in pairs}
        if str(raw.get("relationship_type", "many_to_one")) == "one_to_one":
            relationship["type"] = "one_to_one"
        if str(raw.get("join_type", "left_outer")) == "inner":
            relationship["required"] = True
        return {k: v for k, v in relationship.items() if v is not None}


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _ratio_parts(expr: str) -> tuple[str, str] | None:
    """The two aggregates of `A / B` (or `DIV0(A, B)`), as SQL."""
    head = expr.strip()
    if head.upper().startswith(("DIV0(", "DIV0NULL(")):  # sqlglot rewrites these to an IF
        try:
            call = sqlglot.parse_one(head[head.index("(") :].replace("(", "ROW(", 1), read="duckdb")
        except sqlglot.errors.ParseError:
            return None
        args = call.expressions if isinstance(call, exp.Func) else []
        if len(args) == 2:
            return args[0].sql(dialect="snowflake"), args[1].sql(dialect="snowflake")
        return None
    try:
        tree = sqlglot.parse_one(expr, read="snowflake")
    except sqlglot.errors.ParseError:
        return None
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, exp.Div):
        return tree.this.sql(dialect="snowflake"), tree.expression.sql(dialect="snowflake")
    if (
        isinstance(tree, exp.Anonymous)
        and tree.name.upper() in ("DIV0", "DIV0NULL")
        and len(tree.expressions) == 2
    ):
        return tree.expressions[0].sql(dialect="snowflake"), tree.expressions[1].sql(
            dialect="snowflake"
        )
    return None
