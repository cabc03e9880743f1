"""Cortex's error messages, as a person at the terminal reads them.

Bad input gets one sentence saying what is wrong (`Error: ...`) and what to do about it
(`Hint: ...`), exit status 1, and never a traceback; a file Cortex reads is reported at
`file:line`. A failing outside call costs no answer: Claude unreachable is an error answer
saying so, a store that cannot be written is one `Warning:` line beside the answer.

The cases run the real `cortex` command line on the demo warehouse (one runs the agent
itself, to hold a lock with a short busy timeout), with real SQLite files and the real
`anthropic` SDK against the fake Messages API.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.agent import Agent
from cortex.cli import app
from cortex.planning.offline.planner import OfflinePlanner
from cortex.stores.audit import AuditLog
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import WHERE_FORMS
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import ROOT
from tests.fakes.anthropic_api import FakeAnthropic, text_reply, tool_use


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


# --------------------------------------------------------------------------- days and ranges


@pytest.mark.parametrize(
    ("option", "message", "hint"),
    [
        (
            ["--range", "0001-01-01..9999-12-31"],
            "The time range '0001-01-01..9999-12-31' runs past 9999-12-30, the last day Cortex "
            "can count to.",
            "Ask about days up to 9999-12-30, or use 'all time' for every day.",
        ),
        (
            ["--last", "9999999999999999999 days"],
            "The time range 'last 9999999999999999999 days' starts before 0001-01-01, the first "
            "day Cortex can count from.",
            "Ask about days from 0001-01-01 on, or use 'all time' for every day.",
        ),
        (
            ["--last", "10000 years"],
            "The time range 'last 10000 years' starts before 0001-01-01, the first day Cortex "
            "can count from.",
            "Ask about days from 0001-01-01 on, or use 'all time' for every day.",
        ),
        (
            ["--range", "9999"],
            "The time range '9999' runs past 9999-12-30, the last day Cortex can count to.",
            "Ask about days up to 9999-12-30, or use 'all time' for every day.",
        ),
        (
            ["--range", "0000"],
            "The time range '0000' starts before 0001-01-01, the first day Cortex can count from.",
            "Ask about days from 0001-01-01 on, or use 'all time' for every day.",
        ),
        (
            ["--range", "0001", "--compare", "previous_year"],
            "The period to compare with ('0001', 1 year(s) earlier) starts before 0001-01-01, "
            "the first day Cortex can count from.",
            "Compare a period further from the calendar's ends, or leave out the comparison.",
        ),
        (
            ["--last", "0 days"],
            "'last 0 days' covers no time.",
            "Count at least one, e.g. 'last 1 day'.",
        ),
        (
            ["--range", "2026-13"],
            "'2026-13' is not a month.",
            "Use YYYY-MM with a month from 01 to 12, e.g. 2026-03.",
        ),
        (
            ["--range", "0000-01-01..2026-01-01"],
            "'0000-01-01' is not a date.",
            "Use YYYY-MM-DD, e.g. 2026-03-31.",
        ),
    ],
    ids=[
        "to-the-last-date",
        "19-digit-days",
        "10000-years",
        "year-9999",
        "year-0",
        "compare-before-year-1",
        "0-days",
        "month-13",
        "day-in-year-0",
    ],
)
def test_a_range_beyond_the_calendar_names_the_range_and_the_edge(
    cortex: CliRunner, option: list[str], message: str, hint: str
) -> None:
    refused(cortex, ["query", "-m", "ticket_volume", *option], message, hint)


def test_a_daily_series_over_millennia_is_refused_not_computed(cortex: CliRunner) -> None:
    refused(
        cortex,
        ["query", "-m", "arr", "--by", "metric_time:day", "--range", "0001-01-01..9999-12-30"],
        "The time range 0001-01-01..9999-12-30 (0001-01-01 to 2026-11-24) holds more than 10,000 "
        "days, the most a series can show.",
        "Group by a longer grain (metric_time:month) or ask about a shorter range.",
    )


@pytest.mark.parametrize("command", [["query", "-m", "arr"], ["ask", "What is our ARR?"]])
def test_an_as_of_day_after_the_calendar_allows_is_named_as_the_option(
    cortex: CliRunner, command: list[str]
) -> None:
    refused(
        cortex,
        [*command, "--as-of", "9999-12-31"],
        "--as-of '9999-12-31' is after 9999-12-30, the last day Cortex can count to. Use an "
        "earlier day, e.g. 2026-11-24.",
        None,
    )


def test_an_as_of_day_that_is_no_day_is_named_as_the_option(cortex: CliRunner) -> None:
    refused(
        cortex,
        ["query", "-m", "arr", "--as-of", "24/11/2026"],
        "--as-of '24/11/2026' is not a date. Use YYYY-MM-DD, e.g. 2026-11-24.",
        None,
    )


def test_the_last_day_of_the_calendar_can_still_be_asked_about(cortex: CliRunner) -> None:
    result = cortex.invoke(
        app, ["query", "-m", "arr", "--as-of", "9999-12-30", "--range", "today", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert '"time_range": "today (9999-12-30 to 9999-12-30)"' in result.stdout


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("limit", ["1000000000000000000000000000000", "0", "-5"])
def test_a_row_limit_outside_what_sql_can_hold_is_refused(cortex: CliRunner, limit: str) -> None:
    refused(
        cortex,
        ["query", "-m", "ticket_volume", "--by", "channel", "--limit", limit],
        f"--limit {limit} is not between 1 and 9223372036854775807.",
        "Give the number of rows to keep, e.g. --limit 10.",
    )


def test_a_question_for_more_rows_than_sql_can_hold_asks_for_all_of_them(
    cortex: CliRunner,
) -> None:
    question = "top 99999999999999999999999 accounts by tickets"
    result = cortex.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.stdout
    answer = json.loads(result.stdout)
    assert answer["status"] == "answer" and answer["query"]["limit"] == 2**63 - 1


@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_a_port_outside_tcps_range_is_refused_before_anything_starts(
    cortex: CliRunner, port: str
) -> None:
    # No Slack token is set: the port is checked before the settings are even read.
    refused(
        cortex,
        ["serve", "slack", "--port", port],
        f"--port {port} is not between 1 and 65535.",
        "Use a free TCP port, e.g. --port 3000.",
    )


@pytest.mark.parametrize("limit", ["100000000000000000000000", "0"])
def test_an_audit_listing_limit_outside_what_sqlite_can_hold_is_refused(
    cortex: CliRunner, limit: str
) -> None:
    refused(
        cortex,
        ["audit", "--limit", limit],
        f"--limit {limit} is not between 1 and 9223372036854775807.",
        "Give the number of records to list, e.g. 20.",
    )


# --------------------------------------------------------------------------- files to write

CHART_QUESTION = ["ask", "monthly ARR by segment over the last 6 months"]


def output_cases(tmp_path: Path) -> list[tuple[Path, str, str]]:
    """(path, what is wrong with it, the hint) for each kind of path that cannot be written."""
    folder = tmp_path / "charts"
    folder.mkdir()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file\n", encoding="utf-8")
    return [
        (folder, "is a folder.", "Give the path of a file, e.g. {path}/{example}."),
        (
            a_file / "out",
            f"cannot be written: {a_file} is a file, not a folder.",
            "Give a path in a folder you can write to.",
        ),
        (
            tmp_path / "missing" / "out",
            f"cannot be written: the folder {tmp_path / 'missing'} does not exist.",
            "Create the folder first, or give a path in one that exists.",
        ),
        (
            FULL_DEVICE,  # the pre-check passes; the write itself fails (ENOSPC)
            "cannot be written: No space left on device.",
            "Give a path in a folder you can write to.",
        ),
    ]


FULL_DEVICE = Path("/dev/full")  # every write to it fails: no space left on device


@pytest.mark.parametrize("case", range(3), ids=["a-folder", "under-a-file", "no-folder"])
def test_a_chart_that_cannot_be_written_names_the_path(
    cortex: CliRunner, tmp_path: Path, case: int
) -> None:
    path, problem, hint = output_cases(tmp_path)[case]
    refused(
        cortex,
        [*CHART_QUESTION, "--chart", str(path)],
        f"--chart {path} {problem}",
        hint.format(path=path, example="chart.png"),
    )


def test_a_chart_that_fails_to_write_comes_after_the_answer(cortex: CliRunner) -> None:
    result = cortex.invoke(app, [*CHART_QUESTION, "--chart", str(FULL_DEVICE)])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1
    assert "How this was computed" in result.stdout
    assert result.stderr.splitlines()[-2:] == [
        f"Error: --chart {FULL_DEVICE} cannot be written: No space left on device.",
        "Hint: Give a path in a folder you can write to.",
    ]


@pytest.mark.parametrize("case", range(4), ids=["a-folder", "under-a-file", "no-folder", "full"])
def test_an_audit_export_that_cannot_be_written_names_the_path(
    cortex: CliRunner, tmp_path: Path, case: int
) -> None:
    path, problem, hint = output_cases(tmp_path)[case]
    refused(
        cortex,
        ["audit", "--export", "csv", "--output", str(path)],
        f"--output {path} {problem}",
        hint.format(path=path, example="audit.csv"),
    )


def test_a_chart_path_that_cannot_be_written_is_refused_before_the_question_is_asked(
    cortex: CliRunner, tmp_path: Path
) -> None:
    refused(
        cortex,
        [*CHART_QUESTION, "--chart", str(tmp_path)],
        f"--chart {tmp_path} is a folder.",
        f"Give the path of a file, e.g. {tmp_path / 'chart.png'}.",
    )
    assert not (tmp_path / "data" / "audit.sqlite").exists()  # nothing was asked


# --------------------------------------------------------------------------- Claude cannot be asked

OFFLINE = "Try again, or unset ANTHROPIC_API_KEY to use the offline planner."


@pytest.fixture()
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def with_claude(runner: CliRunner, url: str) -> dict[str, str]:
    """The environment of `runner` with Claude planning at `url` (a short timeout)."""
    return {
        **(runner.env or {}),
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": url,
        "CORTEX_CLAUDE_MODEL": "claude-haiku-4-5",
        "CORTEX_CLAUDE_TIMEOUT": "0.3",
    }


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("script", "message", "hint"),
    [
        (
            [(400, "max_tokens: 99999 > 64000, which is the maximum for claude-haiku-4-5")],
            "Claude rejected the request (HTTP 400): max_tokens: 99999 > 64000, which is the "
            "maximum for claude-haiku-4-5.",
            f"Check CORTEX_CLAUDE_MODEL and CORTEX_CLAUDE_MAX_TOKENS. {OFFLINE}",
        ),
        (
            [(500, "")] * 3,  # the first try and the SDK's two retries
            "Claude is overloaded or unavailable (HTTP 500), even after retrying.",
            OFFLINE,
        ),
        (
            [(None, "")] * 3,  # each answered after the timeout
            "Claude did not answer in 0.3 s.",
            OFFLINE,
        ),
    ],
    ids=["http-400", "http-500", "timeout"],
)
def test_claude_failing_is_an_error_answer_that_points_to_the_offline_planner(
    cortex: CliRunner,
    fake: FakeAnthropic,
    tmp_path: Path,
    script: list[tuple[int | None, str]],
    message: str,
    hint: str,
) -> None:
    for status, detail in script:
        if status is None:
            fake.delay(5.0, text_reply("too late"))
        else:
            fake.fail(status, retry_after="0", message=detail)
    result = cortex.invoke(app, ["ask", "What is our ARR?"], env=with_claude(cortex, fake.url))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [message, hint]
    assert fake.pending == 0
    [record] = AuditLog(tmp_path / "data" / "audit.sqlite").list()
    assert (record.outcome, record.answer, record.trace_id) == (
        "failed",
        f"{message}\n{hint}",
        None,
    )


def test_claude_unreachable_is_an_error_answer_naming_the_address(cortex: CliRunner) -> None:
    url = closed_port_url()
    result = cortex.invoke(app, ["ask", "What is our ARR?"], env=with_claude(cortex, url))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"Cortex could not connect to Claude at {url}.",
        f"Check the network (and ANTHROPIC_BASE_URL if set). {OFFLINE}",
    ]


def test_chat_answers_on_after_claude_fails_once(cortex: CliRunner, fake: FakeAnthropic) -> None:
    fake.fail(400, message="prompt is too long")
    fake.reply(tool_use("query_metrics", {"metrics": ["arr"], "dimensions": ["segment"]}))
    result = cortex.invoke(
        app,
        ["chat"],
        input="What is our ARR?\nWhat is our ARR by segment?\n\n",
        env=with_claude(cortex, fake.url),
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 0
    assert "Claude rejected the request (HTTP 400): prompt is too long." in result.stdout
    assert "How this was computed" in result.stdout


# --------------------------------------------------------------------------- stores that fail
#
# The audit log and the conversation store are SQLite files. One that cannot be used costs no
# answer: each failure is one warning line naming the file, SQLite's cause, what it means and
# the fix; its traceback goes to data/cortex.log only, at DEBUG.

DAMAGED = "Move the file aside (it is damaged or not SQLite); Cortex starts a new one."
FULL = "Free some disk space, or move the file aside to start a new one."
LOCKED = "Another process holds it locked; try again when that process is done."


def garbage(path: Path) -> Path:
    """A file that is not a SQLite database (as a crash or a stray copy leaves one)."""
    path.write_bytes(b"\x00\xffnot a database\n" * 500)
    return path


def under_a_file(path: Path) -> Path:
    """A path whose folder is a file, so it can be neither made nor written (root or not)."""
    path.write_text("a file, not a folder\n", encoding="utf-8")
    return path / "store.sqlite"


def a_folder(path: Path) -> Path:
    path.mkdir()
    return path


def full(path: Path) -> Path:
    """An empty SQLite database already as large as SQLite allows (a sparse file): the first
    table or row it needs a page for fails with SQLITE_FULL, as on a full disk."""
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA page_size = 512")
        con.execute("VACUUM")  # writes the header, with that page size
        pages = con.execute("PRAGMA max_page_count").fetchone()[0]
    with path.open("r+b") as file:
        file.seek(28)  # the header's page count
        file.write(pages.to_bytes(4, "big"))
        file.truncate(pages * 512)
    return path


BREAKAGES = {
    "garbage": (garbage, "file is not a database", DAMAGED),
    "under-a-file": (under_a_file, "{folder} is a file, not a folder", "Check {setting}: {fix}"),
    "a-folder": (a_folder, "it is a folder", "Check {setting}: {fix}"),
    "full": (full, "database or disk is full", FULL),
}
WRITABLE = "it must be a file Cortex can write, in a folder it can create."


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_an_audit_log_that_cannot_be_written_costs_no_answer(
    cortex: CliRunner, tmp_path: Path, breakage: str
) -> None:
    make, cause, fix = BREAKAGES[breakage]
    path = make(tmp_path / "audit.sqlite")
    cause = cause.format(folder=path.parent)
    fix = fix.format(setting="CORTEX_AUDIT", fix=WRITABLE)
    result = cortex.invoke(
        app, ["ask", "What is our ARR?"], env={**(cortex.env or {}), "CORTEX_AUDIT": str(path)}
    )
    assert result.exit_code == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "How this was computed" in result.stdout
    assert result.stderr.splitlines()[:-1] == [
        f"Warning: Cortex cannot use the audit log {path}: {cause}. The question "
        f"'What is our ARR?' from ada (answered) is not in the audit trail. {fix}"
    ]
    assert result.stderr.splitlines()[-1].startswith("conversation ")
    log = (tmp_path / "data" / "cortex.log").read_text(encoding="utf-8")
    assert "DEBUG cortex.store: the failure above, in full\nTraceback" in log


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_conversation_store_that_cannot_be_used_answers_without_history(
    cortex: CliRunner, tmp_path: Path, breakage: str
) -> None:
    make, cause, fix = BREAKAGES[breakage]
    path = make(tmp_path / "conversations.sqlite")
    cause = cause.format(folder=path.parent)
    fix = fix.format(setting="CORTEX_CONVERSATIONS", fix=WRITABLE)
    env = {**(cortex.env or {}), "CORTEX_CONVERSATIONS": str(path)}
    result = cortex.invoke(app, ["ask", "How many tickets did we get last month?"], env=env)
    assert result.exit_code == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "How this was computed" in result.stdout
    failure = f"Warning: Cortex cannot use the conversation store {path}: {cause}."
    assert result.stderr.splitlines()[:-1] == [
        f"{failure} This question is answered without its conversation's earlier turns. {fix}",
        f"{failure} This turn is not kept, so a follow-up to it will have no history. {fix}",
    ]


def test_a_damaged_audit_log_is_named_when_listing_it(cortex: CliRunner, tmp_path: Path) -> None:
    path = garbage(tmp_path / "audit.sqlite")
    for command in (["audit"], ["audit", "--export", "csv"]):
        result = cortex.invoke(app, command, env={**(cortex.env or {}), "CORTEX_AUDIT": str(path)})
        assert "Traceback" not in result.stdout + result.stderr
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            f"Error: Cortex cannot use the audit log {path}: file is not a database.",
            f"Hint: {DAMAGED}",
        ]


def test_a_damaged_slack_event_ledger_stops_the_server_before_it_starts(
    cortex: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    garbage(tmp_path / "data" / "slack_events.sqlite")
    env = {**(cortex.env or {}), "SLACK_BOT_TOKEN": "xoxb-1-test", "SLACK_SIGNING_SECRET": "s3cr3t"}
    result = cortex.invoke(app, ["serve", "slack", "--port", "3999"], env=env)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: Cortex cannot use the SQLite store {tmp_path / 'data' / 'slack_events.sqlite'}: "
        "file is not a database.",
        f"Hint: {DAMAGED}",
    ]


class _Locked:
    """An exclusive lock on a SQLite file, held by another connection (as another process
    writing would hold it)."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.con.execute("ROLLBACK")
        self.con.close()


