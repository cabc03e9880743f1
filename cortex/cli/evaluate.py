"""`cortex eval`: the whole pipeline scored on an eval set."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import out


def evaluate(
    path: Path = typer.Argument(..., help="An eval file, e.g. evals/demo.yml."),
    as_json: bool = typer.Option(False, "--json", help="Print every outcome as JSON."),
    show_failures: bool = typer.Option(
        False, "--failures", help="List what went wrong, grouped by class of failure."
    ),
) -> None:
    """Score the pipeline on an eval set: accuracy, clarifications, wrong answers, latency."""
    from cortex.agent import Agent
    from cortex.answers.formatting import json_value
    from cortex.assembly import choose_planner, workspace_context
    from cortex.evaluation import load_eval, run_eval
    from cortex.knowledge import build_value_index
    from cortex.planning.plans import Closeable
    from cortex.stores.conversations import ConversationStore
    from cortex.workspace import Workspace
    from skills.builtin import skill_registry

    with user_errors():
        as_of, cases = load_eval(path)
        settings = read_settings(as_of.isoformat())
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            store = ConversationStore(":memory:")

            context = workspace_context(workspace)
            values = build_value_index(workspace.model, workspace.warehouse)
            # the skills are recognised as `cortex ask` recognises them: a question read as a
            # request to act is scored as the answer it gets
            readers = skill_registry(settings).readers()
            planner = choose_planner(workspace, context, values, readers)

            def make_agent() -> Agent:
                return Agent(workspace, planner, store, values=values, requests=readers)

            try:
                report = run_eval(cases, make_agent, workspace)
            finally:
                if isinstance(planner, Closeable):
                    planner.close()
        if as_json:
            print(json.dumps([asdict(o) for o in report.outcomes], default=json_value))
            return
        table = Table(title=f"{path.name}: {len(report.outcomes)} questions")
        for column in ("tag", "accuracy"):
            table.add_column(column)
        for tag, accuracy in report.by_tag.items():
            table.add_row(tag, f"{accuracy:.0%}")
        out.print(table)
        out.print(
            f"accuracy {report.accuracy:.1%} · clarification rate {report.clarification_rate:.1%}"
            f" · wrong answers {report.wrong_answer_rate:.1%} · must-clarify answered with a "
            f"number: {report.must_clarify_answered} · latency p50 "
            f"{report.latency_ms(0.5):.0f} ms, p95 {report.latency_ms(0.95):.0f} ms"
        )
        if show_failures:
            for failure, outcomes in report.failures_by_class().items():
                out.print(f"\n[bold]{escape(failure)}[/] ({len(outcomes)})")
                for outcome in outcomes:
                    out.print(
                        f"  [red]✗[/] {outcome.case}: {escape(outcome.question)} -> "
                        f"{escape(outcome.detail)}"
                    )
