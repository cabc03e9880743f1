"""Comparing the frames two engines return for one query (float tolerance; order optional)."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["assert_same_rows", "differences"]


def _cell(value: object) -> object:
    """A cell made comparable across engines: None for NULL, a float for a number, a Timestamp."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value)  # type: ignore[arg-type]
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(_cell(v) for v in row) for row in frame.itertuples(index=False)]


def differences(
    expected: pd.DataFrame, actual: pd.DataFrame, *, ordered: bool, rel_tol: float = 1e-9
) -> str:
    """'' when both frames hold the same rows, else the first difference."""
    if list(expected.columns) != list(actual.columns):
        return f"columns {list(actual.columns)} instead of {list(expected.columns)}"
    want, got = _rows(expected), _rows(actual)
    if len(want) != len(got):
        return f"{len(got)} rows instead of {len(want)}"
    if not ordered:
        want, got = sorted(want, key=repr), sorted(got, key=repr)
    for left, right in zip(want, got, strict=True):
        for a, b in zip(left, right, strict=True):
            close = isinstance(a, float) and isinstance(b, float)
            if close and math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9):  # type: ignore[arg-type]
                continue
            if a != b:
                return f"row {right} instead of {left}"
    return ""


def assert_same_rows(
    expected: pd.DataFrame, actual: pd.DataFrame, *, ordered: bool, rel_tol: float = 1e-9
) -> None:
    """Fail with the first difference unless both frames hold the same rows."""
    found = differences(expected, actual, ordered=ordered, rel_tol=rel_tol)
    assert not found, found
