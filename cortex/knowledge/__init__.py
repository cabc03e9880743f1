"""What the planner knows: business context, dimension values and the catalog of names.

Three pieces, each built once at start-up and then read-only:

- `load_context(directory)` reads the business context documents (`context/*.md`, YAML front
  matter then markdown) into a `ContextLibrary`. Each document is split into passages at its
  `## ` headings. `ContextLibrary.search` ranks passages for a question with BM25;
  `ContextLibrary.caveats_for` lists the passages of the documents that apply to some metrics.
- `build_value_index(model, warehouse)` reads the distinct values of every low-cardinality
  categorical dimension, so that `ValueIndex.find` can spot "Enterprise" or "North America" in a
  question and say which dimensions hold them. A dimension's `value_synonyms` (metrics.yml) are
  found too, as the value they name: "the bot" is handled_by 'ai'.
- `build_catalog(model, values=..., context=...)` gathers metrics, dimensions, named filters and
  verified queries in one frozen `Catalog`, whose `describe()` is the compact listing a planner
  puts in its prompt.

Why BM25 is written here rather than imported: the corpus is a few dozen passages, and Okapi
BM25 over it is twenty lines of arithmetic (`_BM25`, tested against hand-computed scores).
`bm25s`, the well-kept library, is built for millions of documents on scipy sparse matrices and
would add scipy to the dependencies for no gain at this size; `rank-bm25` has had no release
since 2022. A passage is indexed with its document's title and its heading, the heading
counted three times (a light field boost). Tokens are lower-cased alphanumeric runs
(`first_response_time` gives three), a small English stop-word list is dropped and a trailing
plural "s" is stripped. When a semantic model is given to `load_context`, a question's
metric and dimension synonyms ("FRT") also add the words of the names and labels they stand for
("first response time").

Errors: a document without valid front matter raises `ContextError` (a `UserError`) naming the
file, the problem and the fix. Warehouse failures while building the value index propagate as
the connector's `WarehouseError`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import sqlglot
import yaml
from markdown_it import MarkdownIt
from sqlglot import exp

from connectors.warehouse import Warehouse
from cortex.errors import UserError
from semantic_layer.model import METRIC_TIME, NamedFilter, SemanticModel, Table, VerifiedQuery

__all__ = [
    "Catalog",
    "Caveat",
    "ContextDocument",
    "ContextError",
    "ContextLibrary",
    "DimensionEntry",
    "DimensionValues",
    "MetricEntry",
    "Passage",
    "ScoredPassage",
    "ValueIndex",
    "ValueMatch",
    "build_catalog",
    "build_value_index",
    "load_context",
]

_FRONT_MATTER_KEYS: Final = ("title", "owner", "applies_to", "tags")
_REQUIRED_KEYS: Final = ("title", "owner")
_FRONT_MATTER_EXAMPLE: Final = (
    "Start the file with front matter such as:\n"
    "---\ntitle: First response time\nowner: support-ops@example.com\n"
    "applies_to: [first_response_time]\ntags: [support]\n---"
)
# fmt: off
_STOP_WORDS: Final = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "did", "for", "from", "has",
    "have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "our", "so", "that", "the",
    "their", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
    "with", "you", "your",
})
# fmt: on
_TOKEN: Final = re.compile(r"[a-z0-9]+")
_SEPARATORS: Final = r"[\s\-_/]+"
_DESCRIBED_VALUES: Final = 12
#: How many times a passage's heading counts in its BM25 document (a light field boost).
_HEADING_WEIGHT: Final = 3


class ContextError(UserError):
    """A business context document cannot be read: the message names the file and the problem."""


# --- context documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One `## ` section of a document; `title` is the document's, the intro is headed by it.

    `applies_to` names the metrics the section is a caveat for, from a marker line in the
    section (`<!-- applies_to: [conversion_rate, converted_tickets] -->`); None when the
    section has no marker.
    """

    path: Path
    title: str
    heading: str
    text: str
    applies_to: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Caveat:
    """A note an answer carries: where it comes from ("Data caveats › CSAT response bias")
    and what it says, as Markdown (each surface renders it: the terminal, Slack)."""

    source: str
    markdown: str

    @classmethod
    def of(cls, passage: Passage, max_chars: int = 700) -> Caveat:
        """The caveat a section gives: its first block (a paragraph, a list, a table), a
        long list cut after the items that fit in `max_chars`."""
        return cls(f"{passage.title} › {passage.heading}", _first_block(passage.text, max_chars))


