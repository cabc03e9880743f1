"""The audit trail: every question, who asked it where, what Cortex did, and what they thought.

One SQLite file (`CORTEX_AUDIT`, default `data/audit.sqlite`; the standard library's sqlite3,
a connection per call, so any thread may write) holds one record per question: the time (UTC),
the source (`slack`, `cli`, `web`: the internal site, or `mcp`), the MCP tool called (`tool`, MCP
only: each call is a record, its arguments summed up as the question), the user and channel, the
conversation, the question, the outcome, a short answer, the plan (the semantic query, as JSON),
the SQL that ran, the rows it returned, the latency, the tokens and cost of planning, the trace
id, the as-of day, in Slack where the numbers were shown (`disclosure`: the channel, or the asker
privately), and whether the result cache answered (`cache`: `hit`, `miss`, or `off` with no
cache; `cortex audit` counts them). Feedback (`up` or `down`, a comment, who gave it and when)
is set later on the same record.

The log is append-only: SQLite triggers refuse to delete a record or to change anything but
its feedback. It holds no secret: no token, key or signing secret is ever passed to it.

Outcomes, from the agent's answer status:

    answered    an answer with numbers               (status "answer")
    clarified   Cortex asked back                    (status "clarification")
    declined    not a question about our data        (status "out_of_scope")
    denied      the asker may not see it             (status "denied", or no role at all)
    failed      an error, with a trace id if ours    (status "error")
    acted       a skill was asked for                (status "action"; its runs are in
                                                      `skill_runs`, with inputs and links)

`write_csv` exports records; `eval_cases` turns thumbs-down records into eval cases for an
analyst to complete (see its docstring).
"""

from __future__ import annotations

import builtins
import csv
import sqlite3
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO, get_args

import yaml

from cortex.errors import UserError
from cortex.stores.sqlite import SQLiteFile
from semantic_layer.errors import did_you_mean
from semantic_layer.query import SemanticQuery

if TYPE_CHECKING:  # answers hold results (pandas): `cortex audit` reads the log without them
    from connectors.warehouse import CacheStatus
    from cortex.answer import Answer, AnswerStatus

__all__ = [
    "ANSWER_CHARS",
    "COLUMNS",
    "OUTCOMES",
    "VOTES",
    "AuditEntry",
    "AuditLog",
    "AuditRecord",
    "Outcome",
    "SkillOutcome",
    "SkillRunEntry",
    "SkillRunRecord",
    "Source",
    "Vote",
    "entry_for",
    "eval_cases",
    "eval_query",
    "write_csv",
]

Outcome = Literal["answered", "clarified", "declined", "denied", "failed", "acted"]
Vote = Literal["up", "down"]
Source = Literal["slack", "cli", "web", "mcp"]

OUTCOMES: Final[tuple[Outcome, ...]] = get_args(Outcome)
VOTES: Final[tuple[Vote, ...]] = get_args(Vote)

_OUTCOME_OF: Final[dict[AnswerStatus, Outcome]] = {
    "answer": "answered",
    "clarification": "clarified",
    "out_of_scope": "declined",
    "denied": "denied",
    "error": "failed",
    "action": "acted",
}
#: An answer's text is kept up to this many characters: enough to recognise it.
ANSWER_CHARS: Final = 500


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """What is known when a question has been handled; `AuditLog.record` appends it."""

    source: Source
    user_id: str
    user_name: str | None = None
    channel: str | None = None
    thread: str | None = None  # the conversation id
    question: str
    outcome: Outcome
    answer: str = ""
    plan: str | None = None  # the semantic query, as JSON
    sql: str | None = None
    rows: int | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    trace_id: str | None = None
    as_of: date | None = None
    #: where the answer's numbers were shown, in Slack: "channel" (every member may see
    #: them) or "private: <why>" (to the asker alone); None elsewhere
    disclosure: str | None = None
    #: where the answer's rows came from: "hit" (the result cache, not the warehouse), "miss"
    #: (the warehouse, through the cache) or "off" (the warehouse, no cache); None: no rows
    cache: CacheStatus | None = None
    #: the MCP tool called (`query_metrics`, `ask`, ...); None for Slack and the CLI, where the
    #: record is a question
    tool: str | None = None

    @property
    def query(self) -> SemanticQuery | None:
        """The plan as a `SemanticQuery` (None when there was none)."""
        return SemanticQuery.model_validate_json(self.plan) if self.plan else None


