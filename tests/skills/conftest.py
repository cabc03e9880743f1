"""Fixtures of the skills tests: the demo workspace and CLI runner of the cortex tests, and a
skill context for a local analyst on it."""

from __future__ import annotations

import pytest

from cortex.workspace import Workspace
from skills.base import Requester, SkillContext
from tests.cortex.conftest import cortex, workspace

__all__ = ["cortex", "workspace"]


@pytest.fixture()
def context(workspace: Workspace) -> SkillContext:
    """A skill context on the demo for `ada`, a local analyst who may see everything."""
    return SkillContext(workspace=workspace, requester=Requester(user_id="ada"))
