"""Asking why a metric moved, through the real command line: `cortex ask --json` answers with
the change and its drivers, whose contributions sum to the change; a bare "why?" in a
conversation explains the answer before it; a cause no period can show is still asked back."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.cortex.conftest import run


def _ask(cortex: CliRunner, *args: str) -> dict[str, object]:
    code, out, err = run(cortex, "ask", "--json", *args)
    assert code == 0, err
    payload: dict[str, object] = json.loads(out)
    return payload


def _sums_to_change(payload: dict[str, object]) -> None:
    assert payload["status"] == "answer", payload["text"]
    items = payload["drivers"]
    assert isinstance(items, list) and len(items) > 1
    change = payload["change"]
    assert isinstance(change, float) and change != 0
    assert sum(i["contribution"] for i in items) == pytest.approx(change)
    assert sum(i["share"] for i in items) == pytest.approx(1.0)
    assert set(items[0]) >= {"dimension", "value", "before", "after", "contribution", "share"}


def test_why_did_arr_change_last_quarter_is_answered_with_its_drivers(cortex: CliRunner) -> None:
    payload = _ask(cortex, "why did ARR change last quarter?")
    _sums_to_change(payload)
    assert payload["period"] == ["2026-07-01", "2026-09-30"]
    assert payload["compared"] == ["2026-04-01", "2026-06-30"]
    assert payload["rows"] and payload["sql"]  # the top dimension's values, really queried
    assert "$" in str(payload["text"]) and "ARR rose" in str(payload["text"])


def test_why_did_ticket_volume_go_up_and_a_bare_why_follow_up(cortex: CliRunner) -> None:
    _sums_to_change(_ask(cortex, "why did ticket volume go up last month?"))
    first = _ask(cortex, "AI automation rate last month")
    assert first["status"] == "answer" and "drivers" not in first
    why = _ask(cortex, "why?", "-c", str(first["conversation_id"]))
    _sums_to_change(why)
    assert all({"rate", "mix", "interaction"} <= set(i) for i in why["drivers"])  # a ratio


def test_a_cause_without_a_change_to_split_is_still_asked_back(cortex: CliRunner) -> None:
    payload = _ask(cortex, "why do customers churn?")
    assert payload["status"] == "clarification" and "drivers" not in payload
