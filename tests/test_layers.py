"""The layers stay apart: the semantic layer is pure, connectors do not reach up into cortex."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "semantic_layer": {"cortex", "connectors", "skills"},
    "connectors": {"cortex", "skills"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_from_the_layers_above_it(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        reached = _imports(path) & FORBIDDEN[package]
        assert not reached, f"{path.relative_to(ROOT)} imports {sorted(reached)}"
