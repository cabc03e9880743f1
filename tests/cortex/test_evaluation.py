"""The evaluation scores answers by what they return, and counts wrong answers apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cortex.answer import Answer
from cortex.cli import app
from cortex.errors import UserError
from cortex.evaluation import Turn, _same, failure_class, load_eval
from semantic_layer.query import Filter, SemanticQuery
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]


def test_frames_match_in_any_row_order_and_within_float_tolerance() -> None:
    want = pd.DataFrame({"segment": ["A", "B"], "arr": [1.0, 2.0]})
    got = pd.DataFrame({"arr": [2.0 + 1e-12, 1.0], "segment": ["B", "A"]})
    assert _same(want, got) == ""
    assert _same(want, got.assign(arr=[2.5, 1.0])) != ""
    assert "missing columns" in _same(want, got.drop(columns=["segment"]))
    assert "rows instead of" in _same(want, got.iloc[:1])


def test_the_shipped_eval_set_loads(tmp_path: Path) -> None:
    as_of, cases = load_eval(ROOT / "evals" / "demo.yml")
    assert as_of == DEMO_AS_OF
    assert sum(len(c.turns) for c in cases) >= 60


def test_an_eval_case_without_an_expectation_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("as_of: 2026-11-24\ncases:\n  - id: x\n    question: hi\n    expect: {}\n")
    with pytest.raises(UserError, match="expects nothing I know"):
        load_eval(path)


def test_cortex_eval_reports_accuracy_clarifications_wrong_answers_and_latency(
    demo_path: Path, tmp_path: Path
) -> None:
    small = tmp_path / "small.yml"
    small.write_text(
        "as_of: 2026-11-24\n"
        "cases:\n"
        "  - id: arr\n    question: What is our ARR by segment?\n"
        "    expect: {query: {metrics: [arr], dimensions: [segment]}}\n"
        "  - id: nps\n    question: What's our NPS?\n    expect: {clarify: true}\n"
        "  - id: wrong\n    question: How many tickets did we get last month?\n"
        "    expect: {query: {metrics: [ticket_volume], time_range: this month}}\n"
    )
    env = {"CORTEX_WAREHOUSE": str(demo_path), "CORTEX_METRICS": str(ROOT / "metrics.yml")}
    result = CliRunner(env=env).invoke(app, ["eval", str(small), "--failures"])
    assert result.exit_code == 0, result.stderr
    assert "accuracy 66.7%" in result.stdout
    assert "wrong answers 33.3%" in result.stdout
    assert "must-clarify answered with a number: 0" in result.stdout
    assert "✗ wrong" in result.stdout
    assert "wrong number: time range (1)" in result.stdout  # failures are listed by class


EXPECTED = SemanticQuery(metrics=("arr",), dimensions=("segment",), time_range="last month")


def answered(query: SemanticQuery | None = None, status: str = "answer", **more: object) -> Answer:
    return Answer(status, "...", "q", "c", query=query, **more)  # type: ignore[arg-type]


def test_a_wrong_number_is_classed_by_the_parts_of_the_query_it_got_wrong() -> None:
    turn = Turn("ARR by segment last month", "query", EXPECTED)
    filtered = EXPECTED.model_copy(
        update={"filters": (Filter(field="region", op="=", values=("EMEA",)),), "time_range": None}
    )
    assert failure_class(turn, answered(filtered)) == "wrong number: filters, time range"
    reordered = EXPECTED.model_copy(update={"dimensions": ("segment",), "limit": 3})
    assert failure_class(turn, answered(reordered)) == "wrong number: ranking"
    assert failure_class(turn, answered(EXPECTED)) == "wrong number: same query, other rows"


def test_a_question_back_is_classed_by_why_cortex_asked() -> None:
    turn = Turn("ARR by segment last month", "query", EXPECTED)
    asked = answered(status="clarification", reason="unplaced words")
    assert failure_class(turn, asked) == "asked back: unplaced words"
    assert failure_class(Turn("write a poem", "out_of_scope"), asked) == (
        "asked back on a request that is not about data"
    )


def test_answering_or_declining_against_the_expectation_are_classes_of_their_own() -> None:
    assert failure_class(Turn("NPS?", "clarify"), answered(EXPECTED)) == (
        "answered what needed a question back"
    )
    assert failure_class(Turn("a poem", "out_of_scope"), answered(EXPECTED)) == (
        "answered a request that is not about data"
    )
    declined = answered(status="out_of_scope")
    assert failure_class(Turn("ARR?", "query", EXPECTED), declined) == (
        "declined a question about data"
    )
    failed = answered(status="error")
    assert failure_class(Turn("ARR?", "query", EXPECTED), failed) == "failed with an error"


def test_out_of_scope_wants_the_polite_no_not_a_question_back() -> None:
    from cortex.answer import Answer
    from cortex.evaluation import Turn, _score

    turn = Turn("how do I reset my password?", "out_of_scope")
    asked_back = Answer("clarification", "Which metric?", turn.question, "c1")
    declined = Answer("out_of_scope", "I answer questions about metrics.", turn.question, "c1")
    answered = Answer("answer", "ARR is $1", turn.question, "c1")
    assert _score(turn, asked_back, workspace=None) == (
        False,
        False,
        "clarification: Which metric?",
    )  # type: ignore[arg-type]
    assert _score(turn, declined, workspace=None)[:2] == (True, False)  # type: ignore[arg-type]
    assert _score(turn, answered, workspace=None)[:2] == (False, True)  # type: ignore[arg-type]
