"""`--as-user U…`: an analyst sees from the terminal what a Slack user would be answered and shown.

The grant is access.yml's for that user; group membership is not known offline (without
SLACK_BOT_TOKEN), so a user whose roles come from a group gets only their own entry's.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.cortex.conftest import run
from tests.slack.conftest import ACCESS_YML, ANALYST, FINANCE_MEMBER, SUPPORT

REP = "U0REP1"  # Lucas Meyer, a sales rep: ARR of his own accounts


@pytest.fixture()
def as_anyone(cortex: CliRunner, tmp_path: Path) -> CliRunner:
    """The `cortex` runner with the Slack tests' access.yml."""
    access = tmp_path / "access.yml"
    access.write_text(textwrap.dedent(ACCESS_YML), encoding="utf-8")
    cortex.env = {**(cortex.env or {}), "CORTEX_ACCESS": str(access)}
    return cortex


def arr_of(con: duckdb.DuckDBPyConnection, owner: str | None) -> float:
    """ARR today, by hand (the reference), of one owner's accounts or of all."""
    where = "AND owner_name = ?" if owner else ""
    found = con.execute(
        "SELECT SUM(s.arr) FROM subscriptions s JOIN accounts a USING (account_id) "
        "WHERE s.started_on <= DATE '2026-11-24' AND (s.ended_on IS NULL OR "
        f"s.ended_on > DATE '2026-11-24') {where}",
        [owner] if owner else [],
    ).fetchone()
    assert found is not None
    return float(found[0])


def test_ask_as_a_rep_answers_with_the_reps_rows(
    as_anyone: CliRunner, demo_con: duckdb.DuckDBPyConnection
) -> None:
    code, out, err = run(as_anyone, "ask", "--as-user", REP, "--json", "What is our ARR?")
    assert code == 0, err
    answer = json.loads(out)
    assert "'Lucas Meyer'" in answer["sql"]
    assert answer["rows"][0][-1] == pytest.approx(arr_of(demo_con, "Lucas Meyer"))
    assert arr_of(demo_con, "Lucas Meyer") < arr_of(demo_con, None)
    assert "As Lucas Meyer (U0REP1): roles sales_rep." in err


def test_ask_as_support_is_refused_arr(as_anyone: CliRunner) -> None:
    _, out, _ = run(as_anyone, "ask", "--as-user", SUPPORT, "What is our ARR?")
    assert "not allowed to see ARR" in out


def test_ask_as_an_unknown_user_is_one_clear_error(as_anyone: CliRunner) -> None:
    code, _, err = run(as_anyone, "ask", "--as-user", "U0ANALYS", "What is our ARR?")
    assert code == 1
    assert "U0ANALYS has no role in access.yml (and is in none of its groups)" in err
    assert f"Did you mean '{ANALYST}'?" in err and "Traceback" not in err


def test_group_membership_is_not_known_offline(as_anyone: CliRunner) -> None:
    code, _, err = run(as_anyone, "metrics", "--as-user", FINANCE_MEMBER)
    assert code == 1
    assert "Group membership is not known offline (SLACK_BOT_TOKEN is not set)" in err
    assert f"{FINANCE_MEMBER} has no role in access.yml" in err


def test_metrics_as_user_lists_only_what_they_may_see(as_anyone: CliRunner) -> None:
    code, out, err = run(as_anyone, "metrics", "--as-user", SUPPORT, "--json")
    assert code == 0, err
    names = {m["name"] for m in json.loads(out)["metrics"]}
    assert "arr" not in names and "net_new_arr" not in names and "ticket_volume" in names
    code, out, _ = run(as_anyone, "metrics", "--json")
    assert {"arr", "net_new_arr"} <= {m["name"] for m in json.loads(out)["metrics"]}


def test_metrics_as_a_rep_says_which_rows_they_see(as_anyone: CliRunner) -> None:
    code, out, err = run(as_anyone, "metrics", "--as-user", REP, "--json")
    assert code == 0, err
    rows = {m["name"]: m["rows"] for m in json.loads(out)["metrics"]}
    assert rows["arr"] == "account_owner = 'Lucas Meyer'"
