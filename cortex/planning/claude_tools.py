"""The three tools Claude may call, their input schemas generated from pydantic models.

- `query_metrics` takes a `SemanticQuery`: its input schema is the JSON schema of the very model
  the semantic layer validates with (field descriptions included), narrowed to the catalog:
  metric and named filter names become enums, so Claude picks from them. What the schema cannot
  say (how many values each filter operator takes) its descriptions say, and the validator checks.
- `search_context` takes a `SearchContext`, `ask_clarification` an `AskClarification`; each
  model's docstring is its tool's description. The planner reads these two inputs leniently (a
  missing question gets a default, extra suggestions are cut), so the models only shape the
  schemas.

The Messages API reads an input schema as JSON Schema (draft 2020-12) and refuses `anyOf`,
`oneOf` and `allOf` at its top level. Each schema here is one self-contained object: the
models' `$defs` are inlined where they are used and pydantic's titles are dropped, so Claude
reads every field in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anthropic.types import ToolParam
from pydantic import BaseModel, Field

from cortex.knowledge import Catalog
from semantic_layer.query import SemanticQuery

__all__ = ["AskClarification", "SearchContext", "skill_tool", "skill_tool_name", "tools"]

_QUERY_METRICS = (
    "Answer with governed numbers: a semantic query of catalog metrics, grouped by dimensions, "
    "filtered, over a time range; or, with no metrics, a listing of the distinct values of the "
    'dimensions ("list the ... with their ..."). It is validated; an error names what is '
    "wrong and suggests names."
)


class SearchContext(BaseModel):
    """Search the business context documents (definitions, caveats)."""

    query: str = Field(description="A business term or a short question to look up.")


class AskClarification(BaseModel):
    """Ask the user a question back when the request is ambiguous or asks for a metric the
    catalog lacks; suggest up to three catalog metrics or rephrasings."""

    question: str = Field(description="The question to ask the user.")
    suggestions: tuple[str, ...] = Field(
        default=(), max_length=3, description="Catalog metrics or rephrasings to offer."
    )


def tools(catalog: Catalog) -> list[ToolParam]:
    """The three tools; metric (and named filter) names are enums of the catalog's names."""
    query = _input_schema(SemanticQuery)
    del query["description"]  # the model's docstring is for developers; _QUERY_METRICS for Claude
    properties = query["properties"]
    properties["metrics"]["items"]["enum"] = [m.name for m in catalog.metrics]
    if catalog.filters:
        properties["named_filters"]["items"]["enum"] = [f.name for f in catalog.filters]
    else:
        del properties["named_filters"]  # no name would be valid
    return [
        {"name": "query_metrics", "description": _QUERY_METRICS, "input_schema": query},
        _tool("search_context", SearchContext),
        _tool("ask_clarification", AskClarification),
    ]


def skill_tool_name(skill: str) -> str:
    """A skill's tool name (tool names take no dots): `notion.write_page` -> `skill_notion_
    write_page`; the prefix keeps them apart from the planner's own tools."""
    return "skill_" + skill.replace(".", "_").replace("-", "_")


def skill_tool(skill: str, description: str, schema: Mapping[str, Any]) -> ToolParam:
    """A skill (a page, a task, a report, an objective's status) as a tool Claude may call:
    its description and its input's JSON schema as one self-contained object."""
    shown = dict(schema)
    definitions = shown.pop("$defs", {})
    shown.pop("description", None)
    return {
        "name": skill_tool_name(skill),
        "description": " ".join(description.split()),
        "input_schema": _inlined(shown, definitions),
    }


def _tool(name: str, model: type[BaseModel]) -> ToolParam:
    schema = _input_schema(model)
    description = schema.pop("description")
    return {"name": name, "description": " ".join(description.split()), "input_schema": schema}


def _input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema as one object: `$defs` inlined (none is recursive), titles gone."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inlined(schema, definitions)
    return inlined


def _inlined(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = definitions[node["$ref"].removeprefix("#/$defs/")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return _inlined({**target, **siblings}, definitions)
    return {
        key: (
            {name: _inlined(field, definitions) for name, field in value.items()}
            if key == "properties"  # field names, kept even when one is called "title"
            else _inlined(value, definitions)
        )
        for key, value in node.items()
        if key != "title"
    }
