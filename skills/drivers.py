"""The `drivers.explain` skill: why a metric moved between two periods, split exactly over the
values of each dimension (`cortex.signals`), as the requester may see it.

Questions such as "what drove the drop in X last month?" reach the same explanation through the
agent, so this skill has no request patterns of its own: it is for a model-backed planner's
tool call, `cortex skill run drivers.explain --input ...`, and the skills that build on it.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from cortex.answer import Answer
from cortex.errors import UserError
from cortex.signals.drivers import explain_change
from cortex.signals.payload import drivers_payload
from cortex.signals.summary import summarize
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Comparison
from semantic_layer.query import Filter, SemanticQuery
from skills.base import Skill, SkillContext, SkillError, SkillInput, SkillResult

__all__ = ["DriversExplain", "DriversInput"]


class DriversInput(SkillInput):
    """Which change to explain: a metric over a period, against the period to compare with."""

    metric: str = Field(description="The metric's catalog name.")
    time_range: str = Field(description="The period whose change to explain ('last month').")
    compare: Comparison = Field(
        default="previous_period",
        description="Compare with the previous period or the same period a year ago.",
    )
    filters: tuple[Filter, ...] = Field(
        default=(), description="Conditions on dimensions that hold in both periods."
    )


class DriversExplain(Skill[DriversInput]):
    """Explain a metric's change: the total change and the values that carried it."""

    name: ClassVar[str] = "drivers.explain"
    description: ClassVar[str] = (
        "Why a metric moved between a period and the one before (or a year before): the "
        "change split exactly over each dimension's values, the dimensions that explain most "
        "first, with rate, mix and interaction effects for ratio metrics."
    )
    input_model: ClassVar[type[SkillInput]] = DriversInput

    def run(self, context: SkillContext, given: DriversInput) -> SkillResult:
        query = SemanticQuery(
            metrics=(given.metric,),
            filters=given.filters,
            time_range=given.time_range,
            compare=given.compare,
        )
        try:
            drivers = explain_change(query, context.workspace.model, context.query)
        except (SemanticLayerError, UserError) as error:
            raise SkillError(str(error)) from None
        text = summarize(drivers, context.workspace.model)
        answer = Answer(
            "answer", text, f"drivers of {given.metric}", uuid.uuid4().hex[:12], drivers=drivers
        )
        return SkillResult(text=text, answer=answer, details=drivers_payload(drivers))
