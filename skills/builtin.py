"""The skills a workspace offers: the built-in ones, then the analysts' YAML skills.

`skill_registry(settings)` builds the registry once at the edge (the CLI, the Slack app) and
passes it in; nothing holds it globally. `load_skills(settings)` also returns the problems of
the YAML skill files: a file with errors is left out of the registry (and its problems logged
and shown by `cortex skill list` and `cortex check`), never the built-in skills or the other
files. When metrics.yml itself is broken no YAML skill can be checked, so none is offered.
"""

from __future__ import annotations

import logging
from typing import Any

from cortex.settings import Settings
from semantic_layer.errors import DefinitionError, Issue
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.yaml_lines import display_path
from skills.authored import load_yaml_skills, skill_files
from skills.base import Skill
from skills.brief import BriefSkill
from skills.drivers import DriversExplain
from skills.linear import CreateLinearIssue
from skills.notion import NotionRead, NotionWritePage
from skills.okr import OkrStatus
from skills.registry import SkillRegistry
from skills.report import ReportHtml, ReportPdf

__all__ = ["builtin_skills", "load_skills", "skill_registry"]

_log = logging.getLogger("cortex.skills")


def builtin_skills(settings: Settings) -> list[Skill[Any]]:
    """The skills that come with Cortex, configured from `settings`."""
    return [
        NotionWritePage(settings),
        NotionRead(),
        CreateLinearIssue(settings),
        ReportHtml(),
        ReportPdf(),
        BriefSkill(),
        OkrStatus(),
        DriversExplain(),
    ]


def load_skills(
    settings: Settings, model: SemanticModel | None = None
) -> tuple[SkillRegistry, list[Issue]]:
    """Every skill on offer for `settings`, and the problems of the YAML skill files.

    `model` is the loaded metrics.yml when the caller has it (else it is loaded here).
    """
    builtin = SkillRegistry(builtin_skills(settings))
    folder = settings.skills_dir
    if not skill_files(folder):
        return builtin, []
    if model is None:
        try:
            model = load_model(settings.metrics_path)
        except DefinitionError:
            skipped = Issue(
                "warning",
                display_path(folder),
                0,
                "skills",
                "the YAML skills were not loaded: metrics.yml has errors.",
                "Run `cortex check` and fix metrics.yml first.",
            )
            return builtin, [skipped]
    authored, issues = load_yaml_skills(folder, model, builtin, as_of=settings.as_of)
    return SkillRegistry([*builtin, *authored]), issues


def skill_registry(settings: Settings) -> SkillRegistry:
    """Every skill on offer for `settings`: the built-in ones, then the YAML ones that load
    (the problems of the others are logged as warnings)."""
    registry, issues = load_skills(settings)
    for issue in issues:
        _log.warning("skill file left out: %s", issue)
    return registry
