"""Rule c: relationships join tables that exist, on keys, without cycles or two join paths.

The paths are those of `joins.join_paths`, the walk the compiler joins along, so that what
`cortex check` reports and what the compiler refuses are the same ties."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from semantic_layer.errors import Issue
from semantic_layer.joins import JoinPath, join_paths
from semantic_layer.model import (
    Relationship,
)
from semantic_layer.rules.context import (
    RuleContext,
    cycles,
    hint_for,
    issue_at,
)


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
    return issue_at(
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
                yield issue_at(
                    rel.location,
                    path,
                    f"{side} table '{table}' does not exist.",
                    hint_for(table, names),
                )
        if not rel.keys:
            yield issue_at(
                rel.location, path, "has no keys.", "Add `keys: {from_column: to_column}`."
            )
        graph.setdefault(rel.from_table, []).append(rel.to_table)
    for cycle in cycles(graph):
        closing = [
            rel
            for rel in model.relationships
            if any(
                rel.from_table == a and rel.to_table == b
                for a, b in zip(cycle, cycle[1:], strict=False)
            )
        ][-1]
        yield issue_at(
            closing.location,
            f"relationship '{closing.label}'",
            f"the joins form a cycle: {' -> '.join(cycle)}.",
            "Relationships go from the many side to the one side; remove or reverse one of them.",
        )
    yield from _ambiguous_paths(context)
