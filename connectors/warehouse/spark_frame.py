"""Spark's collected rows as a pandas frame typed like DuckDB's (`to_frame`).

The same question must give the same frame whichever engine answered it, so every Spark type
maps to the dtype `duckdb_frame` gives its DuckDB counterpart: integers int64 (Int64 with
nulls), DECIMAL and floating point float64, DATE and both TIMESTAMPs datetime64[us], strings
str, booleans bool (boolean with nulls). Spark hands DECIMALs over as `Decimal` and dates as
`datetime.date`; those are normalised here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["to_frame"]

#: Spark SQL type names (`DataType.typeName()`) by the dtype family they become.
_INTEGER_TYPES: Final = frozenset({"byte", "short", "integer", "long"})
_FLOAT_TYPES: Final = frozenset({"float", "double", "decimal"})
_TEMPORAL_TYPES: Final = frozenset({"date", "timestamp", "timestamp_ntz"})
_STRING_TYPES: Final = frozenset({"string", "varchar", "char"})


def to_frame(
    names: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> pd.DataFrame:
    """The frame of `rows`, one column per name, each typed from its Spark type name."""
    columns = [
        _series(name, [row[index] for row in rows], spark_type)
        for index, (name, spark_type) in enumerate(zip(names, types, strict=True))
    ]
    if not columns:
        return pd.DataFrame()
    return pd.concat(columns, axis=1)


def _series(name: str, values: list[Any], spark_type: str) -> pd.Series:
    family = spark_type.split("(")[0]
    missing = np.array([value is None for value in values], dtype=bool)
    if family in _INTEGER_TYPES:
        whole = np.array([0 if value is None else int(value) for value in values], dtype=np.int64)
        if missing.any():
            return pd.Series(pd.arrays.IntegerArray(whole, missing), name=name)
        return pd.Series(whole, name=name)
    if family in _FLOAT_TYPES:
        floats = [np.nan if value is None else float(value) for value in values]
        return pd.Series(np.array(floats, dtype=np.float64), name=name)
    if family in _TEMPORAL_TYPES:
        stamps = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]")
        return stamps.rename(name)
    if family in _STRING_TYPES:
        return pd.Series(values, name=name, dtype="str")
    if family == "boolean":
        if missing.any():
            flags = np.array([bool(value) for value in values], dtype=bool)
            return pd.Series(pd.arrays.BooleanArray(flags, missing), name=name)
        return pd.Series(np.array(values, dtype=bool), name=name)
    return pd.Series(values, name=name, dtype="object")
