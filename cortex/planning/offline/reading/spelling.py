"""Typos in a question, read as the catalog's words when one word is clearly meant.

People type fast in Slack: "tikets", "cancelation", "reciveables". A word the catalog does not
know is compared with every word of the catalog (metric and dimension names, labels, synonyms,
value synonyms and dimension values) and with the words questions are built from, by
optimal-string-alignment distance (`rapidfuzz`): one edit (a letter wrong, missing, extra or
two swapped) in a word of up to seven letters, two in a longer one. A word of English
(`pyspellchecker`'s word-frequency dictionary: "carried", "draft") is never read as another
unless it is rare there (a variant spelling such as "cancelation"). A word with exactly one
nearest catalog word is read as it, and the answer says so ("read 'tikets' as 'tickets'"); a
word whose nearest words are all function words ("hwo": how or who) is one of them, and needs
no reading; a word with several nearest catalog words is left for the question back, which
names them (`near`). A catalog word is only ever read for a word of five letters or more, and
never for a capitalised word inside the question (a name: "Hartwell" is nobody's typo).
Chat and business shorthand ("rn", "yr", "acct": `cortex.knowledge.abbreviations`) is read as
the words it stands for, unless the catalog uses it as written, and the answer says so too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract
from spellchecker import SpellChecker

from cortex.knowledge.abbreviations import ABBREVIATIONS
from cortex.knowledge.words import WORD, stem

__all__ = ["Reading", "Speller", "is_english"]

#: Shorter words are too easily one edit from another word to be corrected: a function word
#: from three letters, a catalog word from five.
_SHORTEST = 3
_SHORTEST_CONTENT = 5
#: How often a word must be used in English (a share of all words) to be a word in its own
#: right rather than a typo: "carried" is 3e-5, the variant "cancelation" 6e-8.
_ENGLISH_WORD = 1e-7


@cache
def _english() -> SpellChecker:
    """The English dictionary, loaded once, when the first word the catalog lacks is read."""
    return SpellChecker(language="en")


def is_english(word: str) -> bool:
    """Whether `word` is a word of English in its own right, not a rare variant or a typo."""
    return _english().word_usage_frequency(word.lower()) >= _ENGLISH_WORD


@dataclass(frozen=True)
class Reading:
    """A word of the question as written, and the catalog word it was read as."""

    written: str
    read_as: str


def _allowed_edits(word: str) -> int:
    return 1 if len(word) < 8 else 2


class Speller:
    """Corrects the words of a question against one model's vocabulary."""

    def __init__(self, catalog_words: Iterable[str], function_words: Iterable[str]) -> None:
        self.catalog = sorted({w for w in catalog_words if len(w) >= _SHORTEST})
        self.function = frozenset(function_words)
        self.known = frozenset(self.catalog) | self.function
        self.known_stems = frozenset(stem(w) for w in self.known)
        self._everything = [*self.catalog, *sorted(self.function - set(self.catalog))]

    def near(self, word: str) -> list[str]:
        """The known words nearest to `word` within the edits its length allows, nearest
        first; empty when `word` is known or none is near enough."""
        lowered = word.lower()
        if len(lowered) < _SHORTEST or lowered in self.known or stem(lowered) in self.known_stems:
            return []
        if not lowered.isalpha() or is_english(lowered):
            return []
        limit = _allowed_edits(lowered)
        found = extract(
            lowered, self._everything, scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not found:
            return []
        best = min(score for _, score, _ in found)
        return [choice for choice, score, _ in found if score == best]

    def correct(self, question: str) -> tuple[str, tuple[Reading, ...]]:
        """`question` with each clearly meant catalog word in place of its typo, and the
        readings made. A word with several nearest catalog words stays as written."""
        readings: list[Reading] = []
        pieces: list[str] = []
        last = 0
        lowered = question.lower()
        for match in WORD.finditer(lowered):
            written = question[match.start() : match.end()]
            if match.start() > 0 and written[:1].isupper():
                continue  # a name
            near = self.near(written)
            content = [w for w in near if w not in self.function]
            shorthand = ABBREVIATIONS.get(written.lower())
            if shorthand is not None and written.lower() not in self.catalog:
                replacement = shorthand  # "rn": right now, said under the answer
                readings.append(Reading(written, replacement))
            elif near and not content:
                replacement = near[0]  # "hwo": how or who, a word questions are built from
            elif len(content) == 1 and len(near) == 1 and len(written) >= _SHORTEST_CONTENT:
                replacement = content[0]
                readings.append(Reading(written, replacement))
            else:
                continue
            pieces.append(question[last : match.start()])
            pieces.append(replacement)
            last = match.end()
        pieces.append(question[last:])
        return "".join(pieces), tuple(readings)