def _first_block(markdown: str, max_chars: int) -> str:
    """The first top-level block of `markdown`, whole: a list is cut between its items."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    lines = markdown.splitlines()
    top = next((t for t in tokens if t.level == 0 and t.map is not None), None)
    if top is None or top.map is None:
        return markdown.strip()
    if top.type not in ("bullet_list_open", "ordered_list_open"):
        return "\n".join(lines[top.map[0] : top.map[1]]).strip()
    items = [t.map for t in tokens if t.type == "list_item_open" and t.level == 1 and t.map]
    kept: list[str] = []
    for start, end in items:
        item = "\n".join(lines[start:end]).rstrip()
        if kept and sum(len(k) + 1 for k in kept) + len(item) > max_chars:
            break
        kept.append(item)
    return "\n".join(kept).strip()


@dataclass(frozen=True)
class ContextDocument:
    """A business context document: its front matter and its passages in file order."""

    path: Path
    title: str
    owner: str
    applies_to: tuple[str, ...]
    tags: tuple[str, ...]
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class ScoredPassage:
    """A passage and its BM25 score for a question (higher is more relevant)."""

    passage: Passage
    score: float


def load_context(directory: Path, *, model: SemanticModel | None = None) -> ContextLibrary:
    """Read every `*.md` file of `directory` (sorted by name) into a `ContextLibrary`.

    With `model`, searches also understand its metric and dimension synonyms and labels, and
    a section speaks of a metric when it names its label or a synonym too.
    Raises `ContextError` when the directory is missing or a document's front matter is bad.
    """
    if not directory.is_dir():
        raise ContextError(
            f"The context directory {directory} does not exist.",
            hint="Create it, or set CORTEX_CONTEXT to the folder of business context documents.",
        )
    documents = tuple(_read_document(path) for path in sorted(directory.glob("*.md")))
    synonyms = _model_synonyms(model) if model is not None else {}
    names = _metric_names(model) if model is not None else {}
    return ContextLibrary(documents=documents, synonyms=synonyms, names=names)


@dataclass(frozen=True)
class ContextLibrary:
    """The context documents, searchable by question and by metric."""

    documents: tuple[ContextDocument, ...]
    #: A lower-cased phrase -> the words it also stands for in a search (from the model).
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: A metric -> the phrases that name it: its name, label and synonyms (from the model).
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _index: _BM25 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        corpus = [_passage_tokens(passage) for passage in self.passages]
        object.__setattr__(self, "_index", _BM25(corpus))

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage of every document, in document then file order."""
        return tuple(passage for document in self.documents for passage in document.passages)

    def search(self, question: str, k: int = 3) -> list[ScoredPassage]:
        """The `k` passages most relevant to `question` by BM25, best first; none if none match."""
        terms = _tokens(question) + self._expansion(question)
        scores = self._index.scores(terms)
        ranked = sorted(
            (i for i, score in enumerate(scores) if score > 0), key=lambda i: (-scores[i], i)
        )
        passages = self.passages
        return [ScoredPassage(passages[i], scores[i]) for i in ranked[: max(k, 0)]]

    def caveats_for(self, metric_names: Iterable[str]) -> list[Passage]:
        """The sections that are caveats for one of the metrics, most specific first.

        A section is a caveat for a metric when its `applies_to` marker names it, or, without
        a marker, when its document's front matter lists the metric and the section speaks
        of it (by name, label or synonym). A document's introduction is never a caveat.
        Sections naming more of the metrics come first, then those of documents tagged or
        titled with one of them, then of documents that apply to fewer names; then file
        order.
        """
        wanted = {name.lower() for name in metric_names}
        ranked: list[tuple[tuple[int, int, int, int, int], Passage]] = []
        for position, document in enumerate(self.documents):
            listed = wanted & {name.lower() for name in document.applies_to}
            words = {tag.lower() for tag in document.tags} | set(_tokens(document.title))
            tagged = any(_stem(name) in words or name in words for name in wanted)
            for order, passage in enumerate(document.passages):
                if passage.heading == passage.title:
                    continue
                if passage.applies_to is not None:
                    named = wanted & {name.lower() for name in passage.applies_to}
                elif self._speaks_of(passage, listed):
                    named = listed
                else:
                    continue
                if named:
                    key = (-len(named), 0 if tagged else 1, len(document.applies_to), position)
                    ranked.append(((*key, order), passage))
        ranked.sort(key=lambda pair: pair[0])
        return [passage for _, passage in ranked]

    def _speaks_of(self, passage: Passage, metrics: set[str]) -> bool:
        phrases = {p for name in metrics for p in (name, *self.names.get(name, ()))}
        return _mentions(passage, {p.lower() for p in phrases})

    def _expansion(self, question: str) -> list[str]:
        lowered = f" {' '.join(_TOKEN.findall(question.lower()))} "
        words: list[str] = []
        for phrase, meaning in self.synonyms.items():
            if f" {phrase} " in lowered:
                words.extend(meaning)
        return words


