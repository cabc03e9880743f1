"""A reply to Cortex's question back that accepts one of its suggestions.

When Cortex asks back it offers readings it can run ("Did you mean: Ticket volume by channel
last month?"). People answer as they would a colleague: "yes", "yep, that one", "2", "the
second one", "the last", or the suggestion's own words. `accepted` reads such a reply from
general English (affirmations, ordinals, numbers) and by closeness to the suggestions' words
(`rapidfuzz`); anything else is a new question, planned as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from rapidfuzz import fuzz

__all__ = ["accepted"]

#: Replies that say yes: they accept the first suggestion.
_YES: Final = frozenset(
    {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right", "exactly",
     "please", "please do", "go ahead", "do it", "that", "that one", "this one", "the first",
     "yes please", "sounds good", "perfect"}
)  # fmt: skip
_ORDINALS: Final = {
    "first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2,
    "three": 2, "last": -1,
}  # fmt: skip
#: Words around a choice that do not change it: "yes, the second one please".
_AROUND: Final = re.compile(
    r"\b(yes|yeah|yep|yup|ok|okay|sure|the|one|option|number|no\.|please|pls|that|i mean|"
    r"i meant|go with|let's do|lets do|do)\b|[#.,!?:;]"
)
#: How close a reply must be to a suggestion's words to be that suggestion (0-100).
_SAME_WORDS: Final = 90


def accepted(reply: str, suggestions: Sequence[str]) -> str | None:
    """The suggestion `reply` accepts, or None when it is a question of its own."""
    if not suggestions:
        return None
    text = " ".join(reply.lower().split()).strip(" .!?")
    if text in _YES:
        return suggestions[0]
    choice = " ".join(_AROUND.sub(" ", text).split())
    if choice.isdigit() and 1 <= int(choice) <= len(suggestions):
        return suggestions[int(choice) - 1]
    if choice in _ORDINALS:
        index = _ORDINALS[choice]
        return suggestions[index] if index < len(suggestions) else None
    scored = [(fuzz.ratio(text, s.lower()), s) for s in suggestions]
    best, suggestion = max(scored)
    return suggestion if best >= _SAME_WORDS else None
