"""Planners turn a question into a semantic query, a clarifying question, or a polite no.

The `OfflinePlanner` is deterministic and needs no key: it matches metric and dimension names,
labels and synonyms, dimension values (through a value index), and the time, grain, ranking
and comparison phrases `cortex.phrasing` reads. It never answers with a metric it did not
find in the question: when it is unsure it asks, naming the closest metrics.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from semantic_layer.compile import compile_query
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import METRIC_TIME, SemanticModel
from semantic_layer.query import Filter, OrderBy, SemanticQuery

from .phrasing import Phrasing, read_phrasing


@dataclass(frozen=True)
class QueryPlan:
    """Answer with this semantic query; `verified` names the verified question it came from."""

    query: SemanticQuery
    confidence: float
    verified: str | None = None


@dataclass(frozen=True)
class Clarify:
    """Ask this question back, with up to three suggested rephrasings or metrics."""

    question: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutOfScope:
    """Not a question about the business's data."""

    reply: str


Plan = QueryPlan | Clarify | OutOfScope


class ValueMatchLike(Protocol):
    """A dimension value found in a question."""

    @property
    def dimension(self) -> str: ...

    @property
    def value(self) -> str: ...


class ValueFinder(Protocol):
    """Finds dimension values (segment 'Enterprise', channel 'email') mentioned in a text."""

    def find(self, text: str) -> Sequence[ValueMatchLike]: ...


class Planner(Protocol):
    """(question, the conversation's previous queries) -> a plan."""

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan: ...


