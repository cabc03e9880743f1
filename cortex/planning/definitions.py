"""Definitions given in a question, matched against the catalog's own.

"AI automation rate, meaning AI-resolved tickets over resolved tickets": the definition is a
ratio of two things the catalog names, and the catalog has a governed metric that is exactly
that ratio, so the governed metric answers and the answer says how the definition was read.
A definition no governed metric matches ("resolution rate, meaning resolved tickets over all
tickets", when no such ratio is governed) is asked about instead (`guards`).

A definition is read from general English: "A over B", "A divided by B", "A / B", "A out of
B", "A as a share of B" for a ratio; "A minus B", "A less B" for a difference. Each side is
planned on its own, and must be one metric, with no breakdown or condition of its own.
"""

from __future__ import annotations

import re
from typing import Final

from cortex.planning.plans import Planner, QueryPlan
from semantic_layer.model import Metric, SemanticModel

__all__ = ["governed_definition"]

_RATIO: Final = re.compile(
    r"\s+(?:over|divided by|out of|as an? (?:share|percentage|proportion|fraction) of)\s+|\s*/\s*",
    re.IGNORECASE,
)
_DIFFERENCE: Final = re.compile(r"\s+(?:minus|less|take away)\s+|\s+-\s+", re.IGNORECASE)


def _one_metric(words: str, planner: Planner) -> str | None:
    """The one metric `words` name, with no breakdown, condition or period of their own."""
    plan = planner.plan(words.strip(), ())
    if not isinstance(plan, QueryPlan):
        return None
    query = plan.query
    if len(query.metrics) != 1 or query.dimensions or query.filters or query.time_range:
        return None
    return query.metrics[0]


def _parts(meaning: str, pattern: re.Pattern[str], planner: Planner) -> tuple[str, str] | None:
    sides = pattern.split(meaning, maxsplit=1)
    if len(sides) != 2:
        return None
    first, second = (_one_metric(side, planner) for side in sides)
    return (first, second) if first and second else None


def governed_definition(meaning: str, planner: Planner, model: SemanticModel) -> Metric | None:
    """The governed metric that is exactly `meaning` ("A over B", "A minus B"), if one is."""
    ratio = _parts(meaning, _RATIO, planner)
    if ratio is not None:
        numerator, denominator = ratio
        for metric in model.metrics:
            if metric.type == "ratio" and (metric.numerator, metric.denominator) == ratio:
                return metric
        return None
    difference = _parts(meaning, _DIFFERENCE, planner)
    if difference is not None:
        wanted = f"{difference[0]}-{difference[1]}"
        for metric in model.metrics:
            if metric.type == "derived" and (metric.expr or "").replace(" ", "") == wanted:
                return metric
    return None
