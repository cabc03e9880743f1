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
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from semantic_layer.compile import compile_query
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import METRIC_TIME, SemanticModel
from semantic_layer.query import Filter, OrderBy, SemanticQuery

from .phrasing import Phrasing, read_phrasing


@dataclass(frozen=True)
class Usage:
    """What planning cost: tokens in and out (summed over rounds) and the price in US dollars."""

    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class QueryPlan:
    """Answer with this semantic query; `verified` names the verified question it came from.

    `usage` is what a model-backed planner spent on it (None for the offline planner).
    """

    query: SemanticQuery
    confidence: float
    verified: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True)
class Clarify:
    """Ask this question back, with up to three suggested rephrasings or metrics."""

    question: str
    suggestions: tuple[str, ...] = ()
    usage: Usage | None = None


@dataclass(frozen=True)
class OutOfScope:
    """Not a question about the business's data."""

    reply: str
    usage: Usage | None = None


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
_FOLLOW_UP = re.compile(
    r"^\s*(and|now|only|just|what about|how about|same|then|also|plus|but)\b", re.IGNORECASE
)
_AGGREGATE_WORDS = {"average": "average", "mean": "average", "avg": "average", "median": "median"}


def _aggregate_word(text: str) -> str | None:
    """'average' or 'median' when the text asks for one (the last one named wins:
    "the average instead of the median" asks for the average)."""
    words = _words(text)
    named = [_AGGREGATE_WORDS[w] for w in words if w in _AGGREGATE_WORDS]
    if "instead" in words and named:
        return named[0]
    return named[-1] if named else None


