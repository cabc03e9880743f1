"""The words that give a question its shape, and whether the planned query keeps that shape.

Some words carry no name but change the answer: a breakdown ("by team", "which agents",
"who", the columns of a list: "with their owner"), a ranking ("the biggest deal"), a
comparison ("versus", "compared with today") and a restriction ("only resolved ones"). The
offline planner matches names; when it matched none of what such a word applies to,
answering anyway would drop the breakdown, the ranking, the comparison or the restriction
silently. `unheeded` returns those words (as written), and the planner asks about them.

Everything is read from general English and from what the planner read: the character spans
of names and phrases (`heads`: metrics, dimensions, time phrases; a dimension value is read
too, but describes its noun rather than ending it) and the planned query.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Final

from cortex.knowledge.words import stem
from cortex.planning.offline.checks.understanding import (
    FILLER_WORDS,
    FUNCTION_WORDS,
    Token,
    tokens,
)
from cortex.planning.offline.reading.grouping import COLUMNS, GROUPING
from semantic_layer.model import METRIC_TIME
from semantic_layer.query import SemanticQuery

__all__ = ["Shape", "unheeded"]

#: "Which" asking for things of one kind, at the start of a question or after a request
#: ("show me which reps …"); not "which" after a noun ("tickets which were escalated").
_WHICH: Final = re.compile(
    r"(?:^|[.?!;:]\s*|\b(?:show|tell|list|see|know|find|wondering)\s+(?:me\s+|us\s+)?)"
    r"which\b"
)
#: "Who" asking for people: "who closed the most deals", "who on the team …".
_WHO: Final = re.compile(r"(?:^|[.?!;:]\s*|\b(?:show|tell)\s+(?:me\s+|us\s+)?)who\b")
#: Words that ask for the one extreme thing of a kind ("the biggest deal").
_SUPERLATIVES: Final = frozenset(
    {"biggest", "largest", "smallest", "highest", "lowest", "best", "worst", "most", "least",
     "fewest", "top", "bottom", "greatest", "longest", "shortest", "fastest", "slowest",
     "max", "maximum", "min", "minimum"}
)  # fmt: skip
#: What a comparison is made with.
_AGAINST: Final = re.compile(
    r"\b(vs\.?|versus|compared? (?:to|with)|against|relative to|than)\b", re.IGNORECASE
)
#: A restriction to some rows: "only resolved ones", "just the bot's", "solely email".
_ONLY: Final = re.compile(
    r"\b(counting only|only counting|only including|only|just|solely|exclusively)\b",
    re.IGNORECASE,
)
#: Participles before "by" make it an agent, not a breakdown ("tickets sent by shoppers").
_PARTICIPLES: Final = frozenset(
    {"sent", "won", "made", "done", "brought", "bought", "sold", "paid", "held", "kept", "run"}
)
#: Words that say "a quantity of" before a metric's name ("by number of shipments").
_QUANTITY_OF: Final = frozenset({"number", "count", "amount", "total", "sum", "volume", "value"})
#: Words that may join the things a breakdown names ("by region and plan").
_JOINING: Final = frozenset({"and", "or", "the", "each", "every", "vs", "versus", "&"})


@dataclass(frozen=True)
class Shape:
    """What the planner read of a question and the query it planned.

    `read` are the spans of everything read (names, values, phrases); `heads` the spans of
    names and phrases only (a value is read but is no head), `metric_spans` those of them
    that name metrics; `values` the `stem`s of the dimension values the query applies.
    """

    question: str
    read: Sequence[tuple[int, int]]
    heads: Sequence[tuple[int, int]]
    values: Container[str]
    query: SemanticQuery
    metric_spans: Sequence[tuple[int, int]] = ()
    listing: bool = False  # a list of things asked for ("list every depot with its region")

    def tokens(self) -> list[Token]:
        """The question's words, read or not, names or not."""
        return tokens(self.question, self.read, self.heads)

    @property
    def grouped(self) -> list[str]:
        """The dimensions the query groups by, time aside."""
        return [d for d in self.query.dimensions if d.partition(":")[0] != METRIC_TIME]

    @property
    def ranked(self) -> bool:
        return bool(self.query.order_by or self.query.limit)

    @property
    def compared(self) -> bool:
        """Whether the query compares: with another period, or values side by side."""
        query = self.query
        sides = any(f.op == "in" for f in query.filters) and bool(self.grouped)
        return query.compare is not None or sides


