"""The governed semantic layer: metrics.yml -> model -> semantic query -> SQL + provenance.

This package is pure: it imports nothing from cortex, connectors or skills, and opens no
connection. `load_model` reads metrics.yml, `check_model` validates it, `compile_query` turns a
`SemanticQuery` into SQL for one engine.

Each name is loaded on first use, so that importing one module of the package (say, the
cache's file helpers) does not load them all.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from semantic_layer.compile import DIALECTS as DIALECTS
    from semantic_layer.compile import CompiledQuery as CompiledQuery
    from semantic_layer.compile import MetricProvenance as MetricProvenance
    from semantic_layer.compile import OutputColumn as OutputColumn
    from semantic_layer.compile import Provenance as Provenance
    from semantic_layer.compile import compile_query as compile_query
    from semantic_layer.errors import DefinitionError as DefinitionError
    from semantic_layer.errors import Issue as Issue
    from semantic_layer.errors import QueryError as QueryError
    from semantic_layer.errors import SemanticLayerError as SemanticLayerError
    from semantic_layer.errors import UnknownNameError as UnknownNameError
    from semantic_layer.errors import suggest as suggest
    from semantic_layer.loader import check_file as check_file
    from semantic_layer.loader import load_and_check as load_and_check
    from semantic_layer.loader import load_model as load_model
    from semantic_layer.model import SemanticModel as SemanticModel
    from semantic_layer.query import Filter as Filter
    from semantic_layer.query import OrderBy as OrderBy
    from semantic_layer.query import SemanticQuery as SemanticQuery
    from semantic_layer.query import parse_where as parse_where
    from semantic_layer.rules import check_model as check_model
    from semantic_layer.time import DateRange as DateRange
    from semantic_layer.time import resolve_time_range as resolve_time_range

_HOME = {
    "DIALECTS": "semantic_layer.compile",
    "CompiledQuery": "semantic_layer.compile",
    "MetricProvenance": "semantic_layer.compile",
    "OutputColumn": "semantic_layer.compile",
    "Provenance": "semantic_layer.compile",
    "compile_query": "semantic_layer.compile",
    "DefinitionError": "semantic_layer.errors",
    "Issue": "semantic_layer.errors",
    "QueryError": "semantic_layer.errors",
    "SemanticLayerError": "semantic_layer.errors",
    "UnknownNameError": "semantic_layer.errors",
    "suggest": "semantic_layer.errors",
    "check_file": "semantic_layer.loader",
    "load_and_check": "semantic_layer.loader",
    "load_model": "semantic_layer.loader",
    "SemanticModel": "semantic_layer.model",
    "Filter": "semantic_layer.query",
    "OrderBy": "semantic_layer.query",
    "SemanticQuery": "semantic_layer.query",
    "parse_where": "semantic_layer.query",
    "check_model": "semantic_layer.rules",
    "DateRange": "semantic_layer.time",
    "resolve_time_range": "semantic_layer.time",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "DIALECTS",
    "CompiledQuery",
    "DefinitionError",
    "DateRange",
    "Filter",
    "Issue",
    "MetricProvenance",
    "OrderBy",
    "OutputColumn",
    "Provenance",
    "QueryError",
    "SemanticLayerError",
    "SemanticModel",
    "SemanticQuery",
    "UnknownNameError",
    "check_file",
    "check_model",
    "compile_query",
    "load_and_check",
    "load_model",
    "parse_where",
    "resolve_time_range",
    "suggest",
]
