"""Evaluation: run an eval set's questions through the whole pipeline and score the answers.

An answer is correct when it returns what the expected semantic query returns on the same
warehouse (execution accuracy: same columns, same rows, numbers equal to 1e-9), when it asks
back where the set expects a clarification, or declines where it expects out-of-scope. A
*wrong answer* is a number where there should be none, or different numbers: the failure
that matters most, reported on its own.

Every failure is given a class (`failure_class`): what Cortex did instead ("asked back:
unplaced words", "wrong number: filters, time range", "answered what needed a question"), so
that `cortex eval --failures` shows which general rule to work on, not a list of questions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from cortex.agent import Agent
from cortex.answer import Answer
from cortex.answers.formatting import is_missing
from cortex.errors import UserError
from cortex.workspace import Workspace
from semantic_layer.query import OrderBy, SemanticQuery, parse_where
from semantic_layer.yaml_lines import UTF8_HINT, NotUTF8, utf8_text

Expected = Literal["query", "clarify", "out_of_scope"]


@dataclass(frozen=True)
class Turn:
    """One question of a case, with what it should get."""

    question: str
    expected: Expected
    query: SemanticQuery | None = None


@dataclass(frozen=True)
class Case:
    """A single question, or a conversation of several turns."""

    id: str
    turns: tuple[Turn, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How one turn went."""

    case: str
    question: str
    expected: Expected
    status: str
    correct: bool
    wrong_answer: bool
    latency_ms: float
    tags: tuple[str, ...]
    detail: str = ""
    failure: str = ""


@dataclass(frozen=True)
class Report:
    """Accuracy, clarification rate, wrong-answer rate and latency over every turn."""

    outcomes: tuple[Outcome, ...]
    by_tag: dict[str, float] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes)

    @property
    def clarification_rate(self) -> float:
        return sum(o.status == "clarification" for o in self.outcomes) / len(self.outcomes)

    @property
    def wrong_answer_rate(self) -> float:
        return sum(o.wrong_answer for o in self.outcomes) / len(self.outcomes)

    @property
    def must_clarify_answered(self) -> int:
        """Questions that needed a clarification but got a number."""
        return sum(o.expected != "query" and o.status == "answer" for o in self.outcomes)

    def failures_by_class(self) -> dict[str, list[Outcome]]:
        """The failed turns grouped by failure class, the largest class first."""
        groups: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            if not outcome.correct:
                groups.setdefault(outcome.failure, []).append(outcome)
        return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))

    def latency_ms(self, quantile: float) -> float:
        latencies = sorted(o.latency_ms for o in self.outcomes)
        return latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]


def _query(raw: dict[str, Any]) -> SemanticQuery:
    fields = dict(raw)
    wheres = fields.pop("where", [])
    fields["filters"] = [f.model_dump() for text in wheres for f in parse_where(text)]
    fields["order_by"] = [OrderBy.parse(o).model_dump() for o in fields.get("order_by", [])]
    return SemanticQuery.model_validate(fields)


def _turn(raw: dict[str, Any]) -> Turn:
    expect = raw.get("expect") or {}
    if "query" in expect:
        return Turn(raw["question"], "query", _query(expect["query"]))
    if expect.get("clarify"):
        return Turn(raw["question"], "clarify")
    if expect.get("out_of_scope"):
        return Turn(raw["question"], "out_of_scope")
    raise UserError(
        f"The eval case for '{raw.get('question')}' expects nothing I know.",
        hint="Give expect: {query: ...}, {clarify: true} or {out_of_scope: true}.",
    )


def load_eval(path: Path) -> tuple[date, list[Case]]:
    """The as-of day and the cases of an eval file (see evals/demo.yml)."""
    try:
        data = yaml.safe_load(utf8_text(path.read_bytes()))
    except NotUTF8 as error:
        raise UserError(f"{path}:{error.line}: {error.reason}", hint=UTF8_HINT) from None
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"Cannot read the eval file {path}: {error}") from None
    as_of = data.get("as_of")
    if not isinstance(as_of, date):
        raise UserError(f"{path}: `as_of` must be a date (YYYY-MM-DD).")
    cases = []
    for raw in data.get("cases", []):
        turns = raw.get("conversation") or [raw]
        cases.append(Case(raw["id"], tuple(_turn(t) for t in turns), tuple(raw.get("tags", []))))
    return as_of, cases


