"""Markdown (what analysts write in `context/`) for Slack's `markdown` block.

The `markdown` block reads standard Markdown, so most of a note goes as written. Two parts do
not: HTML (comments and markup analysts leave for other readers) is dropped, and a table, which
the block does not draw, becomes a monospaced block with aligned columns. The rest keeps its
source lines, found with markdown-it-py (CommonMark and tables) by the lines each part spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["to_slack_markdown"]

_PARSER: Final = MarkdownIt("commonmark").enable("table")


def _cells(tokens: Sequence[Token], start: int) -> list[list[str]]:
    """The rows of the table opening at `tokens[start]`, each cell as plain text."""
    rows: list[list[str]] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(
                "".join(t.content for t in token.children or () if t.type != "softbreak")
            )
        index += 1
    return rows


def _aligned(rows: list[list[str]]) -> list[str]:
    """A table's lines with its columns aligned, a rule under the header."""
    count = max(len(row) for row in rows)
    widths = [max((len(row[i]) for row in rows if i < len(row)), default=0) for i in range(count)]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return ["```", *lines, "```"]


def to_slack_markdown(markdown: str) -> str:
    """`markdown` as a `markdown` block shows it (see the module docstring)."""
    lines = markdown.splitlines()
    replaced: dict[int, tuple[int, list[str]]] = {}  # first line -> (end line, new lines)
    tokens = _PARSER.parse(markdown)
    for index, token in enumerate(tokens):
        if token.map is None or token.level != 0:
            continue
        first, end = token.map
        if token.type == "html_block":
            replaced[first] = (end, [])
        elif token.type == "table_open":
            replaced[first] = (end, _aligned(_cells(tokens, index)))
    out: list[str] = []
    line = 0
    while line < len(lines):
        if line in replaced:
            end, new = replaced[line]
            out.extend(new)
            line = end
        else:
            out.append(lines[line])
            line += 1
    return "\n".join(out).strip()
