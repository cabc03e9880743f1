"""The governed semantic layer: metrics.yml -> model -> semantic query -> SQL + provenance.

This package is pure: it imports nothing from cortex, connectors or skills, and opens no
connection. `load_model` reads metrics.yml, `check_model` validates it, `compile_query` turns a
`SemanticQuery` into SQL for one engine.
"""

from .compile import DIALECTS as DIALECTS
from .compile import CompiledQuery as CompiledQuery
from .compile import MetricProvenance as MetricProvenance
from .compile import OutputColumn as OutputColumn
from .compile import Provenance as Provenance
from .compile import compile_query as compile_query
from .errors import DefinitionError as DefinitionError
from .errors import Issue as Issue
from .errors import QueryError as QueryError
from .errors import SemanticLayerError as SemanticLayerError
from .errors import UnknownNameError as UnknownNameError
from .errors import suggest as suggest
from .loader import check_file as check_file
from .loader import load_and_check as load_and_check
from .loader import load_model as load_model
from .model import SemanticModel as SemanticModel
from .query import Filter as Filter
from .query import OrderBy as OrderBy
from .query import SemanticQuery as SemanticQuery
from .query import parse_where as parse_where
from .rules import check_model as check_model
from .time import DateRange as DateRange
from .time import resolve_time_range as resolve_time_range

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
