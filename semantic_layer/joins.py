"""The join graph: which tables a table reaches, by which relationships, and where it is ambiguous.

This is the one place the graph is walked; the compiler joins along it and `cortex check` (the
rules) reports what it finds, so the two can never disagree:

- a `many_to_one` relationship is walked from its `from` table to its `to` table only;
- a `one_to_one` relationship is walked both ways;
- the shortest path wins (the fewest relationships, as in MetricFlow);
- two different shortest paths to the same table are a *tie*: the join is ambiguous, so the
  compiler refuses to join that table and `cortex check` reports the relationships involved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from semantic_layer.model import Relationship

__all__ = ["JoinPath", "Reach", "join_paths"]


@dataclass(frozen=True)
class JoinPath:
    """The relationships walked from a table to reach another, and the tables passed on the way.

    `tables` starts with the table walked from and ends with the one reached; a path without
    steps is the table itself.
    """

    tables: tuple[str, ...]
    steps: tuple[Relationship, ...] = ()

    @property
    def target(self) -> str:
        return self.tables[-1]

    def hops(self) -> Iterator[tuple[Relationship, str, str]]:
        """(relationship, table walked from, table reached) for each step, in order."""
        return zip(self.steps, self.tables[:-1], self.tables[1:], strict=True)

    def reversed_steps(self) -> list[Relationship]:
        """The one-to-one relationships this path walks from their `to` table to their `from`."""
        return [rel for rel, source, _ in self.hops() if rel.from_table != source]

    def then(self, rel: Relationship, table: str) -> JoinPath:
        """This path walked one relationship further, to `table`."""
        return JoinPath((*self.tables, table), (*self.steps, rel))

    def __str__(self) -> str:
        return " -> ".join(self.tables)


@dataclass(frozen=True)
class Reach:
    """Every table one table reaches: the shortest path to each, and the ties among them.

    `paths` lists the tables nearest first, the table itself first of all; a tied table is
    there too (with one of its shortest paths), since it is reachable, only not unambiguously.
    `ties` holds two different shortest paths to each tied table. A tie is *own* when the two
    paths enter the table by different relationships; a table reached only through a tied one
    inherits its tie (the same two paths, walked one step further).
    """

    paths: dict[str, JoinPath]
    ties: dict[str, tuple[JoinPath, JoinPath]]

    def own_ties(self) -> Iterator[tuple[JoinPath, JoinPath]]:
        """The ties whose two paths end in different relationships (not inherited)."""
        for first, second in self.ties.values():
            if first.steps[-1] is not second.steps[-1]:
                yield first, second


def _hops(relationships: Sequence[Relationship], table: str) -> Iterator[tuple[Relationship, str]]:
    """(relationship, table it leads to) for every relationship that may be walked from `table`."""
    for rel in relationships:
        if rel.from_table == table:
            yield rel, rel.to_table
        elif rel.type == "one_to_one" and rel.to_table == table:
            yield rel, rel.from_table


def join_paths(relationships: Sequence[Relationship], start: str) -> Reach:
    """Every table `start` reaches through `relationships`, by its shortest join path.

    A breadth-first walk, one level (one more relationship) at a time. Every relationship that
    enters a table on the level the table is first reached is kept: two of them, or one from a
    tied table, make the table tied.
    """
    paths = {start: JoinPath((start,))}
    ties: dict[str, tuple[JoinPath, JoinPath]] = {}
    frontier = [start]
    while frontier:
        entries: dict[str, list[tuple[str, Relationship]]] = {}
        for table in frontier:
            for rel, target in _hops(relationships, table):
                if target not in paths:
                    entries.setdefault(target, []).append((table, rel))
        for target, found in entries.items():
            (source, rel), *others = found
            paths[target] = paths[source].then(rel, target)
            if others:
                other_source, other_rel = others[0]
                ties[target] = (paths[target], paths[other_source].then(other_rel, target))
            elif source in ties:
                first, second = ties[source]
                ties[target] = (first.then(rel, target), second.then(rel, target))
        frontier = list(entries)
    return Reach(paths, ties)
