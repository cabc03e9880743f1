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
    r"\b(not counting|not including|excluding|exclude|excludes|except for|except|other than"
    r"|apart from|aside from|besides|but not|leaving out|outside of|outside|without|not|non"
    r"|never)$",
    re.IGNORECASE,
)
#: Words that may stand between such words and a value, or between two excluded values.
_JOINERS: Final = frozenset(
    {"and", "or", "the", "a", "an", "any", "our", "one", "ones", "those", "in", "on", "from", "of"}
)
_TAIL: Final = re.compile(r"([A-Za-z]+)[\s,&-]*$")

#: The same words anywhere in a text.
_PHRASE: Final = re.compile(_EXCLUDING.pattern.removesuffix("$") + r"\b", re.IGNORECASE)


def phrases(text: str) -> list[tuple[int, int]]:
    """Where words of exclusion stand in `text`: no value is read inside them ("other" of
    "other than SMB" is no intent)."""
    return [m.span() for m in _PHRASE.finditer(text)]


def _before(text: str, start: int, others: Sequence[tuple[int, int]]) -> str:
    """The text before `start`, without the joining words and other values just before it."""
    prefix = text[:start].rstrip(" ,&-\t\n")
    while prefix:
        ending = next((s for s, e in others if e == len(prefix) and s < e), None)
        word = _TAIL.search(prefix)
        if ending is not None:
            prefix = prefix[:ending].rstrip(" ,&-\t\n")
        elif word is not None and word.group(1).lower() in _JOINERS:
            prefix = prefix[: word.start()].rstrip(" ,&-\t\n")
        else:
            break
    return prefix


def excluded(text: str, start: int, others: Sequence[tuple[int, int]] = ()) -> str | None:
    """The words that exclude the value at `start` in `text` ("not counting", "other than"),
    or None. `others` are the spans of the other values found, which may stand between."""
    match = _EXCLUDING.search(_before(text, start, others))
    return match.group(1).lower() if match else None


def negated(text: str, start: int) -> bool:
    """Whether the word at `start` is negated or excluded ("not escalated", "non-AI")."""
    return excluded(text, start) is not None