@dataclass(frozen=True, kw_only=True)
class AuditRecord(AuditEntry):
    """An entry of the log: its id, when it was recorded (UTC), and its feedback so far."""

    id: int
    at: datetime
    feedback: Vote | None = None
    feedback_comment: str | None = None
    feedback_by: str | None = None
    feedback_at: datetime | None = None


_ENTRY_COLUMNS: Final = tuple(f.name for f in fields(AuditEntry))
#: The columns of the log, in the order of `write_csv`.
COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "at",
    *_ENTRY_COLUMNS,
    "feedback",
    "feedback_comment",
    "feedback_by",
    "feedback_at",
)

#: The audit file's schema, oldest first (see cortex.stores.migrations); never edit one.
_MIGRATIONS: Final = (
    # 1: the records, and the triggers that keep them (all but their feedback) as written.
    """
    CREATE TABLE IF NOT EXISTS records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_name TEXT,
        channel TEXT,
        thread TEXT,
        question TEXT NOT NULL,
        outcome TEXT NOT NULL,
        answer TEXT NOT NULL,
        plan TEXT,
        sql TEXT,
        "rows" INTEGER,
        latency_ms REAL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd REAL,
        trace_id TEXT,
        as_of TEXT,
        feedback TEXT,
        feedback_comment TEXT,
        feedback_by TEXT,
        feedback_at TEXT
    );
    CREATE INDEX IF NOT EXISTS records_at ON records (at);
    CREATE TRIGGER IF NOT EXISTS records_are_kept BEFORE DELETE ON records
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: records are never deleted');
    END;
    CREATE TRIGGER IF NOT EXISTS records_are_not_rewritten
    BEFORE UPDATE OF "id", "at", "source", "user_id", "user_name", "channel", "thread",
        "question", "outcome", "answer", "plan", "sql", "rows", "latency_ms", "input_tokens",
        "output_tokens", "cost_usd", "trace_id", "as_of" ON records
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: only feedback can be added');
    END;
    """,
    # 2: the runs of skills (a page written, a task filed, a report made), kept as written.
    """
    CREATE TABLE IF NOT EXISTS skill_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        channel TEXT,
        thread TEXT,
        skill TEXT NOT NULL,
        input TEXT NOT NULL,
        outcome TEXT NOT NULL,
        message TEXT NOT NULL,
        link TEXT,
        trace_id TEXT,
        latency_ms REAL
    );
    CREATE INDEX IF NOT EXISTS skill_runs_at ON skill_runs (at);
    CREATE TRIGGER IF NOT EXISTS skill_runs_are_kept BEFORE DELETE ON skill_runs
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: skill runs are never deleted');
    END;
    CREATE TRIGGER IF NOT EXISTS skill_runs_are_not_rewritten BEFORE UPDATE ON skill_runs
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: skill runs are never changed');
    END;
    """,
    # 3: where an answer's numbers were shown (the channel, or the asker privately, and why),
    # kept as written like the rest of the record.
    """
    ALTER TABLE records ADD COLUMN disclosure TEXT;
    DROP TRIGGER IF EXISTS records_are_not_rewritten;
    CREATE TRIGGER records_are_not_rewritten
    BEFORE UPDATE OF "id", "at", "source", "user_id", "user_name", "channel", "thread",
        "question", "outcome", "answer", "plan", "sql", "rows", "latency_ms", "input_tokens",
        "output_tokens", "cost_usd", "trace_id", "as_of", "disclosure" ON records
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: only feedback can be added');
    END;
    """,
    # 4: whether the result cache answered (hit, miss, off), kept as written like the rest.
    """
    ALTER TABLE records ADD COLUMN cache TEXT;
    DROP TRIGGER IF EXISTS records_are_not_rewritten;
    CREATE TRIGGER records_are_not_rewritten
    BEFORE UPDATE OF "id", "at", "source", "user_id", "user_name", "channel", "thread",
        "question", "outcome", "answer", "plan", "sql", "rows", "latency_ms", "input_tokens",
        "output_tokens", "cost_usd", "trace_id", "as_of", "disclosure", "cache" ON records
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: only feedback can be added');
    END;
    CREATE INDEX IF NOT EXISTS records_cache ON records (cache);
    """,
    # 5: the MCP tool a call named (the source is `mcp`), kept as written like the rest.
    """
    ALTER TABLE records ADD COLUMN tool TEXT;
    DROP TRIGGER IF EXISTS records_are_not_rewritten;
    CREATE TRIGGER records_are_not_rewritten
    BEFORE UPDATE OF "id", "at", "source", "user_id", "user_name", "channel", "thread",
        "question", "outcome", "answer", "plan", "sql", "rows", "latency_ms", "input_tokens",
        "output_tokens", "cost_usd", "trace_id", "as_of", "disclosure", "cache", "tool" ON records
    BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only: only feedback can be added');
    END;
    """,
)

