"""When an answer may carry the *Verified* badge: its query means what an analyst verified.

A verified query (`verified_queries:` in metrics.yml) pairs a question with the semantic query
an analyst checked answers it. Both planners read the question first and badge the plan only
when the reading computes the same numbers as a verified query (`verified_question`): the same
metrics and dimensions, the same filters once named filters are spelled out, the same days,
the same comparison, order and limit. A question spelled almost like a verified one but asking
for another period ("… last year" against "… this year") is planned as asked and not badged.

The one exception is the verified question itself, word for word (case, spacing and
punctuation aside, `exact_verified`): the analyst checked that very wording, so its query is
used even where the planner would read it otherwise.
"""

from __future__ import annotations

import re
from datetime import date

from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import SemanticModel, VerifiedQuery
from semantic_layer.query import SemanticQuery, parse_where
from semantic_layer.time import resolve_time_range

__all__ = ["exact_verified", "verified_question"]

_WORDS = re.compile(r"[a-z0-9]+")


def _normal_text(question: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(question.lower()))


def exact_verified(question: str, model: SemanticModel) -> VerifiedQuery | None:
    """The verified query whose question is `question`, word for word."""
    words = _normal_text(question)
    return next((v for v in model.verified_queries if _normal_text(v.question) == words), None)


def _meaning(query: SemanticQuery, model: SemanticModel, as_of: date) -> tuple[object, ...]:
    """What decides the numbers of `query`: named filters spelled out, the range as days."""
    filters = set(query.filters)
    for name in query.named_filters:
        named = model.named_filter(name)
        if named is None:
            return ("unknown named filter", name)
        filters.update(parse_where(named.where))
    days = resolve_time_range(query.time_range, as_of) if query.time_range else None
    span = (days.start, days.end) if days is not None else None
    return (
        frozenset(query.metrics),
        frozenset(query.dimensions),
        frozenset(filters),
        span,
        query.compare,
        query.order_by,
        query.limit,
    )


def verified_question(query: SemanticQuery, model: SemanticModel, as_of: date) -> str | None:
    """The verified question whose query computes what `query` computes, if there is one."""
    try:
        meaning = _meaning(query, model, as_of)
        for verified in model.verified_queries:
            if _meaning(SemanticQuery.from_spec(verified.query), model, as_of) == meaning:
                return verified.question
    except SemanticLayerError:
        return None  # a query the layer cannot read is no verified one
    return None
