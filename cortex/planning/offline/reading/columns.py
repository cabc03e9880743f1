"""The columns a listing asks of the things it lists, after "with their" / "with its".

"List the Enterprise accounts in EMEA with their owner and signup date": after "with their",
the words name columns of the things listed (accounts), so they are read against those
things' own dimensions:

- a time dimension by its name, label or synonyms ("signup date", "contract start"), listed
  by day;
- a dimension by the last word of a name of several words ("owner" for 'Account owner',
  "opening" for 'Depot opened', "end" for 'Contract end'), when no other dimension of the
  listed things ends with that word.

Full names are found first (`find_mentions` takes the longest), so "account tier" is read
before "tier".
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from cortex.knowledge.words import stem, text_words
from cortex.planning.offline.reading.mentions import Term, make_terms
from semantic_layer.model import SemanticModel

__all__ = ["TIME", "column_terms"]

#: The kind of a mention naming a time dimension as a column: listed by day.
TIME: Final = "time"


def column_terms(model: SemanticModel, tables: Collection[str]) -> list[Term]:
    """The terms naming the columns of the rows of `tables` (every table when empty): time
    dimensions by their names, and dimensions by the last word of their longer names."""
    chosen = [t for t in model.tables if not tables or t.name in tables]
    terms: list[Term] = []
    heads: dict[str, set[tuple[str, str]]] = {}  # last word -> (kind, dimension)
    for table in chosen:
        for dimension in table.dimensions:
            kind = TIME if dimension.type == "time" else "dimension"
            texts = [dimension.name.replace("_", " "), dimension.label or "", *dimension.synonyms]
            if kind == TIME:
                terms += make_terms(TIME, [(dimension.name, text) for text in texts])
            for text in texts:
                words = text_words(text)
                if len(words) > 1:
                    heads.setdefault(stem(words[-1]), set()).add((kind, dimension.name))
    for word, named in heads.items():
        if len(named) == 1:
            kind, target = next(iter(named))
            terms.append(Term(kind, target, (word,)))
    return terms
