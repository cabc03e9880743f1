"""Cross-reference checks over a loaded `SemanticModel`: what `cortex check` reports.

Each rule takes a `RuleContext` and yields `Issue`s instead of raising, so that every problem is
reported in one run. `RULES` is the tuple `check_model` runs, in order:

    check_sql_parses        every SQL string parses as DuckDB SQL
    check_columns_exist     referenced columns exist in the warehouse (when its columns are given)
    check_relationships     joined tables exist; no join cycles; no two join paths
    check_time_dimensions   time_dimension names a `type: time` dimension of the table
    check_metric_references measures and metrics referenced exist; no metric depends on itself
    check_filter_names      filters name dimensions reachable from where they apply
    check_verified_queries  verified queries name existing metrics, dimensions and filters
    check_metric_docs       every metric has an owner and a description (and synonyms if certified)
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from semantic_layer.errors import Issue, IssueLevel, did_you_mean, suggest
from semantic_layer.joins import JoinPath, join_paths
from semantic_layer.model import (
    GRAINS,
    METRIC_TIME,
    Dimension,
    Location,
    Measure,
    Metric,
    Relationship,
    SemanticModel,
    Table,
)

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

_WINDOW = re.compile(r"^\s*[1-9]\d*\s+(day|week|month|quarter|year)s?\s*$")


@dataclass(frozen=True)
class RuleContext:
    """What the rules look at: the model, and optionally the warehouse's columns."""

    model: SemanticModel
    #: warehouse table name -> its column names; column checks are skipped when None
    warehouse_columns: Mapping[str, Collection[str]] | None = None
    #: names of objects that failed to load; references to them are not reported again
    unloaded: frozenset[str] = frozenset()

    def reachable(self, table: str) -> list[str]:
        """`table` and every table it joins to (the compiler's join graph), nearest first."""
        return list(join_paths(self.model.relationships, table).paths)

    def dimensions(self, tables: Iterable[str]) -> dict[str, list[str]]:
        """Dimension name -> the names of the tables among `tables` that declare it."""
        found: dict[str, list[str]] = {}
        for name in tables:
            table = self.model.table(name)
            for dim in table.dimensions if table else ():
                found.setdefault(dim.name, []).append(name)
        return found


class Rule(Protocol):
    """A check over the whole model that yields the problems it finds."""

    def __call__(self, context: RuleContext, /) -> Iterable[Issue]: ...


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


# --- helpers ------------------------------------------------------------------------------------


def _issue(
    location: Location, path: str, message: str, hint: str = "", level: IssueLevel = "error"
) -> Issue:
    return Issue(level, location.file, location.line, path, message, hint)


def _table_path(table: Table, member: Dimension | Measure | None = None) -> str:
    if member is None:
        return f"table '{table.name}'"
    kind = "dimension" if isinstance(member, Dimension) else "measure"
    return f"table '{table.name}' {kind} '{member.name}'"


def _parse(sql: str, *, query: bool = False) -> exp.Expr | str:
    """The parsed expression (a query when `query`), or why it does not parse."""
    try:
        parsed = sqlglot.parse_one(sql, read="duckdb")
    except ParseError as error:
        if not error.errors:
            return str(error)
        first = error.errors[0]
        what = re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", str(first["description"]))
        return f"{what} (line {first['line']}, col {first['col']})"
    except TokenError as error:
        return str(error)
    if isinstance(parsed, exp.Block):
        return "found more than one statement"
    if query and not isinstance(parsed, exp.Query):
        return "expected a SELECT query"
    if not query and isinstance(parsed, exp.Alias):
        return f"unexpected '{parsed.alias}' after the expression"
    if not query and isinstance(parsed, exp.Query):
        return "expected an expression, found a query"
    return parsed


def _columns(sql: str) -> list[exp.Column]:
    """The column references in `sql` (none when it does not parse: rule a reports that)."""
    parsed = _parse(sql)
    return [] if isinstance(parsed, str) else list(parsed.find_all(exp.Column))


