"""Notion blocks as the API takes them, within Notion's limits.

A rich text item holds at most 2000 characters (`rich_text` splits longer text into several
items, at most 100 of them); a request holds at most 100 children (callers chunk, see
`NotionApi.append`); a table's rows are its children, so a table holds at most 100 rows in
the request that makes it (`table` keeps the header and `MAX_TABLE_ROWS` rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

__all__ = [
    "MAX_TABLE_ROWS",
    "MAX_TEXT",
    "bulleted",
    "callout",
    "code",
    "heading",
    "image",
    "paragraph",
    "rich_text",
    "table",
    "text_item",
]

Block = dict[str, Any]
#: Notion's limit of characters in one rich text item.
MAX_TEXT: Final = 2000
#: Notion's limit of items in one rich text array.
_MAX_ITEMS: Final = 100
#: Rows of a table beside its header: a request's children are at most 100.
MAX_TABLE_ROWS: Final = 99


def text_item(
    content: str, *, bold: bool = False, code: bool = False, link: str | None = None
) -> dict[str, Any]:
    """One rich text item (at most MAX_TEXT characters; `rich_text` splits longer text)."""
    item: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if link is not None:
        item["text"]["link"] = {"url": link}
    if bold or code:
        item["annotations"] = {"bold": bold, "code": code}
    return item


def rich_text(content: str, *, bold: bool = False, link: str | None = None) -> list[dict[str, Any]]:
    """`content` as rich text items of at most MAX_TEXT characters each (at most 100 items,
    so at most 200,000 characters: the rest is cut with an ellipsis)."""
    limit = MAX_TEXT * _MAX_ITEMS
    if len(content) > limit:
        content = content[: limit - 1] + "…"
    pieces = [content[i : i + MAX_TEXT] for i in range(0, len(content), MAX_TEXT)] or [""]
    return [text_item(piece, bold=bold, link=link) for piece in pieces]


def _texts(parts: Sequence[dict[str, Any]] | str) -> list[dict[str, Any]]:
    return rich_text(parts) if isinstance(parts, str) else list(parts)


def paragraph(parts: Sequence[dict[str, Any]] | str) -> Block:
    """A paragraph of text (or of rich text items made with `text_item`)."""
    return {"type": "paragraph", "paragraph": {"rich_text": _texts(parts)}}


def heading(text: str, level: int = 2) -> Block:
    """A heading of level 1, 2 or 3."""
    kind = f"heading_{min(max(level, 1), 3)}"
    return {"type": kind, kind: {"rich_text": rich_text(text)}}


def bulleted(parts: Sequence[dict[str, Any]] | str) -> Block:
    """A bulleted list item."""
    return {"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": _texts(parts)}}


def callout(text: str, emoji: str = "⚠️") -> Block:
    """A callout: a note set apart, such as a caveat."""
    return {
        "type": "callout",
        "callout": {"rich_text": rich_text(text), "icon": {"type": "emoji", "emoji": emoji}},
    }


def code(text: str, language: str = "sql") -> Block:
    """A code block (long code is split into several text items, never cut)."""
    return {"type": "code", "code": {"rich_text": rich_text(text), "language": language}}


def image(file_upload_id: str) -> Block:
    """An image of a file uploaded through Notion's File Upload API."""
    return {
        "type": "image",
        "image": {"type": "file_upload", "file_upload": {"id": file_upload_id}},
    }


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Block:
    """A table with a header row, then at most MAX_TABLE_ROWS rows (callers say what was cut)."""

    def row(cells: Sequence[str]) -> Block:
        return {"type": "table_row", "table_row": {"cells": [rich_text(c) for c in cells]}}

    return {
        "type": "table",
        "table": {
            "table_width": len(header),
            "has_column_header": True,
            "has_row_header": False,
            "children": [row(header), *(row(r) for r in rows[:MAX_TABLE_ROWS])],
        },
    }
