"""`cortex ask` and `cortex chat`: questions in plain language, answered by the agent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from cortex.agent import Agent
from cortex.answer import Answer
from cortex.assembly import build_agent
from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors, writable, write
from cortex.cli.payload import answer_payload, json_value
from cortex.cli.render import err, render_answer
from cortex.settings import Settings
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace
from semantic_layer.model import SemanticModel


def _agent(settings: Settings) -> Agent:
    ensure_warehouse(settings)
    return build_agent(Workspace.open(settings))


def _draw(answer: Answer, path: Path, model: SemanticModel) -> None:
    """Write the answer's chart (a Vega-Lite spec built from the result) as a PNG."""
    from cortex.answers.chart import (  # altair is slow to import: only when asked
        chart_spec,
        render_png,
    )

    if answer.compiled is None or answer.result is None:
        err.print("[dim]No chart: there are no numbers to draw.[/]")
        return
    spec = chart_spec(answer.compiled, answer.result.frame, model)
    if spec is None:
        err.print("[dim]No chart: a single number or an empty result is clearer as text.[/]")
        return
    write("--chart", path, render_png(spec))
    err.print(f"Chart written to {path}.")


def _local_user() -> str:
    """Who is at the terminal, for the audit trail (the CLI has no other identity)."""
    return os.environ.get("USER") or "local"


def ask(
    question: str = typer.Argument(..., help="A question in plain language."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
    conversation: str = typer.Option(
        None, "--conversation", "-c", help="Continue this conversation (follow-ups)."
    ),
    chart: Path = typer.Option(None, "--chart", help="Also draw the answer's chart to this PNG."),
) -> None:
    """Ask a question: `cortex ask "What's our ARR by segment?"`."""
    with user_errors():
        writable("--chart", chart, "chart.png")
        settings = read_settings(as_of)
        agent = _agent(settings)
        try:
            answer = agent.ask(question, conversation)
        finally:
            agent.close()
        AuditLog(settings.audit_path).record_answer(answer, source="cli", user_id=_local_user())
        if as_json:
            print(json.dumps(answer_payload(answer), default=json_value))
        else:
            render_answer(answer)
            err.print(f"[dim]conversation {answer.conversation_id}[/]")
        if chart is not None:  # after the answer: a chart that cannot be written loses nothing
            _draw(answer, chart, agent.workspace.model)
        if answer.status == "error":
            raise typer.Exit(1)


def chat(
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
) -> None:
    """Talk to Cortex: questions and follow-ups, until an empty line or Ctrl-D."""
    with user_errors():
        settings = read_settings(as_of)
        agent = _agent(settings)
        audit = AuditLog(settings.audit_path)
        conversation: str | None = None
        try:
            while True:
                try:
                    question = input("cortex> ").strip()
                except EOFError:
                    break
                if question.lower() in ("", "exit", "quit"):
                    break
                answer = agent.ask(question, conversation)
                audit.record_answer(answer, source="cli", user_id=_local_user())
                conversation = answer.conversation_id
                render_answer(answer)
        finally:
            agent.close()
