"""What Cortex says back to a question, whichever surface shows it (terminal, Slack, JSON).

An `Answer` is the numbers and how they were computed (the semantic query, the compiled SQL
and its provenance, the result, the caveats), or a question back with suggestions, or a polite
no, a refusal or an apology with a trace id, or an `Action`: a skill asked for (a Notion page,
a Linear task, a report), waiting for confirmation or done, with what it produced. The agent
makes it; the stores record it; the CLI and the Slack app render it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from connectors.warehouse import QueryResult
from cortex.knowledge import Caveat
from cortex.planning.plans import ClarifyReason, Usage
from cortex.signals.drivers import Drivers
from semantic_layer.compile import CompiledQuery
from semantic_layer.query import SemanticQuery

__all__ = ["Action", "ActionOutcome", "Answer", "AnswerStatus", "Trust"]

AnswerStatus = Literal["answer", "clarification", "out_of_scope", "denied", "error", "action"]
Trust = Literal["verified", "generated"]
#: What became of a skill asked for: not run yet; run; waiting for the asker to confirm;
#: refused (a role missing, an input that does not fit); failed.
ActionOutcome = Literal["requested", "done", "awaiting confirmation", "refused", "failed"]


@dataclass(frozen=True)
class Action:
    """A skill asked for in a question, and what came of it: the link or files it produced."""

    skill: str
    input: Mapping[str, Any]
    outcome: ActionOutcome = "requested"
    link: str | None = None
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What Cortex says back: numbers and how they were computed, or a question, or a no.

    `reason` says why Cortex asked back, for those who improve it (`cortex eval --failures`).
    `drivers` is the split of a change when the question asked why a metric moved; `query`,
    `compiled` and `result` are then its top dimension's values beside the period before.
    """

    status: AnswerStatus
    text: str
    question: str
    conversation_id: str
    query: SemanticQuery | None = None
    compiled: CompiledQuery | None = None
    result: QueryResult | None = None
    suggestions: tuple[str, ...] = ()
    trust: Trust | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    caveats: tuple[Caveat, ...] = ()
    usage: Usage | None = None
    trace_id: str | None = None
    reason: ClarifyReason | None = None
    action: Action | None = None
    drivers: Drivers | None = None
