"""`cortex audit`: the audit trail listed, filtered, or exported as CSV or eval cases."""

from __future__ import annotations

import io
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cortex.cli.environment import read_settings
from cortex.cli.errors import choice, fail, in_range, user_errors, writable, write
from cortex.cli.render import err, out
from cortex.stores.audit import OUTCOMES, VOTES, AuditLog, AuditRecord, eval_cases, write_csv
from semantic_layer.query import MAX_LIMIT

_EXPORTS = ("csv", "evals")


def audit(
    user: str = typer.Option(None, "--user", help="Only this Slack user id or user name."),
    channel: str = typer.Option(None, "--channel", help="Only this channel id."),
    outcome: str = typer.Option(
        None, "--outcome", help=f"Only this outcome: {', '.join(OUTCOMES)}."
    ),
    since: str = typer.Option(None, "--since", help="Only from this UTC day on (YYYY-MM-DD)."),
    feedback: str = typer.Option(None, "--feedback", help="Only this feedback: up or down."),
    limit: int = typer.Option(None, "--limit", help="At most this many, newest first (table: 50)."),
    export: str = typer.Option(
        None, "--export", help="csv (every column), or evals (thumbs-down answers as eval cases)."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write the export to this file."),
    skills: bool = typer.Option(
        False, "--skills", help="List the skills run instead: input, outcome and link."
    ),
) -> None:
    """The audit trail: who asked what, what Cortex did, and their feedback (newest first)."""
    with user_errors():
        if skills:
            _skill_runs(limit or 50)
            return
        choice("--outcome", outcome, OUTCOMES)
        choice("--feedback", feedback, VOTES)
        choice("--export", export, _EXPORTS)
        in_range("--limit", limit, 1, MAX_LIMIT, "Give the number of records to list, e.g. 20.")
        writable("--output", output, "audit.csv" if export == "csv" else "feedback.yml")
        day = None
        if since is not None:
            try:
                day = date.fromisoformat(since)
            except ValueError:
                fail(f"--since {since!r} is not a day.", "Use YYYY-MM-DD, e.g. 2026-11-01.")
        settings = read_settings()
        records: list[AuditRecord] = []
        if settings.audit_path.exists():  # reading never creates the log
            records = AuditLog(settings.audit_path).list(
                user=user,
                channel=channel,
                outcome=outcome,
                since=day,
                feedback="down" if export == "evals" else feedback,
                limit=limit if limit is not None or export else 50,
            )
        if export is not None:
            text = io.StringIO()
            if export == "csv":
                write_csv(records, text)
            else:
                text.write(eval_cases(records, as_of=None))
            if output is None:
                sys.stdout.write(text.getvalue())
            else:
                write("--output", output, text.getvalue().encode("utf-8"))
                err.print(f"{len(records)} record(s) written to {output}.")
            return
        if not records:
            out.print(f"No audit records match (in {settings.audit_path}).")
            return
        out.print(_audit_table(records))
        cached = Counter(record.cache for record in records if record.cache is not None)
        if cached:
            counts = ", ".join(f"{cached[status]} {status}" for status in ("hit", "miss", "off"))
            out.print(f"[dim]Result cache, over these records: {counts}.[/]")


def _skill_runs(limit: int) -> None:
    """The latest skill runs: when, who, which skill, what came of it, the link or why not."""
    settings = read_settings()
    runs = (
        AuditLog(settings.audit_path).skill_runs(limit=limit)
        if settings.audit_path.exists()
        else []
    )
    if not runs:
        out.print(f"No skill has run yet (in {settings.audit_path}).")
        return
    table = Table(title=f"{len(runs)} skill run(s), newest first")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("user", overflow="fold")
    table.add_column("skill", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("input", overflow="fold")
    table.add_column("link, or what was said", overflow="fold")
    colours = {"done": "green", "awaiting confirmation": "cyan"}
    for run in runs:
        said = run.link or run.message
        table.add_row(
            f"{run.at:%Y-%m-%d %H:%M}",
            escape(run.user_id),
            run.skill,
            f"[{colours.get(run.outcome, 'red')}]{run.outcome}[/]",
            escape(run.input),
            escape(said if len(said) <= 120 else said[:119] + "…"),
        )
    out.print(table)


def _audit_table(records: list[AuditRecord]) -> Table:
    """Time, user, channel, outcome, question, rows, latency, cost and feedback of each record.

    Channel, cost and feedback are left out when no record has one (a local log has none).
    """
    optional = {
        "channel": any(r.channel for r in records),
        "cost": any(r.cost_usd is not None for r in records),
        "feedback": any(r.feedback for r in records),
    }
    table = Table(title=f"{len(records)} question(s), newest first")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("user", overflow="fold")
    if optional["channel"]:
        table.add_column("channel", overflow="fold")
    table.add_column("outcome", no_wrap=True)
    table.add_column("question", min_width=16)
    table.add_column("rows", justify="right")
    table.add_column("latency", justify="right", no_wrap=True)
    if optional["cost"]:
        table.add_column("cost", justify="right", no_wrap=True)
    if optional["feedback"]:
        table.add_column("feedback")
    colours = {"answered": "green", "clarified": "cyan", "declined": "yellow", "acted": "blue"}
    for record in records:
        question = record.question if len(record.question) <= 80 else record.question[:79] + "…"
        cells = [f"{record.at:%Y-%m-%d %H:%M}", escape(record.user_name or record.user_id)]
        if optional["channel"]:
            cells.append(escape(record.channel or "-"))
        cells += [
            f"[{colours.get(record.outcome, 'red')}]{record.outcome}[/]",
            escape(question),
            "-" if record.rows is None else str(record.rows),
            "-" if record.latency_ms is None else f"{record.latency_ms:.0f} ms",
        ]
        if optional["cost"]:
            cells.append("-" if record.cost_usd is None else f"${record.cost_usd:.4f}")
        if optional["feedback"]:
            vote, comment = record.feedback or "-", record.feedback_comment
            cells.append(escape(f"{vote}: {comment}" if comment else vote))
        table.add_row(*cells)
    return table
