"""One run of a skill, as every surface does it: checked, allowed, confirmed, recorded.

    run_skill(registry, name, raw_input, context, confirmed=..., audit=...) -> SkillRun

In order: the skill is found (or a "did you mean"); the input is validated against its model
(every problem named by field); the requester's roles are checked; a skill that writes outside
Cortex stops at "awaiting confirmation" until the surface runs it again with `confirmed=True`
(a Slack "Confirm" click by the person who asked, `--yes` on the CLI). Then it runs. A
`UserError` it raises is told as it is; any other exception becomes an apology with a trace id
(the traceback goes to the log). Every run, whatever came of it, is one record in the audit
trail with its input, outcome and link.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from cortex.errors import AccessDenied, InternalError, UserError
from cortex.stores.audit import AuditLog, SkillOutcome, SkillRunEntry
from skills.base import Skill, SkillContext, SkillInput, SkillResult
from skills.registry import SkillRegistry

__all__ = ["SkillRun", "input_problems", "run_skill"]

_log = logging.getLogger("cortex.skills")


@dataclass(frozen=True)
class SkillRun:
    """What came of a run: its outcome, what to tell the person, and the result when done.

    `confirmation` is the question to confirm when the outcome is "awaiting confirmation".
    """

    skill: str
    outcome: SkillOutcome
    message: str
    result: SkillResult | None = None
    confirmation: str | None = None
    trace_id: str | None = None
    input: Mapping[str, Any] | None = None


def input_problems(error: ValidationError) -> str:
    """A validation error as one line per field: `field: what is wrong`."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "input"
        lines.append(f"{where}: {problem['msg']}")
    return "; ".join(lines)


def run_skill(
    registry: SkillRegistry,
    name: str,
    raw_input: Mapping[str, Any],
    context: SkillContext,
    *,
    confirmed: bool = False,
    audit: AuditLog | None = None,
) -> SkillRun:
    """Run the skill `name` with `raw_input` as `context.requester`; never raises a UserError."""
    started = time.perf_counter()
    shown_input = json.dumps(dict(raw_input), sort_keys=True, default=str)
    run = _run(registry, name, raw_input, context, confirmed=confirmed)
    if audit is not None:
        requester = context.requester
        audit.record_skill_run(
            SkillRunEntry(
                source=requester.source,
                user_id=requester.user_id,
                channel=requester.channel,
                thread=requester.thread,
                skill=run.skill,
                input=shown_input,
                outcome=run.outcome,
                message=run.message,
                link=run.result.link if run.result is not None else None,
                trace_id=run.trace_id,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        )
    return run


def _run(
    registry: SkillRegistry,
    name: str,
    raw_input: Mapping[str, Any],
    context: SkillContext,
    *,
    confirmed: bool,
) -> SkillRun:
    try:
        skill = registry.get(name)
    except UserError as error:
        return SkillRun(name, "refused", error.user_message)
    try:
        given = skill.input_model.model_validate(dict(raw_input))
    except ValidationError as error:
        return SkillRun(
            skill.name,
            "refused",
            f"The input of {skill.name} does not fit: {input_problems(error)}.",
        )
    refusal = _refusal(skill, context)
    if refusal is not None:
        return SkillRun(skill.name, "refused", refusal)
    if skill.writes_outside and not confirmed:
        question = skill.confirmation(given)
        return SkillRun(
            skill.name,
            "awaiting confirmation",
            question,
            confirmation=question,
            input=given.model_dump(mode="json"),
        )
    return replace(_execute(skill, given, context), input=given.model_dump(mode="json"))


def _refusal(skill: Skill[Any], context: SkillContext) -> str | None:
    roles = context.requester.roles
    if skill.roles is None or roles is None or roles & skill.roles:
        return None
    return (
        f"You may not run {skill.name}: it needs one of the roles "
        f"{', '.join(sorted(skill.roles))}. Ask an admin to grant one in access.yml."
    )


def _execute(skill: Skill[Any], given: SkillInput, context: SkillContext) -> SkillRun:
    try:
        result = skill.run(context, given)
    except AccessDenied as denied:
        return SkillRun(skill.name, "refused", denied.user_message)
    except UserError as error:
        return SkillRun(skill.name, "failed", error.user_message)
    except Exception:
        internal = InternalError(f"{skill.name} hit an unexpected problem.")
        _log.exception("trace %s: skill %s", internal.trace_id, skill.name)
        return SkillRun(skill.name, "failed", internal.user_message, trace_id=internal.trace_id)
    return SkillRun(skill.name, "done", result.text, result=result)
