"""A Notion page as a business context document (cortex.knowledge.context): Markdown.

Front matter: `title` from the page's title; `owner`, `applies_to` and `tags` from the database
properties of those names (any case, spaces or underscores): a person, an e-mail or text for
the owner (else "Notion"); a multi-select, a select or comma-separated text for the lists;
`source: notion:<page id>`, so a later sync finds the file again.

Blocks: headings 1 and 2 open a `## ` section (context documents are split there), heading 3
is `### `; paragraphs, bulleted, numbered and to-do items, quotes, code and tables are their
Markdown. A callout is a caveat: the section it opens (or the empty section just headed) gets
the marker `<!-- applies_to: [...] -->` naming the page's metrics, which is what makes a
section a caveat for them in `ContextLibrary.caveats_for`. Images, embeds and other blocks
that have no text are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

__all__ = ["ContextPage", "context_page", "inline", "to_markdown"]

Block = Mapping[str, Any]
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_LISTS: Final = {"bulleted_list_item": "- ", "numbered_list_item": "1. ", "to_do": "- [ ] "}


@dataclass(frozen=True)
class ContextPage:
    """A page's front matter, read from its properties."""

    page_id: str
    title: str
    owner: str
    applies_to: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """The front matter's `source`: where the document comes from."""
        return f"notion:{self.page_id}"


def inline(items: Iterable[Mapping[str, Any]]) -> str:
    """Rich text as inline Markdown: bold, italic, code, strikethrough and links kept."""
    out = []
    for item in items:
        text = str(item.get("plain_text") or item.get("text", {}).get("content") or "")
        if not text.strip():
            out.append(text)
            continue
        marks = item.get("annotations") or {}
        lead, core, trail = _spaces(text)
        if marks.get("code"):
            core = f"`{core}`"
        if marks.get("bold"):
            core = f"**{core}**"
        if marks.get("italic"):
            core = f"*{core}*"
        if marks.get("strikethrough"):
            core = f"~~{core}~~"
        link = item.get("href") or (item.get("text", {}).get("link") or {}).get("url")
        if link:
            core = f"[{core}]({link})"
        out.append(f"{lead}{core}{trail}")
    return "".join(out)


