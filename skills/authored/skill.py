"""`YamlSkill`: a skill an analyst wrote in YAML, run like any other.

A run: the inputs are checked (a `value` input against the values of its dimension the
requester may see, matched without regard to case); each query is built with the inputs and run
through `context.query`, so the requester's row policy applies; each result becomes an
`Answer` narrated as Cortex narrates any answer; the narrative template is rendered over the
results; then the result goes where `output` says:

- `thread`: `SkillResult(text=narrative, answer=<the skill's answer>)`, where the skill's
  answer is the first query's numbers with the rendered narrative as its text;
- another skill: that skill is run with the answers (each query's, then the skill's answer
  last) as `context.answers`, and its input rendered with the inputs and `narrative`. When it
  writes outside Cortex, so does the YAML skill: it is confirmed before anything runs.

Each YAML skill is its own subclass of `YamlSkill` (`YamlSkill.of(spec, registry)`), so its
name, description and input model are class attributes like a built-in skill's. The registry
of the skills it may send its result to is given at construction, never global.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar, cast

from jinja2 import TemplateError
from pydantic import ValidationError

from connectors.warehouse import WarehouseError
from cortex.answer import Answer
from cortex.answers.narrative import narrate
from semantic_layer.errors import SemanticLayerError, did_you_mean
from semantic_layer.query import SemanticQuery
from skills.authored.inputs import InputSpec, input_model
from skills.authored.results import QueryView
from skills.authored.spec import QueryTemplate, SkillSpec, render_text
from skills.base import Skill, SkillContext, SkillError, SkillInput, SkillResult
from skills.registry import SkillRegistry
from skills.runner import input_problems

__all__ = ["YamlSkill"]


class YamlSkill(Skill[SkillInput]):
    """A skill declared in a YAML file (see the module); make one with `YamlSkill.of`."""

    spec: ClassVar[SkillSpec]

    def __init__(self, registry: SkillRegistry) -> None:
        self._registry = registry

    @classmethod
    def of(cls, spec: SkillSpec, registry: SkillRegistry) -> YamlSkill:
        """The skill `spec` declares, sending its result to a skill of `registry`."""
        delegate = None if spec.output.is_thread else registry.get(spec.output.skill)
        attributes: dict[str, Any] = {
            "spec": spec,
            "name": spec.name,
            "description": spec.description,
            "input_model": input_model(spec.name, spec.inputs),
            "roles": spec.roles,
            "writes_outside": delegate is not None and delegate.writes_outside,
            "requests": (_request_pattern(spec.name),),
            "__doc__": f"{spec.description} (declared in {spec.file})",
        }
        made = type(f"YamlSkill_{spec.name.replace('.', '_')}", (cls,), attributes)
        return cast(YamlSkill, made(registry))

    def request_input(self, subject: str | None) -> dict[str, Any]:
        """A request "about" something fills the first value or text input with it
        ("deep dive on Enterprise"); the skill checks the value when it runs."""
        if subject is None:
            return {}
        for spec in self.spec.inputs:
            if spec.type in ("value", "string"):
                return {spec.name: subject}
        return {}

    def confirmation(self, given: SkillInput) -> str:
        """What is confirmed: the queries, then what the skill the result goes to will do."""
        delegate = self._delegate()
        if delegate is None:
            return super().confirmation(given)
        values = {**self._values(given, date.today()), "narrative": ""}
        try:
            raw = self.spec.output.build_input(values)
            inner = delegate.confirmation(delegate.input_model.model_validate(raw))
        except (ValidationError, TemplateError):
            inner = f"Run {delegate.name}?"
        return f"{self.name} runs its {len(self.spec.queries)} queries, then: {inner}"

    def run(self, context: SkillContext, given: SkillInput) -> SkillResult:
        """Run the queries, write the narrative, and deliver it (see the module)."""
        values = self._values(given, context.settings.as_of)
        for spec in self.spec.inputs:
            if spec.type == "value" and values.get(spec.name) is not None:
                values[spec.name] = _known_value(context, spec, str(values[spec.name]))
        conversation = context.requester.thread or uuid.uuid4().hex[:12]
        answers: list[Answer] = []
        views: dict[str, QueryView] = {}
        for query in self.spec.queries:
            answer, view = self._answer(context, query, values, conversation)
            answers.append(answer)
            views[query.id] = view
        narrative = self._narrative({**values, **views})
        shown = ", ".join(f"{k}={v}" for k, v in given.model_dump().items() if v is not None)
        main = replace(answers[0], text=narrative, question=f"{self.name}({shown})")
        details = {
            "skill": self.name,
            "file": self.spec.file,
            "queries": [
                {
                    "id": query.id,
                    "rows": len(answer.result.frame) if answer.result is not None else 0,
                    "sql": answer.compiled.sql if answer.compiled is not None else None,
                }
                for query, answer in zip(self.spec.queries, answers, strict=True)
            ],
        }
        delegate = self._delegate()
        if delegate is None:
            return SkillResult(text=narrative, answer=main, details={**details, "output": "thread"})
        result = self._deliver(
            delegate, context, (*answers, main), {**values, "narrative": narrative}
        )
        return replace(
            result,
            text=f"{narrative}\n\n{result.text}",
            answer=result.answer or main,
            details={**details, "output": delegate.name, "delivered": dict(result.details)},
        )

    def _values(self, given: SkillInput, as_of: date) -> dict[str, object]:
        return {**given.model_dump(), "as_of": as_of, "skill": self.name}

    def _delegate(self) -> Skill[Any] | None:
        output = self.spec.output
        return None if output.is_thread else self._registry.get(output.skill)

    def _answer(
        self,
        context: SkillContext,
        query: QueryTemplate,
        values: dict[str, object],
        conversation: str,
    ) -> tuple[Answer, QueryView]:
        """Run `query` with `values` as the requester may, and its result as an Answer."""
        try:
            built = query.build(values)
            outcome = context.query(built)
        except (SemanticLayerError, WarehouseError, ValueError) as error:
            raise SkillError(
                f"The query '{query.id}' of {self.name} could not run: {error}",
                hint=f"Check the input; `cortex check` checks {self.spec.file}.",
            ) from None
        result = outcome.result
        if result is None:
            raise SkillError(f"The query '{query.id}' of {self.name} gave no result.")
        model = context.workspace.model
        text = narrate(outcome.compiled, result.frame, model)
        title = render_text(query.title, values) if query.title else f"{self.name}: {query.id}"
        answer = Answer(
            "answer", text, title, conversation, built, outcome.compiled, result, trust="verified"
        )
        view = QueryView(query.id, outcome.compiled, result.frame, model)
        view.text = text
        return answer, view

    def _narrative(self, values: dict[str, object]) -> str:
        try:
            return render_text(self.spec.narrative, values)
        except (TemplateError, ValueError, TypeError, ArithmeticError) as error:
            raise SkillError(
                f"The narrative of {self.name} could not be written: {error}",
                hint=f"Fix the narrative in {self.spec.file} (`cortex check` checks it).",
            ) from None

    def _deliver(
        self,
        delegate: Skill[Any],
        context: SkillContext,
        answers: tuple[Answer, ...],
        values: dict[str, object],
    ) -> SkillResult:
        """Run `delegate` on the answers, with its input rendered from `values`."""
        try:
            given = delegate.input_model.model_validate(self.spec.output.build_input(values))
        except ValidationError as error:
            raise SkillError(
                f"{delegate.name} refused the input {self.name} gave it: {input_problems(error)}.",
                hint=f"Fix `output.input` in {self.spec.file}.",
            ) from None
        roles = context.requester.roles
        if delegate.roles is not None and roles is not None and not roles & delegate.roles:
            raise SkillError(
                f"{self.name} sends its result to {delegate.name}, which needs one of the roles "
                f"{', '.join(sorted(delegate.roles))}.",
                hint="Ask an admin to grant one in access.yml.",
            )
        return delegate.run(replace(context, answers=answers), given)


def _known_value(context: SkillContext, spec: InputSpec, given: str) -> str:
    """`given` as the dimension spells it, or a SkillError naming the values there are."""
    assert spec.dimension is not None
    try:
        outcome = context.query(SemanticQuery(dimensions=(spec.dimension,)))
    except (SemanticLayerError, WarehouseError) as error:
        raise SkillError(f"The values of {spec.dimension} could not be read: {error}") from None
    frame = outcome.result.frame if outcome.result is not None else None
    values = [str(v) for v in frame.iloc[:, 0].dropna()] if frame is not None else []
    for value in values:
        if value.lower() == given.strip().lower():
            return value
    raise SkillError(
        f"'{given}' is not a value of {spec.dimension}.{did_you_mean(given, values)}",
        hint=f"Values: {', '.join(values[:12])}{', ...' if len(values) > 12 else ''}.",
    )


def _request_pattern(name: str) -> str:
    """How people ask for a YAML skill: the words of its name after the dot ("weekly review"
    for `support.weekly_review`), then optionally what it is about ("on Enterprise")."""
    words = name.rpartition(".")[2].replace("_", " ").replace("-", " ").split()
    said = r"[ -]".join(re.escape(word) for word in words)
    return rf"\b{said}\b(?: (?:on|of|for|about|into) (?:the )?(?P<subject>.+))?"