def _noun_phrase(
    tokens: Sequence[Token], after: int, values: Container[str], *, fillers: bool = True
) -> list[Token]:
    """The unread words of the noun phrase that starts after character `after`: it ends at a
    name or phrase the planner read, or at a function word; a value describes the noun and is
    passed over ("which human agents": 'agents'). With `fillers` False, words of chat and
    request ("just wondering") are passed over too."""
    unread = []
    for token in (t for t in tokens if t.start >= after):
        if token.head or (token.word in FUNCTION_WORDS and token.word not in _JOINING):
            break
        if token.read or token.word in _JOINING or stem(token.word) in values:
            continue
        if not fillers and token.word in FILLER_WORDS:  # as written: "lead" is no "leading"
            continue
        unread.append(token)
    return unread


def _breakdown_gaps(shape: Shape, tokens: Sequence[Token], after: int, keyword: str) -> list[Token]:
    """The words of a breakdown ("by …", "per …", "which …" ending at `after`) that no
    dimension takes: "by team"; the noun a dimension only qualifies ("by region manager":
    'manager'); values where things are asked for "per" or "which" ("per live agent",
    "which human agents": an agent is no dimension, 'human' one value of who handled a
    ticket); a metric after "per" ("conversion rate per ticket": a ratio, not a breakdown;
    after "by" or "which" it says what ranks: "top 10 accounts by ARR")."""
    phrase = [t for t in tokens if t.start >= after]
    while len(phrase) > 2 and phrase[0].word in _QUANTITY_OF and phrase[1].word == "of":
        phrase = phrase[2:]  # "by number of shipments": ranked by the metric itself
    first = next((t for t in phrase if t.word not in _JOINING), None)
    if first is None:
        return []
    if (first.start, first.end) in shape.metric_spans:
        if keyword in ("by", "which", "with"):
            return []
        return [t for t in tokens if t.end <= after][-1:]  # "per"
    if first.head:  # a dimension read: what follows it in the same noun phrase
        return _noun_phrase(tokens, first.end, shape.values, fillers=False)
    if first.read and keyword != "by":  # values, and no dimension
        words = []
        for token in phrase[phrase.index(first) :]:
            if token.head or token.word in FUNCTION_WORDS:
                break
            words.append(token)
        return words
    return _noun_phrase(tokens, after, shape.values)


def _between_metrics(shape: Shape, start: int, end: int) -> bool:
    """Whether the nearest names read before and after [start, end) are metrics: "ARR vs
    net new ARR" compares two metrics side by side."""
    before = [s for s in shape.heads if s[1] <= start]
    after = [s for s in shape.heads if s[0] >= end]
    if not before or not after:
        return False
    nearest = (max(before, key=lambda s: s[1]), min(after, key=lambda s: s[0]))
    return all(span in shape.metric_spans for span in nearest)


def _is_participle(word: str) -> bool:
    return word in _PARTICIPLES or (len(word) > 4 and word.endswith(("ed", "en")))


def unheeded(shape: Shape) -> list[str]:
    """The words of `shape.question` whose breakdown, ranking, comparison or restriction the
    query does not honour, as written, in order, once."""
    words = shape.tokens()
    text = shape.question.lower()
    found: list[Token] = []
    for keyword in GROUPING.finditer(text):  # "by team", "per agent", "for each warehouse"
        if any(t.read for t in words if t.start < keyword.end() and keyword.start() < t.end):
            continue  # "by month", "resolved by": read as a phrase or a name
        if shape.listing and keyword.group().endswith(("each", "every")):
            continue  # "list every subcontractor": the things listed, not a breakdown
        before = [t for t in words if t.end <= keyword.start()][-1:]
        if keyword.group() == "by" and before and _is_participle(before[0].word):
            continue  # "tickets sent by shoppers": an agent, not a breakdown
        found += _breakdown_gaps(shape, words, keyword.end(), keyword.group())
    for asked in _WHICH.finditer(text):  # "which support agents …", "which human agents …"
        found += _breakdown_gaps(shape, words, asked.end(), "which")
    for asked in COLUMNS.finditer(text):  # "with their owner": a column no dimension gave
        found += _breakdown_gaps(shape, words, asked.end(), "with")
    if not shape.grouped:
        for asked in _WHO.finditer(text):  # "who closed the most deals": no one to name
            found += [t for t in words if t.word == "who" and t.end == asked.end()]
    if not shape.ranked and not shape.grouped:  # "the biggest deal", not a ranking
        found += [t for t in words if t.word in _SUPERLATIVES and not t.read]
    for against in _AGAINST.finditer(text):  # "vs today", "versus merchants without AI"
        if any(t.read for t in words if t.start < against.end() and against.start() < t.end):
            continue
        if not (shape.compared or _between_metrics(shape, against.start(), against.end())):
            found += [t for t in words if against.start() <= t.start < against.end()]
    for only in _ONLY.finditer(text):  # "only resolved ones": a restriction to honour
        found += _noun_phrase(words, only.end(), shape.values, fillers=False)
    written = {t.word: shape.question[t.start : t.end] for t in reversed(words)}
    return list(dict.fromkeys(written[t.word] for t in found))
