"""`cortex ask` and `cortex chat`: questions in plain language, answered by the agent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors, writable, write
from cortex.cli.render import err, out, render_answer

if TYPE_CHECKING:  # the agent and the skills load only when a question is asked
    from cortex.agent import Agent
    from cortex.answer import Answer
    from cortex.settings import Settings
    from semantic_layer.model import SemanticModel
    from skills.registry import SkillRegistry


def _agent(settings: Settings, registry: SkillRegistry, *, cache: bool = True) -> Agent:
    from cortex.assembly import build_agent
    from cortex.workspace import Workspace

    ensure_warehouse(settings)
    workspace = Workspace.open(settings, cache=cache)
    return build_agent(workspace, requests=registry.readers())


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
    yes: bool = typer.Option(
        False,
        "--yes",
        help="Confirm a skill asked for that writes outside Cortex (Notion, Linear).",
    ),
    as_user: str = typer.Option(
        None,
        "--as-user",
        help="Answer as this Slack user (U…) would be answered: their roles and row policies "
        "in access.yml.",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Run every query on the warehouse, not from the result cache."
    ),
) -> None:
    """Ask a question: `cortex ask "What's our ARR by segment?"`."""
    from cortex.answers.formatting import json_value
    from cortex.cli.payload import answer_payload
    from cortex.cli.viewer import viewer_grant
    from cortex.stores.audit import AuditLog
    from skills.base import Requester
    from skills.builtin import skill_registry
    from skills.dispatch import follow_through

    with user_errors():
        writable("--chart", chart, "chart.png")
        settings = read_settings(as_of)
        registry = skill_registry(settings)
        agent = _agent(settings, registry, cache=not no_cache)
        audit = AuditLog(settings.audit_path)
        try:
            grant = None
            if as_user is not None:
                grant = viewer_grant(settings, agent.workspace.model, as_user)
            answer = agent.ask(question, conversation, policy=grant)
            requester = Requester(
                user_id=_local_user(), roles=grant.roles if grant is not None else None
            )
            answer = follow_through(
                answer, registry, agent, requester, policy=grant, audit=audit, confirmed=yes
            )
        finally:
            agent.close()
        audit.record_answer(answer, source="cli", user_id=_local_user())
        if as_json:
            print(json.dumps(answer_payload(answer), default=json_value))
        else:
            render_answer(answer)
            err.print(f"[dim]conversation {answer.conversation_id}[/]")
        if chart is not None:  # after the answer: a chart that cannot be written loses nothing
            _draw(answer, chart, agent.workspace.model)
        if answer.status == "error":
            raise typer.Exit(1)


#: What `cortex chat` answers itself rather than ask the agent.
_HELP = frozenset({"help", "?", "/help"})
_SHOW_SQL = frozenset({"sql", "show sql", "show the sql", "show me the sql", "/sql"})


def _chat_help(model: SemanticModel) -> str:
    """What to ask, from the loaded model, and what the chat itself understands."""
    from cortex.knowledge.examples import example_metrics, example_question, listed

    examples = [q.question for q in model.verified_queries[:3]] or [example_question(model)]
    tried = "\n".join(f"  {example}" for example in examples)
    return (
        f"Ask about {listed(example_metrics(model))} and more (`cortex metrics` lists them), "
        f'for example:\n{tried}\nFollow-ups build on the last answer: "now by <dimension>", '
        '"what about the month before?". When I ask back, reply "yes" or a number to '
        'take a suggestion. "show me the SQL" shows the last answer\'s SQL; an empty line '
        'or "exit" ends the chat. Up and down arrows go through your questions.'
    )


def chat(
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Run every query on the warehouse, not from the result cache."
    ),
) -> None:
    """Talk to Cortex: questions and follow-ups, until an empty line or Ctrl-D ("help" says
    what to ask; "show me the SQL" shows the last answer's)."""
    import readline  # noqa: F401  line editing and history for input(), where the OS has it

    from cortex.stores.audit import AuditLog
    from skills.base import Requester
    from skills.builtin import skill_registry
    from skills.dispatch import follow_through

    with user_errors():
        settings = read_settings(as_of)
        registry = skill_registry(settings)
        agent = _agent(settings, registry, cache=not no_cache)
        audit = AuditLog(settings.audit_path)
        conversation: str | None = None
        last: Answer | None = None
        try:
            while True:
                try:
                    question = input("cortex> ").strip()
                except EOFError:
                    break
                asked = " ".join(question.lower().strip(" ?!.").split())
                if asked in ("", "exit", "quit"):
                    break
                if asked in _HELP:
                    out.print(escape(_chat_help(agent.workspace.model)))
                    continue
                if asked in _SHOW_SQL:
                    if last is None or last.compiled is None:
                        out.print("No answer with SQL yet: ask a question first.")
                    else:
                        out.print(last.compiled.sql)
                    continue
                answer = agent.ask(question, conversation)
                requester = Requester(user_id=_local_user())
                answer = follow_through(answer, registry, agent, requester, audit=audit)
                audit.record_answer(answer, source="cli", user_id=_local_user())
                conversation = answer.conversation_id
                last = answer if answer.compiled is not None else last
                render_answer(answer)
        finally:
            agent.close()