def _hint(name: str, candidates: Iterable[str]) -> str:
    return did_you_mean(name, candidates).strip()


def _cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Each cycle of a directed graph once, as `[a, b, c, a]`, starting at its earliest node."""
    order = {node: index for index, node in enumerate(graph)}
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycle = stack[stack.index(node) :]
            start = min(range(len(cycle)), key=lambda i: order.get(cycle[i], len(order)))
            rotated = [*cycle[start:], *cycle[:start]]
            if [*rotated, rotated[0]] not in found:
                found.append([*rotated, rotated[0]])
            return
        if node in done:
            return
        stack.append(node)
        for target in graph.get(node, ()):
            visit(target, stack)
        stack.pop()
        done.add(node)

    for node in graph:
        visit(node, [])
    return found


# --- a. SQL parses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sql:
    location: Location
    path: str
    what: str
    text: str
    query: bool = False


def _sql_strings(model: SemanticModel) -> Iterator[_Sql]:
    for table in model.tables:
        if table.sql is not None:
            yield _Sql(table.location, _table_path(table), "sql", table.sql, query=True)
        for dim in table.dimensions:
            if dim.expr is not None:
                yield _Sql(dim.location, _table_path(table, dim), "expr", dim.expr)
        for measure in table.measures:
            path = _table_path(table, measure)
            if measure.expr is not None:
                yield _Sql(measure.location, path, "expr", measure.expr)
            if measure.filter is not None:
                yield _Sql(measure.location, path, "filter", measure.filter)
            if measure.snapshot is not None:
                snap = measure.snapshot
                yield _Sql(snap.location, path, "snapshot valid_from", snap.valid_from)
                yield _Sql(snap.location, path, "snapshot valid_to", snap.valid_to)
    for metric in model.metrics:
        if metric.expr is not None:
            yield _Sql(metric.location, f"metric '{metric.name}'", "expr", metric.expr)
        if metric.filter is not None:
            yield _Sql(metric.location, f"metric '{metric.name}'", "filter", metric.filter)
    for named in model.filters:
        yield _Sql(named.location, f"filter '{named.name}'", "where", named.where)
    for verified in model.verified_queries:
        for where in verified.query.where:
            path = f"verified query '{verified.question}'"
            yield _Sql(verified.query.location, path, "where", where)


def check_sql_parses(context: RuleContext) -> Iterator[Issue]:
    """a. Every SQL string (expressions, filters, snapshot bounds, table `sql`) parses."""
    for sql in _sql_strings(context.model):
        parsed = _parse(sql.text, query=sql.query)
        if isinstance(parsed, str):
            yield _issue(
                sql.location,
                sql.path,
                f"{sql.what} `{sql.text}` is not valid DuckDB SQL: {parsed}.",
            )


# --- b. columns exist ---------------------------------------------------------------------------


def _table_columns(table: Table, columns: Mapping[str, Collection[str]]) -> dict[str, str] | None:
    """Its source table's columns (lowercased -> as spelled); None when not in the warehouse."""
    by_lower = {name.lower(): cols for name, cols in columns.items()}
    found = by_lower.get(table.source.lower())
    return None if found is None else {col.lower(): col for col in found}


def _column_refs(table: Table) -> Iterator[tuple[Location, str, str, str]]:
    """(location, path, what, column) for every column a table's definitions reference."""
    yield table.location, _table_path(table), "primary_key", table.primary_key
    if table.freshness:
        yield table.location, _table_path(table), "freshness", table.freshness
    for dim in table.dimensions:
        for col in _columns(dim.sql):
            yield dim.location, _table_path(table, dim), "expr", col.name
    for measure in table.measures:
        path = _table_path(table, measure)
        if measure.expr is not None or measure.aggregation != "count":
            for col in _columns(measure.sql):
                yield measure.location, path, "expr", col.name
        for col in _columns(measure.filter or ""):
            yield measure.location, path, "filter", col.name
        if measure.snapshot is not None:
            snap = measure.snapshot
            for what, bound in (("valid_from", snap.valid_from), ("valid_to", snap.valid_to)):
                for col in _columns(bound):
                    yield snap.location, path, f"snapshot {what}", col.name