#: What became of a skill run: done; waiting for the asker's confirmation; refused (a role
#: missing, an input that does not fit, a confirmation by someone else); failed.
SkillOutcome = Literal["done", "awaiting confirmation", "refused", "failed"]


@dataclass(frozen=True, kw_only=True)
class SkillRunEntry:
    """One run of a skill: who ran it where, its input (JSON), what came of it, the link made."""

    source: Source
    user_id: str
    channel: str | None = None
    thread: str | None = None
    skill: str
    input: str
    outcome: SkillOutcome
    message: str = ""
    link: str | None = None
    trace_id: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True, kw_only=True)
class SkillRunRecord(SkillRunEntry):
    """A skill run as the log holds it: its id and when (UTC)."""

    id: int
    at: datetime


_SKILL_RUN_COLUMNS: Final = tuple(f.name for f in fields(SkillRunEntry))


def entry_for(
    answer: Answer,
    *,
    source: Source,
    user_id: str,
    user_name: str | None = None,
    channel: str | None = None,
    disclosure: str | None = None,
) -> AuditEntry:
    """The audit entry of an agent's answer to `user_id` (`disclosure`: where its numbers
    were shown, see `AuditEntry.disclosure`)."""
    usage = answer.usage
    return AuditEntry(
        source=source,
        user_id=user_id,
        user_name=user_name,
        channel=channel,
        thread=answer.conversation_id,
        question=answer.question,
        outcome=_OUTCOME_OF[answer.status],
        answer=answer.text,
        plan=answer.query.model_dump_json() if answer.query is not None else None,
        sql=answer.compiled.sql if answer.compiled is not None else None,
        rows=len(answer.result.frame) if answer.result is not None else None,
        latency_ms=answer.timings_ms.get("total"),
        input_tokens=usage.input_tokens if usage is not None else None,
        output_tokens=usage.output_tokens if usage is not None else None,
        cost_usd=usage.cost_usd if usage is not None else None,
        trace_id=answer.trace_id,
        as_of=answer.compiled.provenance.as_of if answer.compiled is not None else None,
        disclosure=disclosure,
        cache=answer.result.cache if answer.result is not None else None,
    )