_NARROW = re.compile(r"^\s*(only|just)\b", re.IGNORECASE)
_ALSO = re.compile(r"^\s*(and|also|plus)\b", re.IGNORECASE)
_OFF_TOPIC = re.compile(
    r"\b(poem|joke|weather|recipe|translate|song|story|hello|hi there|who are you)\b"
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _singular_noun(word: str) -> str:
    """humans -> human (values are stored singular; "Accessories" still matches as written)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "ies")):
        return word[:-1]
    return word


def _singular(word: str) -> str:
    """A word's light stem, the same on both sides of a match: industries -> industry,
    bookings -> book, handed -> hand (a question and a synonym meet halfway)."""
    if len(word) > 3 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 6 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 5 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


@dataclass(frozen=True)
class _Term:
    """A name a metric or dimension may be called by: its words, singular."""

    kind: str  # "metric" or "dimension"
    target: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Mention:
    """Where a term was found: the character spans of its words."""

    kind: str
    target: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    exact: bool

    @property
    def start(self) -> int:
        return self.spans[0][0]


def _terms(kind: str, pairs: Sequence[tuple[str, str]]) -> list[_Term]:
    terms = {
        _Term(kind, target, tuple(_singular(w) for w in _words(text.replace("_", " "))))
        for target, text in pairs
    }
    return [t for t in terms if t.words]


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _singular(m.group())) for m in _WORD.finditer(text.lower())]


def _mentions(terms: Sequence[_Term], text: str) -> list[_Mention]:
    """Non-overlapping mentions of the terms, most words first, exact phrases before words
    that stand near each other in another order ("customers we lost" for "lost customers")."""
    tokens = _tokens(text)
    candidates: list[tuple[tuple[int, int, int], _Term, tuple[int, ...]]] = []
    for term in terms:
        size = len(term.words)
        for first in range(len(tokens)):
            if tuple(t[2] for t in tokens[first : first + size]) == term.words:
                candidates.append(((size, 1, -size), term, tuple(range(first, first + size))))
            if size < 2 or tokens[first][2] not in term.words:
                continue
            window = range(first, min(len(tokens), first + size + 3))
            picked: dict[str, int] = {}
            for index in window:
                word = tokens[index][2]
                if word in term.words and word not in picked:
                    picked[word] = index
            if len(picked) == size:
                indexes = tuple(sorted(picked.values()))
                spread = indexes[-1] - indexes[0] + 1
                candidates.append(((size, 0, -spread), term, indexes))
    taken: set[int] = set()
    found: list[_Mention] = []
    for _, term, indexes in sorted(candidates, key=lambda c: c[0], reverse=True):
        if taken.isdisjoint(indexes):
            taken.update(indexes)
            spans = tuple((tokens[i][0], tokens[i][1]) for i in indexes)
            exact = indexes == tuple(range(indexes[0], indexes[0] + len(indexes)))
            found.append(_Mention(term.kind, term.target, term.words, spans, exact))
    return sorted(found, key=lambda m: m.start)


def _blank(text: str, mentions: Sequence[_Mention]) -> str:
    chars = list(text)
    for mention in mentions:
        for start, end in mention.spans:
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
        metric_terms = _terms(
            "metric",
            [(m.name, text) for m in model.metrics for text in (m.name, m.label, *m.synonyms)],
        )
        dims = [(d.name, d) for t in model.tables for d in t.dimensions if d.type != "time"]
        dimension_terms = _terms(
            "dimension",
            [(name, text) for name, d in dims for text in (d.name, d.label or "", *d.synonyms)],
        )
        self.terms = metric_terms + dimension_terms
        self.metric_terms = metric_terms
        self.dimension_words = {t.words: t.target for t in dimension_terms}
        self.vocabulary = {word for term in self.terms for word in term.words}

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        """A semantic query for `question`, or a clarifying question, or a polite no."""
        verified = self._verified(question)
        if verified is not None:
            return verified
        phrasing = read_phrasing(question, self.as_of)
        rest = phrasing.remainder(question)
        mentions = self._reread(_mentions(self.terms, rest))
        metrics = tuple(dict.fromkeys(m.target for m in mentions if m.kind == "metric"))
        grouped, mentioned = self._dimensions(rest, mentions)
        rest = _blank(rest, mentions)
        if phrasing.top is not None and not grouped and mentioned:
            grouped = mentioned[:1]  # "top 10 accounts": ranked by account
        previous = history[-1] if history else None
        follow_up = previous is not None and (not metrics or bool(_FOLLOW_UP.match(question)))
        if follow_up and _NARROW.match(question):
            metrics = ()  # "only for tickets humans handled": a narrower look, same metrics
        if not metrics and not follow_up:
            return self._not_understood(question)
        wanted = _aggregate_word(rest)
        if wanted is not None:  # "mean first response time": the average sibling of the median
            base = metrics or (previous.metrics if previous and follow_up else ())
            switched = tuple(self._variant(m, wanted) for m in base)
            if switched != base:
                metrics = switched
        filters, clarify = self._filters(rest, metrics or (previous.metrics if previous else ()))
        if clarify is not None:
            return clarify
        for compared in (f for f in filters if f.op == "in" and f.field not in grouped):
            grouped.append(compared.field)  # "AI vs human": compare them side by side
        changes = (grouped, filters, phrasing.time_range, phrasing.grain, phrasing.top)
        if not metrics and not any(changes) and phrasing.compare is None:
            return self._not_understood(question)  # a follow-up that changes nothing known
        unmet = self._unmet_aggregate(rest, metrics)
        if unmet is not None:
            return unmet
        if follow_up and previous is not None:
            also = _ALSO.match(question) and "instead" not in _words(question)
            if metrics and also:  # "and CSAT?": show it beside what was shown
                metrics = tuple(dict.fromkeys((*previous.metrics, *metrics)))
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

    def _reread(self, mentions: list[_Mention]) -> list[_Mention]:
        """A word that names a metric and a dimension, beside another metric, is the dimension:
        "our 10 biggest customers by ARR" ranks customers by ARR."""
        metrics = {m.target for m in mentions if m.kind == "metric"}
        reread = []
        for mention in mentions:
            dimension = self.dimension_words.get(mention.words)
            if mention.kind == "metric" and dimension is not None and len(metrics) > 1:
                metrics.discard(mention.target)
                mention = _Mention(
                    "dimension", dimension, mention.words, mention.spans, mention.exact
                )
            reread.append(mention)
        return reread

    def _dimensions(self, text: str, mentions: Sequence[_Mention]) -> tuple[list[str], list[str]]:
        """(dimensions to group by, every dimension mentioned).

        Grouping is asked with 'by', 'per', 'in each', 'across' (several joined by 'and').
        """
        lowered = text.lower()
        dims = [m for m in mentions if m.kind == "dimension"]
        grouped: list[str] = []
        keywords = r"\b(by|per|(in|for) (each|every)|across|split by|broken down by)\b"
        for keyword in re.finditer(keywords, lowered):
            position = keyword.end()
            for mention in (m for m in dims if m.start >= keyword.end()):
                between = lowered[position : mention.start]
                if between.strip(" ,") not in ("", "and", "the", "each", "and by", "vs", "or"):
                    break
                grouped.append(mention.target)
                position = mention.spans[-1][1]
        names = list(dict.fromkeys(m.target for m in dims))
        return list(dict.fromkeys(grouped)), names

    def _filters(self, text: str, metrics: Sequence[str]) -> tuple[list[Filter], Clarify | None]:
        """Filters for the dimension values the text names.

        A value held by several dimensions ("Enterprise": a segment and a plan) keeps only the
        dimensions the metrics can be filtered by; if two different ones remain, it asks.
        """
        if self.values is None:
            return [], None
        candidates: dict[str, dict[str, str]] = {}  # value as written -> dimension -> value
        singular = _WORD.sub(lambda m: _singular_noun(m.group()), text.lower())
        for match in [*self.values.find(text), *self.values.find(singular)]:
            candidates.setdefault(match.value.lower(), {})[match.dimension] = match.value
        by_dimension: dict[str, list[str]] = {}
        for written, dimensions in candidates.items():
            usable = [d for d in dimensions if self._filterable(metrics, d, dimensions[d])]
            if not usable and _singular(written) in self.vocabulary:
                continue  # "the AI agent": a word of the catalog, not a filter here
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

    def _variant(self, name: str, aggregate: str) -> str:
        """The sibling of metric `name` that differs by the aggregate word, else `name`.

        `first_response_time` ("First response time (median)") and `first_response_time_avg`
        ("First response time (average)") are siblings: asked for the mean, use the latter.
        """
        metric = self.model.metric(name)
        if metric is None:
            return name
        own = {w for w in _words(metric.label) if _AGGREGATE_WORDS.get(w) is None}
        for other in self.model.metrics:
            words = _words(other.label)
            kinds = {_AGGREGATE_WORDS[w] for w in words if w in _AGGREGATE_WORDS}
            rest = {w for w in words if w not in _AGGREGATE_WORDS}
            if other.name != name and kinds == {aggregate} and rest == own:
                return other.name
        return name

    def _unmet_aggregate(self, rest: str, metrics: Sequence[str]) -> Clarify | None:
        """An 'average', 'rate' or '%' the matched metrics do not carry: ask, don't guess."""
        words = {_singular(w) for w in _words(rest)} | ({"%"} if "%" in rest else set())
        wants_average = bool(words & {"average", "mean", "avg"})
        wants_rate = bool(words & {"rate", "ratio", "share", "percent", "percentage", "%"})
        if not metrics or not (wants_average or wants_rate):
            return None
        chosen = [m for m in (self.model.metric(name) for name in metrics) if m is not None]
        formats = {m.format for m in chosen}
        averages = set()
        for metric in chosen:
            found = self.model.measure(metric.measure or "")
            aggregation = found[1].aggregation if found else None
            if metric.type == "ratio" or aggregation in ("avg", "median"):
                averages.add(metric.name)
        if (wants_rate and "percent" in formats) or (wants_average and averages):
            return None
        if wants_rate and not wants_average and averages:
            return None
        kind = "an average" if wants_average else "a rate or share"
        options = [
            m.name
            for m in self.model.metrics
            if (m.format == "percent") == (not wants_average) and m.type == "ratio"
        ][:3]
        return Clarify(
            f"You asked for {kind}, but {', '.join(metrics)} is not one. Which metric did you "
            "mean? (run `cortex metrics` for the list)",
            tuple(options),
        )

    def _headline_metrics(self) -> list[str]:
        """The metrics analysts have verified questions for: what Cortex answers best."""
        verified = (m for v in self.model.verified_queries for m in v.query.metrics)
        return list(dict.fromkeys(verified))[:3] or [m.name for m in self.model.metrics[:3]]

    def _closest_metrics(self, question: str) -> list[str]:
        scores: dict[str, float] = {}
        words = [_singular(w) for w in _words(question) if len(w) > 2]
        for term in self.metric_terms:
            phrase = " ".join(term.words)
            for word in words:
                ratio = difflib.SequenceMatcher(None, word, phrase).ratio()
                scores[term.target] = max(scores.get(term.target, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [name for name, score in ranked[:3] if score >= 0.75]
