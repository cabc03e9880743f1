"""A repeated `cortex query` answers from its memo: the same text the full command printed, the
SQL run again, without loading the command line, the model, sqlglot or pandas; and anything
that could change the answer (the data, metrics.yml, the options) makes the full command run.

Each command runs as the console script does, in a fresh process (`cortex.cli.main`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cortex.cli import app

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("typer", "rich", "pydantic", "sqlglot", "pandas", "yaml")

#: The console script, then the heavy libraries it loaded, on stderr at exit.
_CONSOLE = (
    "import atexit, json, sys\n"
    f"heavy = {HEAVY!r}\n"
    "atexit.register(lambda: print('LOADED ' + json.dumps([m for m in heavy if m in sys.modules]),"
    " file=sys.stderr))\n"
    "sys.argv = ['cortex', *sys.argv[1:]]\n"
    "from cortex.cli import main\n"
    "main()\n"
)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    loaded: list[str]

    @property
    def from_memo(self) -> bool:
        return self.code == 0 and not self.loaded


@pytest.fixture
def place(tmp_path: Path, demo_path: Path) -> Path:
    """A working directory with its own copy of the demo warehouse and of metrics.yml."""
    shutil.copy(demo_path, tmp_path / "demo.duckdb")
    shutil.copy(ROOT / "metrics.yml", tmp_path / "metrics.yml")
    return tmp_path


def cortex(place: Path, *args: str, **extra: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORTEX_")} | {
        "CORTEX_WAREHOUSE": str(place / "demo.duckdb"),
        "CORTEX_METRICS": str(place / "metrics.yml"),
        "CORTEX_AS_OF": "2026-11-24",
        "CORTEX_CACHE_DIR": str(place / "cache"),
        "CORTEX_LOG_DIR": str(place / "logs"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", _CONSOLE, *args],
        cwd=place,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    loaded_line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED "))
    err = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("LOADED "))
    return Run(done.returncode, done.stdout, err, json.loads(loaded_line.removeprefix("LOADED ")))


def without_timing(text: str) -> str:
    """The output with the query's own time taken out (it differs from run to run)."""
    text = re.sub(r"ran in \d+ ms", "ran in N ms", text)
    return re.sub(r'"timings_ms": \{[^}]*\}', '"timings_ms": {}', text)


def memos(place: Path) -> list[Path]:
    return sorted((place / "cache" / "queries").glob("*.json"))


QUERIES = {
    "a breakdown": "-m arr --by segment",
    "a trend with its SQL": "-m arr --by metric_time:month --last 6~months --sql",
    "a comparison": "-m ticket_volume --by channel --range last~month --compare previous_period",
    "a filter and a limit": "-m ticket_volume --by vertical --where segment~=~'SMB' --order "
    "-ticket_volume --limit 3",
    "JSON": "-m arr --by plan --json",
}


def options_of(line: str) -> list[str]:
    """The command's words (a `~` inside a word is a space)."""
    return [word.replace("~", " ") for word in line.split()]


@pytest.mark.parametrize("line", list(QUERIES.values()), ids=list(QUERIES))
def test_a_repeated_query_prints_what_the_full_command_printed_without_loading_it(
    place: Path, line: str
) -> None:
    options = options_of(line)
    first = cortex(place, "query", *options)
    assert first.code == 0, first.err
    assert "pandas" in first.loaded  # the full command
    assert len(memos(place)) == 1

    again = cortex(place, "query", *options)

    assert again.from_memo, f"the repeat loaded {again.loaded}"
    assert without_timing(again.out) == without_timing(first.out)
    assert again.err == ""


def test_the_repeat_runs_the_query_and_reports_its_own_time(place: Path) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment", "--json")
    again = cortex(place, "query", "-m", "arr", "--by", "segment", "--json")
    assert again.from_memo
    timings = json.loads(again.out)["provenance"]["timings_ms"]
    assert set(timings) == {"execute", "fetch", "freshness"}
    assert timings["fetch"] > 0  # the rows were fetched again, from the warehouse


def test_changed_data_is_answered_by_the_full_command_with_the_new_numbers(place: Path) -> None:
    before = cortex(place, "query", "-m", "arr", "--by", "segment", "--json")
    with duckdb.connect(place / "demo.duckdb") as con:
        con.execute("UPDATE subscriptions SET arr = arr * 2")

    after = cortex(place, "query", "-m", "arr", "--by", "segment", "--json")
    again = cortex(place, "query", "-m", "arr", "--by", "segment", "--json")

    assert not after.from_memo
    old = {row[0]: row[1] for row in json.loads(before.out)["rows"]}
    new = {row[0]: row[1] for row in json.loads(after.out)["rows"]}
    assert new == pytest.approx({segment: 2 * arr for segment, arr in old.items()})
    assert again.from_memo and without_timing(again.out) == without_timing(after.out)


