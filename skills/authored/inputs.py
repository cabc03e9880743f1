"""A YAML skill's inputs: each declared input as a pydantic field, the model built at load time.

    inputs:
      weeks:   {type: integer, default: 1, minimum: 1, maximum: 12, description: ...}
      segment: {type: value, dimension: segment}          # required: no default
      channel: {type: value, dimension: channel, required: false}
      period:  {type: string, default: last quarter, choices: [last quarter, this quarter]}

Types: integer, number, string (optionally `choices`), boolean, date, and `value` (a value of
the dimension named by `dimension`, checked against the values the requester may see when the
skill runs). An input with a default, or `required: false`, may be left out. `input_model`
builds the model (base `SkillInput`: unknown fields refused), so the JSON schema a planner sees
and the validation the runner does are real; `sample_inputs` gives values to compile the
skill's queries with when it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from pydantic import Field, TypeAdapter, ValidationError, create_model

from skills.base import SkillInput

__all__ = ["INPUT_TYPES", "InputSpec", "default_problem", "input_model", "sample_inputs"]

InputType = Literal["integer", "number", "string", "boolean", "date", "value"]
#: The Python type of each input type.
INPUT_TYPES: Final[dict[str, type]] = {
    "integer": int,
    "number": float,
    "string": str,
    "boolean": bool,
    "date": date,
    "value": str,
}
_SAMPLES: Final[dict[str, object]] = {
    "integer": 1,
    "number": 1.0,
    "string": "sample",
    "boolean": False,
    "date": date(2000, 1, 1),
    "value": "sample",
}


@dataclass(frozen=True)
class InputSpec:
    """One declared input, as read from the file (`line` is where its name is)."""

    name: str
    type: InputType
    line: int
    description: str = ""
    default: object = None
    has_default: bool = False
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    dimension: str | None = None

    @property
    def optional(self) -> bool:
        """Whether the input may be left out (it has a default or is not required)."""
        return self.has_default or not self.required

    def annotation(self) -> Any:
        """The field's type: the input type, a Literal of the choices, None when optional."""
        base: Any = INPUT_TYPES[self.type]
        if self.choices:
            base = Literal[self.choices]
        return base | None if self.optional and not self.has_default else base

    def describe(self) -> str:
        """The field's description, saying which dimension a `value` input is a value of."""
        if self.type == "value" and self.dimension is not None:
            of = f"A value of {self.dimension}."
            return f"{self.description} ({of})" if self.description else of
        return self.description


def default_problem(spec: InputSpec) -> str | None:
    """Why the input's default does not fit its type (None when it fits or there is none)."""
    if not spec.has_default or spec.default is None:
        return None
    try:
        TypeAdapter(spec.annotation()).validate_python(spec.default)
    except ValidationError as error:
        return error.errors()[0]["msg"]
    return None


def input_model(skill_name: str, inputs: tuple[InputSpec, ...]) -> type[SkillInput]:
    """The pydantic model of a skill's inputs, named after the skill."""
    fields: dict[str, Any] = {}
    for spec in inputs:
        constraints: dict[str, Any] = {"description": spec.describe() or None}
        if spec.minimum is not None:
            constraints["ge"] = spec.minimum
        if spec.maximum is not None:
            constraints["le"] = spec.maximum
        default = spec.default if spec.has_default else (None if spec.optional else ...)
        fields[spec.name] = (spec.annotation(), Field(default, **constraints))
    title = "".join(part.capitalize() for part in skill_name.replace(".", "_").split("_"))
    model: type[SkillInput] = create_model(f"{title}Input", __base__=SkillInput, **fields)
    return model


def sample_inputs(inputs: tuple[InputSpec, ...]) -> dict[str, object]:
    """A value for every input (its default, first choice, minimum, or a sample of its type),
    so that every query and filter of a skill can be compiled when it is loaded."""
    samples: dict[str, object] = {}
    for spec in inputs:
        if spec.has_default and spec.default is not None:
            samples[spec.name] = spec.default
        elif spec.choices:
            samples[spec.name] = spec.choices[0]
        elif spec.minimum is not None and spec.type in ("integer", "number"):
            samples[spec.name] = INPUT_TYPES[spec.type](spec.minimum)
        else:
            samples[spec.name] = _SAMPLES[spec.type]
    return samples
