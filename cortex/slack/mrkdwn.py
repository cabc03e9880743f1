"""Markdown (what analysts write in `context/`) as Slack's mrkdwn, which is not Markdown.

Slack bolds with one asterisk, has no headings and no tables, and reads `&`, `<` and `>` as
its own syntax. `to_mrkdwn` parses the Markdown with markdown-it-py (CommonMark and tables)
and writes each part as Slack shows it: `**bold**` as `*bold*`, `_em_` as `_em_`, code as
code, links as `<url|text>`, list items as `•` lines, headings in bold, and a table as a
monospaced block with aligned columns. Text is escaped for mrkdwn exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["to_mrkdwn"]

_PARSER: Final = MarkdownIt("commonmark").enable("table")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(children: Sequence[Token] | None) -> str:
    """An inline run as mrkdwn."""
    out: list[str] = []
    link: str | None = None
    label: list[str] = []
    for token in children or ():
        if token.type == "link_open":
            link, label = str(token.attrs.get("href", "")), []
            continue
        if token.type == "link_close":
            out.append(f"<{link}|{''.join(label)}>" if link else "".join(label))
            link = None
            continue
        piece = {
            "text": _escape(token.content),
            "code_inline": f"`{_escape(token.content)}`",
            "strong_open": "*",
            "strong_close": "*",
            "em_open": "_",
            "em_close": "_",
            "softbreak": " ",
            "hardbreak": "\n",
        }.get(token.type, _escape(token.content))
        (label if link is not None else out).append(piece)
    return "".join(out)


def _plain(children: Sequence[Token] | None) -> str:
    """An inline run as plain text (inside a monospaced table nothing is formatted)."""
    return "".join(t.content for t in children or () if t.type in ("text", "code_inline"))


def _table(tokens: Sequence[Token], start: int) -> tuple[str, int]:
    """The table opening at `tokens[start]` as a monospaced block; and where it ends."""
    rows: list[list[str]] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(_plain(token.children))
        index += 1
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "```\n" + _escape("\n".join(lines)) + "\n```", index


def to_mrkdwn(markdown: str) -> str:
    """`markdown` written for Slack (see the module docstring)."""
    tokens = _PARSER.parse(markdown)
    blocks: list[str] = []
    lists: list[list[int]] = []  # the numbering of each open list (-1: bullets)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "table_open":
            text, index = _table(tokens, index)
            blocks.append(text)
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            first = int(token.attrs.get("start", 1) or 1)
            lists.append([first if token.type == "ordered_list_open" else -1])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type in ("fence", "code_block"):
            blocks.append(f"```\n{_escape(token.content.rstrip())}\n```")
        elif token.type == "heading_open":
            blocks.append(f"*{_inline(tokens[index + 1].children)}*")
            index += 2
        elif token.type == "inline" and lists and tokens[index - 1].type == "paragraph_open":
            number = lists[-1]
            marker = "•" if number[0] < 0 else f"{number[0]}."
            if number[0] >= 0:
                number[0] += 1
            indent = "    " * (len(lists) - 1)
            blocks.append(f"{indent}{marker} {_inline(token.children)}")
        elif token.type == "inline":
            blocks.append(_inline(token.children))
        elif token.type == "html_block":
            pass  # comments and markup analysts left for other readers
        index += 1
    return "\n".join(blocks)
