"""The JSON that `--json` prints: a query's columns, rows, SQL and provenance; an answer's too.

An answer to "why did X move?" also carries `change` and `drivers`: the top dimension's values,
each with its figures before and after, its contribution (they sum to `change`) and its share
of the change, plus rate, mix and interaction for a ratio metric; `dimensions` ranks every
dimension that splits the change, with the same items.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from connectors.warehouse import QueryResult
from cortex.answer import Answer
from cortex.answers.formatting import json_value
from cortex.answers.wording import partial_rows
from cortex.signals.payload import drivers_payload
from semantic_layer.compile import CompiledQuery


def query_payload(compiled: CompiledQuery, result: QueryResult | None) -> dict[str, object]:
    """The JSON of a compiled query and its result; `partial` says, row by row, whether the
    row's period is covered only in part (`provenance.partial_periods` says which days)."""
    provenance = asdict(compiled.provenance)
    provenance["conditions"] = [c.model_dump(mode="json") for c in compiled.provenance.conditions]
    rows: list[list[object]] = []
    partial: list[bool] = []
    if result is not None:
        provenance["freshness"] = json_value(result.freshness)
        provenance["timings_ms"] = result.timings_ms
        provenance["truncated"] = result.truncated
        provenance["cache"] = result.cache
        rows = [[json_value(v) for v in row] for row in result.frame.itertuples(index=False)]
        partial = partial_rows(compiled, result.frame)
    return {
        "columns": [c.name for c in compiled.columns],
        "rows": rows,
        "partial": partial,
        "sql": compiled.sql,
        "provenance": json.loads(json.dumps(provenance, default=json_value)),
    }


def answer_payload(answer: Answer) -> dict[str, object]:
    """The JSON of an answer: its status, text and plan, the query's payload, and follow-ups."""
    payload: dict[str, object] = {"columns": [], "rows": [], "sql": None, "provenance": None}
    if answer.compiled is not None:
        payload = query_payload(answer.compiled, answer.result)
    query = answer.query.model_dump(mode="json") if answer.query is not None else None
    return {
        "status": answer.status,
        "text": answer.text,
        "query": query,
        **payload,
        "suggestions": list(answer.suggestions),
        "trust": answer.trust,
        "caveats": [{"source": c.source, "text": c.markdown} for c in answer.caveats],
        "conversation_id": answer.conversation_id,
        "action": _action(answer),
        **(drivers_payload(answer.drivers) if answer.drivers is not None else {}),
    }


def _action(answer: Answer) -> dict[str, object] | None:
    """The skill an answer ran or asks to run: its name, input, outcome, link and files."""
    action = answer.action
    if action is None:
        return None
    return {
        "skill": action.skill,
        "input": json.loads(json.dumps(action.input, default=json_value)),
        "outcome": action.outcome,
        "link": action.link,
        "files": list(action.files),
    }
