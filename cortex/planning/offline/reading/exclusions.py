"""Values a question leaves out: "ARR not counting Enterprise", "new customers apart from SMB".

A value after words of exclusion is a condition that the rows do *not* hold it: the planner
filters with `!=` (or `not in` for several values), never with `=`, which would answer the
opposite of the question. The words are general English; several values joined by "and",
"or" or commas after one such phrase are all excluded ("except SMB and Mid-Market").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = ["excluded", "negated", "phrases"]

#: Words that leave out what follows them.
_EXCLUDING: Final = re.compile(
    r"(?<![\w/])(not counting|not including|excluding|exclude|excludes|except for|except"
    r"|other than|apart from|aside from|besides|but not|leaving out|outside of|outside|without"
    r"|w/o|excl\.?|ex|everything but|all but|anything but|not|non|never)$",
    re.IGNORECASE,
)
#: Words that may stand before a value without changing what leaves it out.
_ARTICLES: Final = frozenset({"the", "a", "an", "any", "our", "one", "ones", "those"})
#: Prepositions between the words of exclusion and the value ("besides the ones in LATAM").
_PREPOSITIONS: Final = frozenset({"in", "on", "from", "of", "under", "with", "within", "at"})
#: Words joining two values one exclusion leaves out ("except SMB and Mid-Market").
_COORDINATORS: Final = frozenset({"and", "or", "&", ","})
_TOKEN: Final = re.compile(r"[A-Za-z]+|[,&]")

#: The same words anywhere in a text.
_PHRASE: Final = re.compile(_EXCLUDING.pattern.removesuffix("$") + r"\b", re.IGNORECASE)


def phrases(text: str) -> list[tuple[int, int]]:
    """Where words of exclusion stand in `text`: no value is read inside them ("other" of
    "other than SMB" is no intent)."""
    return [m.span() for m in _PHRASE.finditer(text)]


def _before(text: str, start: int, others: Sequence[tuple[int, int]]) -> str:
    """The text before `start` that may hold the words excluding the value there: articles and
    prepositions right before it are passed over, and a value joined to it by "and", "or" or
    a comma passes its own exclusion on ("except SMB and Mid-Market"); a value without a
    joining word does not ("excluding SMB in EMEA": EMEA is kept)."""
    prefix = text[:start]
    preposition = False  # one preposition at most, right before the value
    while True:
        prefix = prefix.rstrip(" \t\n-")
        if _EXCLUDING.search(prefix):
            return prefix
        word = next(reversed(list(_TOKEN.finditer(prefix))), None)
        if word is None:
            return prefix
        said = word.group().lower()
        if said in _ARTICLES or (said in _PREPOSITIONS and not preposition):
            preposition = preposition or said in _PREPOSITIONS
            prefix = prefix[: word.start()]
            continue
        if said in _COORDINATORS:
            before = prefix[: word.start()].rstrip(" \t\n-")
            joined = next((s for s, e in others if e == len(before) and s < e), None)
            if joined is None:
                return prefix
            prefix, preposition = before[:joined], False
            continue
        return prefix


def excluded(
    text: str, start: int, others: Sequence[tuple[int, int]] = ()
) -> tuple[int, int] | None:
    """Where the words that exclude the value at `start` in `text` stand ("not counting",
    "other than"), or None. `others` are the spans of the other values found, which may stand
    between."""
    match = _EXCLUDING.search(_before(text, start, others))
    return match.span(1) if match else None


def negated(text: str, start: int) -> bool:
    """Whether the word at `start` is negated or excluded ("not escalated", "non-AI")."""
    return excluded(text, start) is not None
