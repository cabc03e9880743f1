"""What an MCP client reads back: an answer or a query result as Markdown text and as JSON.

The text is for the model (and the person) to read: the sentence that states exactly what was
computed, the result as a Markdown table (cells formatted as in the terminal and Slack), how it
was computed (each metric's definition, owner and status, the time range, comparison, filters,
row policies and joins: `provenance_points`), the data's freshness and the caveats. The JSON
(`structuredContent`) holds the same with the raw values. Neither holds SQL: the SQL is kept
in the audit trail, where an analyst can read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Final

import pandas as pd

from connectors.warehouse import QueryResult
from cortex.answer import Answer
from cortex.answers.formatting import format_cell, json_value, provenance_points
from cortex.knowledge import Caveat
from cortex.signals.payload import drivers_payload
from semantic_layer.compile import CompiledQuery

__all__ = ["TABLE_ROWS", "answer_json", "answer_text", "result_json", "result_text"]

#: Rows shown in the text's table; the JSON holds every row the warehouse returned.
TABLE_ROWS: Final = 50


def _jsonable(value: object) -> Any:
    """`value` with every nested cell made JSON-able (dataclass dumps hold dates)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return json_value(value)


def _table(compiled: CompiledQuery, frame: pd.DataFrame) -> list[str]:
    columns = compiled.columns
    if frame.empty:
        return ["_No rows._"]
    lines = [
        "| " + " | ".join(c.label for c in columns) + " |",
        "|" + "|".join("---:" if c.kind != "dimension" else "---" for c in columns) + "|",
    ]
    for row in frame.head(TABLE_ROWS).itertuples(index=False):
        cells = [format_cell(c, v).replace("|", "\\|") for c, v in zip(columns, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    if len(frame) > TABLE_ROWS:
        lines.append(f"_{len(frame) - TABLE_ROWS} more rows are in the structured result._")
    return lines


def _how(compiled: CompiledQuery, result: QueryResult | None) -> list[str]:
    lines = ["**How this was computed**"]
    lines += [f"- {part}{rest}" for part, rest in provenance_points(compiled.provenance)]
    if result is not None and result.freshness is not None:
        lines.append(f"- Data as of {json_value(result.freshness)}")
    if result is not None and result.truncated:
        lines.append(f"- Only the first {result.row_count:,} rows were returned.")
    return lines


def _caveats(caveats: Sequence[Caveat]) -> list[str]:
    if not caveats:
        return []
    lines = ["**Caveats**"]
    for caveat in caveats:
        lines += [f"_{caveat.source}_", caveat.markdown]
    return lines


def result_text(
    sentence: str,
    compiled: CompiledQuery,
    result: QueryResult | None,
    caveats: Sequence[Caveat] = (),
) -> str:
    """The sentence, the table, how it was computed and the caveats, as Markdown."""
    parts = [sentence]
    if result is not None:
        parts.append("\n".join(_table(compiled, result.frame)))
    parts.append("\n".join(_how(compiled, result)))
    if caveats:
        parts.append("\n".join(_caveats(caveats)))
    return "\n\n".join(parts)


def result_json(compiled: CompiledQuery, result: QueryResult | None) -> dict[str, Any]:
    """Columns, rows and the provenance (without its SQL) of a compiled query's result."""
    provenance = asdict(compiled.provenance)
    provenance.pop("sql", None)
    provenance.pop("dialect", None)
    rows: list[list[object]] = []
    if result is not None:
        rows = [[json_value(v) for v in row] for row in result.frame.itertuples(index=False)]
        provenance["freshness"] = json_value(result.freshness)
        provenance["truncated"] = result.truncated
    return {
        "columns": [
            {"name": c.name, "label": c.label, "kind": c.kind, "format": c.format}
            for c in compiled.columns
        ],
        "rows": rows,
        "provenance": _jsonable(provenance),
    }


def answer_text(answer: Answer) -> str:
    """An agent's answer as Markdown: with numbers, the whole of `result_text`; else its text
    (a question back with its numbered suggestions, a refusal, what a skill did)."""
    if answer.status == "answer" and answer.compiled is not None:
        trust = "Verified" if answer.trust == "verified" else "Generated"
        text = result_text(answer.text, answer.compiled, answer.result, answer.caveats)
        return f"{text}\n\n_{trust} answer; conversation {answer.conversation_id}._"
    lines = [answer.text]
    if answer.suggestions:
        lines += [f"{i}. {s}" for i, s in enumerate(answer.suggestions, 1)]
    action = answer.action
    if action is not None and action.link:
        lines.append(f"Link: {action.link}")
    if answer.status in ("clarification", "answer", "action"):
        lines.append(f"_Conversation {answer.conversation_id}: pass it to follow up._")
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict[str, Any]:
    """An agent's answer as JSON: status, text, the plan, the result without SQL, caveats."""
    found: dict[str, Any] = {
        "status": answer.status,
        "text": answer.text,
        "conversation_id": answer.conversation_id,
        "query": answer.query.model_dump(mode="json") if answer.query is not None else None,
        "trust": answer.trust,
        "suggestions": list(answer.suggestions),
        "caveats": [{"source": c.source, "text": c.markdown} for c in answer.caveats],
    }
    if answer.compiled is not None:
        found.update(result_json(answer.compiled, answer.result))
    if answer.drivers is not None:
        found.update(_jsonable(drivers_payload(answer.drivers)))
    if answer.action is not None:
        found["action"] = {
            "skill": answer.action.skill,
            "input": _jsonable(dict(answer.action.input)),
            "outcome": answer.action.outcome,
            "link": answer.action.link,
            "files": list(answer.action.files),
        }
    return found