def check_columns_exist(context: RuleContext) -> Iterator[Issue]:
    """b. Columns referenced by tables and relationships exist in their warehouse tables."""
    warehouse = context.warehouse_columns
    if warehouse is None:
        return
    known: dict[str, dict[str, str]] = {}
    for table in context.model.tables:
        if table.sql is not None:
            continue
        columns = _table_columns(table, warehouse)
        if columns is None:
            yield _issue(
                table.location,
                _table_path(table),
                f"warehouse table '{table.source}' not found.",
                _hint(table.source, warehouse) or "Set `table:` to the warehouse table's name.",
            )
            continue
        known[table.name] = columns
        for location, path, what, column in _column_refs(table):
            if column.lower() not in columns:
                yield _issue(
                    location,
                    path,
                    f"{what} refers to column '{column}', which is not in warehouse table "
                    f"'{table.source}'.",
                    _hint(column, columns.values()),
                )
    for rel in context.model.relationships:
        for table_name, side in ((rel.from_table, 0), (rel.to_table, 1)):
            columns = known.get(table_name)
            if columns is None:
                continue
            for pair in rel.keys.items():
                if pair[side].lower() not in columns:
                    source = context.model.table(table_name)
                    yield _issue(
                        rel.location,
                        f"relationship '{rel.label}'",
                        f"key column '{pair[side]}' is not in warehouse table "
                        f"'{source.source if source else table_name}'.",
                        _hint(pair[side], columns.values()),
                    )


# --- c. relationships ---------------------------------------------------------------------------


def _distinct(rels: Iterable[Relationship]) -> list[Relationship]:
    """Each relationship once (by identity: two declarations may read alike), in order."""
    return list({id(rel): rel for rel in rels}.values())


def _tie_issue(rels: tuple[Relationship, ...], first: JoinPath, second: JoinPath) -> Issue:
    """Two shortest join paths between the same tables, reported at the last-declared
    relationship on either (the one most likely added by mistake)."""
    index = {id(rel): number for number, rel in enumerate(rels)}
    involved = sorted(_distinct([*first.steps, *second.steps]), key=lambda rel: index[id(rel)])
    culprit = involved[-1]
    source, target = first.tables[0], first.target
    fixes = [
        "remove a relationship",
        "declare the table again under another name for the second path",
    ]
    walked = ""
    backwards = _distinct([*first.reversed_steps(), *second.reversed_steps()])
    if backwards:
        names = " and ".join(f"'{rel.label}'" for rel in backwards)
        walked = f" (one_to_one {names} is walked both ways)"
        fixes.append(f"make {names} many_to_one so that it is walked one way only")
    if len(first.steps) == 1:
        other = involved[0].location
        message = f"'{source}' is joined to '{target}' twice (also at {other}){walked}."
    else:
        message = (
            f"tables '{source}' and '{target}' are joined by two paths: {first} and {second}"
            f"{walked}."
        )
    return _issue(
        culprit.location,
        f"relationship '{culprit.label}'",
        message,
        f"The join would be ambiguous; keep one path ({', '.join(fixes[:-1])}, or {fixes[-1]}).",
    )


def _ambiguous_paths(context: RuleContext) -> Iterator[Issue]:
    """Each tie of the join graph once, told from the nearest table where the paths part."""
    rels = context.model.relationships
    tables = dict.fromkeys(table for rel in rels for table in (rel.from_table, rel.to_table))
    nearest: dict[tuple[str, frozenset[int]], tuple[JoinPath, JoinPath]] = {}
    for source in tables:
        for first, second in join_paths(rels, source).own_ties():
            key = (first.target, frozenset({id(first.steps[-1]), id(second.steps[-1])}))
            if key not in nearest or len(first.steps) < len(nearest[key][0].steps):
                nearest[key] = (first, second)
    for first, second in nearest.values():
        yield _tie_issue(rels, first, second)