def test_locked_stores_cost_no_answer_and_say_so_once_each(
    workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conversations = ConversationStore(tmp_path / "conversations.sqlite", timeout=0.05)
    audit = AuditLog(tmp_path / "audit.sqlite", timeout=0.05)
    agent = Agent(workspace, OfflinePlanner(workspace.model, as_of=DEMO_AS_OF), conversations)
    first = agent.ask("How many tickets did we get last month?")
    assert audit.record_answer(first, source="cli", user_id="ada") == 1
    locks = [_Locked(tmp_path / "conversations.sqlite"), _Locked(tmp_path / "audit.sqlite")]
    caplog.set_level(logging.DEBUG, logger="cortex.store")
    try:
        answer = agent.ask("now by channel", first.conversation_id)
        assert audit.record_answer(answer, source="cli", user_id="ada") is None
    finally:
        for lock in locks:
            lock.release()
    assert answer.status == "clarification"  # no history to build on: it asks what "now" is
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    store, log = tmp_path / "conversations.sqlite", tmp_path / "audit.sqlite"
    assert warnings == [
        f"Cortex cannot use the conversation store {store}: database is locked. This question "
        f"is answered without its conversation's earlier turns. {LOCKED}",
        f"Cortex cannot use the conversation store {store}: database is locked. This turn is "
        f"not kept, so a follow-up to it will have no history. {LOCKED}",
        f"Cortex cannot use the audit log {log}: database is locked. The question 'now by "
        f"channel' from ada (clarified) is not in the audit trail. {LOCKED}",
    ]
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug) == 3 and all(r.exc_info for r in debug)
    assert [r.question for r in audit.list()] == ["How many tickets did we get last month?"]


