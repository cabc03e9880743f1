"""What a count named in a question stands for: the thing measured, or only what it is about.

Words like "tickets", "conversations" or "merchants" name count metrics (ticket volume, active
customers), but a question often uses them for the rows another metric is over or for the
things it ranks, not as a second number to show:

- "% satisfied on AI-resolved conversations", "CSAT for email tickets", "time to resolve
  tickets": a plain count named after a preposition ("on", "for", "of", "among" ...) or right
  after another metric over the same rows only says which rows that metric is over
  (`qualifiers`). The count must be a single word ("CSAT of new customers" keeps its "new"),
  or a governed filtered count, whose filter then applies: "CSAT for tickets the AI
  resolved" is CSAT where handled_by = 'ai'.
- "which 5 merchants had the most return requests": a ranked count whose word also names a
  dimension ("merchants": the account) is what is ranked, and a value the count cannot be
  filtered by ("return requests": an intent of tickets) names what is counted: the plain row
  count that value can filter, when exactly one can (`CountReader.counted_rows`).
- "how many calls did we take?": a count asked of values alone counts the rows they describe,
  when exactly one plain row count can be filtered by them all (`CountReader.counted_values`).
- "the Enterprise CSAT target": a metric named beside another metric that a dimension holding
  metric names filters is that dimension's value (`CountReader.metrics_as_values`).

A *plain row count* is a simple metric without a filter whose measure counts rows without a
filter or expression of its own: ticket volume counts tickets, active customers merchants. A
*filtered count* is the same with a governed filter on the metric (AI-handled tickets).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cortex.knowledge.words import WORD
from cortex.planning.offline.reading.mentions import Mention, ValueFinder, singular_values
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import SemanticModel
from semantic_layer.query import Filter, parse_where

__all__ = ["CountReader", "RowCounts"]

#: The kind of a mention of a metric's name read as a value of a dimension holding names.
VALUE: Final = "value"
#: Whether the metrics can be filtered by dimension = value (the layer decides).
Filterable = Callable[[Sequence[str], str, str | bool], bool]

#: Prepositions that put a count in the place of the rows a metric is over.
_OVER: Final = frozenset({"on", "for", "of", "among", "across", "from", "in", "over", "about"})
#: Words that may stand between such a preposition and the count: determiners and the words
#: joining values ("on AI and human conversations").
_BETWEEN: Final = frozenset(
    {"the", "our", "all", "their", "its", "those", "these", "and", "or", "vs", "versus"}
)


@dataclass(frozen=True)
class RowCounts:
    """The plain row counts of a model and the tables every metric counts or measures."""

    counts: dict[str, str]  # plain row count metric -> its table
    tables: dict[str, frozenset[str]]  # metric -> the tables of its measures
    filtered: dict[str, tuple[str, tuple[Filter, ...]]]  # filtered count -> table, filters
    defaults: frozenset[str] = frozenset()  # the counts tables declare (`count_metric`)

    @classmethod
    def of(cls, model: SemanticModel) -> RowCounts:
        """The plain row counts and metric tables of `model`."""
        own: dict[str, str] = {}
        counts: dict[str, str] = {}
        filtered: dict[str, tuple[str, tuple[Filter, ...]]] = {}
        for metric in model.metrics:
            found = model.measure(metric.measure or "")
            if found is None:
                continue
            table, measure = found
            own[metric.name] = table.name
            plain = measure.aggregation == "count" and not (measure.filter or measure.expr)
            if measure.snapshot is not None:  # counted while valid, from the row's own start
                plain = plain and measure.snapshot.valid_from == table.time_dimension
            if metric.type != "simple" or not plain:
                continue
            if not metric.filter:
                counts[metric.name] = table.name
            elif where := _structured(metric.filter):
                filtered[metric.name] = (table.name, where)
        tables: dict[str, frozenset[str]] = {}
        for metric in model.metrics:
            parts = (metric.name, metric.numerator or "", metric.denominator or "")
            tables[metric.name] = frozenset(own[p] for p in parts if p in own)
        defaults = frozenset(t.count_metric for t in model.tables if t.count_metric)
        return cls(counts, tables, filtered, defaults)

    def qualifiers(
        self, text: str, mentions: Sequence[Mention], values: Sequence[tuple[int, int]]
    ) -> dict[int, tuple[Filter, ...]]:
        """The indexes of the `mentions` that are counts naming only the rows another metric
        is over ("CSAT on email tickets"), with the filters they carry; `values` are the spans
        of the values in `text`."""
        metrics = [m for m in mentions if m.kind == "metric"]
        found: dict[int, tuple[Filter, ...]] = {}
        for index, mention in enumerate(mentions):
            if mention.kind != "metric":
                continue
            table, carried = self.filtered.get(mention.target, ("", ()))
            if mention.target in self.counts and len(mention.words) == 1:
                table = self.counts[mention.target]
            if not table:
                continue
            over = [m for m in metrics if m.target != mention.target]
            over = [m for m in over if table in self.tables.get(m.target, ())]
            if over and _names_rows(text, mention, mentions, over, values):
                found[index] = carried
        return found


class CountReader:
    """Reads what the counts a question names stand for, with a model's `counts`, the
    dimension values `values` finds, whether the layer can filter metrics by a value
    (`filterable`) and the words that name dimensions (`dimension_words`)."""

    def __init__(
        self,
        counts: RowCounts,
        values: ValueFinder | None,
        filterable: Filterable,
        dimension_words: Mapping[tuple[str, ...], str],
    ) -> None:
        self.counts = counts
        self.values = values
        self.filterable = filterable
        self.dimension_words = dimension_words

    def rows(self, text: str, mentions: list[Mention]) -> tuple[list[Mention], list[Filter]]:
        """Counts that only name the rows another metric is over ("CSAT on email tickets")
        are read, but not as metrics, and their governed filters apply ("CSAT for tickets
        the AI resolved" is CSAT where handled_by = 'ai')."""
        spans = [v.span for v in self.values.find(text)] if self.values is not None else []
        rows = self.counts.qualifiers(text, mentions, spans)
        carried = [f for filters in rows.values() for f in filters]
        reread = [
            Mention("rows", m.target, m.words, m.spans, m.exact) if i in rows else m
            for i, m in enumerate(mentions)
        ]
        return reread, carried

    def values_in(self, text: str) -> set[tuple[str, str]]:
        """(dimension, value) of the values `text` names, as written or in the singular."""
        if self.values is None:
            return set()
        written = self.values.find(text)
        found = [*written, *singular_values(self.values, text, written)]
        return {(v.dimension, v.value) for v in found}

    def _only_count(self, held: set[tuple[str, str]], other_than: str = "") -> tuple[str, ...]:
        """The one plain row count every value `held` can filter, else nothing; of several
        over one table, the one its table declares counts its rows (`count_metric`)."""
        counted = [
            name
            for name in self.counts.counts
            if name != other_than and all(self.filterable((name,), d, v) for d, v in held)
        ]
        tables = {self.counts.counts[name] for name in counted}
        declared = [name for name in counted if name in self.counts.defaults]
        if len(counted) > 1 and len(tables) == 1 and len(declared) == 1:
            counted = declared
        return tuple(counted) if len(counted) == 1 else ()

    def counted_values(self, text: str) -> tuple[str, ...]:
        """A count asked of values alone counts the rows they describe, when exactly one plain
        row count can be filtered by them all: "how many calls" (channel 'voice') are tickets.
        """
        held = self.values_in(text)
        return self._only_count(held) if held else ()

    def metrics_as_values(
        self, text: str, metrics: tuple[str, ...], mentions: list[Mention]
    ) -> tuple[tuple[str, ...], list[Mention], list[Filter]]:
        """A metric named beside another one that is filtered by a dimension holding metric
        names is that value: "the Enterprise CSAT target" is the target whose metric is
        'csat', not CSAT beside the target; so is one named by its label ("the AI adoption
        OKR": the target whose metric is 'ai_adoption_rate'), whose filter is returned, the
        name read as a value."""
        values = self.values_in(text)
        named = set()
        carried: list[Filter] = []
        for name in metrics:
            others = [m for m in metrics if m != name]
            held = [d for d, v in values if v == name]
            if others and any(self.filterable(others, d, name) for d in held):
                named.add(name)
                continue
            labelled = list(self.values.holding(name)) if self.values is not None else []
            usable = [d for d in labelled if others and self.filterable(others, d, name)]
            if len(usable) == 1:  # "the AI adoption OKR": by its label
                named.add(name)
                carried.append(Filter(field=usable[0], op="=", values=(name,)))
        by_label = {str(f.values[0]) for f in carried}
        kept = [  # a value written as such is read as one by the conditions
            Mention(VALUE, m.target, m.words, m.spans, m.exact) if m.target in by_label else m
            for m in mentions
            if not (m.kind == "metric" and m.target in named - by_label)
        ]
        return tuple(m for m in metrics if m not in named), kept, carried

    def inside_values(
        self, text: str, mentions: list[Mention]
    ) -> tuple[list[Mention], list[tuple[int, int]]]:
        """A metric's words inside a longer value are part of that value: "damage claims" (a
        claim type) keeps the claims count, filtered by the value; "failed drops" (a type of
        exception, whose last word names deliveries) counts the rows the value describes, when
        the metric cannot be filtered by it and exactly one plain row count can. Returns the
        mentions and the spans of their words to leave in the text, so each such value is read
        whole."""
        if self.values is None:
            return mentions, []
        found = self.values.find(text)
        reread: list[Mention] = []
        kept: list[tuple[int, int]] = []
        for mention in mentions:
            within = []
            for value in found if mention.kind in ("metric", "rows") else ():
                inner = [
                    s for s in mention.spans if value.span[0] <= s[0] and s[1] <= value.span[1]
                ]
                if inner and value.span[1] - value.span[0] > inner[-1][1] - inner[0][0]:
                    within += [(span, value) for span in inner]
            held = {(v.dimension, v.value) for _, v in within}
            if not held:
                reread.append(mention)
                continue
            if mention.kind == "rows":  # "claim value for damage claims": rows of that value
                pass
            elif not all(self.filterable((mention.target,), d, v) for d, v in held):
                counted = self._only_count(held)
                if not counted:
                    reread.append(mention)
                    continue
                mention = Mention("metric", counted[0], mention.words, mention.spans, False)
            reread.append(mention)
            kept += [span for span, _ in within]
        return reread, kept

    def counted_rows(
        self, text: str, metrics: tuple[str, ...], mentions: list[Mention]
    ) -> tuple[tuple[str, ...], list[Mention]]:
        """A ranked count whose word names a dimension ("which 5 merchants ...") beside values
        it cannot be filtered by ("... had the most return requests") ranks that dimension by
        the one plain row count those values filter: tickets, by account."""
        if len(metrics) != 1 or metrics[0] not in self.counts.counts or self.values is None:
            return metrics, mentions
        entity = [m for m in mentions if m.kind == "metric" and m.words in self.dimension_words]
        held = {(d, v) for d, v in self.values_in(text) if not self.filterable(metrics, d, v)}
        counted = self._only_count(held, metrics[0]) if entity and held else ()
        if not counted:
            return metrics, mentions
        reread = [
            Mention("dimension", self.dimension_words[m.words], m.words, m.spans, m.exact)
            if m in entity
            else m
            for m in mentions
        ]
        return counted, reread


def _structured(where: str) -> tuple[Filter, ...]:
    try:
        return parse_where(where)
    except SemanticLayerError:
        return ()


def _names_rows(
    text: str,
    count: Mention,
    mentions: Sequence[Mention],
    over: Sequence[Mention],
    values: Sequence[tuple[int, int]],
) -> bool:
    """Whether the words before the `count` are a preposition or a metric `over` the same
    rows, then only determiners, values, dimensions, the same count again and hyphenated
    modifiers ("on AI-resolved", "of escalated", "for email and chat", "time to resolve")."""
    for word in reversed(list(WORD.finditer(text.lower()[: count.start]))):
        span = word.span()
        named = [m for m in mentions if any(s < span[1] and span[0] < e for s, e in m.spans)]
        if named and (named[0].kind == "dimension" or named[0].target == count.target):
            continue
        if named:
            return named[0] in over
        if any(s < span[1] and span[0] < e for s, e in values):
            continue
        if "-" in word.group() or word.group() in _BETWEEN:
            continue
        return word.group() in _OVER
    return False
