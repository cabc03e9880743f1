"""The skills a workspace offers: the built-in ones, then the analysts' YAML skills.

`skill_registry(settings)` builds the registry once at the edge (the CLI, the Slack app) and
passes it in; nothing holds it globally.
"""

from __future__ import annotations

from typing import Any

from cortex.settings import Settings
from skills.base import Skill
from skills.registry import SkillRegistry
from skills.report import ReportHtml, ReportPdf

__all__ = ["builtin_skills", "skill_registry"]


def builtin_skills(settings: Settings) -> list[Skill[Any]]:
    """The skills that come with Cortex, configured from `settings`."""
    return [ReportHtml(), ReportPdf()]


def skill_registry(settings: Settings) -> SkillRegistry:
    """Every skill on offer for `settings`: the built-in ones, then the YAML ones."""
    return SkillRegistry(builtin_skills(settings))
