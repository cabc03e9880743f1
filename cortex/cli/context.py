"""`cortex context sync notion`: the business context pulled from where people keep it.

The sync is the `notion.read` skill, run as `cortex skill run` runs skills (the input checked,
the run in the audit trail): each page of CORTEX_NOTION_CONTEXT_DATABASE becomes a Markdown
document in the context folder (CORTEX_CONTEXT), which the next question reads.
"""

from __future__ import annotations

import json
import os
from typing import Final

import typer
from rich.markup import escape

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out
from cortex.errors import UserError

#: Each source the context can be synced from, and the skill that reads it.
SOURCES: Final = {"notion": "notion.read"}


def context_sync(
    source: str = typer.Argument(..., help="Where to read the context from: notion."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Pull business context documents from a source into the context folder."""
    from cortex.stores.audit import AuditLog
    from cortex.workspace import Workspace
    from skills.base import Requester, SkillContext
    from skills.builtin import skill_registry
    from skills.runner import run_skill

    with user_errors():
        skill = SOURCES.get(source.strip().lower())
        if skill is None:
            raise UserError(
                f"Cortex cannot sync the context from {source!r}.",
                hint=f"Sources: {', '.join(SOURCES)} (e.g. `cortex context sync notion`).",
            )
        settings = read_settings()
        registry = skill_registry(settings)
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            context = SkillContext(
                workspace=workspace,
                requester=Requester(user_id=os.environ.get("USER") or "local"),
            )
            run = run_skill(registry, skill, {}, context, audit=AuditLog(settings.audit_path))
        files = [str(path) for path in run.result.files] if run.result is not None else []
        if as_json:
            print(json.dumps({"outcome": run.outcome, "message": run.message, "files": files}))
        elif run.outcome == "done":
            out.print(escape(run.message))
            for path in files:
                out.print(f"Written: {escape(path)}")
        else:
            err.print(f"[red]{escape(run.message)}[/]")
        if run.outcome != "done":
            raise typer.Exit(1)
