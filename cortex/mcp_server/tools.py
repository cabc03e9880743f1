"""The tools an MCP client sees: names, descriptions and input schemas, built from the loaded
model and narrowed to what the caller may see.

Each tool's input is a pydantic model (its docstring is the tool's description, its JSON schema
the input schema); `query_metrics` takes the semantic layer's own `SemanticQuery`, with the
schema the Claude planner gets (`cortex.planning.claude_tools`). Names the model defines become
enums of the names the caller may use: the metrics their roles grant, the dimensions of the
tables they may read, the skills they may run. Nothing here names a metric of its own: every
example comes from `metrics.yml`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

import mcp.types as types
from pydantic import BaseModel, ConfigDict, Field

from cortex.access.grants import Grant
from cortex.access.seen import tables_seen
from cortex.knowledge import build_catalog
from cortex.knowledge.examples import listed
from cortex.planning.claude_tools import tools as planner_tools
from semantic_layer.model import Metric, SemanticModel
from skills.base import Skill
from skills.drivers import DriversInput

__all__ = [
    "TOOL_NAMES",
    "AskInput",
    "DescribeMetricInput",
    "DimensionValuesInput",
    "ExplainChangeInput",
    "ListMetricsInput",
    "ListSkillsInput",
    "RunSkillInput",
    "SearchContextInput",
    "ToolInput",
    "listable_dimensions",
    "tool_definitions",
]


class ToolInput(BaseModel):
    """The base of every tool's input: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ListMetricsInput(ToolInput):
    """The governed metrics you may query: name, label, description, format, owner and
    whether an analyst certified it."""

    search: str | None = Field(
        default=None,
        description="Only metrics whose name, label, synonyms or description hold this word.",
    )


class DescribeMetricInput(ToolInput):
    """One metric in full: its definition, owner, status, synonyms, the dimensions it can be
    grouped and filtered by, the rows you see of it, verified questions and caveats."""

    metric: str = Field(description="The metric's catalog name.")


class DimensionValuesInput(ToolInput):
    """The distinct values of a dimension (the rows you may see), to filter or group by."""

    dimension: str = Field(description="The dimension's catalog name.")
    contains: str | None = Field(
        default=None, description="Only values holding this text (case-insensitive)."
    )
    limit: int = Field(default=100, ge=1, le=1000, description="At most this many values.")


class AskInput(ToolInput):
    """Ask Cortex a business question in plain language: it is planned into a governed query,
    run under your access, and answered with the sentence to quote, the table, how it was
    computed and the caveats; or with a question back when it is ambiguous."""

    question: str = Field(min_length=1, description="The question, as a person would ask it.")
    conversation_id: str | None = Field(
        default=None,
        description="The conversation of an earlier answer, to ask a follow-up ('now by "
        "region') or to answer a question back ('yes', 'the second one').",
    )


class ExplainChangeInput(ToolInput, DriversInput):
    """Why a metric moved: its change over a period against the period before (or a year
    before), split exactly over each dimension's values, the dimensions that explain most
    first (rate, mix and interaction for a ratio)."""


class SearchContextInput(ToolInput):
    """Search the business context documents (definitions, caveats, how metrics are used)."""

    query: str = Field(min_length=1, description="A business term or a short question.")
    limit: int = Field(default=3, ge=1, le=10, description="At most this many passages.")


class ListSkillsInput(ToolInput):
    """The skills you may run (reports, briefs, pages, tasks, objectives' status): what each
    does, whether it writes outside Cortex, and its input schema."""


class RunSkillInput(ToolInput):
    """Run a skill. One that writes outside Cortex (a page, a task) runs only with
    `confirm: true`; without it, you are told what it would do and nothing is written, so ask
    the person first."""

    skill: str = Field(description="The skill's name (see list_skills).")
    input: dict[str, Any] = Field(
        default_factory=dict, description="The skill's input, as its input schema says."
    )
    confirm: bool = Field(
        default=False,
        description="True only once the person has agreed to what the skill writes outside Cortex.",
    )
    conversation_id: str | None = Field(
        default=None,
        description="The conversation whose latest answer the skill acts on (to save or share "
        "an answer from `ask`).",
    )