def _spaces(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def _plain(items: Iterable[Mapping[str, Any]]) -> str:
    return "".join(
        str(i.get("plain_text") or i.get("text", {}).get("content") or "") for i in items
    )


def _property(properties: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    for key, value in properties.items():
        if re.sub(r"[\s_-]+", "_", key.strip().lower()) == name and isinstance(value, Mapping):
            return value
    return None


def _values(value: Mapping[str, Any] | None) -> list[str]:
    """A property's value as a list of texts (multi-select, select, text, people, e-mail)."""
    if value is None:
        return []
    kind = value.get("type")
    data = value.get(str(kind))
    if kind == "multi_select" and isinstance(data, list):
        return [str(option.get("name", "")).strip() for option in data]
    if kind in ("select", "status") and isinstance(data, Mapping):
        return [str(data.get("name", "")).strip()]
    if kind in ("rich_text", "title") and isinstance(data, list):
        return [part.strip() for part in _plain(data).split(",")]
    if kind == "people" and isinstance(data, list):
        return [str((p.get("person") or {}).get("email") or p.get("name") or "") for p in data]
    if kind in ("email", "url") and isinstance(data, str):
        return [data.strip()]
    return []


def context_page(page: Mapping[str, Any], names: Mapping[str, str]) -> ContextPage:
    """The front matter of a database page; `names` maps a lower-cased metric label or
    synonym to its name, so `applies_to: ARR` becomes `arr` (others become snake_case)."""
    properties = page.get("properties") or {}
    title = next(
        (
            _plain(value.get("title") or [])
            for value in properties.values()
            if isinstance(value, Mapping) and value.get("type") == "title"
        ),
        "",
    ).strip()
    owners = [o for o in _values(_property(properties, "owner")) if o]
    return ContextPage(
        page_id=str(page["id"]),
        title=title or "Untitled",
        owner=", ".join(owners) or "Notion",
        applies_to=_names(_values(_property(properties, "applies_to")), names),
        tags=tuple(t for t in _values(_property(properties, "tags")) if t),
    )


def _names(given: Sequence[str], names: Mapping[str, str]) -> tuple[str, ...]:
    found = []
    for text in given:
        name = names.get(text.lower()) or re.sub(r"[^a-z0-9_.]+", "_", text.lower()).strip("_")
        if _NAME.fullmatch(name) and name not in found:
            found.append(name)
    return tuple(found)


@dataclass
class _Writer:
    """Markdown written block by block, knowing the section it is in."""

    marker: str | None
    lines: list[str] = field(default_factory=list)
    in_section: bool = False  # inside a `## ` section (not the introduction)
    section_empty: bool = True
    last: str | None = None  # the type of the last top-level block

    def heading(self, text: str, level: int) -> None:
        self.lines += ["", f"{'#' * level} {text}", ""]
        if level == 2:
            self.in_section, self.section_empty = True, True

    def caveat(self, text: str, current: str) -> None:
        if self.last == "callout":
            self.block(text)
            return
        if not (self.in_section and self.section_empty):
            self.heading(f"{current} (caveat)" if self.in_section else "Caveat", 2)
        if self.marker is not None:
            self.lines.append(self.marker)
        self.block(text)

    def block(self, text: str) -> None:
        self.lines += [text, ""]
        self.section_empty = False


def to_markdown(page: ContextPage, blocks: Sequence[Block]) -> str:
    """The context document of a page: YAML front matter, the title, then its blocks."""
    meta = {
        "title": page.title,
        "owner": page.owner,
        "applies_to": list(page.applies_to),
        "tags": list(page.tags),
        "source": page.source,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    marker = f"<!-- applies_to: [{', '.join(page.applies_to)}] -->" if page.applies_to else None
    writer = _Writer(marker)
    current = page.title
    for block in blocks:
        kind = str(block.get("type"))
        data = block.get(kind) or {}
        text = inline(data.get("rich_text") or [])
        if kind in ("heading_1", "heading_2", "heading_3"):
            level = 3 if kind == "heading_3" else 2
            writer.heading(_plain(data.get("rich_text") or []).strip(), level)
            current = _plain(data.get("rich_text") or []).strip() if level == 2 else current
        elif kind == "callout":
            body = "\n".join([text, *_nested(block.get("children") or [], "")]).strip()
            writer.caveat(body, current)
        elif kind in _LISTS or kind in ("paragraph", "quote", "toggle", "code", "table"):
            shown = "\n".join(_lines(block, ""))
            if shown.strip():
                writer.block(shown)
        writer.last = kind
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(writer.lines)).strip()
    return f"---\n{front}---\n\n# {page.title}\n\n{body}\n"


def _lines(block: Block, indent: str) -> list[str]:
    """A block (and its children) as Markdown lines, indented under a list item."""
    kind = str(block.get("type"))
    data = block.get(kind) or {}
    text = inline(data.get("rich_text") or [])
    children = block.get("children") or []
    if kind in _LISTS:
        mark = "- [x] " if kind == "to_do" and data.get("checked") else _LISTS[kind]
        return [f"{indent}{mark}{text}", *_nested(children, indent + "  ")]
    if kind == "quote":
        return [f"{indent}> {line}" for line in text.splitlines() or [""]]
    if kind == "code":
        language = str(data.get("language") or "")
        language = "" if language == "plain text" else language
        return [f"{indent}```{language}", *_plain(data.get("rich_text") or []).splitlines(), "```"]
    if kind == "table":
        return _table(children, data.get("has_column_header", True))
    if kind in ("paragraph", "toggle", "callout"):
        return [f"{indent}{text}", *_nested(children, indent)]
    return []


def _nested(children: Sequence[Block], indent: str) -> list[str]:
    return [line for child in children for line in _lines(child, indent)]


def _table(rows: Sequence[Block], header: object) -> list[str]:
    cells = [
        [inline(cell).replace("|", "\\|") for cell in (row.get("table_row") or {}).get("cells", [])]
        for row in rows
        if row.get("type") == "table_row"
    ]
    if not cells:
        return []
    width = max(len(row) for row in cells)
    cells = [row + [""] * (width - len(row)) for row in cells]
    head = cells[0] if header else [""] * width
    body = cells[1:] if header else cells
    lines = [f"| {' | '.join(head)} |", f"|{'---|' * width}"]
    return lines + [f"| {' | '.join(row)} |" for row in body]