# --------------------------------------------------------------------------- not UTF-8
#
# A YAML file saved in another encoding (Latin-1 "é" is the byte 0xe9) is reported as
# `file:line:` at the line of the first bad byte, with the fix, like every other YAML problem.

BAD_BYTE = b"\xe9"


def with_bad_byte(source: Path, target: Path, after: bytes) -> tuple[int, int]:
    """`source` copied to `target` with a Latin-1 byte after the first `after` (on an ASCII
    line); the line and column of that byte."""
    raw = source.read_bytes()
    at = raw.index(after) + len(after)
    target.write_bytes(raw[:at] + BAD_BYTE + raw[at:])
    return raw.count(b"\n", 0, at) + 1, at - raw.rfind(b"\n", 0, at)


def test_a_metrics_yml_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte(
    cortex: CliRunner, tmp_path: Path
) -> None:
    line, column = with_bad_byte(ROOT / "metrics.yml", tmp_path / "metrics.yml", b"description: ")
    env = {**(cortex.env or {}), "CORTEX_METRICS": str(tmp_path / "metrics.yml")}
    issue = f"metrics.yml:{line}: error: file: byte 0xe9 at column {column} is not UTF-8 text. "
    issue += "Save the file as UTF-8."
    checked = cortex.invoke(app, ["check", "--no-warehouse"], env=env)
    assert checked.exit_code == 1
    assert checked.stderr.splitlines() == [issue, "1 error(s), 0 warning(s)."]
    queried = cortex.invoke(app, ["query", "-m", "arr"], env=env)
    assert queried.exit_code == 1 and queried.stderr.splitlines() == [issue]
    assert "Traceback" not in checked.stderr + queried.stderr


