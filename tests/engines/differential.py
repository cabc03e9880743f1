"""What "the same answer" means across engines, and the query sets the differential suite runs.

`difference(reference, other, ordered)` is '' when two result frames hold the same answer:

- the same columns in the same order, and the same number of rows;
- the same rows: in the same order when the query orders its rows (`ordered`), else as a
  multiset (rows sorted by their normalised cells);
- cells compared normalised: NULL, NaN and NA are all NULL; dates and timestamps as
  `pd.Timestamp` without a time zone; integers and floats as numbers equal to a relative and
  absolute 1e-9 (integer division or a float sum would differ far more); text as text.

The query sets (each item: a name, the semantic query and its as-of day):

- `demo_queries()`: bench/cases.py's set (the golden cases and metrics.yml's verified queries);
- `eval_queries(name)`: the expected queries of evals/<name>.yml, at the file's as-of day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.cases import query_set
from cortex.evaluation import load_eval
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]
EVAL_SETS = ("demo", "holdout", "holdout2", "holdout3", "holdout4", "holdout5")
_TOLERANCE = 1e-9

Named = tuple[str, SemanticQuery, date]


def demo_queries(model: SemanticModel) -> list[Named]:
    """The demo's query set: bench/cases.py (golden cases and verified queries)."""
    return [(item.name, item.query, DEMO_AS_OF) for item in query_set(model)]


def eval_queries(name: str) -> list[Named]:
    """The expected queries of one eval set (each turn that expects a query), deduplicated."""
    as_of, cases = load_eval(ROOT / "evals" / f"{name}.yml")
    seen: set[str] = set()
    queries: list[Named] = []
    for case in cases:
        for number, turn in enumerate(case.turns):
            if turn.query is None:
                continue
            key = turn.query.model_dump_json()
            if key not in seen:
                seen.add(key)
                queries.append((f"{name}:{case.id}#{number}", turn.query, as_of))
    return queries


def cell(value: Any) -> Any:
    """One cell normalised for comparing engines (module docstring)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
    if isinstance(value, date):
        return pd.Timestamp(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return float(value)
    return value


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(cell(value) for value in row) for row in frame.itertuples(index=False)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
    return bool(a == b) if type(a) is type(b) else False


def _sorted(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        # Numbers rounded so that 1e-12 noise cannot reorder rows; None first.
        return tuple(
            (0, "") if v is None else (1, f"{v:.6e}" if isinstance(v, float) else repr(v))
            for v in row
        )

    return sorted(rows, key=key)


def difference(reference: pd.DataFrame, other: pd.DataFrame, *, ordered: bool) -> str:
    """'' when `other` holds the answer `reference` holds, else the first difference."""
    if list(other.columns) != list(reference.columns):
        return f"columns {list(other.columns)} instead of {list(reference.columns)}"
    if len(other) != len(reference):
        return f"{len(other)} rows instead of {len(reference)}"
    want, got = _rows(reference), _rows(other)
    if not ordered:
        want, got = _sorted(want), _sorted(got)
    for number, (a, b) in enumerate(zip(want, got, strict=True)):
        if not all(_same(x, y) for x, y in zip(a, b, strict=True)):
            return f"row {number}: {b} instead of {a}"
    return ""