#: The input model of each tool but query_metrics (which takes a SemanticQuery), in list order.
INPUTS: Final[dict[str, type[ToolInput]]] = {
    "list_metrics": ListMetricsInput,
    "describe_metric": DescribeMetricInput,
    "list_dimension_values": DimensionValuesInput,
    "ask": AskInput,
    "explain_change": ExplainChangeInput,
    "search_context": SearchContextInput,
    "list_skills": ListSkillsInput,
    "run_skill": RunSkillInput,
}
TOOL_NAMES: Final = ("query_metrics", *INPUTS)


def listable_dimensions(model: SemanticModel, grant: Grant | None) -> list[str]:
    """The categorical and boolean dimensions whose values the caller may list, by the name a
    query takes: bare when one table has it, `table.dimension` when several do."""
    tables = tables_seen(grant) if grant is not None else list(model.tables)
    counts: dict[str, int] = {}
    for table in model.tables:
        for dimension in table.dimensions:
            counts[dimension.name] = counts.get(dimension.name, 0) + 1
    found = []
    for table in tables:
        for dimension in table.dimensions:
            if dimension.type in ("categorical", "boolean"):
                unique = counts[dimension.name] == 1
                found.append(dimension.name if unique else f"{table.name}.{dimension.name}")
    return found


def _schema(model: type[BaseModel], enums: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("description", None)
    schema.pop("title", None)
    for field, names in enums.items():
        if names:
            schema["properties"][field]["enum"] = list(names)
    return schema


def _described(model: type[BaseModel], extra: str = "") -> str:
    text = " ".join((model.__doc__ or "").split())
    return f"{text} {extra}".strip()


def tool_definitions(
    model: SemanticModel,
    visible: Sequence[Metric],
    dimensions: Sequence[str],
    skills: Sequence[Skill[Any]],
) -> list[types.Tool]:
    """Every tool, for a caller who may query the metrics `visible`, list the values of
    `dimensions` (`listable_dimensions`) and run `skills`; the names in descriptions and enums
    are the model's."""
    metric_names = [m.name for m in visible]
    labels = [m.label for m in visible[:4]]
    examples = f"For example: {listed(labels)}." if labels else "None is visible to you."
    query = planner_tools(build_catalog(model))[0]
    query_schema: dict[str, Any] = copy.deepcopy(dict(query["input_schema"]))
    items: dict[str, Any] = query_schema["properties"]["metrics"]["items"]
    items.pop("enum", None)
    if metric_names:
        items["enum"] = metric_names
    timed = ", ".join(sorted({t.time_dimension for t in model.tables if t.time_dimension}))
    definitions = [
        types.Tool(
            name="query_metrics",
            description=f"{query['description']} You may query {len(metric_names)} metrics. "
            f"{examples} Time series: group by 'metric_time:<grain>'"
            + (f" (or {timed} with a grain)." if timed else "."),
            input_schema=query_schema,
        )
    ]
    enums: dict[str, dict[str, Sequence[str]]] = {
        "describe_metric": {"metric": metric_names},
        "explain_change": {"metric": metric_names},
        "list_dimension_values": {"dimension": dimensions},
        "run_skill": {"skill": [s.name for s in skills]},
    }
    extras = {
        "list_metrics": f"You may see {len(metric_names)} of the {len(model.metrics)}. " + examples,
        "list_skills": f"{len(skills)} skills are open to you."
        if skills
        else "No skill is open to you.",
    }
    for name, input_model in INPUTS.items():
        definitions.append(
            types.Tool(
                name=name,
                description=_described(input_model, extras.get(name, "")),
                input_schema=_schema(input_model, enums.get(name, {})),
            )
        )
    return definitions
