"""The `cortex` command line, run in-process on the demo warehouse.

Each test passes its settings as environment variables, as a user would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cortex.cli import app
from cortex.stores.audit import AuditLog
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[3]
BROKEN = ROOT / "tests" / "semantic_layer" / "fixtures" / "broken"


@pytest.fixture()
def cortex(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose environment points Cortex at the demo and the shipped metrics.yml."""
    monkeypatch.chdir(tmp_path)  # logs and default paths land here, not in the repo
    return CliRunner(
        env={
            "CORTEX_WAREHOUSE": str(demo_path),
            "CORTEX_METRICS": str(ROOT / "metrics.yml"),
            "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        }
    )


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


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


def test_check_passes_on_the_shipped_model_against_the_warehouse(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "check")
    assert code == 0
    assert "checked against the warehouse; access.yml checked against it" in out


def test_check_reports_a_broken_access_yml_at_its_line(cortex: CliRunner, tmp_path: Path) -> None:
    access = tmp_path / "access.yml"
    access.write_text(
        "version: 1\nroles:\n  analyst: {description: All.}\n"
        "metrics:\n  arr: {requires: [analyts]}\n",
        encoding="utf-8",
    )
    result = cortex.invoke(app, ["check", "--no-warehouse"], env={"CORTEX_ACCESS": str(access)})
    assert result.exit_code == 1
    assert "access.yml:5" in result.stderr and "Did you mean 'analyst'" in result.stderr


def test_check_lists_every_problem_in_one_run(cortex: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(BROKEN / "all_at_once", broken)
    result = cortex.invoke(
        app, ["check", "--no-warehouse"], env={"CORTEX_METRICS": str(broken / "metrics.yml")}
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) >= 4
    assert any("unknown key" in line and "Did you mean" in line for line in errors)
    assert any("cycle" in line for line in errors)
    assert all(line.split(":")[1].isdigit() for line in errors)  # file:line on each
    assert "error(s)" in result.stderr


def test_metrics_lists_the_catalog(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "metrics", "--json")
    assert code == 0
    catalog = json.loads(out)
    names = {m["name"] for m in catalog["metrics"]}
    assert {"arr", "net_new_arr", "ai_automation_rate", "win_rate"} <= names
    assert all(m["owner"] and m["description"] for m in catalog["metrics"])


def test_demo_build_writes_a_warehouse_with_a_progress_bar(tmp_path: Path) -> None:
    out = tmp_path / "small.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "build",
            "--scale",
            "0.01",
            "--as-of",
            "2026-11-24",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert out.is_file()
    assert "Building the demo company" in result.stderr
    assert "tickets" in result.stderr


def test_demo_build_refuses_a_bad_scale_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "build", "--scale", "-1", "--out", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 1
    assert "scale" in result.stderr and "Traceback" not in result.stderr


def test_ask_answers_in_json_with_status_query_rows_and_sql(
    cortex: CliRunner, tmp_path: Path
) -> None:
    code, out, _ = run(cortex, "ask", "What is our ARR by segment?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["status"] == "answer" and answer["trust"] == "verified"
    assert answer["query"]["metrics"] == ["arr"]
    assert answer["columns"] == ["segment", "arr"] and len(answer["rows"]) == 3
    assert answer["sql"].startswith("/* subscriptions: arr (snapshot) */")
    assert set(answer) >= {"text", "provenance", "suggestions", "conversation_id"}


def test_ask_follows_up_in_a_conversation(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "ask", "How many tickets did we get last month?", "--json")
    conversation = json.loads(out)["conversation_id"]
    code, out, _ = run(cortex, "ask", "now by channel", "--json", "--conversation", conversation)
    assert code == 0
    assert json.loads(out)["query"]["dimensions"] == ["channel"]


def test_ask_clarifies_what_it_cannot_answer(cortex: CliRunner) -> None:
    code, out, _ = run(cortex, "ask", "What's our NPS?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["status"] == "clarification" and answer["rows"] == []
    assert answer["suggestions"]


def test_chat_answers_follow_ups_until_an_empty_line(cortex: CliRunner, tmp_path: Path) -> None:
    result = cortex.invoke(app, ["chat"], input="tickets last month\nnow by channel\n\n")
    assert result.exit_code == 0
    assert result.stdout.count("How this was computed") == 2
    assert "Channel" in result.stdout
    audited = AuditLog(tmp_path / "data" / "audit.sqlite").list()
    assert [r.question for r in audited] == ["now by channel", "tickets last month"]


def test_ask_draws_the_answers_chart(cortex: CliRunner, tmp_path: Path) -> None:
    png = tmp_path / "arr.png"
    code, _, err = run(
        cortex, "ask", "monthly ARR by segment over the last 6 months", "--chart", str(png)
    )
    assert code == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "Chart written" in err


def test_ask_draws_no_chart_for_a_single_number(cortex: CliRunner, tmp_path: Path) -> None:
    png = tmp_path / "arr.png"
    code, _, err = run(cortex, "ask", "What's our ARR?", "--chart", str(png))
    assert code == 0 and not png.exists()
    assert "No chart" in err


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


def test_caveats_are_rendered_as_markdown_in_the_terminal(cortex: CliRunner) -> None:
    result = cortex.invoke(
        app, ["ask", "what's our CSAT this quarter?"], env={"CORTEX_CONTEXT": str(ROOT / "context")}
    )
    code, out = result.exit_code, result.stdout
    assert code == 0
    assert "Note (Data caveats › CSAT response bias)" in out
    assert "**" not in out and "<!--" not in out and "• Only about one shopper" in out
