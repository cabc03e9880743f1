"""The skills one Cortex offers: built once from the settings and passed in, never global.

`SkillRegistry(skills)` keeps them by name (two with one name is an error); `get(name)` finds
one or says which names there are, with a "did you mean"; `tools()` describes each as a tool a
model-backed planner may call: its name (dots become underscores, as tool names need), its
description and its input's JSON schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cortex.planning.plans import RequestReader
from semantic_layer.errors import did_you_mean
from skills.base import Skill, SkillError

__all__ = ["SkillRegistry", "tool_name"]


def tool_name(skill_name: str) -> str:
    """A skill's name as a tool name: `notion.write_page` -> `notion_write_page`."""
    return skill_name.replace(".", "_")


class SkillRegistry:
    """The skills on offer, by name, in the order given."""

    def __init__(self, skills: Iterable[Skill[Any]]) -> None:
        self._skills: dict[str, Skill[Any]] = {}
        for skill in skills:
            if skill.name in self._skills:
                raise ValueError(f"two skills are named {skill.name!r}")
            self._skills[skill.name] = skill

    def __iter__(self) -> Iterator[Skill[Any]]:
        return iter(self._skills.values())

    def __len__(self) -> int:
        return len(self._skills)

    def __contains__(self, name: object) -> bool:
        return name in self._skills

    @property
    def names(self) -> tuple[str, ...]:
        """The skills' names, in the order given."""
        return tuple(self._skills)

    def get(self, name: str) -> Skill[Any]:
        """The skill `name`, or a `SkillError` listing the skills there are."""
        found = self._skills.get(name) or self._by_tool_name().get(name)
        if found is None:
            raise SkillError(
                f"There is no skill {name!r}.{did_you_mean(name, self._skills)}",
                hint=f"Skills: {', '.join(self._skills)} (see `cortex skill list`).",
            )
        return found

    def readers(self) -> tuple[RequestReader, ...]:
        """The skills as the agent and its planner see them: requests read in plain words
        (those with request patterns), tools a model-backed planner may call (all)."""
        return tuple(self)

    def tools(self) -> list[dict[str, Any]]:
        """Each skill as a tool definition: name, description and input JSON schema."""
        return [
            {
                "name": tool_name(skill.name),
                "description": skill.description,
                "input_schema": skill.input_model.model_json_schema(),
            }
            for skill in self
        ]

    def _by_tool_name(self) -> dict[str, Skill[Any]]:
        return {tool_name(name): skill for name, skill in self._skills.items()}