_WORD = re.compile(r"[a-z0-9%]+(?:['’-][a-z0-9]+)*")
_FOLLOW_UP = re.compile(r"^\s*(and|now|only|just|what about|how about|same|then|also|but)\b")
_OFF_TOPIC = re.compile(
    r"\b(poem|joke|weather|recipe|translate|song|story|hello|hi there|who are you)\b"
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _word_pattern(word: str) -> str:
    """A word and its plural: industry/industries, channel/channels, class/classes."""
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + r"(?:y|ies)"
    return re.escape(word) + r"(?:s|es)?"


def _phrase_pattern(phrase: str) -> str:
    words = [_singular(w) for w in _words(phrase.replace("_", " "))]
    return r"\b" + r"\s+".join(_word_pattern(w) for w in words) + r"\b"


@dataclass(frozen=True)
class _Term:
    """A name a metric or dimension may be called by in a question."""

    target: str
    phrase: str
    pattern: re.Pattern[str] = field(compare=False)


def _terms(pairs: Sequence[tuple[str, str]]) -> list[_Term]:
    terms = [
        _Term(target, phrase.lower(), re.compile(_phrase_pattern(phrase)))
        for target, phrase in pairs
        if _words(phrase)
    ]
    return sorted(terms, key=lambda t: len(t.phrase), reverse=True)  # longest phrase first


def _find(terms: Sequence[_Term], text: str) -> list[tuple[int, int, str]]:
    """(start, end, target) of non-overlapping mentions, longest phrases winning."""
    taken: list[tuple[int, int, str]] = []
    lowered = text.lower().replace("_", " ")
    for term in terms:
        for match in term.pattern.finditer(lowered):
            span = (match.start(), match.end())
            if not any(span[0] < end and start < span[1] for start, end, _ in taken):
                taken.append((*span, term.target))
    return sorted(taken)


def _blank(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


class OfflinePlanner:
    """The deterministic planner: synonyms, values and phrases; clarifies when unsure."""

    def __init__(
        self, model: SemanticModel, *, as_of: date, values: ValueFinder | None = None
    ) -> None:
        self.model = model
        self.as_of = as_of
        self.values = values
        self.metric_terms = _terms(
            [(m.name, text) for m in model.metrics for text in (m.name, m.label, *m.synonyms)]
        )
        dims = [(d.name, d) for t in model.tables for d in t.dimensions if d.type != "time"]
        self.dimension_terms = _terms(
            [(name, text) for name, d in dims for text in (d.name, d.label or "", *d.synonyms)]
        )

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        """A semantic query for `question`, or a clarifying question, or a polite no."""
        verified = self._verified(question)
        if verified is not None:
            return verified
        phrasing = read_phrasing(question, self.as_of)
        rest = phrasing.remainder(question)
        metric_spans = _find(self.metric_terms, rest)
        rest = _blank(rest, metric_spans)
        metrics = tuple(dict.fromkeys(target for _, _, target in metric_spans))
        grouped, mentioned, rest = self._dimensions(rest)
        if phrasing.top is not None and not grouped and mentioned:
            grouped = mentioned[:1]  # "top 10 accounts": ranked by account
        previous = history[-1] if history else None
        follow_up = previous is not None and (not metrics or bool(_FOLLOW_UP.match(question)))
        if not metrics and not follow_up:
            return self._not_understood(question)
        filters, clarify = self._filters(rest, metrics or (previous.metrics if previous else ()))
        if clarify is not None:
            return clarify
        if follow_up and previous is not None:
            query = self._follow_up(previous, metrics, grouped, filters, phrasing)
        else:
            query = self._query(metrics, grouped, filters, phrasing)
        try:
            compile_query(query, self.model, as_of=self.as_of)
        except SemanticLayerError as error:
            return Clarify(f"I can't answer that as asked: {error}", query.metrics[:3])
        return QueryPlan(query, 0.9 if metrics else 0.7)

    def _verified(self, question: str) -> QueryPlan | None:
        asked = " ".join(_words(question))
        for verified in self.model.verified_queries:
            known = " ".join(_words(verified.question))
            if difflib.SequenceMatcher(None, asked, known).ratio() >= 0.92:
                query = SemanticQuery.from_spec(verified.query)
                return QueryPlan(query, 1.0, verified=verified.question)
        return None

    def _dimensions(self, text: str) -> tuple[list[str], list[str], str]:
        """(dimensions to group by, every dimension mentioned, the text without them).

        Grouping is asked with 'by', 'per', 'for each', 'across' (several joined by 'and').
        """
        lowered = text.lower()
        mentioned = _find(self.dimension_terms, lowered)
        grouped: list[str] = []
        keywords = r"\b(by|per|(in|for) (each|every)|across|split by|broken down by)\b"
        for keyword in re.finditer(keywords, lowered):
            after = [m for m in mentioned if m[0] >= keyword.end()]
            position = keyword.end()
            for start, end, target in after:
                if lowered[position:start].strip(" ,") not in ("", "and", "the", "each"):
                    break
                grouped.append(target)
                position = end
        names = list(dict.fromkeys(target for _, _, target in mentioned))
        return list(dict.fromkeys(grouped)), names, _blank(text, mentioned)

    def _filters(self, text: str, metrics: Sequence[str]) -> tuple[list[Filter], Clarify | None]:
        """Filters for the dimension values the text names.

        A value held by several dimensions ("Enterprise": a segment and a plan) keeps only the
        dimensions the metrics can be filtered by; if two different ones remain, it asks.
        """
        if self.values is None:
            return [], None
        candidates: dict[str, dict[str, str]] = {}  # value as written -> dimension -> value
        for match in self.values.find(text):
            candidates.setdefault(match.value.lower(), {})[match.dimension] = match.value
        by_dimension: dict[str, list[str]] = {}
        for written, dimensions in candidates.items():
            usable = [d for d in dimensions if self._filterable(metrics, d, dimensions[d])]
            chosen = usable or list(dimensions)
            if len(chosen) > 1:
                options = tuple(f"{d} = '{dimensions[d]}'" for d in sorted(chosen))
                return [], Clarify(
                    f"'{written}' could mean {' or '.join(options)}. Which one did you mean?",
                    options[:3],
                )
            by_dimension.setdefault(chosen[0], []).append(dimensions[chosen[0]])
        filters = []
        for dimension, values in by_dimension.items():
            unique = tuple(dict.fromkeys(values))
            op = "=" if len(unique) == 1 else "in"
            filters.append(Filter(field=dimension, op=op, values=unique))
        return filters, None

    def _filterable(self, metrics: Sequence[str], dimension: str, value: str) -> bool:
        """Whether every metric can be filtered by `dimension` (the layer decides)."""
        if not metrics:
            return True
        trial = SemanticQuery(
            metrics=tuple(metrics), filters=(Filter(field=dimension, op="=", values=(value,)),)
        )
        try:
            compile_query(trial, self.model, as_of=self.as_of)
        except SemanticLayerError:
            return False
        return True

    def _query(
        self,
        metrics: tuple[str, ...],
        dimensions: list[str],
        filters: list[Filter],
        phrasing: Phrasing,
    ) -> SemanticQuery:
        dims = list(dimensions)
        if phrasing.grain is not None:
            dims.insert(0, f"{METRIC_TIME}:{phrasing.grain}")
        order: tuple[OrderBy, ...] = ()
        if phrasing.top is not None:
            order = (OrderBy(field=metrics[0], descending=phrasing.descending),)
        return SemanticQuery(
            metrics=metrics,
            dimensions=tuple(dict.fromkeys(dims)),
            filters=tuple(filters),
            time_range=phrasing.time_range,
            order_by=order,
            limit=phrasing.top,
            compare=phrasing.compare,
        )

    def _follow_up(
        self,
        previous: SemanticQuery,
        metrics: tuple[str, ...],
        dimensions: list[str],
        filters: list[Filter],
        phrasing: Phrasing,
    ) -> SemanticQuery:
        """The previous query with what the follow-up changes: "now by quarter", "only
        Enterprise", "and CSAT?", "what about last year?"."""
        dims = list(dimensions) if dimensions else list(previous.dimensions)
        if phrasing.grain is not None:
            dims = [d for d in dims if not d.startswith(METRIC_TIME)]
            dims.insert(0, f"{METRIC_TIME}:{phrasing.grain}")
        changed = {f.field for f in filters}
        kept = tuple(f for f in previous.filters if f.field not in changed)
        order, limit = previous.order_by, previous.limit
        chosen = metrics or previous.metrics
        if phrasing.top is not None:
            order = (OrderBy(field=chosen[0], descending=phrasing.descending),)
            limit = phrasing.top
        elif metrics:
            order = tuple(o for o in order if o.field in chosen or o.field not in previous.metrics)
        return SemanticQuery(
            metrics=chosen,
            dimensions=tuple(dict.fromkeys(dims)),
            filters=(*kept, *filters),
            named_filters=previous.named_filters,
            time_range=phrasing.time_range or previous.time_range,
            order_by=order,
            limit=limit,
            compare=phrasing.compare or previous.compare,
        )

    def _not_understood(self, question: str) -> Plan:
        if _OFF_TOPIC.search(question.lower()):
            return OutOfScope(
                "I answer questions about the company's metrics, such as ARR, tickets, CSAT or "
                'win rate. Try: "What\'s our ARR by segment?"'
            )
        closest = self._closest_metrics(question) or self._headline_metrics()
        named = ", ".join(closest)
        return Clarify(
            "I couldn't find a metric I know in that question. I can answer about "
            f"{named} and more (run `cortex metrics`). Which did you mean?",
            tuple(closest),
        )

    def _headline_metrics(self) -> list[str]:
        """The metrics analysts have verified questions for: what Cortex answers best."""
        verified = (m for v in self.model.verified_queries for m in v.query.metrics)
        return list(dict.fromkeys(verified))[:3] or [m.name for m in self.model.metrics[:3]]

    def _closest_metrics(self, question: str) -> list[str]:
        scores: dict[str, float] = {}
        words = [_singular(w) for w in _words(question) if len(w) > 2]
        for term in self.metric_terms:
            for word in words:
                ratio = difflib.SequenceMatcher(None, word, term.phrase).ratio()
                scores[term.target] = max(scores.get(term.target, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [name for name, score in ranked[:3] if score >= 0.75]
