"""What a planner answers with, whichever planner it is: the plan types and the protocol.

    Planner.plan(question, history) -> QueryPlan | Clarify | OutOfScope | SkillRequest

A `QueryPlan` holds a governed semantic query (and the verified question it matches, if
any); a `Clarify` a question back with suggestions; an `OutOfScope` a polite no; a
`SkillRequest` a request to act (a page, a task, a report) rather than a question about data.
A `RequestReader` recognises the requests of one skill in plain language; the skills are
offered to the agent as readers, so planning never imports them. `Usage` is
what a model-backed planner spent on the plan. `same_query` compares two queries whatever
the order of their filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from semantic_layer.query import SemanticQuery

__all__ = [
    "Clarify",
    "ClarifyReason",
    "Closeable",
    "OutOfScope",
    "Plan",
    "Planner",
    "QueryPlan",
    "RequestReader",
    "SkillRequest",
    "Usage",
    "same_query",
]


@dataclass(frozen=True)
class Usage:
    """What planning cost: tokens in and out (summed over rounds) and the price in US dollars."""

    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class QueryPlan:
    """Answer with this semantic query; `verified` names the verified question it came from.

    `usage` is what a model-backed planner spent on it (None for the offline planner).
    """

    query: SemanticQuery
    confidence: float
    verified: str | None = None
    usage: Usage | None = None
    #: words of the question read as other words (a typo, as written -> as read)
    read_as: tuple[tuple[str, str], ...] = ()


#: Why a planner asks back, for the people who improve it (`cortex eval --failures` groups by
#: it): words nothing in the catalog explains; no metric found; two readings with different
#: numbers; a reading the semantic layer cannot compute as asked; a cause asked or a
#: definition given (no query honours them); a follow-up to a question that got no answer;
#: a question a model-backed planner chose to ask.
ClarifyReason = Literal[
    "unplaced words",
    "no metric",
    "two readings",
    "not computable",
    "cause or definition",
    "no earlier answer",
    "model's question",
]


@dataclass(frozen=True)
class Clarify:
    """Ask this question back, with up to three suggested rephrasings or metrics, and why."""

    question: str
    suggestions: tuple[str, ...] = ()
    usage: Usage | None = None
    reason: ClarifyReason = field(kw_only=True)


@dataclass(frozen=True)
class OutOfScope:
    """Not a question about the business's data."""

    reply: str
    usage: Usage | None = None


@dataclass(frozen=True)
class SkillRequest:
    """Run the skill `skill` with `input` (checked by the skill before it runs)."""

    skill: str
    input: Mapping[str, Any]
    usage: Usage | None = None


Plan = QueryPlan | Clarify | OutOfScope | SkillRequest


class RequestReader(Protocol):
    """One skill as planning sees it: its name and description, the JSON schema of its input
    (the tool a model-backed planner may call), and `read_request`, which recognises requests
    for it in plain words (the input asked for, or None when the question asks otherwise)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def input_schema(self) -> dict[str, Any]: ...

    def read_request(self, question: str) -> Mapping[str, Any] | None: ...


class Planner(Protocol):
    """(question, the conversation's previous queries) -> a plan."""

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan: ...


@runtime_checkable
class Closeable(Protocol):
    """A planner holding a resource (the Claude planner's HTTP client) to release when done."""

    def close(self) -> None: ...


def same_query(one: SemanticQuery, other: SemanticQuery) -> bool:
    """The same query, whatever the order of its filters."""
    unfiltered = {"filters": ()}
    same_rest = one.model_copy(update=unfiltered) == other.model_copy(update=unfiltered)
    return same_rest and set(one.filters) == set(other.filters)
