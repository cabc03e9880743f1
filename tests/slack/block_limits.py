"""What Slack accepts of a message's blocks: each parsed back with `slack_sdk.models.blocks`
(and dumped again unchanged, so every field is one the SDK knows and validates), then held to
the limits Slack documents that the SDK does not check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block

BLOCKS = 50  # blocks in a message
TEXT = 3000  # a section's text, each context element
MARKDOWN = 12_000  # every markdown block of a message together
TABLE_ROWS = 100  # a table's rows, its header included
TABLE_CELLS = 20  # cells in a table row, and column_settings
TABLE_CHARS = 10_000  # characters in a table's cells together
ACTIONS = 25  # elements of an actions block
CONTEXT = 10  # elements of a context block
LABEL = 75  # a button's text
VALUE = 2000  # a button's value
ID = 255  # action_id, block_id
FALLBACK = 3000  # the fallback text Cortex sends (Slack cuts at 40,000)


def _elements(blocks: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for block in blocks:
        yield from block.get("elements", []) if block["type"] != "rich_text" else []


def problems(text: str, blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each way the message breaks what Slack accepts; none when it would be posted."""
    found: list[str] = []
    if not text or len(text) > FALLBACK:
        found.append(f"fallback text of {len(text)} characters")
    if len(blocks) > BLOCKS:
        found.append(f"{len(blocks)} blocks")
    for block in blocks:
        parsed = Block.parse(dict(block))
        if parsed is None:
            found.append(f"an unknown block {block['type']}")
            continue
        try:
            again = parsed.to_dict()  # validates against the SDK's checks
        except Exception as error:  # noqa: BLE001 - reported, with the block
            found.append(f"{block['type']}: {error}")
            continue
        if again != dict(block):
            found.append(f"{block['type']} has fields the SDK does not know: {block}")
        found.extend(_limits(block))
    markdown = sum(len(b["text"]) for b in blocks if b["type"] == "markdown")
    if markdown > MARKDOWN:
        found.append(f"{markdown} characters of markdown blocks")
    if sum(1 for b in blocks if b["type"] == "table") > 1:
        found.append("more than one table")
    actions = [str(e["action_id"]) for e in _elements(blocks) if "action_id" in e]
    block_ids = [str(b["block_id"]) for b in blocks if "block_id" in b]
    for ids in (actions, block_ids):
        found.extend(f"{i} is not unique" for i, n in Counter(ids).items() if n > 1)
        found.extend(f"id {i[:40]}… is too long" for i in ids if len(i) > ID)
    return found


def _limits(block: Mapping[str, Any]) -> list[str]:
    kind, found = block["type"], []
    if kind == "section" and len(block["text"]["text"]) > TEXT:
        found.append(f"a section of {len(block['text']['text'])} characters")
    if kind == "context":
        if len(block["elements"]) > CONTEXT:
            found.append("a context of more than 10 elements")
        found.extend(
            f"a context line of {len(e['text'])}"
            for e in block["elements"]
            if len(e.get("text", "")) > TEXT
        )
    if kind == "actions" and len(block["elements"]) > ACTIONS:
        found.append("an actions block of more than 25 elements")
    if kind == "table":
        found.extend(_table_limits(block))
    for element in block.get("elements", []) if kind in ("actions", "context_actions") else []:
        buttons = [element]
        if element["type"] == "feedback_buttons":
            buttons = [element["positive_button"], element["negative_button"]]
        for button in buttons:
            if len(button["text"]["text"]) > LABEL or not button["text"]["text"]:
                found.append(f"a button labelled {button['text']['text']!r}")
            if len(button.get("value", "")) > VALUE:
                found.append(f"a button value of {len(button['value'])} characters")
    return found


def _table_limits(block: Mapping[str, Any]) -> list[str]:
    rows, found = block["rows"], []
    if not rows or len(rows) > TABLE_ROWS:
        found.append(f"a table of {len(rows)} rows")
    widths = {len(row) for row in rows}
    if len(widths) != 1 or max(widths) > TABLE_CELLS:
        found.append(f"table rows of {sorted(widths)} cells")
    if len(block.get("column_settings") or ()) > TABLE_CELLS:
        found.append("more than 20 column settings")
    cells = [cell for row in rows for cell in row]
    if any(c.get("type") not in ("raw_text", "rich_text") or not c.get("text") for c in cells):
        found.append("a table cell that is not non-empty raw_text")
    if sum(len(c.get("text", "")) for c in cells) > TABLE_CHARS:
        found.append("a table of more than 10,000 characters")
    return found
