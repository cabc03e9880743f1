"""Reading access.yml: `load_access` for the policy in force, `check_access` for `cortex check`.

Both read the whole file in one pass (`AccessReader`, in `sections`) and report every
problem at `file:line`; `load_access` refuses a file with any error (`AccessConfigError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from cortex.access.policy import AccessPolicy
from cortex.access.sections import AccessReader
from cortex.errors import UserError
from semantic_layer.errors import Issue
from semantic_layer.model import SemanticModel
from semantic_layer.yaml_lines import LineLoader, display_path, read_text, syntax_issue


class AccessConfigError(UserError):
    """access.yml is broken; `issues` lists every problem, each at `file:line`."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.level == "error"]
        lines = "\n".join(str(i) for i in self.issues)
        super().__init__(
            f"{len(errors)} error(s) in the access policy:\n{lines}",
            hint="Fix them in access.yml (see README.md, 'Access and audit'); nobody can ask "
            "Cortex until it loads.",
        )


def load_access(path: str | Path, model: SemanticModel) -> AccessPolicy:
    """Read access.yml at `path`, checked against `model`.

    Raises `UserError` when the file is missing and `AccessConfigError` listing every error.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"No access policy at {path}: Cortex needs one to know who may see what.",
            hint="Create it (the repository's access.yml is an example; see README.md, "
            "'Access and audit'), or set CORTEX_ACCESS to its path.",
        )
    policy, issues = _read(path, model)
    if policy is None or any(issue.level == "error" for issue in issues):
        raise AccessConfigError(issues)
    return policy


def check_access(path: str | Path, model: SemanticModel) -> list[Issue]:
    """Every issue in access.yml at `path` (errors and warnings), sorted by line; no raising."""
    path = Path(path)
    if not path.is_file():
        return [
            Issue(
                "error",
                display_path(path),
                0,
                "file",
                "not found.",
                "Create it, or set CORTEX_ACCESS to its path.",
            )
        ]
    return _read(path, model)[1]


def _read(path: Path, model: SemanticModel) -> tuple[AccessPolicy | None, list[Issue]]:
    file = display_path(path)
    text = read_text(path, file)
    if isinstance(text, Issue):
        return None, [text]
    try:
        data = yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as error:
        return None, [syntax_issue(file, error)]
    reader = AccessReader(file, model)
    policy = reader.read(data)
    return policy, sorted(reader.issues, key=lambda issue: (issue.file, issue.line))
