"""The three tools Claude may call: `query_metrics`, `search_context`, `ask_clarification`.

Metric (and named filter) names are enums of the catalog's names, so Claude picks from them.
"""

from __future__ import annotations

from typing import get_args

from anthropic.types import ToolParam

from cortex.knowledge import Catalog
from semantic_layer.model import Comparison
from semantic_layer.query import MAX_LIMIT, FilterOp
from semantic_layer.time import RANGE_FORMS

__all__ = ["tools"]


def tools(catalog: Catalog) -> list[ToolParam]:
    """The three tools; metric (and named filter) names are enums of the catalog's names."""
    properties: dict[str, object] = {
        "metrics": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": [m.name for m in catalog.metrics]},
            "description": "The metrics to compute, by catalog name.",
        },
        "dimensions": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "Group by these dimensions, by catalog name: 'segment', or 'table.name' when "
                "two tables share a name (e.g. 'accounts.segment'), or a time dimension with a "
                "grain (day, week, month, quarter, year): 'metric_time:month' for each "
                "metric's own time axis, 'created_at:week'."
            ),
        },
        "filters": {
            "type": "array",
            "description": "Conditions on dimensions: field op values.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "A dimension name."},
                    "op": {"type": "string", "enum": list(get_args(FilterOp))},
                    "values": {
                        "type": "array",
                        "items": {"type": ["string", "number", "boolean"]},
                        "description": "One value; two for between; none for is (not) null.",
                    },
                },
                "required": ["field", "op"],
                "additionalProperties": False,
            },
        },
        "time_range": {
            "type": "string",
            "description": f"The period to cover. Accepted forms: {RANGE_FORMS}.",
        },
        "order_by": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "A metric or dimension name."},
                    "descending": {"type": "boolean"},
                },
                "required": ["field"],
                "additionalProperties": False,
            },
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "description": "At most this many rows.",
        },
        "compare": {
            "type": "string",
            "enum": list(get_args(Comparison)),
            "description": "Compare with the previous period or the same period a year ago.",
        },
    }
    if catalog.filters:
        properties["named_filters"] = {
            "type": "array",
            "items": {"type": "string", "enum": [f.name for f in catalog.filters]},
            "description": "Named filters from the catalog (governed conditions).",
        }
    return [
        {
            "name": "query_metrics",
            "description": (
                "Answer with governed numbers: a semantic query of catalog metrics, grouped by "
                "dimensions, filtered, over a time range. It is validated; an error names what "
                "is wrong and suggests names."
            ),
            "input_schema": {
                "type": "object",
                "properties": properties,
                "required": ["metrics"],
                "additionalProperties": False,
            },
        },
        {
            "name": "search_context",
            "description": "Search the business context documents (definitions, caveats).",
            "input_schema": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
        {
            "name": "ask_clarification",
            "description": (
                "Ask the user a question back when the request is ambiguous or asks for a "
                "metric the catalog lacks; suggest up to three catalog metrics or rephrasings."
            ),
            "input_schema": {
                "type": "object",
                "properties": {
                    "question": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                },
                "required": ["question"],
            },
        },
    ]
