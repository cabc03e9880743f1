"""The Claude tools: input schemas generated from the models the semantic layer validates with."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from cortex.knowledge import Catalog, build_catalog
from cortex.planning.claude_tools import AskClarification, SearchContext, tools
from semantic_layer.loader import load_model
from semantic_layer.query import MAX_LIMIT, Filter, OrderBy, SemanticQuery
from semantic_layer.time import RANGE_FORMS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog(load_model(ROOT / "metrics.yml"))


@pytest.fixture(scope="module")
def schemas(catalog: Catalog) -> dict[str, dict[str, Any]]:
    return {tool["name"]: dict(tool["input_schema"]) for tool in tools(catalog)}


def schema_accepts(schema: dict[str, Any], data: object) -> bool:
    return Draft202012Validator(schema).is_valid(data)


def validator_accepts(data: object) -> bool:
    try:
        SemanticQuery.model_validate(data)
    except ValidationError:
        return False
    return True


# ------------------------------------------------------------------------ what the API takes


def test_every_input_schema_is_one_self_contained_object_the_messages_api_takes(
    schemas: dict[str, dict[str, Any]],
) -> None:
    assert set(schemas) == {"query_metrics", "search_context", "ask_clarification"}
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        # the API refuses these at the top level of an input schema
        assert not {"anyOf", "oneOf", "allOf"} & set(schema)
        text = json.dumps(schema)
        assert "$ref" not in text and "$defs" not in text and '"title"' not in text


def test_the_small_tools_are_their_models(schemas: dict[str, dict[str, Any]]) -> None:
    search, clarify = schemas["search_context"], schemas["ask_clarification"]
    assert list(search["properties"]) == list(SearchContext.model_fields) == ["query"]
    assert search["required"] == ["query"]
    assert list(clarify["properties"]) == list(AskClarification.model_fields)
    assert clarify["required"] == ["question"]
    assert clarify["properties"]["suggestions"]["maxItems"] == 3


# ------------------------------------------------------------------------ the query tool


def test_the_query_tool_has_every_field_of_the_semantic_query_described(
    schemas: dict[str, dict[str, Any]], catalog: Catalog
) -> None:
    query = schemas["query_metrics"]
    properties = query["properties"]
    assert list(properties) == list(SemanticQuery.model_fields)
    assert "required" not in query  # no metric is a listing; the validator wants one or the other
    described = {tool["name"]: tool["description"] for tool in tools(catalog)}
    assert "a listing of the distinct values of the dimensions" in described["query_metrics"]
    assert query["additionalProperties"] is False
    for name, nested in (("filters", Filter), ("order_by", OrderBy)):
        items = properties[name]["items"]
        assert list(items["properties"]) == list(nested.model_fields)
        assert items["additionalProperties"] is False
        assert all(field["description"] for field in items["properties"].values())
    assert all(field["description"] for field in properties.values())
    assert RANGE_FORMS in properties["time_range"]["description"]
    assert properties["limit"]["minimum"] == 1 and properties["limit"]["maximum"] == MAX_LIMIT


def test_metric_and_named_filter_names_are_the_catalogs(
    schemas: dict[str, dict[str, Any]], catalog: Catalog
) -> None:
    properties = schemas["query_metrics"]["properties"]
    assert properties["metrics"]["items"]["enum"] == [m.name for m in catalog.metrics]
    assert properties["named_filters"]["items"]["enum"] == [f.name for f in catalog.filters]


def test_a_catalog_without_named_filters_offers_none(catalog: Catalog) -> None:
    [query, *_] = tools(dataclasses.replace(catalog, filters=()))
    assert "named_filters" not in dict(query["input_schema"])["properties"]


VALID: list[dict[str, Any]] = [
    {"metrics": ["arr"]},
    {
        "metrics": ["ticket_volume", "ai_automation_rate"],
        "dimensions": ["segment", "metric_time:month"],
        "filters": [
            {"field": "channel", "op": "in", "values": ["email", "chat"]},
            {"field": "created_at", "op": "between", "values": ["2026-01-01", "2026-03-31"]},
            {"field": "region", "op": "is not null"},
        ],
        "named_filters": ["enterprise"],
        "time_range": "last 6 months",
        "order_by": [{"field": "ticket_volume", "descending": True}, {"field": "segment"}],
        "limit": 10,
        "compare": "previous_year",
    },
    {"metrics": ["arr"], "time_range": None, "limit": None, "compare": None},
    {"metrics": ["arr"], "filters": [{"field": "seats", "op": ">=", "values": [10]}]},
    {"metrics": ["arr"], "filters": [{"field": "score", "op": "<", "values": [2.5]}]},
    {"metrics": ["arr"], "filters": [{"field": "is_churned", "op": "=", "values": [False]}]},
    {"metrics": ["arr"], "limit": MAX_LIMIT},
]

INVALID: list[dict[str, Any]] = [
    {"metrics": "arr"},
    {"metrics": ["arr"], "sql": "SELECT 1"},
    {"metrics": ["arr"], "dimensions": [1]},
    {"metrics": ["arr"], "named_filters": [3]},
    {"metrics": ["arr"], "time_range": 2026},
    {"metrics": ["arr"], "limit": 0},
    {"metrics": ["arr"], "limit": MAX_LIMIT + 1},
    {"metrics": ["arr"], "limit": 2.5},
    {"metrics": ["arr"], "limit": "ten"},
    {"metrics": ["arr"], "compare": "last_week"},
    {"metrics": ["arr"], "filters": [{"field": "segment", "op": "like", "values": ["S%"]}]},
    {"metrics": ["arr"], "filters": [{"field": "segment", "values": ["SMB"]}]},
    {"metrics": ["arr"], "filters": [{"field": "segment", "op": "=", "value": "SMB"}]},
    {"metrics": ["arr"], "filters": [{"field": "segment", "op": "=", "values": [None]}]},
    {"metrics": ["arr"], "filters": [{"field": "segment", "op": "=", "values": [["SMB"]]}]},
    {"metrics": ["arr"], "filters": [{"field": "segment", "op": "in", "values": "SMB"}]},
    {"metrics": ["arr"], "filters": ["segment = 'SMB'"]},
    {"metrics": ["arr"], "order_by": [{"descending": True}]},
    {"metrics": ["arr"], "order_by": [{"field": "arr", "direction": "desc"}]},
    {"metrics": ["arr"], "order_by": ["-arr"]},
]


@pytest.mark.parametrize(
    ("data", "valid"),
    [(data, True) for data in VALID] + [(data, False) for data in INVALID],
    ids=[f"valid-{i}" for i in range(len(VALID))] + [f"invalid-{i}" for i in range(len(INVALID))],
)
def test_the_query_tool_accepts_what_the_semantic_layer_accepts(
    schemas: dict[str, dict[str, Any]], data: dict[str, Any], valid: bool
) -> None:
    assert validator_accepts(data) is valid
    assert schema_accepts(schemas["query_metrics"], data) is valid


def test_the_schema_and_the_validator_differ_only_where_another_check_speaks(
    schemas: dict[str, dict[str, Any]],
) -> None:
    """A name outside the catalog fails the schema but passes the validator: the compiler then
    rejects it and suggests names. How many values an operator takes only the validator checks;
    the `values` description says it. That a query names metrics or dimensions to list, and a
    listing compares nothing, only the validator checks (the tool's description says it). (The
    validator also coerces some wrongly typed JSON, '5' for 5, where the schema asks for the
    type.)"""
    query = schemas["query_metrics"]
    unknown_metric = {"metrics": ["revenue"]}
    assert validator_accepts(unknown_metric) and not schema_accepts(query, unknown_metric)
    equals_nothing = {"metrics": ["arr"], "filters": [{"field": "segment", "op": "="}]}
    assert schema_accepts(query, equals_nothing) and not validator_accepts(equals_nothing)
    assert (
        "none for is null"
        in query["properties"]["filters"]["items"]["properties"]["values"]["description"]
    )
    for nothing in ({}, {"metrics": []}, {"dimensions": ["segment"], "compare": "previous_year"}):
        assert schema_accepts(query, nothing) and not validator_accepts(nothing)
