"""Business context documents: front matter, passages, caveats, and search over them.

`load_context(directory)` reads the business context documents (`context/*.md`, YAML front
matter then markdown; an optional `source`, such as `notion:<page id>`, says where a synced
document comes from) into a `ContextLibrary`. Each document is split into passages at its
`## ` headings. `ContextLibrary.search` ranks passages for a question with BM25
(`knowledge.search`); `ContextLibrary.caveats_for` lists the sections that are caveats for some
metrics. A passage is indexed with its document's title and its heading, the heading counted
three times (a light field boost). When a semantic model is given to `load_context`, a
question's metric and dimension synonyms ("FRT") also add the words of the names and labels
they stand for ("first response time").

Errors: a document without valid front matter raises `ContextError` (a `UserError`) naming the
file, the problem and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml
from markdown_it import MarkdownIt

from cortex.errors import UserError
from cortex.knowledge.search import BM25, plain_words, tokens
from cortex.knowledge.words import stem
from semantic_layer.model import SemanticModel

__all__ = [
    "Caveat",
    "ContextDocument",
    "ContextError",
    "ContextLibrary",
    "Passage",
    "ScoredPassage",
    "load_context",
]

_FRONT_MATTER_KEYS: Final = ("title", "owner", "applies_to", "tags", "source")
_REQUIRED_KEYS: Final = ("title", "owner")
_FRONT_MATTER_EXAMPLE: Final = (
    "Start the file with front matter such as:\n"
    "---\ntitle: <what the document explains>\nowner: <who keeps it, e.g. an e-mail>\n"
    "applies_to: [<metric names it is about>]\ntags: [<topics>]\n---"
)
#: How many times a passage's heading counts in its BM25 document (a light field boost).
_HEADING_WEIGHT: Final = 3


class ContextError(UserError):
    """A business context document cannot be read: the message names the file and the problem."""


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


def _whole_sentences(block: str) -> str:
    """A paragraph that leads into the next block ("So ARR on a day is", a code block after)
    cut back to its last whole sentence, so that a caveat never stops mid-sentence."""
    if not block or block[-1] in _SENTENCE_ENDS or block.startswith(("|", "```", "    ")):
        return block
    ends = [m.end() for m in re.finditer(r"[.!?][)\"'”’]?(?=\s)", block)]
    return block[: ends[-1]] if ends else block


_SENTENCE_ENDS = frozenset(".!?)\"'”’`*_|")


def _first_block(markdown: str, max_chars: int) -> str:
    """The first top-level block of `markdown`, whole: a list is cut between its items."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    lines = markdown.splitlines()
    top = next((t for t in tokens if t.level == 0 and t.map is not None), None)
    if top is None or top.map is None:
        return markdown.strip()
    if top.type not in ("bullet_list_open", "ordered_list_open"):
        return _whole_sentences("\n".join(lines[top.map[0] : top.map[1]]).strip())
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
    #: where the document comes from when a sync wrote it (`notion:<page id>`), else None
    source: str | None = None


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
    _index: BM25 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        corpus = [_passage_tokens(passage) for passage in self.passages]
        object.__setattr__(self, "_index", BM25(corpus))

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage of every document, in document then file order."""
        return tuple(passage for document in self.documents for passage in document.passages)

    def search(self, question: str, k: int = 3) -> list[ScoredPassage]:
        """The `k` passages most relevant to `question` by BM25, best first; none if none match."""
        terms = tokens(question) + self._expansion(question)
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
            words = {tag.lower() for tag in document.tags} | set(tokens(document.title))
            tagged = any(stem(name) in words or name in words for name in wanted)
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

    def only_about(self, passage: Passage, metrics: Collection[str]) -> bool:
        """Whether `passage` is about `metrics` and no other: its marker names only them, or,
        without one, it speaks of one of them (by name, label or synonym) and of no other
        metric. A passage about no metric is about none of them."""
        wanted = {name.lower() for name in metrics}
        if passage.applies_to is not None:
            about = {name.lower() for name in passage.applies_to}
        else:
            about = {name for name in self.names if self._speaks_of(passage, {name})}
        return bool(about) and about <= wanted

    def _speaks_of(self, passage: Passage, metrics: set[str]) -> bool:
        phrases = {p for name in metrics for p in (name, *self.names.get(name, ()))}
        return _mentions(passage, {p.lower() for p in phrases})

    def _expansion(self, question: str) -> list[str]:
        lowered = f" {' '.join(plain_words(question))} "
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
        source=_optional_text(path, meta, "source"),
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


def _optional_text(path: Path, meta: Mapping[str, object], key: str) -> str | None:
    return _text_field(path, meta, key) if meta.get(key) is not None else None


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
        meaning = tokens(name.replace("_", " ")) + tokens(label or "")
        for phrase in phrases:
            key = " ".join(plain_words(phrase))
            if key:
                synonyms.setdefault(key, []).extend(meaning)
    return {key: tuple(dict.fromkeys(words)) for key, words in synonyms.items()}


def _passage_tokens(passage: Passage) -> list[str]:
    """The words a passage is found by: its heading weighs as much as three mentions."""
    heading = tokens(passage.heading)
    return tokens(passage.title) + heading * _HEADING_WEIGHT + tokens(passage.text)