def test_an_edited_metrics_yml_is_answered_by_the_full_command(place: Path) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment")
    metrics = place / "metrics.yml"
    metrics.write_text(metrics.read_text().replace("    label: ARR\n", "    label: Yearly ARR\n"))

    after = cortex(place, "query", "-m", "arr", "--by", "segment")

    assert not after.from_memo
    assert "Yearly ARR" in after.out


@pytest.mark.parametrize(
    "change",
    [
        {"options": ["-m", "arr", "--by", "plan"]},
        {"options": ["-m", "arr", "--by", "segment", "--as-of", "2026-10-31"]},
        {"environment": {"CORTEX_MAX_ROWS": "2"}},
        {"environment": {"COLUMNS": "60"}},
    ],
    ids=["other options", "another day", "other settings", "another terminal width"],
)
def test_anything_else_that_shapes_the_answer_is_a_memo_of_its_own(
    place: Path, change: dict[str, object]
) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment")
    options = change.get("options", ["-m", "arr", "--by", "segment"])
    environment = change.get("environment", {})
    assert isinstance(options, list) and isinstance(environment, dict)

    other = cortex(place, "query", *options, **environment)

    assert not other.from_memo
    assert len(memos(place)) == 2


def test_a_memo_whose_rows_are_not_the_warehouses_is_not_used(place: Path) -> None:
    first = cortex(place, "query", "-m", "arr", "--by", "segment")
    [memo] = memos(place)
    kept = json.loads(memo.read_text())
    memo.write_text(json.dumps(kept | {"rows": "0" * 64, "head": "not the answer\n"}))

    again = cortex(place, "query", "-m", "arr", "--by", "segment")

    assert not again.from_memo
    assert without_timing(again.out) == without_timing(first.out)
    assert json.loads(memo.read_text())["rows"] == kept["rows"]  # written again


def test_a_memo_others_could_have_written_is_not_read(place: Path) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment")
    [memo] = memos(place)
    memo.chmod(0o666)

    again = cortex(place, "query", "-m", "arr", "--by", "segment")

    assert not again.from_memo


def test_a_query_past_the_time_limit_on_the_quick_path_is_reported_as_the_full_command_does(
    place: Path,
) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment")
    [memo] = memos(place)
    slow = "SELECT count(*) FROM range(100000000000) AS a(x) WHERE x % 7 = 3"
    memo.write_text(
        json.dumps(json.loads(memo.read_text()) | {"sql": slow, "timeout_seconds": 0.3})
    )

    again = cortex(place, "query", "-m", "arr", "--by", "segment")

    assert again.code == 1
    assert again.out == ""
    assert again.err.startswith("Error: The query was stopped after 0.3 s")
    assert "Hint:" in again.err and "Traceback" not in again.err


def test_the_cache_switch_turns_memos_off(place: Path) -> None:
    cortex(place, "query", "-m", "arr", "--by", "segment", CORTEX_MODEL_CACHE="off")
    again = cortex(place, "query", "-m", "arr", "--by", "segment", CORTEX_MODEL_CACHE="off")
    assert not again.from_memo
    assert memos(place) == []


def test_a_command_not_started_by_the_console_script_keeps_no_memo(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORTEX_WAREHOUSE", str(place / "demo.duckdb"))
    monkeypatch.setenv("CORTEX_CACHE_DIR", str(place / "cache"))
    monkeypatch.setenv("CORTEX_AS_OF", "2026-11-24")
    monkeypatch.chdir(ROOT)
    done = CliRunner().invoke(app, ["query", "-m", "arr", "--by", "segment"])
    assert done.exit_code == 0, done.output
    assert memos(place) == []


def test_only_the_most_recent_memos_are_kept(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cortex.cli import query_memo

    folder = place / "cache" / "queries"
    folder.mkdir(parents=True)
    for number in range(query_memo.MAX_MEMOS + 5):
        stale = folder / f"{number:040d}.json"
        stale.write_text("{}")
        os.utime(stale, ns=(number * 10**9, number * 10**9))

    cortex(place, "query", "-m", "arr", "--by", "segment")

    kept = memos(place)
    assert len(kept) == query_memo.MAX_MEMOS
    assert folder / f"{0:040d}.json" not in kept  # the oldest went first
