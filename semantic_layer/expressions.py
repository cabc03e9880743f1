"""What an analyst's SQL expression in metrics.yml reads, without compiling a query.

Expressions (dimension `expr`, measure `expr` and `filter`) are DuckDB SQL over a table's own
columns. Other layers ask here rather than parse SQL themselves.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

__all__ = ["SOURCE_DIALECT", "column_names"]

#: The dialect analysts write metrics.yml expressions in.
SOURCE_DIALECT = "duckdb"


@lru_cache(maxsize=1024)
def column_names(expression: str) -> tuple[str, ...]:
    """The columns `expression` reads, in order, each once; empty when it does not parse."""
    try:
        parsed = sqlglot.parse_one(expression, read=SOURCE_DIALECT)
    except SqlglotError:
        return ()
    return tuple(dict.fromkeys(column.name for column in parsed.find_all(exp.Column)))
