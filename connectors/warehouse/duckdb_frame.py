"""DuckDB's numpy result arrays as a pandas frame, with one dtype per DuckDB type (`to_frame`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["to_frame"]

_INTEGER_TYPES: Final = frozenset(
    {
        "tinyint",
        "smallint",
        "integer",
        "bigint",
        "hugeint",
        "utinyint",
        "usmallint",
        "uinteger",
        "ubigint",
        "uhugeint",
    }
)
_STRING_TYPES: Final = frozenset({"varchar", "enum"})
_EXACT_FLOAT_LIMIT: Final = 2.0**53
_INT64_MAX: Final = int(np.iinfo(np.int64).max)


def to_frame(arrays: Mapping[str, Any], types: Sequence[str]) -> pd.DataFrame:
    """Build the frame from DuckDB's numpy arrays with one dtype per DuckDB type.

    Integers are int64 (Int64 with nulls; HUGEINT too, when exact), DECIMAL float64,
    dates and timestamps datetime64 (UTC for TIMESTAMPTZ), strings str.
    """
    columns = [
        _series(name, values, duck_type)
        for (name, values), duck_type in zip(arrays.items(), types, strict=True)
    ]
    if not columns:
        return pd.DataFrame()
    return pd.concat(columns, axis=1)


def _series(name: str, values: Any, duck_type: str) -> pd.Series:
    if isinstance(values, pd.Categorical):
        return pd.Series(values, name=name)
    mask = np.ma.getmaskarray(values)
    data = np.ma.getdata(values)
    if duck_type in _INTEGER_TYPES:
        return _integers(name, data, mask)
    if duck_type in _STRING_TYPES:
        return pd.Series(_with_none(data, mask), name=name, dtype="str")
    kind = data.dtype.kind
    if kind in "mM":
        data = np.where(mask, np.array("NaT", dtype=data.dtype), data)
        if duck_type == "timestamp with time zone":  # DuckDB hands these over as naive UTC
            return pd.Series(pd.DatetimeIndex(data).tz_localize("UTC"), name=name)
        return pd.Series(data, name=name)
    if kind in "fc":
        return pd.Series(np.where(mask, np.nan, data), name=name)
    if kind == "O":
        return pd.Series(_with_none(data, mask), name=name, dtype="object")
    if not mask.any():
        return pd.Series(data, name=name)
    if kind == "b":
        return pd.Series(pd.arrays.BooleanArray(data, mask), name=name)
    return pd.Series(data, name=name).mask(mask)


def _with_none(data: Any, mask: Any) -> Any:
    """An object array of the values, None where they are NULL."""
    values = data.astype(object)
    values[mask] = None
    return values


def _integers(name: str, data: Any, mask: Any) -> pd.Series:
    """int64, or nullable Int64 with nulls; floats stay when int64 cannot hold them exactly."""
    present = data[~mask]
    if data.dtype.kind == "f":  # HUGEINT arrives as float64
        exact = bool(np.all(np.isfinite(present))) and bool(
            np.all((np.abs(present) <= _EXACT_FLOAT_LIMIT) & (present == np.round(present)))
        )
        if not exact:
            return pd.Series(np.where(mask, np.nan, data), name=name)
    elif data.dtype.kind == "u" and present.size and int(present.max()) > _INT64_MAX:
        return pd.Series(data, name=name).mask(mask)
    whole = np.where(mask, 0, data).astype(np.int64)
    if mask.any():
        return pd.Series(pd.arrays.IntegerArray(whole, mask.copy()), name=name)
    return pd.Series(whole, name=name)
