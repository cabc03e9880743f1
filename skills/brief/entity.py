"""Which entity a brief is about: a name as people write it, resolved to one exact value.

The model says which dimensions name things: a table's `name_dimension` in metrics.yml. The
tables that others join to most (the merchants, the customers) are tried first. The name is
matched against the values the warehouse holds (the value index of `cortex.knowledge.values`):
case and spacing aside it must equal one value, or be contained in exactly one; otherwise the
brief stops with the candidates to choose from, or a "did you mean" for a near miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cortex.knowledge.values import ValueIndex
from semantic_layer.errors import suggest
from semantic_layer.joins import join_paths
from semantic_layer.model import Dimension, SemanticModel, Table
from semantic_layer.query import Filter
from skills.base import SkillError

__all__ = ["Entity", "entity_label", "name_tables", "resolve_entity"]

_MAX_LISTED = 8


@dataclass(frozen=True)
class Entity:
    """One row of a table, by its name: `table.dimension = value`."""

    table: Table
    dimension: Dimension
    value: str

    @property
    def field(self) -> str:
        """The name dimension as a query names it, qualified by its table."""
        return f"{self.table.name}.{self.dimension.name}"

    def condition(self) -> Filter:
        """The filter that keeps this entity's rows."""
        return Filter(field=self.field, op="=", values=(self.value,))

    @property
    def label(self) -> str:
        """What the entity is called in words: the name dimension's label, in lower case."""
        return entity_label(self.dimension)


def entity_label(dimension: Dimension) -> str:
    """`account` for the dimension labelled "Account"."""
    return (dimension.label or dimension.name.replace("_", " ")).lower()


def name_tables(model: SemanticModel) -> list[tuple[Table, Dimension]]:
    """The tables that declare a name dimension, the one most other tables join to first."""
    found: list[tuple[int, int, Table, Dimension]] = []
    for index, table in enumerate(model.tables):
        dimension = next(
            (
                d
                for d in table.dimensions
                if d.name == table.name_dimension and table.name_dimension
            ),
            None,
        )
        if dimension is None:
            continue
        joined = sum(
            1
            for other in model.tables
            if other.name != table.name
            and table.name in join_paths(model.relationships, other.name).paths
        )
        found.append((-joined, index, table, dimension))
    return [(table, dimension) for _, _, table, dimension in sorted(found, key=lambda f: f[:2])]


def _key(text: str) -> str:
    return " ".join(re.split(r"[\s\-_/]+", text.strip().lower()))


def _held(index: ValueIndex, table: Table, dimension: Dimension) -> tuple[str, ...]:
    for entry in (*index.entries, *index.names):
        if entry.table == table.name and entry.dimension == dimension.name:
            return entry.values
    return ()


def resolve_entity(name: str, model: SemanticModel, index: ValueIndex) -> Entity:
    """The entity `name` names: an exact value (ignoring case and spacing) of a name dimension,
    or the one value that contains it.

    Raises SkillError when the model names nothing, when nothing matches (with a "did you
    mean" for a near miss), or when several values match (listing them).
    """
    tables = name_tables(model)
    if not tables:
        raise SkillError(
            "No table in metrics.yml declares a name dimension, so I can't tell whose brief "
            "to write.",
            hint="Give the table whose rows you brief on a `name_dimension` in metrics.yml.",
        )
    wanted = _key(name)
    if not wanted:
        raise SkillError("Give the name of the one the brief is about.")
    held = [(table, dimension, _held(index, table, dimension)) for table, dimension in tables]
    for table, dimension, values in held:
        exact = [v for v in values if _key(v) == wanted]
        if len(exact) == 1:
            return Entity(table, dimension, exact[0])
    for table, dimension, values in held:
        containing = [v for v in values if wanted in _key(v)]
        if len(containing) == 1:
            return Entity(table, dimension, containing[0])
        if containing:
            shown = ", ".join(f"'{v}'" for v in containing[:_MAX_LISTED])
            more = len(containing) - _MAX_LISTED
            raise SkillError(
                f"Several {entity_label(dimension)} names contain '{name}': {shown}"
                + (f" and {more} more" if more > 0 else "")
                + ".",
                hint="Give the full name of the one you mean.",
            )
    table, dimension, values = held[0]
    near = suggest(name, values)
    hint = (
        "Did you mean " + " or ".join(f"'{v}'" for v in near) + "?"
        if near
        else f"Check the spelling of the {entity_label(dimension)} name."
    )
    raise SkillError(f"I found no {entity_label(dimension)} named '{name}'.", hint=hint)
