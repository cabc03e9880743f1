"""`cortex ask` and `cortex chat`: answers in JSON and in the terminal, follow-ups, charts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cortex.cli import app
from cortex.stores.audit import AuditLog
from tests.cortex.conftest import ROOT, run


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


def test_caveats_are_rendered_as_markdown_in_the_terminal(cortex: CliRunner) -> None:
    result = cortex.invoke(
        app, ["ask", "what's our CSAT this quarter?"], env={"CORTEX_CONTEXT": str(ROOT / "context")}
    )
    code, out = result.exit_code, result.stdout
    assert code == 0
    assert "Note (Data caveats › CSAT response bias)" in out
    assert "**" not in out and "<!--" not in out and "• Only about one shopper" in out


def test_chat_says_what_to_ask_shows_the_last_sql_and_steps_back_a_month(
    cortex: CliRunner,
) -> None:
    lines = (
        "help\nshow me the SQL\ntickets last month\nshow me the SQL\nwhat about the month before?\n"
    )
    result = cortex.invoke(app, ["chat"], input=lines + "\n")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "What is our ARR by segment?" in out  # a verified question of the loaded model
    assert "No answer with SQL yet" in out
    assert "FROM tickets AS tickets" in out and "CAST('2026-10-01' AS DATE)" in out
    assert "in September 2026" in out