def check_relationships(context: RuleContext) -> Iterator[Issue]:
    """c. Joined tables and keys exist, the join graph has no cycle and no ambiguous path."""
    model = context.model
    names = [table.name for table in model.tables]
    graph: dict[str, list[str]] = {}
    for rel in model.relationships:
        path = f"relationship '{rel.label}'"
        for side, table in (("from", rel.from_table), ("to", rel.to_table)):
            if table not in names and table not in context.unloaded:
                yield _issue(
                    rel.location,
                    path,
                    f"{side} table '{table}' does not exist.",
                    _hint(table, names),
                )
        if not rel.keys:
            yield _issue(
                rel.location, path, "has no keys.", "Add `keys: {from_column: to_column}`."
            )
        graph.setdefault(rel.from_table, []).append(rel.to_table)
    for cycle in _cycles(graph):
        closing = [
            rel
            for rel in model.relationships
            if any(
                rel.from_table == a and rel.to_table == b
                for a, b in zip(cycle, cycle[1:], strict=False)
            )
        ][-1]
        yield _issue(
            closing.location,
            f"relationship '{closing.label}'",
            f"the joins form a cycle: {' -> '.join(cycle)}.",
            "Relationships go from the many side to the one side; remove or reverse one of them.",
        )
    yield from _ambiguous_paths(context)


def _time_dimension_issue(
    table: Table, name: str, location: Location, path: str, unloaded: frozenset[str]
) -> Issue | None:
    dim = next((d for d in table.dimensions if d.name == name), None)
    times = [d.name for d in table.dimensions if d.type == "time"]
    if dim is None and name in unloaded:
        return None
    if dim is None:
        return _issue(
            location,
            path,
            f"time_dimension '{name}' is not a dimension of table '{table.name}'.",
            _hint(name, times) or f"Its time dimensions: {', '.join(times) or 'none'}.",
        )
    if dim.type != "time":
        return _issue(
            location,
            path,
            f"time_dimension '{name}' is a {dim.type} dimension, not a time dimension.",
            f"Set `type: time` on dimension '{name}' or name one of: {', '.join(times) or 'none'}.",
        )
    return None


def check_time_dimensions(context: RuleContext) -> Iterator[Issue]:
    """c. A table's and a measure's time_dimension name a `type: time` dimension of the table."""
    for table in context.model.tables:
        named = [(table.time_dimension, table.location, _table_path(table))]
        for measure in table.measures:
            named.append((measure.time_dimension, measure.location, _table_path(table, measure)))
        for name, location, path in named:
            if name is not None:
                issue = _time_dimension_issue(table, name, location, path, context.unloaded)
                if issue is not None:
                    yield issue


# --- d. metric references -----------------------------------------------------------------------


def _metric_refs(metric: Metric) -> list[tuple[str, str]]:
    """(role, metric name) for every metric a ratio or derived metric is built from."""
    if metric.type == "ratio":
        return [("numerator", metric.numerator or ""), ("denominator", metric.denominator or "")]
    if metric.type == "derived":
        return [("expr", col.name) for col in _columns(metric.expr or "")]
    return []


def check_metric_references(context: RuleContext) -> Iterator[Issue]:
    """d. Measures and metrics referenced exist, no metric depends on itself, windows parse."""
    model = context.model
    measures = [m.name for table in model.tables for m in table.measures]
    metrics = [m.name for m in model.metrics]
    graph: dict[str, list[str]] = {}
    for metric in model.metrics:
        path = f"metric '{metric.name}'"
        if metric.measure is not None and metric.type in ("simple", "cumulative"):
            name = metric.measure
            if model.measure(name) is None and name not in context.unloaded:
                yield _issue(
                    metric.location,
                    path,
                    f"measure '{name}' does not exist.",
                    _hint(name, measures),
                )
        for role, name in _metric_refs(metric):
            if name not in metrics and name not in context.unloaded:
                what = f"{role} '{name}'" if role != "expr" else f"expr refers to '{name}', which"
                yield _issue(
                    metric.location,
                    path,
                    f"{what} is not a metric.",
                    _hint(name, metrics),
                )
        graph[metric.name] = [name for _, name in _metric_refs(metric) if name in metrics]
        if metric.window is not None and not _WINDOW.match(metric.window):
            yield _issue(
                metric.location,
                path,
                f"window '{metric.window}' is not a duration like '7 days' or '3 months'.",
                "Write a number and a unit: day, week, month, quarter or year.",
            )
    for cycle in _cycles(graph):
        first = model.metric(cycle[0])
        if first is not None:
            yield _issue(
                first.location,
                f"metric '{first.name}'",
                f"the metric depends on itself: {' -> '.join(cycle)}.",
                "A metric can only be built from other metrics.",
            )