def _read_document(path: Path) -> ContextDocument:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContextError(
            f"{path}: cannot read this context document ({error}).",
            hint="Save it as UTF-8 text.",
        ) from None
    meta, body = _split_front_matter(path, raw)
    title = _text_field(path, meta, "title")
    owner = _text_field(path, meta, "owner")
    return ContextDocument(
        path=path,
        title=title,
        owner=owner,
        applies_to=_list_field(path, meta, "applies_to"),
        tags=_list_field(path, meta, "tags"),
        passages=_split_passages(path, title, body),
    )


def _split_front_matter(path: Path, raw: str) -> tuple[dict[str, object], str]:
    lines = raw.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContextError(
            f"{path}:1: the context document does not start with YAML front matter ('---').",
            hint=_FRONT_MATTER_EXAMPLE,
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise ContextError(
            f"{path}:1: the front matter is never closed.",
            hint="End it with a line holding only '---', before the markdown text.",
        )
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ContextError(
            f"{path}{line}: the front matter is not valid YAML ({problem}).",
            hint="Fix the YAML between the two '---' lines. " + _FRONT_MATTER_EXAMPLE,
        ) from None
    if not isinstance(meta, dict):
        raise ContextError(
            f"{path}:2: the front matter must be a mapping of keys to values.",
            hint=_FRONT_MATTER_EXAMPLE,
        )
    unknown = sorted(str(key) for key in meta if key not in _FRONT_MATTER_KEYS)
    if unknown:
        raise ContextError(
            f"{path}: unknown front matter key {unknown[0]!r}.",
            hint=f"Accepted keys: {', '.join(_FRONT_MATTER_KEYS)}.",
        )
    return {str(key): value for key, value in meta.items()}, "\n".join(lines[end + 1 :])


def _text_field(path: Path, meta: Mapping[str, object], key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        found = "it is missing" if value is None else f"got {value!r}"
        raise ContextError(
            f"{path}: the front matter needs `{key}` as a non-empty text ({found}).",
            hint=f"Add a line such as `{key}: ...` between the '---' lines.",
        )
    return value.strip()


def _list_field(path: Path, meta: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = meta.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContextError(
            f"{path}: the front matter's `{key}` must be a list of names, not {value!r}.",
            hint=f"Write it as `{key}: [name_one, name_two]`.",
        )
    return tuple(item.strip() for item in value if item.strip())


#: A section's caveat marker: `<!-- applies_to: [metric_one, metric_two] -->`.
_MARKER: Final = re.compile(r"^\s*<!--\s*applies_to:\s*(?P<names>.*?)\s*-->\s*$")


def _marker(path: Path, line: str) -> tuple[str, ...] | None:
    """The metric names of a marker line, None for any other line."""
    match = _MARKER.match(line)
    if match is None:
        return None
    listed = match.group("names").strip("[] ")
    names = [n.strip(" '\"") for n in listed.split(",")] if listed else []
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", n) for n in names):
        raise ContextError(
            f"{path}: the marker {line.strip()!r} does not list names.",
            hint="Write it as <!-- applies_to: [metric_one, metric_two] -->.",
        )
    return tuple(names)


def _split_passages(path: Path, title: str, body: str) -> tuple[Passage, ...]:
    sections: list[tuple[str, list[str]]] = [(title, [])]
    markers: dict[int, tuple[str, ...]] = {}
    fenced = False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        marked = None if fenced else _marker(path, line)
        if marked is not None:
            markers[len(sections) - 1] = marked
        elif not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif not fenced and line.startswith("# ") and not sections[-1][1] and len(sections) == 1:
            continue  # the document's own top heading
        else:
            sections[-1][1].append(line)
    passages = []
    for index, (heading, lines) in enumerate(sections):
        text = "\n".join(lines).strip()
        if text or heading != title:
            passages.append(Passage(path, title, heading, text, markers.get(index)))
    return tuple(passages)


def _mentions(passage: Passage, names: set[str]) -> bool:
    text = f"{passage.heading}\n{passage.text}".lower()
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names)


def _metric_names(model: SemanticModel) -> dict[str, tuple[str, ...]]:
    """Each metric -> its label and synonyms (the phrases a section names it by)."""
    return {m.name.lower(): (m.label, *m.synonyms) for m in model.metrics}


def _model_synonyms(model: SemanticModel) -> dict[str, tuple[str, ...]]:
    """Each metric and dimension synonym -> the words of its name and label."""
    synonyms: dict[str, list[str]] = {}
    named: list[tuple[str, str | None, tuple[str, ...]]] = [
        (m.name, m.label, m.synonyms) for m in model.metrics
    ]
    named += [(d.name, d.label, d.synonyms) for t in model.tables for d in t.dimensions]
    for name, label, phrases in named:
        meaning = _tokens(name.replace("_", " ")) + _tokens(label or "")
        for phrase in phrases:
            key = " ".join(_TOKEN.findall(phrase.lower()))
            if key:
                synonyms.setdefault(key, []).extend(meaning)
    return {key: tuple(dict.fromkeys(words)) for key, words in synonyms.items()}


# --- BM25 -----------------------------------------------------------------------------------


def _stem(token: str) -> str:
    """A trailing plural "s" off ("counts" -> "count"), leaving "ss" and short words alone."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words of `text`, without stop words, plurals stripped."""
    return [_stem(word) for word in _TOKEN.findall(text.lower()) if word not in _STOP_WORDS]


def _passage_tokens(passage: Passage) -> list[str]:
    """The words a passage is found by: its heading weighs as much as three mentions."""
    heading = _tokens(passage.heading)
    return _tokens(passage.title) + heading * _HEADING_WEIGHT + _tokens(passage.text)


class _BM25:
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


# --- dimension values -----------------------------------------------------------------------


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
    """Dimension values to look for in questions; `skipped` dimensions had too many values."""

    entries: tuple[DimensionValues, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    _patterns: tuple[tuple[re.Pattern[str], tuple[tuple[str, str, str], ...]], ...] = field(
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

    def values(self, dimension: str, table: str | None = None) -> tuple[str, ...]:
        """The indexed values of a dimension (of `table` when given); empty when not indexed."""
        for entry in self.entries:
            if entry.dimension == dimension and table in (None, entry.table):
                return entry.values
        return ()

    def find(self, text: str) -> list[ValueMatch]:
        """The dimension values mentioned in `text`: whole words, case-insensitive.

        A value synonym ("bot") matches as the value it names ('ai'). Separators are loose
        ("Mid-Market" matches "mid market", "&" matches "and"). Longer mentions win over the
        shorter ones they contain; the result is longest first, then by position. A value held
        by several dimensions gives one match per dimension.
        """
        found: list[tuple[int, int, tuple[tuple[str, str, str], ...]]] = []
        for pattern, owners in self._patterns:
            found.extend((m.start(), m.end(), owners) for m in pattern.finditer(text))
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


def _value_pattern(key: str) -> re.Pattern[str]:
    parts = [r"(?:&|and)" if word == "&" else re.escape(word) for word in key.split(" ")]
    return re.compile(rf"(?<!\w){_SEPARATORS.join(parts)}(?!\w)", re.IGNORECASE)


def build_value_index(
    model: SemanticModel, warehouse: Warehouse, *, max_distinct: int = 50
) -> ValueIndex:
    """Read the distinct values of every categorical dimension with at most `max_distinct`.

    One `SELECT DISTINCT` per dimension, built with sqlglot from the table's source and the
    dimension's expression. Dimensions with more values are listed in `skipped`. The
    dimension's `value_synonyms` are indexed for the values the warehouse holds (a synonym of a
    value that does not occur would only ever filter to nothing).
    """
    entries: list[DimensionValues] = []
    skipped: list[tuple[str, str]] = []
    for table in model.tables:
        for dimension in table.dimensions:
            if dimension.type != "categorical":
                continue
            sql = _distinct_sql(table, dimension.sql, warehouse.dialect, max_distinct + 1)
            result = warehouse.run(sql)
            column: list[object] = result.frame.iloc[:, 0].tolist() if result.frame.shape[1] else []
            values = sorted({str(value) for value in column if str(value).strip()})
            if result.truncated or len(result.frame) > max_distinct:
                skipped.append((table.name, dimension.name))
            else:
                synonyms = tuple(
                    (phrase, value)
                    for value, phrases in dimension.value_synonyms.items()
                    if value in values
                    for phrase in phrases
                )
                entries.append(DimensionValues(table.name, dimension.name, tuple(values), synonyms))
    return ValueIndex(entries=tuple(entries), skipped=tuple(skipped))


def _distinct_sql(table: Table, expression: str, dialect: str, limit: int) -> str:
    source: exp.Expression
    if table.sql is not None:
        source = exp.Subquery(
            this=sqlglot.parse_one(table.sql, read=dialect),
            alias=exp.TableAlias(this=exp.to_identifier("source")),
        )
    else:
        source = exp.to_table(table.source, dialect=dialect)
    value = sqlglot.parse_one(expression, read=dialect)
    query = (
        exp.select(exp.alias_(value.copy(), "value"))
        .distinct()
        .from_(source)
        .where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
        .order_by(exp.Ordered(this=exp.Literal.number(1)))
        .limit(limit)
    )
    return query.sql(dialect=dialect)


# --- the catalog ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricEntry:
    """A metric as the planner sees it."""

    name: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    format: str
    owner: str


@dataclass(frozen=True)
class DimensionEntry:
    """A dimension as the planner sees it; `values` when the value index holds them.

    `value_synonyms` pairs a value with the words people use for it (`ai`: bot, chatbot).
    """

    name: str
    table: str
    type: str
    synonyms: tuple[str, ...]
    description: str
    values: tuple[str, ...] = ()
    value_synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Every name a planner may use, with what it means; `describe()` for a prompt."""

    metrics: tuple[MetricEntry, ...]
    dimensions: tuple[DimensionEntry, ...]
    filters: tuple[NamedFilter, ...]
    verified_queries: tuple[VerifiedQuery, ...]
    values: ValueIndex | None = None
    context: ContextLibrary | None = None

    def describe(self) -> str:
        """A compact listing of metrics, dimensions (with known values) and named filters."""
        lines = ["Metrics (name: label [format] - description; synonyms):"]
        for m in self.metrics:
            lines.append(f"- {m.name}: {m.label} [{m.format}] - {m.description}{_also(m.synonyms)}")
        lines.append("Dimensions (table.name [type] - description; synonyms; values):")
        lines.append(f"- {METRIC_TIME} [time] - each metric's own time axis, by day to year")
        for d in self.dimensions:
            shown = ""
            words = dict(d.value_synonyms)
            listed = d.values or tuple(words)
            if listed:
                more = ", ..." if len(listed) > _DESCRIBED_VALUES else ""
                named = [_with_words(v, words.get(v, ())) for v in listed[:_DESCRIBED_VALUES]]
                shown = f"; values: {', '.join(named)}{more}"
            lines.append(
                f"- {d.table}.{d.name} [{d.type}] - {d.description}{_also(d.synonyms)}{shown}"
            )
        if self.filters:
            lines.append("Named filters (name: where - description; synonyms):")
            for f in self.filters:
                lines.append(f"- {f.name}: {f.where} - {f.description}{_also(f.synonyms)}")
        return "\n".join(lines)


def _also(synonyms: Sequence[str]) -> str:
    return f"; also: {', '.join(synonyms)}" if synonyms else ""


def _with_words(value: str, phrases: Sequence[str]) -> str:
    """`ai (also: bot, chatbot)`: a value with the words people use for it."""
    return f"{value} (also: {', '.join(phrases)})" if phrases else value


def build_catalog(
    model: SemanticModel,
    *,
    values: ValueIndex | None = None,
    context: ContextLibrary | None = None,
) -> Catalog:
    """The planner's catalog of `model`, with dimension values from `values` when given."""
    metrics = tuple(
        MetricEntry(m.name, m.label, m.description, m.synonyms, m.format, m.owner)
        for m in model.metrics
    )
    dimensions = tuple(
        DimensionEntry(
            name=d.name,
            table=t.name,
            type=d.type,
            synonyms=d.synonyms,
            description=" ".join(d.description.split()),
            values=values.values(d.name, t.name) if values is not None else (),
            value_synonyms=tuple(d.value_synonyms.items()),
        )
        for t in model.tables
        for d in t.dimensions
    )
    return Catalog(
        metrics=metrics,
        dimensions=dimensions,
        filters=model.filters,
        verified_queries=model.verified_queries,
        values=values,
        context=context,
    )
