"""okr.status: how we stand against an objective, where it is heading (method, range,
likelihood), by segment, and what would close the gap; all of it from governed queries on the
demo (as of 2026-11-24, scale 0.05), checked against numbers computed here by hand."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from skills.base import SkillContext, SkillError
from skills.okr import OkrStatus, OkrStatusInput, okr_ids
from tests.cortex.conftest import run

AS_OF = date(2026, 11, 24)
Q4 = date(2026, 10, 1)
Q4_END = date(2026, 12, 31)


def arr_on(con: duckdb.DuckDBPyConnection, day: date) -> float:
    """ARR on `day`, straight from the subscriptions table."""
    row = con.execute(
        "SELECT sum(arr) FROM subscriptions WHERE started_on <= ? "
        "AND (ended_on IS NULL OR ended_on > ?)",
        [day, day],
    ).fetchone()
    assert row is not None
    return float(row[0])


def test_okr_1_agrees_with_a_projection_computed_by_hand(
    context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    result = OkrStatus().run(context, OkrStatusInput(okr="okr 1"))
    (okr,) = result.details["okrs"]  # type: ignore[misc]
    target = demo_con.execute("SELECT target_value FROM okr_targets WHERE okr_id = 'OKR-1'")
    assert okr["target"] == target.fetchone()[0]  # type: ignore[index]
    assert okr["current"] == pytest.approx(arr_on(demo_con, AS_OF))
    # by hand: ARR on the last day of each of the 13 weeks up to the as-of day, a straight
    # line through them (days counted from the quarter's first day = 1), read at 31 Dec
    monday = AS_OF - timedelta(days=AS_OF.weekday())
    ends = [min(monday - timedelta(weeks=k) + timedelta(days=6), AS_OF) for k in range(12, -1, -1)]
    x = np.array([(d - Q4).days + 1 for d in ends], dtype=float)
    y = np.array([arr_on(demo_con, d) for d in ends])
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (intercept + slope * x)
    r2 = 1 - residuals @ residuals / ((y - y.mean()) @ (y - y.mean()))
    x_end = (Q4_END - Q4).days + 1
    se = np.sqrt(residuals @ residuals / (len(x) - 2))
    spread = se * np.sqrt(
        1 + 1 / len(x) + (x_end - x.mean()) ** 2 / ((x - x.mean()) @ (x - x.mean()))
    )
    assert r2 >= 0.5  # so the trend is the method
    assert okr["method"] == "trend"
    assert okr["projected"] == pytest.approx(intercept + slope * x_end)
    assert okr["low"] == pytest.approx(intercept + slope * x_end - 1.645 * spread)
    assert okr["high"] == pytest.approx(intercept + slope * x_end + 1.645 * spread)
    assert okr["run_rate"] == pytest.approx(okr["current"])  # a snapshot holds its last value
    # likely: the share of Normal(projected, spread) at or above the target
    z = (intercept + slope * x_end - okr["target"]) / spread
    assert okr["confidence"] == pytest.approx(0.5 * (1 + math.erf(z / math.sqrt(2))))
    assert "by trend" in result.text and f"explains {r2:.0%}" in result.text
    assert "a 90% band" in result.text and "likely" in result.text
    assert "By segment" in result.text and "Enterprise" in result.text
    short = okr["projected"] < okr["target"]
    assert ("Closing the gap" if short else "On track") in result.text
    # the answer's table is the governed query behind the segments, with its provenance
    assert result.answer is not None and result.answer.compiled is not None
    assert result.answer.query is not None and result.answer.query.dimensions == ("segment",)
    assert result.answer.result is not None
    assert set(result.answer.result.frame["segment"]) == {"SMB", "Mid-Market", "Enterprise"}


def test_ids_are_read_loosely_and_an_unknown_one_gets_a_did_you_mean(
    context: SkillContext,
) -> None:
    for written in ("OKR-1", "okr 1", "OKR1", " okr-1 "):
        result = OkrStatus().run(context, OkrStatusInput(okr=written))
        assert result.details["okrs"][0]["id"] == "OKR-1"  # type: ignore[index]
    with pytest.raises(SkillError) as raised:
        OkrStatus().run(context, OkrStatusInput(okr="OKR-9"))
    assert "There is no objective 'OKR-9'" in raised.value.user_message
    assert "OKR-1 (Grow ARR" in raised.value.user_message


def test_without_an_id_every_current_objective_is_listed(context: SkillContext) -> None:
    result = OkrStatus().run(context, OkrStatusInput())
    okrs = result.details["okrs"]
    assert [o["id"] for o in okrs] == [f"OKR-{n}" for n in range(1, 7)]  # type: ignore[union-attr,index]
    for okr in okrs:  # type: ignore[union-attr]
        assert okr["low"] <= okr["projected"] <= okr["high"]
        assert 0 <= okr["confidence"] <= 1
        assert okr["method"] in ("trend", "run-rate")
    assert result.answer is not None and result.answer.compiled is None
    assert "• OKR-6 (Net new ARR, Enterprise)" in result.text
    assert "How these were computed" in result.text


def test_a_lower_is_better_objective_is_measured_the_right_way(
    context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    result = OkrStatus().run(context, OkrStatusInput(okr="OKR-3"))
    okr = result.details["okrs"][0]  # type: ignore[index]
    row = demo_con.execute(
        "SELECT quantile_cont(date_diff('second', created_at, first_response_at), 0.5) "
        "FROM tickets WHERE created_at >= ? AND created_at < ? AND first_response_at IS NOT NULL",
        [Q4, AS_OF + timedelta(days=1)],
    ).fetchone()
    assert okr["current"] == pytest.approx(row[0])  # type: ignore[index]
    assert okr["higher_is_better"] is False
    assert okr["attainment"] == pytest.approx(okr["target"] / okr["current"])
    assert "lower is better" in result.text


def test_a_segment_objective_is_filtered_to_its_segment(
    context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    okr = OkrStatus().run(context, OkrStatusInput(okr="OKR-5")).details["okrs"][0]  # type: ignore[index]
    row = demo_con.execute(
        "SELECT avg(t.csat_score) FROM tickets t JOIN accounts a USING (account_id) "
        "WHERE a.segment = 'Enterprise' AND t.created_at >= ? AND t.created_at < ?",
        [Q4, AS_OF + timedelta(days=1)],
    ).fetchone()
    assert okr["segment"] == "Enterprise"
    assert okr["current"] == pytest.approx(row[0])  # type: ignore[index]


def test_okr_ids_list_the_objectives_for_planners(
    context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    rows = demo_con.execute("SELECT okr_id, objective FROM okr_targets ORDER BY okr_id").fetchall()
    assert okr_ids(context.workspace) == [tuple(row) for row in rows]


def test_the_cli_runs_okr_status_and_prints_the_answer(cortex: CliRunner) -> None:
    code, out, err = run(
        cortex, "skill", "run", "okr.status", "--input", '{"okr": "OKR-1"}', "--json"
    )
    assert code == 0, err
    printed = json.loads(out)
    assert printed["outcome"] == "done"
    assert "OKR-1" in json.dumps(printed)
    assert "by trend" in json.dumps(printed)


# --------------------------------------------------------------------------- asked in words


@pytest.mark.parametrize(
    ("question", "okr"),
    [
        ("How are we performing against OKR-1, and what can my team do to help?", "OKR-1"),
        ("okr 3 progress?", "okr 3"),
        ("Are we on track for our OKRs?", None),
    ],
)
def test_the_status_of_an_objective_asked_in_words_is_an_answer(
    cortex: CliRunner, question: str, okr: str | None
) -> None:
    code, stdout, _ = run(cortex, "ask", "--json", question)
    assert code == 0
    payload = json.loads(stdout)
    assert payload["status"] == "answer"
    assert payload["action"]["skill"] == "okr.status"
    assert payload["action"]["outcome"] == "done"
    assert payload["action"]["input"] == ({"okr": okr} if okr else {"okr": None})
    assert "Projected" in payload["text"] or "projected" in payload["text"]


def test_a_question_about_an_objectives_target_stays_a_metric_question(cortex: CliRunner) -> None:
    code, stdout, _ = run(cortex, "ask", "--json", "What's the OKR target for OKR-1?")
    payload = json.loads(stdout)
    assert payload["action"] is None


def test_cortex_audit_lists_the_skills_run_with_their_outcome(cortex: CliRunner) -> None:
    run(cortex, "skill", "run", "okr.status", "--input", '{"okr": "OKR-99"}')
    run(cortex, "skill", "run", "okr.status", "--input", '{"okr": "OKR-1"}')
    code, stdout, _ = run(cortex, "audit", "--skills")
    assert code == 0
    assert "2 skill run(s), newest first" in stdout
    assert stdout.index("done") < stdout.index("failed")  # newest first
    assert "OKR-99" in stdout  # the input of the run that failed
