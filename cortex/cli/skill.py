"""`cortex skill list` and `cortex skill run NAME --input JSON [--yes]`: the skills by hand."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out, print_issues, render_answer
from cortex.errors import UserError

if TYPE_CHECKING:
    from skills.runner import SkillRun


def skill_list(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List the skills Cortex can run: built-in ones and the analysts' YAML skills (a YAML
    skill file with errors is left out, and its problems are printed on stderr)."""
    from skills.builtin import load_skills

    with user_errors():
        registry, issues = load_skills(read_settings())
        print_issues(issues)
        if as_json:
            shown = [
                {
                    "name": skill.name,
                    "description": skill.description,
                    "writes_outside": skill.writes_outside,
                    "roles": sorted(skill.roles) if skill.roles is not None else None,
                    "input_schema": skill.input_model.model_json_schema(),
                }
                for skill in registry
            ]
            print(json.dumps({"skills": shown}))
            return
        table = Table(show_edge=False, header_style="bold")
        table.add_column("skill", no_wrap=True)
        table.add_column("writes outside")
        table.add_column("who may run it")
        table.add_column("what it does", ratio=1)
        for skill in registry:
            roles = ", ".join(sorted(skill.roles)) if skill.roles is not None else "everyone"
            writes = "yes, after confirming" if skill.writes_outside else "no"
            table.add_row(skill.name, writes, roles, escape(skill.description))
        out.print(table)


def _input(text: str) -> dict[str, object]:
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(
            f"--input is not JSON: {error.msg} at character {error.pos}.",
            hint='Give a JSON object, e.g. --input \'{"okr": "OKR-1"}\'.',
        ) from None
    if not isinstance(given, dict):
        raise UserError("--input must be a JSON object.", hint='e.g. --input \'{"okr": "OKR-1"}\'.')
    return given


def skill_run(
    name: str = typer.Argument(..., help="The skill, e.g. okr.status (see `cortex skill list`)."),
    input_json: str = typer.Option("{}", "--input", help="The skill's input, as a JSON object."),
    yes: bool = typer.Option(False, "--yes", help="Confirm a skill that writes outside Cortex."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
) -> None:
    """Run a skill: `cortex skill run okr.status --input '{"okr": "OKR-1"}'`."""
    from cortex.assembly import build_agent
    from cortex.stores.audit import AuditLog
    from cortex.workspace import Workspace
    from skills.base import Requester, SkillContext
    from skills.builtin import skill_registry
    from skills.runner import run_skill

    with user_errors():
        given = _input(input_json)
        settings = read_settings(as_of)
        registry = skill_registry(settings)
        registry.get(name)  # an unknown skill is named before the warehouse is opened
        ensure_warehouse(settings)
        agent = build_agent(Workspace.open(settings))
        try:
            context = SkillContext(
                workspace=agent.workspace,
                requester=Requester(user_id=os.environ.get("USER") or "local"),
                agent=agent,
            )
            run = run_skill(
                registry,
                name,
                given,
                context,
                confirmed=yes,
                audit=AuditLog(settings.audit_path),
            )
        finally:
            agent.close()
        _show(run, as_json=as_json)
        if run.outcome != "done":
            raise typer.Exit(1)


def _show(run: SkillRun, *, as_json: bool) -> None:
    from cortex.answers.formatting import json_value
    from cortex.cli.payload import answer_payload

    result = run.result
    if as_json:
        payload: dict[str, object] = {
            "skill": run.skill,
            "outcome": run.outcome,
            "message": run.message,
            "link": result.link if result is not None else None,
            "files": [str(f) for f in result.files] if result is not None else [],
            "details": dict(result.details) if result is not None else {},
        }
        if result is not None and result.answer is not None:
            payload["answer"] = answer_payload(result.answer)
        if run.trace_id is not None:
            payload["trace_id"] = run.trace_id
        print(json.dumps(payload, default=json_value))
        return
    if run.outcome == "awaiting confirmation":
        err.print(f"{escape(run.message)}\nRun it again with --yes to confirm.")
        return
    if run.outcome != "done" or result is None:
        err.print(f"[red]{escape(run.message)}[/]")
        return
    if result.answer is not None:
        render_answer(result.answer)
    else:
        out.print(escape(result.text))
    if result.link is not None:
        out.print(f"Link: {result.link}")
    for path in result.files:
        out.print(f"Written: {path}")
