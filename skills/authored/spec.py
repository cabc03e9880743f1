"""A YAML skill as read from its file (`SkillSpec`), and its queries made concrete.

The reader (`skills.authored.reader`) fills these from the file, every part with its line; the
checks and the skill use them. `QueryTemplate.build(values)` renders a query with the inputs
given: each string of it may be a template (`time_range: "last {{ weeks }} weeks"`), an empty
string in a list is left out (`dimensions: ["{{ by }}"]` with no `by`), and a filter taking
its value from an input is dropped when that input is not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from semantic_layer.query import Filter, OrderBy, SemanticQuery, parse_where, validate_query
from skills.authored.inputs import InputSpec
from skills.authored.templates import ENVIRONMENT, has_template

__all__ = ["FilterSpec", "OutputSpec", "QueryTemplate", "SkillSpec", "render_text"]

#: The output that answers in the conversation itself.
THREAD = "thread"


def render_text(text: str, values: Mapping[str, object]) -> str:
    """`text` rendered with `values` when it is a template; as it is otherwise."""
    if not has_template(text):
        return text
    return ENVIRONMENT.from_string(text).render(dict(values)).strip()


def _rendered(value: object, values: Mapping[str, object]) -> object:
    if isinstance(value, str):
        return render_text(value, values)
    if isinstance(value, list | tuple):
        items = [_rendered(item, values) for item in value]
        return [item for item in items if item != ""]
    if isinstance(value, dict):
        return {key: _rendered(item, values) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class FilterSpec:
    """`field op value(s)`, the value(s) given or taken from the input named `input`."""

    field: str
    op: str
    line: int
    values: tuple[Any, ...] = ()
    input: str | None = None

    def build(self, values: Mapping[str, object]) -> Filter | None:
        """The filter with the inputs given; None when its input was not given."""
        if self.input is None:
            return Filter.model_validate(
                {"field": self.field, "op": self.op, "values": self.values}
            )
        given = values.get(self.input)
        if given is None:
            return None
        many = given if isinstance(given, list | tuple) else (given,)
        return Filter.model_validate({"field": self.field, "op": self.op, "values": many})


@dataclass(frozen=True)
class QueryTemplate:
    """One query of a skill: `fields` are SemanticQuery's (strings may be templates)."""

    id: str
    line: int
    fields: Mapping[str, Any]
    field_lines: Mapping[str, int]
    item_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    filters: tuple[FilterSpec, ...] = ()
    where: tuple[tuple[str, int], ...] = ()
    title: str | None = None

    def build(self, values: Mapping[str, object]) -> SemanticQuery:
        """The semantic query for the inputs `values`; raises QueryError when it is invalid."""
        data: dict[str, Any] = {key: _rendered(raw, values) for key, raw in self.fields.items()}
        if data.get("time_range") == "":
            data.pop("time_range")
        if "order_by" in data:
            data["order_by"] = [OrderBy.parse(str(text)) for text in data["order_by"]]
        filters = [f for spec in self.filters if (f := spec.build(values)) is not None]
        filters += [f for text, _ in self.where for f in parse_where(text)]
        data["filters"] = filters
        return validate_query(data)


@dataclass(frozen=True)
class OutputSpec:
    """Where the skill's result goes: the thread, or another skill run with `input`."""

    skill: str
    line: int
    input: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_thread(self) -> bool:
        """Whether the result is told in the conversation, with no other skill."""
        return self.skill == THREAD

    def build_input(self, values: Mapping[str, object]) -> dict[str, Any]:
        """The other skill's input, its templates rendered with `values`."""
        rendered = _rendered(dict(self.input), values)
        assert isinstance(rendered, dict)
        return rendered


@dataclass(frozen=True)
class SkillSpec:
    """A YAML skill as its file declares it; `file` is the file as messages show it."""

    name: str
    description: str
    file: str
    line: int
    inputs: tuple[InputSpec, ...]
    queries: tuple[QueryTemplate, ...]
    narrative: str
    narrative_line: int
    output: OutputSpec
    roles: frozenset[str] | None = None
