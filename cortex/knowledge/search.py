"""Ranking business context passages for a question: tokens and Okapi BM25.

Why BM25 is written here rather than imported: the corpus is a few dozen passages, and Okapi
BM25 over it is twenty lines of arithmetic (`BM25`, tested against hand-computed scores).
`bm25s`, the well-kept library, is built for millions of documents on scipy sparse matrices and
would add scipy to the dependencies for no gain at this size; `rank-bm25` has had no release
since 2022. Tokens are the stems of a text's words (`cortex.knowledge.words`, the stemmer
every part of Cortex shares; compounds in their parts, `first_response_time` gives three),
without a small English stop-word list.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from cortex.knowledge.words import stem, text_words

__all__ = ["BM25", "plain_words", "tokens"]

# fmt: off
_STOP_WORDS: Final = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "did", "for", "from", "has",
    "have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "our", "so", "that", "the",
    "their", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
    "with", "you", "your",
})
# fmt: on
def plain_words(text: str) -> list[str]:
    """The words of `text` (`cortex.knowledge.words`), compounds in their parts: a passage
    about "pre-sale" questions is found by "sale"."""
    return [part for word in text_words(text) for part in re.split(r"['’-]", word) if part]


def tokens(text: str) -> list[str]:
    """The stems of the words of `text`, without stop words: what BM25 counts."""
    return [stem(word) for word in plain_words(text) if word not in _STOP_WORDS]


class BM25:
    """Okapi BM25 with the non-negative (Lucene) idf: idf(t) = ln(1 + (N - n + 0.5) / (n + 0.5)).

    score(q, d) = sum over distinct terms t of q: idf(t) * f(t, d) * (k1 + 1)
                  / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))
    """

    def __init__(
        self, corpus: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75
    ) -> None:
        self.k1 = k1
        self.b = b
        self._frequencies = [Counter(document) for document in corpus]
        self._lengths = [len(document) for document in corpus]
        total = sum(self._lengths)
        self._average = total / len(corpus) if corpus and total else 1.0
        counts: Counter[str] = Counter()
        for frequencies in self._frequencies:
            counts.update(frequencies.keys())
        n = len(corpus)
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in counts.items()}

    def scores(self, query: Iterable[str]) -> list[float]:
        """The score of every document of the corpus for `query`, in corpus order."""
        terms = [term for term in dict.fromkeys(query) if term in self._idf]
        result = []
        for frequencies, length in zip(self._frequencies, self._lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self._average)
            score = 0.0
            for term in terms:
                f = frequencies.get(term, 0)
                if f:
                    score += self._idf[term] * f * (self.k1 + 1) / (f + norm)
            result.append(score)
        return result
