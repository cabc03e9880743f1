"""Cortex's error messages, as a person at the terminal reads them.

Bad input gets one sentence saying what is wrong (`Error: ...`) and what to do about it
(`Hint: ...`), exit status 1, and never a traceback. Every case here runs the real `cortex`
command line on the demo warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.cli import app
from semantic_layer.query import WHERE_FORMS
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def cortex(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose environment points Cortex at the demo and the shipped metrics.yml."""
    monkeypatch.chdir(tmp_path)  # logs and default stores land here, not in the repo
    return CliRunner(
        env={
            "CORTEX_WAREHOUSE": str(demo_path),
            "CORTEX_METRICS": str(ROOT / "metrics.yml"),
            "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
            "USER": "ada",
        }
    )


def refused(runner: CliRunner, args: list[str], message: str, hint: str | None) -> None:
    """`cortex args` exits 1 with exactly `Error: message` and `Hint: hint`, and no traceback."""
    result = runner.invoke(app, args)
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown, shown
    assert result.exit_code == 1, shown
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {message}", shown
    assert lines[1:] == ([f"Hint: {hint}"] if hint else []), shown


# --------------------------------------------------------------------------- filters (--where)

FORMS_HINT = f"Write it as: {WHERE_FORMS}."


@pytest.mark.parametrize(
    ("where", "message", "hint"),
    [
        ("", "The filter is empty.", f"Write a condition such as segment = 'SMB' ({WHERE_FORMS})."),
        (
            "   ",
            "The filter is empty.",
            f"Write a condition such as segment = 'SMB' ({WHERE_FORMS}).",
        ),
        (";", "The filter ';' is not a valid condition.", FORMS_HINT),
        (
            "(" * 2000 + "segment = 'SMB'" + ")" * 2000,
            "The filter '" + "(" * 79 + "…' is nested too deeply to read.",
            f"Write it as conditions joined with AND: {WHERE_FORMS}.",
        ),
        (
            "NOT " * 2000 + "segment = 'SMB'",
            "The filter '" + "NOT " * 19 + "NOT…' is nested too deeply to read.",
            f"Write it as conditions joined with AND: {WHERE_FORMS}.",
        ),
        (
            "segment = lower('SMB')",
            "In the filter 'segment = lower('SMB')', LOWER('SMB') is not a plain value.",
            "Compare a dimension with a quoted string, a number, TRUE/FALSE or DATE 'YYYY-MM-DD'.",
        ),
    ],
    ids=["empty", "blank", "semicolon", "2000-parentheses", "2000-nots", "function-value"],
)
def test_a_filter_that_is_no_condition_says_how_to_write_one(
    cortex: CliRunner, where: str, message: str, hint: str
) -> None:
    refused(cortex, ["query", "-m", "ticket_volume", "--where", where], message, hint)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("limit", ["1000000000000000000000000000000", "0", "-5"])
def test_a_row_limit_outside_what_sql_can_hold_is_refused(cortex: CliRunner, limit: str) -> None:
    refused(
        cortex,
        ["query", "-m", "ticket_volume", "--by", "channel", "--limit", limit],
        f"--limit {limit} is not between 1 and 9223372036854775807.",
        "Give the number of rows to keep, e.g. --limit 10.",
    )
