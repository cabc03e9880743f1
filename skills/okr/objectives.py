"""The company's objectives, read where metrics.yml's `objectives` says they live, and found by
an id as people write it ("OKR-1", "okr 1", "OKR1")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cortex.answers.formatting import is_missing
from cortex.workspace import QueryOutcome, Workspace
from semantic_layer.errors import suggest
from semantic_layer.model import Objectives
from semantic_layer.query import SemanticQuery
from skills.base import SkillContext, SkillError

__all__ = ["Objective", "declared", "find_objective", "normalised_id", "okr_ids", "read_objectives"]


@dataclass(frozen=True)
class Objective:
    """One objective: its id and wording, the metric and period it is measured over, the
    segment it is limited to (None: company-wide), its target, and a declared direction."""

    id: str
    objective: str
    metric: str
    period: str
    segment: str | None
    target: float
    direction: Literal["higher", "lower"] | None = None


def normalised_id(text: str) -> str:
    """An id as a key: letters and digits only, upper case ("okr 1", "OKR-1" -> "OKR1")."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def declared(workspace: Workspace) -> Objectives:
    """The `objectives` declaration of the model; SkillError when metrics.yml has none."""
    found = workspace.model.objectives
    if found is None:
        raise SkillError(
            "This metrics.yml does not say where the objectives (OKRs) live.",
            hint="Add an `objectives:` block to metrics.yml (see README, 'The metrics.yml "
            "format') naming the table of objectives and its columns.",
        )
    return found


def _listing(where: Objectives) -> SemanticQuery:
    return SemanticQuery(
        metrics=(where.target,),
        dimensions=tuple(where.dimensions.values()),
        order_by=(),
    )


def _objectives(where: Objectives, outcome: QueryOutcome) -> list[Objective]:
    if outcome.result is None:
        return []
    found = []
    for row in outcome.result.frame.to_dict("records"):

        def text(key: str, row: dict[object, object] = row) -> str | None:
            name = where.dimensions.get(key)
            value = None if name is None else row.get(name)
            return None if is_missing(value) else str(value)

        target = row.get(where.target)
        if is_missing(target):
            continue
        direction = (text("direction") or "").strip().lower()
        found.append(
            Objective(
                id=text("id") or "",
                objective=text("objective") or "",
                metric=text("metric") or "",
                period=text("period") or "",
                segment=text("segment"),
                target=float(target),  # type: ignore[arg-type]
                direction="lower" if direction == "lower" else "higher" if direction else None,
            )
        )
    return sorted(found, key=lambda o: (len(o.id), o.id))


def read_objectives(context: SkillContext) -> list[Objective]:
    """Every objective the requester may see, by id ("OKR-2" before "OKR-10")."""
    where = declared(context.workspace)
    return _objectives(where, context.query(_listing(where)))


def okr_ids(workspace: Workspace) -> list[tuple[str, str]]:
    """(id, objective wording) of every declared objective, for planners that route "how are we
    doing on OKR-1" to okr.status; empty when metrics.yml declares none."""
    where = workspace.model.objectives
    if where is None:
        return []
    return [(o.id, o.objective) for o in _objectives(where, workspace.query(_listing(where)))]


def find_objective(objectives: list[Objective], given: str) -> Objective:
    """The objective `given` names, however it is written; SkillError with a did-you-mean and
    the ids there are when none matches."""
    key = normalised_id(given)
    for objective in objectives:
        if normalised_id(objective.id) == key:
            return objective
    ids = [o.id for o in objectives]
    close = suggest(given, ids)
    meant = f"Did you mean {' or '.join(close)}? " if close else ""
    raise SkillError(
        f"There is no objective '{given}'.",
        hint=f"{meant}The objectives are: "
        + "; ".join(f"{o.id} ({o.objective})" for o in objectives)
        + ".",
    )
