"""What the planner knows: business context, dimension values and the catalog of names.

Three pieces, each built once at start-up and then read-only:

- `context`: the business context documents and their passages, searched with BM25
  (`search`), and the sections that are caveats for a metric;
- `values`: the distinct values of every low-cardinality categorical dimension, so that a
  question's "Enterprise" or "the bot" is found with the dimensions that hold it;
- `catalog`: metrics, dimensions, named filters and verified queries, listed for a planner.
"""

from cortex.knowledge.catalog import Catalog, DimensionEntry, MetricEntry, build_catalog
from cortex.knowledge.context import (
    Caveat,
    ContextDocument,
    ContextError,
    ContextLibrary,
    Passage,
    ScoredPassage,
    load_context,
)
from cortex.knowledge.values import DimensionValues, ValueIndex, ValueMatch, build_value_index

__all__ = [
    "Catalog",
    "Caveat",
    "ContextDocument",
    "ContextError",
    "ContextLibrary",
    "DimensionEntry",
    "DimensionValues",
    "MetricEntry",
    "Passage",
    "ScoredPassage",
    "ValueIndex",
    "ValueMatch",
    "build_catalog",
    "build_value_index",
    "load_context",
]
