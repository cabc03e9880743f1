"""LiveAccess: an edit of access.yml applies to the next question; a broken file refuses all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cortex.access import LiveAccess
from cortex.errors import AccessDenied
from semantic_layer.model import SemanticModel
from tests.cortex.access.conftest import ANALYST, MAYA, ROOT


def test_live_access_applies_an_edit_at_once_and_fails_closed_while_broken(
    tmp_path: Path, model: SemanticModel
) -> None:
    path = tmp_path / "access.yml"
    shipped = (ROOT / "access.yml").read_text(encoding="utf-8")
    path.write_text(shipped, encoding="utf-8")
    live = LiveAccess(path, model)
    assert "analyst" in live.grant_for(ANALYST).roles
    # the analyst is removed: the next question is refused, no restart needed
    without = shipped.replace("U02H7Q4KX9P", "U02REMOVED0")
    path.write_text(without + "\n", encoding="utf-8")  # a new size: a change even on coarse clocks
    with pytest.raises(AccessDenied):
        live.grant_for(ANALYST)
    # a broken file refuses everyone, saying how to find the problem
    path.write_text(shipped + "\nroles: [oops\n", encoding="utf-8")
    with pytest.raises(AccessDenied, match="access policy cannot be read") as refused:
        live.grant_for(MAYA)
    assert "cortex check" in refused.value.user_message
    assert live.group_ids == frozenset()
    path.write_text(shipped, encoding="utf-8")
    assert "sales_rep" in live.grant_for(MAYA).roles


def test_an_edit_of_the_same_size_under_the_old_mtime_still_revokes_access(
    tmp_path: Path, model: SemanticModel
) -> None:
    path = tmp_path / "access.yml"
    shipped = (ROOT / "access.yml").read_text(encoding="utf-8")
    path.write_text(shipped, encoding="utf-8")
    live = LiveAccess(path, model)
    assert "analyst" in live.grant_for(ANALYST).roles
    before = path.stat()
    # the analyst's id is replaced by one of the same length, and the old mtime is put back
    demoted = shipped.replace(ANALYST.user_id, "U02REMOVED0")
    assert len(demoted.encode()) == before.st_size
    path.write_text(demoted, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with pytest.raises(AccessDenied, match="no role"):
        live.grant_for(ANALYST)
