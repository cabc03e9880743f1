"""Load the analysts' YAML skills of a folder: every file read, checked, and made a skill.

`load_yaml_skills(folder, model, builtin)` reads each `*.yml` / `*.yaml` file of `folder` (not
its subfolders), checks it against the semantic model and the built-in skills, and returns the
skills of the files without errors, and every issue of every file. A file with errors is left
out, not the others: one broken file never takes the built-in skills or the other YAML skills
down. Two skills with one name (two files, or a file and a built-in skill) is an error of the
later file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from semantic_layer.errors import Issue
from semantic_layer.model import SemanticModel
from skills.authored.checks import check_skill
from skills.authored.reader import read_skill_file
from skills.authored.skill import YamlSkill
from skills.registry import SkillRegistry

__all__ = ["load_yaml_skills", "skill_files"]


def skill_files(folder: Path) -> list[Path]:
    """The YAML skill files of `folder`, by name (none when it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def load_yaml_skills(
    folder: Path, model: SemanticModel, builtin: SkillRegistry, *, as_of: date | None = None
) -> tuple[list[YamlSkill], list[Issue]]:
    """The skills of `folder`'s YAML files that have no error, and every issue found.

    `as_of` is the day relative time ranges are compiled for when the queries are checked.
    """
    skills: list[YamlSkill] = []
    issues: list[Issue] = []
    named: dict[str, str] = {}
    for path in skill_files(folder):
        spec, found = read_skill_file(path)
        if spec is None:
            issues += found
            continue
        found += check_skill(spec, model, builtin, as_of=as_of or date.today())
        where = f"{spec.file}:{spec.line}"
        if spec.name in builtin:
            found.append(_taken(spec.file, spec.line, spec.name, "a built-in skill"))
        elif spec.name in named:
            found.append(
                _taken(spec.file, spec.line, spec.name, f"the skill of {named[spec.name]}")
            )
        else:
            named[spec.name] = where
        issues += sorted(found, key=lambda issue: issue.line)
        if not any(issue.level == "error" for issue in found):
            skills.append(YamlSkill.of(spec, builtin))
    return skills, issues


def _taken(file: str, line: int, name: str, owner: str) -> Issue:
    return Issue(
        "error",
        file,
        line,
        "skill.name",
        f"'{name}' is already the name of {owner}.",
        "Give this skill another name.",
    )
