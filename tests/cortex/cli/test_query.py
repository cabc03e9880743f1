"""`cortex query`: governed numbers, as JSON and as a table, and one clear error for a bad query."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cortex.cli import app
from tests.cortex.conftest import run

ARR_BY_SEGMENT = """
    SELECT a.segment, SUM(s.arr) AS arr
    FROM subscriptions AS s JOIN accounts AS a USING (account_id)
    WHERE s.started_on <= DATE '2026-11-24'
      AND (s.ended_on IS NULL OR s.ended_on > DATE '2026-11-24')
    GROUP BY a.segment ORDER BY arr DESC
"""


def test_query_arr_by_segment_matches_hand_written_sql(
    cortex: CliRunner, demo_con: duckdb.DuckDBPyConnection
) -> None:
    code, out, _ = run(cortex, "query", "--metric", "arr", "--by", "segment", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["columns"] == ["segment", "arr"]
    expected = demo_con.execute(ARR_BY_SEGMENT).fetchall()
    assert [row[0] for row in answer["rows"]] == [segment for segment, _ in expected]
    assert [row[1] for row in answer["rows"]] == pytest.approx([float(arr) for _, arr in expected])
    assert answer["sql"].startswith("/* subscriptions: arr (snapshot) */")
    provenance = answer["provenance"]
    assert provenance["metrics"][0]["owner"] == "finance@cortex-demo.com"
    assert provenance["source_tables"] == ["subscriptions", "accounts"]
    # The latest sign-up or contract start: recent, never after the as-of day.
    assert "2026-10-24" <= provenance["freshness"][:10] <= "2026-11-24"


def test_query_prints_a_table_and_how_it_was_computed(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "query", "-m", "arr", "--by", "segment", "--sql")
    assert code == 0
    assert "Enterprise" in out and "$" in out
    assert "How this was computed" in out
    assert "owner finance@cortex-demo.com" in out
    assert "SUM(subscriptions.arr)" in out


def test_query_by_month_over_a_relative_range(cortex: CliRunner) -> None:
    code, out, _ = run(
        cortex,
        "query",
        "-m",
        "ticket_volume",
        "--by",
        "metric_time:month",
        "--last",
        "3 months",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [row[0] for row in rows] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert all(isinstance(row[1], int) and row[1] > 0 for row in rows)


def test_query_filters_orders_and_limits(cortex: CliRunner) -> None:
    code, out, _ = run(
        cortex,
        "query",
        "-m",
        "ticket_volume",
        "--by",
        "account_name",
        "--filter",
        "enterprise",
        "--where",
        "channel IN ('email', 'chat')",
        "--range",
        "last month",
        "--order",
        "-ticket_volume",
        "--limit",
        "3",
        "--json",
    )
    assert code == 0
    answer = json.loads(out)
    volumes = [row[1] for row in answer["rows"]]
    assert len(volumes) == 3 and volumes == sorted(volumes, reverse=True)
    assert answer["provenance"]["filters"] == [
        "channel in ('email', 'chat')",
        "segment = 'Enterprise'",
    ]


def test_query_for_another_dialect_prints_its_sql_without_running(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "query", "-m", "arr", "--by", "segment", "--dialect", "bigquery")
    assert code == 0
    assert "bigquery SQL" in out and "UNNEST" not in out and "SUM(subscriptions.arr)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "-m", "arr", "--by", "segmnt"], "Did you mean 'segment'"),
        (["query", "-m", "revenu"], "Unknown metric 'revenu'"),
        (["query", "-m", "arr", "--by", "channel"], "can't be used with metric 'arr'"),
        (
            ["query", "-m", "arr", "--where", "1=1 OR segment = 'SMB'"],
            "Filters compare a dimension",
        ),
        (["query", "-m", "arr", "--range", "next week"], "is not a time range I know"),
        (["query", "-m", "arr", "--last", "3 months", "--range", "ytd"], "not both"),
        (["query", "-m", "arr", "--compare", "last_year"], "previous_period or previous_year"),
    ],
)
def test_a_bad_query_is_one_clear_error_and_no_traceback(
    cortex: CliRunner, args: list[str], message: str
) -> None:
    code, out, err = run(cortex, *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err


def test_a_bad_setting_names_the_variable(cortex: CliRunner) -> None:
    result = cortex.invoke(app, ["query", "-m", "arr"], env={"CORTEX_AS_OF": "24/11/2026"})
    assert result.exit_code == 1
    assert "CORTEX_AS_OF='24/11/2026' is not a date" in result.stderr


def test_a_missing_configured_warehouse_says_how_to_fix_it(
    cortex: CliRunner, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nowhere.duckdb")
    result = cortex.invoke(app, ["query", "-m", "arr"], env={"CORTEX_WAREHOUSE": missing})
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "CORTEX_WAREHOUSE" in result.stderr


def test_a_month_still_running_is_marked_partial_in_json_and_in_the_table(
    cortex: CliRunner,
) -> None:
    args = ("query", "-m", "ticket_volume", "--by", "metric_time:month", "--last", "3 months")
    code, out, _ = run(cortex, *args, "--json")
    assert code == 0
    answer = json.loads(out)
    assert [row[0] for row in answer["rows"]] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert answer["partial"] == [False, False, True]
    (period,) = answer["provenance"]["partial_periods"]
    assert (period["start"], period["first"], period["last"]) == (
        "2026-11-01",
        "2026-11-01",
        "2026-11-24",
    )
    code, out, _ = run(cortex, *args)
    assert "2026-11 (partial: 1–24 Nov 2026)" in out
    trend = out.splitlines()[0]
    assert "in November 2026" not in trend.split(". November")[0]
    assert "November 2026 covers 1–24 Nov 2026 only" in trend


def test_query_without_a_metric_lists_the_dimensions_values(
    cortex: CliRunner, demo_con: duckdb.DuckDBPyConnection
) -> None:
    code, out, _ = run(
        cortex,
        "query",
        "--by",
        "account_name",
        "--by",
        "account_owner",
        "--where",
        "segment = 'Enterprise'",
        "--where",
        "region = 'EMEA'",
        "--json",
    )
    assert code == 0
    answer = json.loads(out)
    expected = demo_con.execute(
        "SELECT DISTINCT account_name, owner_name FROM accounts "
        "WHERE segment = 'Enterprise' AND region = 'EMEA' ORDER BY 1, 2"
    ).fetchall()
    assert [tuple(row) for row in answer["rows"]] == expected
    code, out, _ = run(cortex, "query", "--by", "account_owner", "--where", "region = 'EMEA'")
    assert code == 0 and "rows of account owner for EMEA" in out