class AuditLog:
    """The audit records, in a SQLite file (or in memory with `:memory:`).

    Recording never costs the answer it records: when the file cannot be written (damaged,
    locked, full, in a folder that cannot be made) the failure is logged as one warning line
    naming the file and the cause, and `record` returns None. Reading it and adding feedback
    raise `StoreError`, a `UserError` saying the same.
    """

    def __init__(self, path: Path | str, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._db = SQLiteFile(
            path,
            migrations=_MIGRATIONS,
            wal=True,
            timeout=timeout,
            name="audit log",
            setting="CORTEX_AUDIT",
            lazy=True,
        )

    # -- writing

    def record(self, entry: AuditEntry) -> int | None:
        """Append `entry`; returns the new record's id (None when the log cannot be written)."""
        values = asdict(entry)
        values["answer"] = _short(entry.answer)
        if values["as_of"] is not None:
            values["as_of"] = values["as_of"].isoformat()
        names = ", ".join(f'"{name}"' for name in ("at", *_ENTRY_COLUMNS))
        marks = ", ".join("?" for _ in range(len(_ENTRY_COLUMNS) + 1))

        def insert(con: sqlite3.Connection) -> int | None:
            cursor = con.execute(
                f"INSERT INTO records ({names}) VALUES ({marks})",
                (_now(), *(values[name] for name in _ENTRY_COLUMNS)),
            )
            return cursor.lastrowid

        return self._db.attempt(
            insert,
            otherwise=None,
            consequence=f"The question {entry.question!r} from {entry.user_id} ({entry.outcome}) "
            "is not in the audit trail.",
        )

    def record_answer(
        self,
        answer: Answer,
        *,
        source: Source,
        user_id: str,
        user_name: str | None = None,
        channel: str | None = None,
        disclosure: str | None = None,
    ) -> int | None:
        """Append the record of an agent's answer (see `entry_for`); returns its id (None when
        the log cannot be written)."""
        entry = entry_for(
            answer,
            source=source,
            user_id=user_id,
            user_name=user_name,
            channel=channel,
            disclosure=disclosure,
        )
        return self.record(entry)

    def record_denial(
        self,
        question: str,
        *,
        source: Source,
        user_id: str,
        reason: str,
        user_name: str | None = None,
        channel: str | None = None,
        thread: str | None = None,
    ) -> int | None:
        """Append a question refused before any planning (a user with no role); returns its id
        (None when the log cannot be written)."""
        entry = AuditEntry(
            source=source,
            user_id=user_id,
            user_name=user_name,
            channel=channel,
            thread=thread,
            question=question,
            outcome="denied",
            answer=reason,
        )
        return self.record(entry)

    def record_skill_run(self, entry: SkillRunEntry) -> int | None:
        """Append a skill run; returns its id (None when the log cannot be written)."""
        values = asdict(entry)
        values["message"] = _short(entry.message)
        names = ", ".join(f'"{name}"' for name in ("at", *_SKILL_RUN_COLUMNS))
        marks = ", ".join("?" for _ in range(len(_SKILL_RUN_COLUMNS) + 1))

        def insert(con: sqlite3.Connection) -> int | None:
            cursor = con.execute(
                f"INSERT INTO skill_runs ({names}) VALUES ({marks})",
                (_now(), *(values[name] for name in _SKILL_RUN_COLUMNS)),
            )
            return cursor.lastrowid

        return self._db.attempt(
            insert,
            otherwise=None,
            consequence=f"The run of {entry.skill} by {entry.user_id} ({entry.outcome}) "
            "is not in the audit trail.",
        )

    def record_feedback(
        self, record_id: int, vote: str, comment: str | None = None, by: str | None = None
    ) -> None:
        """Set the feedback of a record: `up` or `down`, an optional comment, who gave it.

        A later vote replaces an earlier one; a vote without a comment keeps the comment given
        before.
        """
        if vote not in VOTES:
            raise UserError(f"Unknown vote '{vote}'. Use one of: {', '.join(VOTES)}.")
        with self._db.connect() as con:
            updated = con.execute(
                "UPDATE records SET feedback = ?, "
                "feedback_comment = COALESCE(?, feedback_comment), "
                "feedback_by = ?, feedback_at = ? WHERE id = ?",
                (vote, comment, by, _now(), record_id),
            ).rowcount
        if not updated:
            raise UserError(f"There is no audit record {record_id}.")

    # -- reading

    def get(self, record_id: int) -> AuditRecord | None:
        """The record with this id, if there is one."""
        with self._db.connect() as con:
            row = con.execute(
                f"SELECT {_SELECT} FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        return _record(row) if row is not None else None

    def skill_runs(
        self, skill: str | None = None, limit: int = 100
    ) -> builtins.list[SkillRunRecord]:
        """The latest skill runs, newest first (of one skill when `skill` is given)."""
        names = ", ".join(f'"{name}"' for name in ("id", "at", *_SKILL_RUN_COLUMNS))
        where, parameters = ("WHERE skill = ?", [skill]) if skill else ("", [])
        with self._db.connect() as con:
            rows = con.execute(
                f"SELECT {names} FROM skill_runs {where} ORDER BY id DESC LIMIT ?",
                (*parameters, limit),
            ).fetchall()
        return [
            SkillRunRecord(
                id=row[0],
                at=datetime.fromisoformat(row[1]),
                **dict(zip(_SKILL_RUN_COLUMNS, row[2:], strict=True)),
            )
            for row in rows
        ]

    def list(
        self,
        user: str | None = None,
        channel: str | None = None,
        outcome: str | None = None,
        since: date | None = None,
        feedback: str | None = None,
        limit: int | None = None,
        thread: str | None = None,
        source: Source | None = None,
    ) -> builtins.list[AuditRecord]:
        """The records that match every filter given, newest first.

        `user` matches a user id, or a user name whatever its case; `since` is a UTC day;
        `thread` is a conversation id; `source` where the question was asked.
        """
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if user is not None:
            where.append("(user_id = ? OR lower(user_name) = lower(?))")
            params += [user, user]
        if channel is not None:
            where.append("channel = ?")
            params.append(channel)
        if outcome is not None:
            _check_choice("outcome", outcome, OUTCOMES)
            where.append("outcome = ?")
            params.append(outcome)
        if thread is not None:
            where.append("thread = ?")
            params.append(thread)
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if since is not None:
            where.append("at >= ?")
            params.append(since.isoformat())
        if feedback is not None:
            _check_choice("feedback", feedback, VOTES)
            where.append("feedback = ?")
            params.append(feedback)
        sql = f"SELECT {_SELECT} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._db.connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [_record(row) for row in rows]


_SELECT: Final = ", ".join(f'"{c}"' for c in COLUMNS)


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UserError(
            f"Unknown {name} '{value}'. Choose one of: {', '.join(choices)}."
            + did_you_mean(value, choices)
        )


def _record(row: tuple[Any, ...]) -> AuditRecord:
    values = dict(zip(COLUMNS, row, strict=True))
    values["at"] = datetime.fromisoformat(values["at"])
    if values["feedback_at"] is not None:
        values["feedback_at"] = datetime.fromisoformat(values["feedback_at"])
    if values["as_of"] is not None:
        values["as_of"] = date.fromisoformat(values["as_of"])
    return AuditRecord(**values)


# --------------------------------------------------------------------------- exports


def write_csv(records: Iterable[AuditRecord], stream: TextIO) -> None:
    """Write `records` as CSV with a header row (the columns of `COLUMNS`; empty for none)."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for record in records:
        values = asdict(record)
        writer.writerow(
            ["" if values[c] is None else _csv_value(values[c]) for c in COLUMNS],
        )


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: object) -> object:
    """A cell as written: dates in ISO form, text that a spreadsheet would run as a formula
    (a question starting with `=`) quoted with a leading `'`, as OWASP advises."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


_EVAL_HEADER: Final = """\
# Thumbs-down answers from the Cortex audit log, as eval cases (`cortex audit --export evals`).
# The person asking said each answer was wrong, so what Cortex gave is kept under
# `expect.cortex_gave`, which `cortex eval` does not read: until each case says what the right
# answer is, `cortex eval` refuses the file and names the first case left to complete.
# For each case, replace `cortex_gave` with the right expectation, as in evals/demo.yml:
#   query: {...}   (start from cortex_gave.query when it is close), clarify: true, or
#   out_of_scope: true; then move the case into an eval set.
"""


def eval_cases(records: Iterable[AuditRecord], *, as_of: date | None = None) -> str:
    """The thumbs-down `records` as the YAML of an eval file for an analyst to complete.

    Each becomes a case `feedback-<record id>` tagged `feedback`, whose `expect` holds only
    `cortex_gave` (the outcome and, for an answer, its query in the eval format), with the
    user's comment above it. `load_eval` refuses such a case ("expects nothing I know") until
    `cortex_gave` is replaced by the right `query`, `clarify` or `out_of_scope`. The file's
    `as_of` is `as_of`, else the as-of day of the newest record that has one, else today.
    """
    down = [r for r in records if r.feedback == "down"]
    days = [r.as_of for r in down if r.as_of is not None]
    day = as_of or (days[0] if days else date.today())
    lines = [_EVAL_HEADER.rstrip("\n")]
    if len(Counter(days)) > 1:
        lines.append(
            f"# The answers were given as of {', '.join(sorted({d.isoformat() for d in days}))}; "
            "relative time ranges below are read as of the as_of day."
        )
    lines += [yaml.safe_dump({"as_of": day}).rstrip("\n"), "", "cases:" + ("" if down else " []")]
    for record in down:
        lines += _case_comment(record)
        case: dict[str, object] = {
            "id": f"feedback-{record.id}",
            "question": record.question,
            "tags": ["feedback"],
            "expect": {"cortex_gave": _gave(record)},
        }
        dumped = yaml.safe_dump(
            [case], sort_keys=False, allow_unicode=True, width=96, default_flow_style=None
        )
        lines += ["  " + line for line in dumped.rstrip("\n").split("\n")]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _case_comment(record: AuditRecord) -> builtins.list[str]:
    who = record.user_name or record.user_id
    where = f" in {record.channel}" if record.channel else ""
    said = " ".join((record.feedback_comment or "").split())
    text = (
        f"{who}{where} asked this on {record.at:%Y-%m-%d %H:%M} UTC; {_DID[record.outcome]} "
        f"(audit record {record.id}) and they said it was wrong"
        + (f": “{said}”." if said else " (no comment).")
    )
    return [
        "  " + line for line in textwrap.wrap(text, 94, initial_indent="# ", subsequent_indent="# ")
    ]


_DID: Final[dict[Outcome, str]] = {
    "answered": "Cortex answered",
    "clarified": "Cortex asked back",
    "declined": "Cortex declined it as out of scope",
    "denied": "Cortex refused it (access)",
    "failed": "Cortex failed",
    "acted": "Cortex acted on it (a skill)",
}


def _gave(record: AuditRecord) -> dict[str, object]:
    gave: dict[str, object] = {"outcome": record.outcome}
    query = record.query
    if query is not None:
        gave["query"] = eval_query(query)
    elif record.answer:
        gave["text"] = record.answer[:200]
    return gave


def eval_query(query: SemanticQuery) -> dict[str, object]:
    """`query` in the eval format of evals/demo.yml (filters as `where` strings)."""
    found: dict[str, object] = {"metrics": list(query.metrics)}
    if query.dimensions:
        found["dimensions"] = list(query.dimensions)
    if query.filters:
        found["where"] = [f.where_text() for f in query.filters]
    if query.named_filters:
        found["named_filters"] = list(query.named_filters)
    if query.time_range:
        found["time_range"] = query.time_range
    if query.order_by:
        found["order_by"] = [("-" if o.descending else "") + o.field for o in query.order_by]
    if query.limit is not None:
        found["limit"] = query.limit
    if query.compare:
        found["compare"] = query.compare
    return found
