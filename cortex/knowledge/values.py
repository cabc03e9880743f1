"""Dimension values a question names: "Enterprise", "North America", "the bot".

`build_value_index(model, warehouse)` reads the distinct values of every low-cardinality
categorical dimension, so that `ValueIndex.find` can spot them in a question and say which
dimensions hold them. A dimension's `value_synonyms` (metrics.yml) are found too, as the value
they name: "the bot" is handled_by 'ai'. Warehouse failures propagate as the connector's
`WarehouseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from connectors.warehouse import Warehouse
from semantic_layer.compile import distinct_values_query
from semantic_layer.model import SemanticModel

__all__ = ["DimensionValues", "ValueIndex", "ValueMatch", "build_value_index"]

_SEPARATORS: Final = r"[\s\-_/]+"


@dataclass(frozen=True)
class DimensionValues:
    """The distinct non-null values (as text, sorted) of one categorical dimension.

    `synonyms` are (phrase, value) pairs: words people use for one of the values.
    """

    table: str
    dimension: str
    values: tuple[str, ...]
    synonyms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ValueMatch:
    """A dimension value found in a question: `text` is `question[start:end]` (the value as
    written, or a synonym of it)."""

    dimension: str
    table: str
    value: str
    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        """Where the value is in the question, as (start, end)."""
        return (self.start, self.end)


@dataclass(frozen=True)
class ValueIndex:
    """Dimension values to look for in questions; `skipped` dimensions had too many values.

    `names` are the values of dimensions with too many to look for everywhere (account names,
    customers): they are found only as written with capitals, a name ("Hartwell Foods").
    """

    entries: tuple[DimensionValues, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    names: tuple[DimensionValues, ...] = ()
    _patterns: tuple[tuple[re.Pattern[str], tuple[tuple[str, str, str], ...]], ...] = field(
        init=False, repr=False, compare=False
    )
    _named: dict[str, tuple[tuple[str, str, str], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_key: dict[str, list[tuple[str, str, str]]] = {}
        patterns: dict[str, re.Pattern[str]] = {}
        for entry in self.entries:
            named = [(value, value) for value in entry.values] + list(entry.synonyms)
            for phrase, value in named:
                key = " ".join(re.split(_SEPARATORS, phrase.strip().lower()))
                owner = (entry.dimension, entry.table, value)
                if not key or owner in by_key.get(key, ()):
                    continue
                by_key.setdefault(key, []).append(owner)
                patterns.setdefault(key, _value_pattern(key))
        compiled = tuple((patterns[key], tuple(owners)) for key, owners in by_key.items())
        object.__setattr__(self, "_patterns", compiled)
        by_name: dict[str, list[tuple[str, str, str]]] = {}
        for entry in self.names:
            for value in entry.values:
                by_name.setdefault(value.lower(), []).append((entry.dimension, entry.table, value))
        object.__setattr__(self, "_named", {key: tuple(v) for key, v in by_name.items()})

    def values(self, dimension: str, table: str | None = None) -> tuple[str, ...]:
        """The indexed values of a dimension (of `table` when given); empty when not indexed."""
        for entry in self.entries:
            if entry.dimension == dimension and table in (None, entry.table):
                return entry.values
        return ()

    def holding(self, value: str) -> tuple[str, ...]:
        """The dimensions whose indexed values include `value` as written."""
        return tuple(dict.fromkeys(e.dimension for e in self.entries if value in e.values))

    def phrases(self) -> tuple[str, ...]:
        """Every value and value synonym the index finds, as written, each once."""
        named = (p for e in self.entries for p in (*e.values, *(s for s, _ in e.synonyms)))
        return tuple(dict.fromkeys(named))

    def find(self, text: str) -> list[ValueMatch]:
        """The dimension values mentioned in `text`: whole words, case-insensitive.

        A value synonym ("bot") matches as the value it names ('ai'). Separators are loose
        ("Mid-Market" matches "mid market", "&" matches "and"). Longer mentions win over the
        shorter ones they contain; the result is longest first, then by position. A value held
        by several dimensions gives one match per dimension. A name of a dimension too big to
        scan for (`names`) is found when written with capitals.
        """
        found: list[tuple[int, int, tuple[tuple[str, str, str], ...]]] = []
        for pattern, owners in self._patterns:
            found.extend((m.start(), m.end(), owners) for m in pattern.finditer(text))
        found.extend(self._names_in(text))
        found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
        kept: list[tuple[int, int, tuple[tuple[str, str, str], ...]]] = []
        for start, end, owners in found:
            overlaps = any(start < e and s < end and (s, e) != (start, end) for s, e, _ in kept)
            if not overlaps:
                kept.append((start, end, owners))
        return [
            ValueMatch(dimension, table, value, text[start:end], start, end)
            for start, end, owners in kept
            for dimension, table, value in owners
        ]

    def _names_in(self, text: str) -> list[tuple[int, int, tuple[tuple[str, str, str], ...]]]:
        """The `names` written in `text` with capitals, longest first: each run of capitalised
        words ("Hartwell Foods Ltd"), and the runs inside it."""
        if not self._named:
            return []
        found: list[tuple[int, int, tuple[tuple[str, str, str], ...]]] = []
        for run in _CAPITALISED.finditer(text):
            words = list(re.finditer(r"\S+", run.group()))
            for size in range(len(words), 0, -1):
                for first in range(len(words) - size + 1):
                    start = run.start() + words[first].start()
                    end = run.start() + words[first + size - 1].end()
                    owners = self._named.get(text[start:end].lower())
                    if owners and not any(start < e and s < end for s, e, _ in found):
                        found.append((start, end, owners))
        return found


#: A run of words written with a capital (or digits), as names are: "Hartwell Foods", "A1 Ltd".
_CAPITALISED: Final = re.compile(r"(?<![\w'])[A-Z0-9][\w&'.-]*(?:[ ]+[A-Z0-9&][\w&'.-]*)*")


def _value_pattern(key: str) -> re.Pattern[str]:
    parts = [r"(?:&|and)" if word == "&" else re.escape(word) for word in key.split(" ")]
    return re.compile(rf"(?<!\w){_SEPARATORS.join(parts)}(?!\w)", re.IGNORECASE)


def build_value_index(
    model: SemanticModel, warehouse: Warehouse, *, max_distinct: int = 50, max_names: int = 20_000
) -> ValueIndex:
    """Read the distinct values of every categorical dimension with at most `max_distinct`.

    One `SELECT DISTINCT` per dimension, compiled by the semantic layer for the warehouse's
    dialect (`semantic_layer.compile.distinct_values_query`). Dimensions with more values are
    listed in `skipped`, and their values (up to `max_names`) kept as `names`, found only as
    written with capitals. The dimension's `value_synonyms` are indexed for the values the
    warehouse holds (a synonym of a value that does not occur would only ever filter to
    nothing).
    """
    entries: list[DimensionValues] = []
    skipped: list[tuple[str, str]] = []
    names: list[DimensionValues] = []
    for table in model.tables:
        for dimension in table.dimensions:
            if dimension.type != "categorical":
                continue
            sql = distinct_values_query(
                model, table.name, dimension.name, dialect=warehouse.dialect, limit=max_distinct + 1
            )
            result = warehouse.run(sql)
            column: list[object] = result.frame.iloc[:, 0].tolist() if result.frame.shape[1] else []
            values = sorted({str(value) for value in column if str(value).strip()})
            if result.truncated or len(result.frame) > max_distinct:
                skipped.append((table.name, dimension.name))
                many = distinct_values_query(
                    model, table.name, dimension.name, dialect=warehouse.dialect, limit=max_names
                )
                listed = warehouse.run(many)
                if not listed.truncated and len(listed.frame) < max_names:
                    held = sorted({str(v) for v in listed.frame.iloc[:, 0].tolist() if str(v)})
                    names.append(DimensionValues(table.name, dimension.name, tuple(held)))
            else:
                synonyms = tuple(
                    (phrase, value)
                    for value, phrases in dimension.value_synonyms.items()
                    if value in values
                    for phrase in phrases
                )
                entries.append(DimensionValues(table.name, dimension.name, tuple(values), synonyms))
    return ValueIndex(entries=tuple(entries), skipped=tuple(skipped), names=tuple(names))
