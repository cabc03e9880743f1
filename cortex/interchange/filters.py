"""Filters between dialects: Cortex's predicates over dimension names and MetricFlow's Jinja.

Cortex writes `handled_by = 'ai'`; MetricFlow writes `{{ Dimension('ticket__handled_by') }} =
'ai'`. `to_jinja` names each dimension through an entity; `from_jinja` keeps the dimension's
own name (Cortex finds the join path itself) and says which templates it could not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

_TEMPLATE = re.compile(r"\{\{\s*(\w+)\(([^)]*)\)((?:\.\w+\([^)]*\))*)\s*\}\}")
_ARGUMENT = re.compile(r"""['"]([^'"]*)['"]""")


def to_jinja(where: str, reference: Callable[[str | None, str], str]) -> str:
    """`where` with every column as a MetricFlow template; `reference(table, name)` gives the
    template (`Dimension('ticket__channel')`) for a dimension named in the predicate."""
    tree = sqlglot.parse_one(where, read="duckdb")

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.Var(this="{{ " + reference(node.table or None, node.name) + " }}")
        return node

    return tree.transform(swap).sql(dialect="duckdb")


def from_jinja(where: str) -> tuple[str, list[str]]:
    """`where` with each `Dimension`/`TimeDimension` template as the dimension's name, and the
    templates that have no Cortex equivalent (an `Entity`, a `Metric` filter, a grain)."""
    unreadable: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kind, arguments, chained = match.group(1), match.group(2), match.group(3)
        names = _ARGUMENT.findall(arguments)
        if kind not in ("Dimension", "TimeDimension") or not names:
            unreadable.append(match.group(0))
            return match.group(0)
        grains = names[1:] + _ARGUMENT.findall(chained)
        if any(grain.lower() != "day" for grain in grains):
            unreadable.append(match.group(0))
        return str(names[0]).split("__")[-1]

    return _TEMPLATE.sub(replace, where), unreadable
