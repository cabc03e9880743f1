"""What the offline planner knows of one model before it reads a question: its vocabulary.

Built once per model: the terms metrics and dimensions are called by, the words the catalog
uses (as stems, and those only metric names use), yes/no dimensions, value aliases ("bot" for
'ai'), the metrics a verb names ("lose": churned), governed readings of values and filtered
metrics, rate and quantity readers. `Vocabulary` is the state the planner's parts share
(`conditions`, `asking`, `planner`); `filterable` and `grouped` ask the semantic layer whether
a query can be answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from cortex.knowledge.words import stem, text_words
from cortex.planning.offline.checks.understanding import FILLER_WORDS
from cortex.planning.offline.reading.counting import CountReader, RowCounts
from cortex.planning.offline.reading.mentions import (
    Mention,
    Term,
    ValueFinder,
    make_terms,
    value_aliases,
)
from cortex.planning.offline.reading.phrasing import TIME_WORDS
from cortex.planning.offline.reading.quantities import Quantities
from cortex.planning.offline.reading.rates import RATE_WORDS, Rates
from cortex.planning.offline.reading.spelling import Speller
from semantic_layer.compile import compile_query, metrics_used
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Dimension, SemanticModel
from semantic_layer.query import Filter, SemanticQuery, parse_where


def _synonym_words(dimension: Dimension) -> list[str]:
    """The words of the value synonyms of `dimension`."""
    return [w for ps in dimension.value_synonyms.values() for p in ps for w in text_words(p)]


_NEGATIONS = frozenset({"not", "non", "never", "without", "un"})


#: Words the rules read (a rate, an average, a negation): never unexplained.
_READ_WORDS = RATE_WORDS | _NEGATIONS


#: An explicit sum asked for: "the sum of", "summed", "add up".
SUM_OF = re.compile(r"\b(sum|summed|add(?:ed)? up)\b", re.IGNORECASE)


#: Irregular participles metric names start with ("lost customers", "won deals"): their verbs
#: name those metrics' events ("did we lose more merchants"). Every form of the verb has the
#: participle's stem (`cortex.knowledge.words.stem` reads irregular forms as their base).
_EVENT_PARTICIPLES = ("lost", "won")


#: Words before a verb that say it has not happened yet: "expected to close", "will close".
_NOT_YET: Final = frozenset({"to", "will", "would", "should", "could", "might", "may", "shall"})


def said_in_ing(text: str, mention: Mention) -> bool:
    """Whether a name is said as a verb still going on or yet to happen: in -ing ("deals
    closing this quarter") or after "to" or a modal ("pipeline expected to close", "deals
    that will close"), never as the state the name is ("closed deals")."""
    if any(text[start:end].lower().endswith("ing") for start, end in mention.spans):
        return True
    start, end = mention.spans[-1]  # the verb: "is ... to close"
    before = text_words(text[:start].lower())[-1:]
    return bool(before) and before[0] in _NOT_YET and not text[start:end].lower().endswith("ed")


def _single_filter(where: str) -> tuple[Filter, ...]:
    """The structured filters of a governed `where`; empty when it is not plain predicates."""
    try:
        return parse_where(where)
    except SemanticLayerError:
        return ()


#: Verbs saying one thing came of another: a catalog names its metrics with one of them.
RESULT_WORDS: Final = (
    "led to", "resulted in", "turned into", "converted into", "ended in", "ended up in",
    "ended up as", "became",
)  # fmt: skip
#: Nouns a metric's name may end with that people leave out: "first response" for first
#: response time, "automation" for the automation rate.
_HEAD_NOUNS = frozenset(stem(w) for w in ("time", "rate", "count", "number", "total", "amount"))


def _without_head_noun(terms: Sequence[Term]) -> list[Term]:
    """The names of three words or more ending in a head noun, said without it, where no
    other name is said so and all that are name one metric."""
    taken = {t.words for t in terms}
    short: dict[tuple[str, ...], set[str]] = {}
    for term in terms:
        if len(term.words) >= 3 and term.words[-1] in _HEAD_NOUNS:
            short.setdefault(term.words[:-1], set()).add(term.target)
    return [
        Term("metric", next(iter(targets)), words)
        for words, targets in sorted(short.items())
        if len(targets) == 1 and words not in taken
    ]


class Vocabulary:
    """The vocabulary of one semantic model, as the offline planner reads questions with it."""

    def __init__(
        self, model: SemanticModel, *, as_of: date, values: ValueFinder | None = None
    ) -> None:
        self.model = model
        self.as_of = as_of
        self.values = values
        metric_pairs = [
            (m.name, text) for m in model.metrics for text in (m.name, m.label, *m.synonyms)
        ]
        metric_terms = make_terms("metric", metric_pairs)
        #: the words the catalog says "led to" with, when its names say one ("conversations
        #: led to an order"): a question's "turned into" or "resulted in" is read as it
        said = " ".join(text.lower() for _, text in metric_pairs)
        self.result_words = next((w for w in RESULT_WORDS if f" {w} " in f" {said} "), None)
        others = [w for w in RESULT_WORDS if w != self.result_words]
        self.other_results = (
            re.compile(r"\b(" + "|".join(others) + r")\b", re.IGNORECASE)
            if self.result_words is not None
            else None
        )
        metric_terms += _without_head_noun(metric_terms)  # "first response": ... time
        dims = [(d.name, d) for t in model.tables for d in t.dimensions if d.type != "time"]
        dimension_pairs = [
            (name, text) for name, d in dims for text in (d.name, d.label or "", *d.synonyms)
        ]
        dimension_terms = make_terms("dimension", dimension_pairs)
        self.terms = metric_terms + dimension_terms
        self.metric_terms = metric_terms
        self.dimension_words = {t.words: t.target for t in dimension_terms}
        self.vocabulary = {word for term in self.terms for word in term.words}
        #: every word a name, label or synonym of the catalog uses, as `stem`s
        names = [text for _, text in [*metric_pairs, *dimension_pairs]]
        names += [f.name for f in model.filters]
        names += [p for _, d in dims for ps in d.value_synonyms.values() for p in ps]
        self.known_words = {stem(w) for text in names for w in text_words(text.replace("_", " "))}
        self.known_words |= {stem(w) for w in _READ_WORDS}
        #: typos are read as the words of names, values and times (`reading.spelling`)
        spelled = [w for text in names for w in text_words(text.replace("_", " "))]
        spelled += [w for phrase in values.phrases() for w in text_words(phrase)] if values else []
        self.speller = Speller([*spelled, *TIME_WORDS, *_READ_WORDS], FILLER_WORDS)
        #: words only names of metrics or values use: a query explains them only with its
        #: own metrics' names and descriptions ("led" and "purchase" of converted tickets are
        #: not explained by ticket volume) or with the values it applies
        general = [text for _, text in dimension_pairs] + [f.name for f in model.filters]
        general_words = {stem(w) for text in general for w in text_words(text.replace("_", " "))}
        self.scoped_words = self.known_words - general_words - {stem(w) for w in _READ_WORDS}
        self.metric_stems: dict[str, set[str]] = {}
        for m in model.metrics:
            texts = (m.name.replace("_", " "), m.label, m.description, *m.synonyms)
            self.metric_stems[m.name] = {stem(w) for t in texts for w in text_words(t)}
        #: the words each dimension is named with (name, label, synonyms), as stems
        self.dimension_stems: dict[str, set[str]] = {}
        for name, d in dims:
            texts = (name.replace("_", " "), d.label or "", *d.synonyms)
            self.dimension_stems.setdefault(name, set()).update(
                stem(w) for t in texts for w in text_words(t)
            )
        self.table_stems = {
            t.name: {stem(w) for w in text_words(t.description)} for t in model.tables
        }
        self.booleans = {name for name, d in dims if d.type == "boolean"}
        #: a table's name as words ("customer" for customers) -> the table; and the tables
        #: each dimension belongs to
        self.table_nouns = {
            tuple(stem(w) for w in text_words(t.name.replace("_", " "))): t.name
            for t in model.tables
        }
        self.dimension_tables: dict[str, set[str]] = {}
        for table in model.tables:
            for dimension in table.dimensions:
                self.dimension_tables.setdefault(dimension.name, set()).add(table.name)
        self.aliases = value_aliases(d for _, d in dims)
        self.counts = RowCounts.of(model)
        #: the names value synonyms stand inside: those of the things of the tables holding
        #: those values ("bot tickets" are AI tickets; "AI merchants" are no bot's)
        held = {
            t.name
            for t in model.tables
            if any(stem(w) in self.aliases for d in t.dimensions for w in _synonym_words(d))
        }
        self.alias_scope = {m for m, tables in self.counts.tables.items() if tables & held}
        self.alias_scope |= {d.name for t in model.tables if t.name in held for d in t.dimensions}
        #: the words of each metric's names -> the metric, when only one is called so
        self.metric_names: dict[tuple[str, ...], str] = {}
        for term in metric_terms:
            if self.metric_names.setdefault(term.words, term.target) != term.target:
                self.metric_names[term.words] = ""
        self.metric_names = {w: t for w, t in self.metric_names.items() if t}
        #: verb forms naming a metric's event: the irregular participle a metric's name starts
        #: with ("lost customers", "won deals") -> that metric, from "lose" or "win"
        self.events: dict[str, tuple[str, ...]] = {}
        #: and the nouns of those names: "lose" -> churned_customers -> {"customer"}
        self.event_nouns: dict[str, dict[str, set[str]]] = {}
        for term in sorted(metric_terms, key=lambda t: t.target):
            if len(term.words) == 2 and term.words[0] in {stem(p) for p in _EVENT_PARTICIPLES}:
                named = self.events.get(term.words[0], ())
                self.events[term.words[0]] = tuple(dict.fromkeys((*named, term.target)))
                nouns = self.event_nouns.setdefault(term.words[0], {})
                nouns.setdefault(term.target, set()).add(term.words[1])
        self.metric_words: dict[str, set[str]] = {}
        for term in metric_terms:
            self.metric_words.setdefault(term.target, set()).update(term.words)
        self.rates = Rates(model, self.metric_words, self.aliases)
        self.quantities = Quantities(model)
        self.counting = CountReader(self.counts, values, self._filterable, self.dimension_words)
        #: (dimension, value) pairs a named filter gives one governed reading to:
        #: `enterprise: segment = 'Enterprise'` says what "Enterprise" means.
        self.governed_values = {
            (f.field, str(f.values[0]).lower())
            for named in model.filters
            for f in _single_filter(named.where)
            if f.op == "="
        }
        #: simple metrics that are another one's measure with a filter: tickets where
        #: handled_by = 'ai' is the governed metric ai_handled_tickets.
        self.filtered_metrics = [
            (m.name, m.measure, filters)
            for m in model.metrics
            if m.type == "simple" and m.measure and m.filter
            for filters in [_single_filter(m.filter)]
            if filters
        ]
        self.unfiltered_metrics: dict[str, list[str]] = {}
        for m in model.metrics:
            if m.type == "simple" and m.measure and not m.filter:
                self.unfiltered_metrics.setdefault(m.measure, []).append(m.name)

    def on_a_day(self, name: str) -> bool:
        """Whether metric `name` is a value on a day (a snapshot such as ARR, a trailing
        window), not a count or sum over the days of a range: averaging or summing it over
        a range is another question than its value on the range's last day."""
        for used in metrics_used(self.model, [name]):
            measured = self.model.measure(used.measure or "")
            if used.type == "cumulative" or (measured is not None and measured[1].snapshot):
                return True
        return False

    def _filterable(self, metrics: Sequence[str], dimension: str, value: str | bool) -> bool:
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

    def _grouped(self, query: SemanticQuery, dimension: str) -> SemanticQuery | None:
        """`query` grouped by `dimension` too, when the layer can answer that."""
        grouped = query.model_copy(update={"dimensions": (*query.dimensions, dimension)})
        try:
            compile_query(grouped, self.model, as_of=self.as_of)
        except SemanticLayerError:
            return None
        return grouped