# --- e. names in filters and verified queries ----------------------------------------------------


def _base_tables(model: SemanticModel, metric: Metric, seen: frozenset[str]) -> set[str]:
    """The tables of the measures a metric is built from, through ratios and derived metrics."""
    if metric.measure is not None and metric.type in ("simple", "cumulative"):
        found = model.measure(metric.measure)
        return {found[0].name} if found else set()
    tables: set[str] = set()
    for _, name in _metric_refs(metric):
        ref = model.metric(name)
        if ref is not None and name not in seen:
            tables |= _base_tables(model, ref, seen | {name})
    return tables


def _dimension_ref_issue(
    context: RuleContext, column: exp.Column, tables: list[str], where: str
) -> str | None:
    """Why a filter's column reference is not a dimension of `tables` (None when it is)."""
    name, qualifier = column.name, column.table
    if name == METRIC_TIME and not qualifier:
        return None
    available = context.dimensions(tables)
    if qualifier:
        if qualifier in tables and qualifier in available.get(name, []):
            return None
        return f"'{qualifier}.{name}', which is not a dimension {where}"
    if name in available or name in context.unloaded:
        return None
    return f"'{name}', which is not a dimension {where}"


def _qualified_hint(table: str, name: str, available: Mapping[str, list[str]]) -> str:
    """The "Did you mean" for `table.name`: that dimension of other tables, else of `table`."""
    found = [f"{owner}.{name}" for owner in available.get(name, [])]
    if not found:
        own = [dim for dim, owners in available.items() if table in owners]
        found = [f"{table}.{dim}" for dim in suggest(name, own)]
    return "Did you mean " + " or ".join(f"'{f}'" for f in found) + "?" if found else ""


def _filter_issues(
    context: RuleContext,
    sql: str,
    tables: list[str],
    where: str,
    location: Location,
    path: str,
    what: str,
) -> Iterator[Issue]:
    available = context.dimensions(tables)
    everywhere = context.dimensions(t.name for t in context.model.tables)
    for column in _columns(sql):
        problem = _dimension_ref_issue(context, column, tables, where)
        if problem is None:
            continue
        if column.table:
            hint = _qualified_hint(column.table, column.name, available)
        else:
            hint = _hint(column.name, [*available, METRIC_TIME])
        owners = everywhere.get(column.name, [])
        if not hint and owners:
            hint = f"It is a dimension of {', '.join(repr(t) for t in owners)}, not joined here."
        elif not hint:
            hint = "Filters use dimension names, not column names."
        yield _issue(location, path, f"{what} refers to {problem}.", hint)


def check_filter_names(context: RuleContext) -> Iterator[Issue]:
    """e. Metric filters name dimensions reachable from the metric; named filters, some table's."""
    model = context.model
    every_table = [table.name for table in model.tables]
    for metric in model.metrics:
        if metric.filter is None:
            continue
        bases = sorted(_base_tables(model, metric, frozenset({metric.name})))
        if not bases:
            continue
        reachable = [
            t
            for t in context.reachable(bases[0])
            if all(t in context.reachable(other) for other in bases[1:])
        ]
        where = (
            f"reachable from table '{bases[0]}'"
            if len(bases) == 1
            else (f"reachable from all of tables {', '.join(repr(b) for b in bases)}")
        )
        yield from _filter_issues(
            context,
            metric.filter,
            reachable,
            where,
            metric.location,
            f"metric '{metric.name}'",
            "filter",
        )
    for named in model.filters:
        yield from _filter_issues(
            context,
            named.where,
            every_table,
            "of any table",
            named.location,
            f"filter '{named.name}'",
            "where",
        )


