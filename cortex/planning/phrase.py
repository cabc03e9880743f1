"""A semantic query as words: the question the offline planner reads back to that query.

Cortex offers a query it could run in place of a question it could not answer as asked
("Did you mean: Ticket volume by channel last month?"); the words are only offered when the
planner reads them back to the very same query (`cortex.planning.plans.same_query`).
"""

from __future__ import annotations

import re
from typing import Final

from semantic_layer.model import METRIC_TIME, SemanticModel
from semantic_layer.query import SemanticQuery

__all__ = ["phrase_query"]

_MONTH_NAMES: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def phrase_query(query: SemanticQuery, model: SemanticModel) -> str | None:
    """`query` as a question the offline planner reads back to it ("Ticket volume by channel
    last month"), or None when a part of it has no plain wording (a `>` filter, a named
    filter)."""
    if query.named_filters:
        return None
    parts: list[str] = []
    if query.limit is not None:
        descending = not query.order_by or query.order_by[0].descending
        parts.append(f"{'top' if descending else 'bottom'} {query.limit}")
    for condition in query.filters:
        dimension = model.dimension(condition.field)
        if dimension is None:
            return None
        if condition.op in ("=", "in") and dimension.type == "boolean":
            if condition.values == (True,):
                parts.append(dimension.label or condition.field.replace("_", " "))
            elif condition.values == (False,):
                parts.append(f"not {dimension.label or condition.field.replace('_', ' ')}")
            else:
                return None
        elif condition.op in ("=", "in"):
            parts.append(" or ".join(str(v) for v in condition.values))
        elif condition.op in ("!=", "not in") and dimension.type != "boolean":
            parts.append("excluding " + " and ".join(str(v) for v in condition.values))
        else:
            return None
    if not query.metrics:
        return _listing_words(query, model, parts)
    labels = [m.label if (m := model.metric(name)) else name for name in query.metrics]
    parts.append(" and ".join(labels))
    groups, grain = [], None
    for name in query.dimensions:
        field, _, suffix = name.partition(":")
        if field == METRIC_TIME:
            grain = suffix or "day"
            continue
        dimension = model.dimension(field)
        groups.append(dimension.label if dimension and dimension.label else field)
    groups = [g.replace("_", " ") for g in groups]
    if groups:
        parts.append("by " + " and ".join(groups))
    if grain:
        parts.append(f"by {grain}")
    if query.time_range:
        parts.append(_range_words(query.time_range))
    if query.compare:
        parts.append(
            "vs last year" if query.compare == "previous_year" else "vs the previous period"
        )
    return " ".join(parts)


def _listing_words(query: SemanticQuery, model: SemanticModel, conditions: list[str]) -> str:
    """A listing as a request: "list Enterprise EMEA Account with their Account owner"."""
    labels = []
    for name in query.dimensions:
        field = name.partition(":")[0]
        dimension = model.dimension(field)
        labels.append(
            (dimension.label if dimension and dimension.label else field).replace("_", " ")
        )
    first, *more = labels
    words = ["list", *conditions, first]
    if more:
        words.append("with their " + " and ".join(more))
    if query.time_range:
        words.append(_range_words(query.time_range))
    return " ".join(words)


def _range_words(time_range: str) -> str:
    """A time range as a question says it: '2026-03' is 'in March 2026'."""
    if match := re.fullmatch(r"(\d{4})-(\d{2})", time_range):
        return f"in {_MONTH_NAMES[int(match.group(2)) - 1]} {match.group(1)}"
    if re.fullmatch(r"\d{4}(-q[1-4])?", time_range.lower()):
        return f"in {time_range}"
    return time_range