def test_an_included_file_that_is_not_utf8_is_named_with_its_line(
    cortex: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "metrics.yml").write_text("version: 1\ninclude: [more.yml]\n", encoding="utf-8")
    (tmp_path / "more.yml").write_bytes(b"# Caf" + BAD_BYTE + b" metrics\nmetrics: []\n")
    env = {**(cortex.env or {}), "CORTEX_METRICS": str(tmp_path / "metrics.yml")}
    result = cortex.invoke(app, ["check", "--no-warehouse"], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "more.yml:1: error: file: byte 0xe9 at column 6 is not UTF-8 text. Save the file as UTF-8."
    )


def test_an_access_yml_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte(
    cortex: CliRunner, tmp_path: Path
) -> None:
    line, column = with_bad_byte(ROOT / "access.yml", tmp_path / "access.yml", b"{name: ")
    env = {**(cortex.env or {}), "CORTEX_ACCESS": str(tmp_path / "access.yml")}
    result = cortex.invoke(app, ["check", "--no-warehouse"], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"access.yml:{line}: error: file: byte 0xe9 at column {column} is not UTF-8 text. Save "
        "the file as UTF-8.",
        "1 error(s), 0 warning(s).",
    ]


def test_an_eval_file_that_is_not_utf8_is_named_with_its_line(
    cortex: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "feedback.yml"
    path.write_bytes(b"as_of: 2026-11-24\ncases:\n  - {id: a, question: caf" + BAD_BYTE + b"}\n")
    refused(
        cortex,
        ["eval", str(path)],
        f"{path}:3: byte 0xe9 at column 26 is not UTF-8 text.",
        "Save the file as UTF-8.",
    )