def _dimension_problem(context: RuleContext, written: str) -> tuple[str, str] | None:
    """Why a verified query's dimension (`name`, `table.name`, `name:grain`) is not valid."""
    model = context.model
    name, _, grain = written.partition(":")
    qualifier, _, bare = name.rpartition(".")
    if grain and grain not in GRAINS:
        hint = _hint(grain, GRAINS) or f"Grains: {', '.join(GRAINS)}."
        return f"dimension '{written}' has an unknown grain '{grain}'.", hint
    if bare == METRIC_TIME and not qualifier:
        return None
    tables = [model.table(qualifier)] if qualifier else list(model.tables)
    found = [d for t in tables if t is not None for d in t.dimensions if d.name == bare]
    if not found:
        if bare in context.unloaded or qualifier in context.unloaded:
            return None
        if qualifier:
            hint = _qualified_hint(
                qualifier, bare, context.dimensions(t.name for t in model.tables)
            )
            return f"dimension '{written}' does not exist.", hint
        names = [d.name for t in model.tables for d in t.dimensions]
        return f"dimension '{written}' does not exist.", _hint(bare, [*names, METRIC_TIME])
    if grain and all(d.type != "time" for d in found):
        return f"dimension '{written}' has a grain but '{bare}' is not a time dimension.", ""
    return None


def check_verified_queries(context: RuleContext) -> Iterator[Issue]:
    """e. Verified queries name existing metrics, dimensions and filters, and order by them."""
    model = context.model
    metric_names = [m.name for m in model.metrics]
    filter_names = [f.name for f in model.filters]
    every_table = [table.name for table in model.tables]
    for verified in model.verified_queries:
        query, path = verified.query, f"verified query '{verified.question}'"
        for name in query.metrics:
            if name not in metric_names and name not in context.unloaded:
                yield _issue(
                    query.location,
                    path,
                    f"metric '{name}' does not exist.",
                    _hint(name, metric_names),
                )
        for written in query.dimensions:
            problem = _dimension_problem(context, written)
            if problem is not None:
                yield _issue(query.location, path, *problem)
        for name in query.filters:
            if name not in filter_names and name not in context.unloaded:
                yield _issue(
                    query.location,
                    path,
                    f"filter '{name}' does not exist.",
                    _hint(name, filter_names),
                )
        for where in query.where:
            yield from _filter_issues(
                context, where, every_table, "of any table", query.location, path, "where"
            )
        selected = [*query.metrics, *query.dimensions]
        for written in query.dimensions:
            selected.append(written.partition(":")[0].rpartition(".")[2])
        for entry in query.order_by:
            if entry.removeprefix("-") not in selected:
                yield _issue(
                    query.location,
                    path,
                    f"order_by '{entry}' is not a selected metric or dimension.",
                    _hint(entry.removeprefix("-"), selected)
                    or "Order by `name` or `-name` of a metric or dimension the query selects.",
                )


# --- f. documentation ---------------------------------------------------------------------------


def check_metric_docs(context: RuleContext) -> Iterator[Issue]:
    """f. Every metric has an owner and a description; a certified metric has synonyms."""
    for metric in context.model.metrics:
        path = f"metric '{metric.name}'"
        if not metric.owner.strip():
            yield _issue(
                metric.location,
                path,
                "has no owner.",
                "Add `owner:`, the team or person to ask about this metric.",
            )
        if not metric.description.strip():
            yield _issue(
                metric.location,
                path,
                "has no description.",
                "Add `description:`, saying what the metric counts and how.",
            )
        if metric.status == "certified" and not metric.synonyms:
            yield _issue(
                metric.location,
                path,
                "is certified but has no synonyms.",
                "Add `synonyms:`, the words people use for it, so questions find it.",
                level="warning",
            )


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
