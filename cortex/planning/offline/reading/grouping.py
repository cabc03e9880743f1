"""Which dimensions a question asks to group by.

A breakdown is asked with a keyword before the dimension ("by plan", "per region", "for each
segment", "from each platform", "across channels"), several joined by 'and', 'or', 'vs' or a
comma ("by source and segment"); as a cross-tab ("a vertical x region table": both); or by
asking which of a dimension's values, with no ranking word ("which regions was that from?",
but not "which channel has the lowest CSAT", where one value is asked for and the planner asks
back rather than rank without a number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from cortex.planning.offline.reading.mentions import Mention

__all__ = ["COLUMNS", "GROUPING", "grouped_dimensions"]

#: Where a breakdown is asked: the dimensions right after these are grouped by.
GROUPING: Final = re.compile(
    r"\b(by|per|((in|for|from|of|at) )?(each|every)|across|split by|broken down by|grouped by)\b"
)
#: The columns asked of the things listed: "the accounts with their owner", "each depot with
#: its region". Names are never read across it.
COLUMNS: Final = re.compile(r"\bwith (?:their|its|his|her)\b", re.IGNORECASE)
#: What may stand between a grouping keyword and its dimensions ("for each of our segments").
_BETWEEN: Final = frozenset({"and", "or", "vs", "by", "the", "each", "every", "of", "our", "their"})
#: A cross-tab: "vertical x region", "segment × plan".
_CROSS: Final = re.compile(r"\s*[x×]\s*", re.IGNORECASE)
#: "which plans", "what regions": a question about a dimension's values.
_WHICH: Final = re.compile(r"\b(which|what)\s+$", re.IGNORECASE)
#: Words that ask for one value, ranked, rather than all of them.
_RANKING: Final = frozenset(
    {"most", "least", "fewest", "more", "less", "highest", "lowest", "best", "worst", "top",
     "bottom", "biggest", "largest", "smallest", "greatest", "leading", "main"}
)  # fmt: skip


def grouped_dimensions(text: str, mentions: Sequence[Mention]) -> list[str]:
    """The dimensions `text` asks to group by, in order, once (`mentions` are those found)."""
    lowered = text.lower()
    dims = [m for m in mentions if m.kind == "dimension"]
    grouped: list[str] = []
    for keyword in GROUPING.finditer(lowered):
        position = keyword.end()
        for mention in (m for m in dims if m.start >= keyword.end()):
            between = lowered[position : mention.start].replace(",", " ").split()
            if not set(between) <= _BETWEEN:
                break
            grouped.append(mention.target)
            position = mention.spans[-1][1]
    for left, right in zip(dims, dims[1:], strict=False):
        if _CROSS.fullmatch(lowered[left.spans[-1][1] : right.start]):
            grouped += [left.target, right.target]
    ranked = bool(_RANKING & set(re.findall(r"[a-z]+", lowered)))
    for mention in dims:
        if not ranked and _WHICH.search(lowered[: mention.start]):
            grouped.append(mention.target)
    return list(dict.fromkeys(grouped))