def _same(expected: pd.DataFrame, actual: pd.DataFrame) -> str:
    """'' when the frames hold the same rows (in any order), else what differs."""
    missing = [c for c in expected.columns if c not in actual.columns]
    if missing:
        return f"missing columns {missing}"
    if len(expected) != len(actual):
        return f"{len(actual)} rows instead of {len(expected)}"

    def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        cells = [[None if is_missing(v) else v for v in row] for row in frame.itertuples(False)]
        return sorted((tuple(row) for row in cells), key=repr)

    for want, got in zip(rows(expected), rows(actual[list(expected.columns)]), strict=True):
        for a, b in zip(want, got, strict=True):
            if (
                isinstance(a, int | float)
                and isinstance(b, int | float)
                and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            ):
                continue
            if a != b:
                return f"{want} instead of {got}"
    return ""


#: What a semantic query is made of, as a failure class names the parts an answer got wrong.
_PARTS = (
    ("metrics", "metrics"),
    ("dimensions", "breakdown"),
    ("filters", "filters"),
    ("named_filters", "filters"),
    ("time_range", "time range"),
    ("compare", "comparison"),
    ("order_by", "ranking"),
    ("limit", "ranking"),
)


def failure_class(turn: Turn, answer: Answer) -> str:
    """What Cortex did instead of what `turn` expects ('' when it is what it expects)."""
    if answer.status == "answer":
        if turn.expected == "clarify":
            return "answered what needed a question back"
        if turn.expected == "out_of_scope":
            return "answered a request that is not about data"
        assert turn.query is not None
        parts = _differing_parts(turn.query, answer.query)
        return f"wrong number: {', '.join(parts) if parts else 'same query, other rows'}"
    if answer.status == "clarification":
        if turn.expected == "out_of_scope":
            return "asked back on a request that is not about data"
        return f"asked back: {answer.reason or 'unclassified'}"
    if answer.status == "out_of_scope":
        return "declined a question about data"
    return {"denied": "denied by access rules", "error": "failed with an error"}.get(
        answer.status, answer.status
    )


def _differing_parts(expected: SemanticQuery, actual: SemanticQuery | None) -> list[str]:
    if actual is None:
        return []
    parts: list[str] = []
    for field_name, part in _PARTS:
        mine, theirs = getattr(expected, field_name), getattr(actual, field_name)
        if isinstance(mine, tuple) and field_name != "order_by":
            mine, theirs = sorted(map(repr, mine)), sorted(map(repr, theirs))
        if mine != theirs and part not in parts:
            parts.append(part)
    return parts


def _score(turn: Turn, answer: Answer, workspace: Workspace) -> tuple[bool, bool, str]:
    """(correct, wrong answer, detail)."""
    answered = answer.status == "answer"
    if turn.expected != "query":
        wanted = "clarification" if turn.expected == "clarify" else "out_of_scope"
        correct = answer.status == wanted
        return correct, answered, "" if correct else f"{answer.status}: {answer.text[:80]}"
    if not answered or answer.result is None:
        return False, False, f"{answer.status}: {answer.text[:80]}"
    assert turn.query is not None
    expected = workspace.query(turn.query).result
    assert expected is not None
    difference = _same(expected.frame, answer.result.frame)
    return not difference, bool(difference), difference


def run_eval(
    cases: Sequence[Case], make_agent: Callable[[], Agent], workspace: Workspace
) -> Report:
    """Ask every turn of every case (each case a new conversation) and score the answers."""
    outcomes = []
    agent = make_agent()
    for case in cases:
        conversation: str | None = None
        for turn in case.turns:
            answer = agent.ask(turn.question, conversation)
            conversation = answer.conversation_id
            correct, wrong, detail = _score(turn, answer, workspace)
            outcomes.append(
                Outcome(
                    case.id,
                    turn.question,
                    turn.expected,
                    answer.status,
                    correct,
                    wrong,
                    answer.timings_ms.get("total", 0.0),
                    case.tags,
                    detail,
                    "" if correct else failure_class(turn, answer),
                )
            )
    tags = sorted({tag for o in outcomes for tag in o.tags})
    by_tag = {tag: statistics.mean(o.correct for o in outcomes if tag in o.tags) for tag in tags}
    return Report(tuple(outcomes), by_tag)
