"""The `okr.status` skill: one objective's status with its segments and what would close the
gap, or every objective of the current period side by side."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from cortex.answer import Answer
from cortex.answers.formatting import provenance_points
from semantic_layer.time import resolve_time_range
from skills.base import Skill, SkillContext, SkillError, SkillInput, SkillResult
from skills.okr.objectives import Objective, find_objective, read_objectives
from skills.okr.status import Status, objective_status
from skills.okr.wording import likely_text, money, recommendations, status_lines

__all__ = ["OkrStatus", "OkrStatusInput"]

#: How an objective stands, in a request's words.
_HOW = r"(perform\w*|doing|track\w*|progress\w*|going|status|attain\w*|pacing|on target)"
#: An objective named by the acronym or the word, with its number if any.
_OKR = r"okrs?(?:[- ]?\d+)?|objectives?(?: \d+)?"


class OkrStatusInput(SkillInput):
    """Which objective: its id as people write it, or none for every current one."""

    okr: str | None = Field(
        default=None,
        description="The objective's id ('OKR-1', 'okr 1'); empty for every objective of the "
        "current period.",
    )


def _details(status: Status) -> dict[str, object]:
    o = status.objective
    return {
        "id": o.id,
        "objective": o.objective,
        "metric": o.metric,
        "period": o.period,
        "segment": o.segment,
        "current": status.current,
        "target": o.target,
        "projected": status.projected,
        "low": status.low,
        "high": status.high,
        "method": status.method,
        "why": status.why,
        "run_rate": status.run_rate,
        "trend": status.trend,
        "confidence": status.confidence,
        "attainment": status.attainment(status.current),
        "projected_attainment": status.attainment(status.projected),
        "higher_is_better": status.higher_is_better,
        "direction_from": status.direction_from,
        "days_left": status.days_left,
        "as_of": status.as_of.isoformat(),
        "segments": [
            {"value": c.value, "now": c.now, "before": c.before, "change": c.change}
            for c in status.segments
        ],
    }


def _current(objectives: list[Objective], context: SkillContext) -> list[Objective]:
    """The objectives whose period holds the as-of day (else those of the latest period)."""
    as_of = context.settings.as_of
    held = []
    for objective in objectives:
        try:
            span = resolve_time_range(objective.period, as_of)
        except ValueError:
            continue
        if span is not None and span.start <= as_of < span.end:
            held.append(objective)
    if held or not objectives:
        return held
    latest = max(o.period for o in objectives)
    return [o for o in objectives if o.period == latest]


class OkrStatus(Skill[OkrStatusInput]):
    """How we stand against an objective (or all current ones): now, projected, likelihood,
    by segment, and what would close the gap."""

    name: ClassVar[str] = "okr.status"
    description: ClassVar[str] = (
        "How the company stands against an OKR (or every current one): the metric now, its "
        "projected end-of-period value with method and range, how likely the target is, the "
        "change by segment and what would close the gap."
    )
    input_model: ClassVar[type[SkillInput]] = OkrStatusInput
    #: how it stands, asked of one objective ("how are we performing against OKR-1?", "OKR 2
    #: progress") or of all ("are we on track for our OKRs?")
    requests: ClassVar[tuple[str, ...]] = (
        rf"\b{_HOW}\b.*\b(?P<subject>{_OKR})\b",
        rf"\b(?P<subject>{_OKR})\b.*\b{_HOW}\b",
    )

    def request_input(self, subject: str | None) -> dict[str, object]:
        """One objective when the request names its number, else every current one."""
        return {"okr": subject} if subject and any(c.isdigit() for c in subject) else {}

    def run(self, context: SkillContext, given: OkrStatusInput) -> SkillResult:
        """Compute the status of the objective(s) asked for."""
        objectives = read_objectives(context)
        if not objectives:
            raise SkillError(
                "No objectives are recorded (or none you may see).",
                hint="Add rows to the table metrics.yml's `objectives` names.",
            )
        if given.okr is not None and given.okr.strip():
            return self._one(
                context, objective_status(context, find_objective(objectives, given.okr))
            )
        chosen = _current(objectives, context)
        return self._several(context, [objective_status(context, o) for o in chosen])

    def _one(self, context: SkillContext, status: Status) -> SkillResult:
        lines = status_lines(status)
        advice = recommendations(status)
        text = "\n".join(lines)
        if advice:
            text += "\n*What would close the gap:*\n" + "\n".join(f"• {a}" for a in advice)
        outcome = status.segment_outcome
        answer = Answer(
            status="answer",
            text=text,
            question=f"okr.status {status.objective.id}",
            conversation_id=uuid.uuid4().hex,
            query=status.segment_query,
            compiled=None if outcome is None else outcome.compiled,
            result=None if outcome is None else outcome.result,
            trust="generated",
        )
        return SkillResult(text=text, answer=answer, details={"okrs": [_details(status)]})

    def _several(self, context: SkillContext, statuses: list[Status]) -> SkillResult:
        rows = [
            f"• {s.objective.id} ({s.metric.label}"
            + (f", {s.objective.segment}" if s.objective.segment else "")
            + f"): now {money(s, s.current)}, target {money(s, s.objective.target)}, "
            f"projected {money(s, s.projected)} by {s.method} "
            f"({money(s, s.low)} to {money(s, s.high)}), {likely_text(s.confidence)}"
            for s in statuses
        ]
        period = ", ".join(sorted({s.objective.period for s in statuses}))
        on_track = sum(1 for s in statuses if (s.confidence or 0) >= 0.5)
        head = (
            f"{on_track} of {len(statuses)} objectives of {period} are more likely than not "
            "to be met (projections at the period's end; a 90% range each; "
            "`okr.status OKR-n` for one with its segments and what would close the gap)."
        )
        how = []
        for s in statuses:
            p = s.segment_outcome.compiled.provenance if s.segment_outcome else None
            if p is not None:
                label, rest = provenance_points(p, joins=False)[0]
                how.append(f"{s.objective.id}: {label}{rest}")
        text = head + "\n" + "\n".join(rows)
        if how:
            text += "\n*How these were computed:*\n" + "\n".join(f"• {h}" for h in how)
        answer = Answer(
            status="answer",
            text=text,
            question="okr.status (every current objective)",
            conversation_id=uuid.uuid4().hex,
            trust="generated",
        )
        return SkillResult(
            text=text, answer=answer, details={"okrs": [_details(s) for s in statuses]}
        )
