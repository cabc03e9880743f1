"""What every rule of `cortex check` takes and shares: the `RuleContext`, and small helpers.

The helpers make an `Issue` at a place in metrics.yml, name that place, parse a SQL string of the
model (saying why it does not parse), suggest a close name, and find the cycles of a graph.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from semantic_layer.errors import Issue, IssueLevel, did_you_mean
from semantic_layer.expressions import SOURCE_DIALECT
from semantic_layer.joins import join_paths
from semantic_layer.model import Dimension, Location, Measure, SemanticModel, Table


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


def issue_at(
    location: Location, path: str, message: str, hint: str = "", level: IssueLevel = "error"
) -> Issue:
    """An issue at `location` in metrics.yml, about the object `path` names."""
    return Issue(level, location.file, location.line, path, message, hint)


def table_path(table: Table, member: Dimension | Measure | None = None) -> str:
    """How an issue names a table, or a dimension or measure of it."""
    if member is None:
        return f"table '{table.name}'"
    kind = "dimension" if isinstance(member, Dimension) else "measure"
    return f"table '{table.name}' {kind} '{member.name}'"


def parse_sql(sql: str, *, query: bool = False) -> exp.Expr | str:
    """The parsed expression (a query when `query`), or why it does not parse."""
    try:
        parsed = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
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


def columns_in(sql: str) -> list[exp.Column]:
    """The column references in `sql` (none when it does not parse: rule a reports that)."""
    parsed = parse_sql(sql)
    return [] if isinstance(parsed, str) else list(parsed.find_all(exp.Column))


def hint_for(name: str, candidates: Iterable[str]) -> str:
    """ "Did you mean 'x'?" for the candidates closest to `name` ("" when none is close)."""
    return did_you_mean(name, candidates).strip()


def cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
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
