"""Where the names of the catalog are mentioned in a question.

A metric or dimension may be called by its name, label or any synonym (a `Term`). Words are
compared by a light stem (`stem`) that a question and a name meet halfway on: industries and
industry, bookings and book, resolve, resolved and resolving. `find_mentions` finds the terms
a text mentions, longest first, exact phrases before words that stand near each other in
another order ("customers we lost" for "lost customers").
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from cortex.knowledge.words import WORD, singular_text, stem, text_words
from semantic_layer.model import Dimension

__all__ = [
    "Mention",
    "Term",
    "ValueFinder",
    "ValueMatchLike",
    "blank_mentions",
    "find_mentions",
    "make_terms",
    "singular_values",
    "value_aliases",
]


class ValueMatchLike(Protocol):
    """A dimension value found in a question."""

    @property
    def dimension(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def span(self) -> tuple[int, int]: ...


class ValueFinder(Protocol):
    """Finds dimension values (segment 'Enterprise', channel 'email') mentioned in a text."""

    def find(self, text: str) -> Sequence[ValueMatchLike]: ...

    def phrases(self) -> Sequence[str]:
        """Every value and value synonym it finds, as written."""
        ...

    def values(self, dimension: str, table: str | None = None) -> Sequence[str]:
        """The values of `dimension` (of `table`, when given); empty when not indexed."""
        ...

    def holding(self, value: str) -> Sequence[str]:
        """The dimensions that hold `value` as written (a metric's name, a period)."""
        ...


@dataclass(frozen=True)
class Term:
    """A name a metric or dimension may be called by: its words, singular."""

    kind: str  # "metric" or "dimension"
    target: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """Where a term was found: the character spans of its words."""

    kind: str
    target: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    exact: bool

    @property
    def start(self) -> int:
        return self.spans[0][0]


def make_terms(kind: str, pairs: Sequence[tuple[str, str]]) -> list[Term]:
    terms = {
        Term(kind, target, tuple(stem(w) for w in text_words(text.replace("_", " "))))
        for target, text in pairs
    }
    return [t for t in terms if t.words]


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), stem(m.group())) for m in WORD.finditer(text.lower())]


def find_mentions(
    terms: Sequence[Term],
    text: str,
    aliases: Mapping[str, str] | None = None,
    scope: Container[str] | None = None,
    everywhere: Mapping[str, str] | None = None,
) -> list[Mention]:
    """Non-overlapping mentions of the terms, most words first, exact phrases before words
    that stand near each other in another order ("customers we lost" for "lost customers").

    `aliases` maps a word to the word it stands for in the names of the targets in `scope`
    (all, when None): with `bot` -> `ai` (a value synonym of who handled a ticket), "bot
    tickets" is a mention of "AI tickets", but "merchants talking to the bot" none of "AI
    merchants". `everywhere` are aliases for the names of every target."""
    plain = [(start, end, (everywhere or {}).get(word, word)) for start, end, word in _tokens(text)]
    aliased = [(start, end, (aliases or {}).get(word, word)) for start, end, word in plain]
    candidates: list[tuple[tuple[int, int, int], Term, tuple[int, ...]]] = []
    for term in terms:
        tokens = aliased if scope is None or term.target in scope else plain
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
            in_order = [picked[w] for w in term.words if w in picked] == sorted(picked.values())
            if len(picked) == size and (size < 3 or in_order):
                indexes = tuple(sorted(picked.values()))
                if _broken(text, plain, indexes):
                    continue
                spread = indexes[-1] - indexes[0] + 1
                candidates.append(((size, 0, -spread), term, indexes))
    taken: set[int] = set()
    found: list[Mention] = []
    for _, term, indexes in sorted(candidates, key=lambda c: c[0], reverse=True):
        if taken.isdisjoint(indexes):
            taken.update(indexes)
            spans = tuple((plain[i][0], plain[i][1]) for i in indexes)
            exact = indexes == tuple(range(indexes[0], indexes[0] + len(indexes)))
            found.append(Mention(term.kind, term.target, term.words, spans, exact))
    return sorted(found, key=lambda m: m.start)


#: Words that start another part of a question: a name's words are never read across them
#: ("human agents, each type of ticket" names no 'agent type').
_BREAKS: Final = frozenset(
    {"by", "per", "each", "every", "across", "vs", "versus", "or", "than", "without", "instead"}
)


def _broken(text: str, tokens: Sequence[tuple[int, int, str]], indexes: Sequence[int]) -> bool:
    """Whether the words at `indexes` are set apart by a break word or punctuation."""
    for index in range(indexes[0] + 1, indexes[-1]):
        if index in indexes or tokens[index][2] not in _BREAKS:
            continue
        before = text[tokens[index - 1][0] : tokens[index - 1][1]].lower()
        if tokens[index][2] == "by" and before.endswith(("ed", "en")):
            continue  # "revenue influenced by conversations": by whom, not a breakdown
        return True
    gap = text[tokens[indexes[0]][1] : tokens[indexes[-1]][0]]
    return any(mark in gap for mark in ",;?!.()")


def value_aliases(dimensions: Iterable[Dimension]) -> dict[str, str]:
    """One-word value synonyms -> the one-word value they name (`bot` -> `ai`), as stems; a
    word that would name two different values is left out."""
    found: dict[str, set[str]] = {}
    for dimension in dimensions:
        for value, phrases in dimension.value_synonyms.items():
            named = text_words(value)
            for phrase in phrases:
                said = text_words(phrase)
                if len(named) == 1 and len(said) == 1 and stem(said[0]) != stem(named[0]):
                    found.setdefault(stem(said[0]), set()).add(stem(named[0]))
    return {word: next(iter(values)) for word, values in found.items() if len(values) == 1}


def singular_values(
    values: ValueFinder, text: str, written: Sequence[ValueMatchLike]
) -> list[ValueMatchLike]:
    """The values `text` names in the singular ("return requests": 'return_request') that no
    longer value it names as written (`written`: `values.find(text)`) covers: "Hartwell
    Foods", a customer, holds no 'Food & Drink'."""
    spans = [m.span for m in written]
    return [
        m
        for m in values.find(singular_text(text))
        if not any(
            start <= m.span[0] and m.span[1] <= end and end - start > m.span[1] - m.span[0]
            for start, end in spans
        )
    ]


def blank_mentions(
    text: str, mentions: Sequence[Mention], keep: Collection[tuple[int, int]] = ()
) -> str:
    """`text` with the words of `mentions` blanked out, but for the spans in `keep`."""
    chars = list(text)
    for mention in mentions:
        for start, end in mention.spans:
            if (start, end) in keep:
                continue
            chars[start:end] = " " * (end - start)
    return "".join(chars)
