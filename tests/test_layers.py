"""The layers stay one-way: each rule below says which modules may not import what, and why.

    semantic_layer  <-  connectors  <-  cortex (core, then its surfaces slack/, web/, mcp_server/
                                         and cli/)
                                         skills (beside the surfaces, never using them)

Every import of every module is read (top-level and inside functions); a module that breaks a
rule fails the test with the rule's sentence, the module and the import. `test_a_wrong_import_
is_caught_with_the_rule_it_breaks` shows the guard failing on a module written to break it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("semantic_layer", "connectors", "cortex", "skills")
OURS = frozenset({*PRODUCT, "tests", "bench"})


def _within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


@dataclass(frozen=True)
class Rule:
    """`sentence` holds for every module `applies` to: it imports nothing `forbidden` says."""

    sentence: str
    applies: Callable[[str], bool]
    forbidden: Callable[[str], bool]


_PURE_THIRD_PARTY = frozenset({"sqlglot", "pydantic", "pydantic_core", "yaml"})
_CORE_SURFACES = ("cortex.slack", "cortex.web", "cortex.mcp_server", "cortex.cli")

RULES: tuple[Rule, ...] = (
    Rule(
        "semantic_layer is pure: it imports nothing of ours",
        lambda m: _within(m, "semantic_layer"),
        lambda i: i.split(".")[0] in OURS - {"semantic_layer"},
    ),
    Rule(
        "semantic_layer uses no third-party package beyond sqlglot, pydantic and yaml",
        lambda m: _within(m, "semantic_layer"),
        lambda i: (
            (top := i.split(".")[0]) not in sys.stdlib_module_names
            and top not in _PURE_THIRD_PARTY
            and top not in OURS
        ),
    ),
    Rule(
        "connectors import only semantic_layer of ours",
        lambda m: _within(m, "connectors"),
        lambda i: i.split(".")[0] in OURS - {"connectors", "semantic_layer"},
    ),
    Rule(
        "the core of cortex never imports its surfaces, cortex.slack, cortex.web, "
        "cortex.mcp_server and cortex.cli",
        lambda m: _within(m, "cortex") and not _within(m, *_CORE_SURFACES),
        lambda i: _within(i, *_CORE_SURFACES),
    ),
    Rule(
        "nothing but the CLI and the workspace set-up imports the demo generator, cortex.demo",
        lambda m: (
            _within(m, *PRODUCT) and not _within(m, "cortex.demo", "cortex.cli", "cortex.workspace")
        ),
        lambda i: _within(i, "cortex.demo"),
    ),
    Rule(
        "the core of cortex never imports skills: the surfaces hand the agent the skills' "
        "request readers",
        lambda m: _within(m, "cortex") and not _within(m, *_CORE_SURFACES),
        lambda i: _within(i, "skills"),
    ),
    Rule(
        "skills never import a surface: cortex.slack, cortex.web, cortex.mcp_server or cortex.cli",
        lambda m: _within(m, "skills"),
        lambda i: _within(i, *_CORE_SURFACES),
    ),
    Rule(
        "cortex.web never imports another surface (cortex.slack, cortex.cli)",
        lambda m: _within(m, "cortex.web"),
        lambda i: _within(i, "cortex.slack", "cortex.cli"),
    ),
    Rule(
        "nothing but the CLI imports the web site, cortex.web",
        lambda m: _within(m, *PRODUCT) and not _within(m, "cortex.web", "cortex.cli"),
        lambda i: _within(i, "cortex.web"),
    ),
    Rule(
        "what the planner knows (knowledge), who may see what (access), how an answer reads "
        "(answers) and the demo import no other part of cortex but its errors",
        lambda m: _within(m, "cortex.knowledge", "cortex.access", "cortex.answers", "cortex.demo"),
        lambda i: (
            _within(i, "cortex")
            and not _within(i, "cortex.errors", *(f"cortex.{p}" for p in _same_package(i)))
        ),
    ),
    Rule(
        "planning never imports the agent, the stores, the answers' wording or a surface",
        lambda m: _within(m, "cortex.planning"),
        lambda i: _within(
            i, "cortex.agent", "cortex.stores", "cortex.answers", "cortex.answer", *_CORE_SURFACES
        ),
    ),
    Rule(
        "the model's interchange (cortex.interchange) is a translation of metrics.yml: it "
        "imports no other part of cortex but its errors",
        lambda m: _within(m, "cortex.interchange"),
        lambda i: _within(i, "cortex") and not _within(i, "cortex.errors", "cortex.interchange"),
    ),
    Rule(
        "the stores never import the agent, planning or a surface",
        lambda m: _within(m, "cortex.stores"),
        lambda i: _within(i, "cortex.agent", "cortex.planning", *_CORE_SURFACES),
    ),
)


def _same_package(imported: str) -> tuple[str, ...]:
    """The second part of an import ("cortex.knowledge.words" -> "knowledge"), which a module
    of that very package may import: the rules above are about other packages."""
    parts = imported.split(".")
    return (parts[1],) if len(parts) > 1 else ()


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, module: str) -> Iterator[str]:
    """Every module `path` (module `module`) imports, relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            yield ".".join([*base, *([node.module] if node.module else [])])


def broken_rules(root: Path, packages: tuple[str, ...] = PRODUCT) -> list[str]:
    """One line for each import under `root` that breaks a rule: the rule, the module, the
    import."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            module = _module_name(path, root)
            own = module.split(".")[1] if module.startswith("cortex.") else ""
            for imported in imports_of(path, module):
                for rule in RULES:
                    same = own and _within(imported, f"cortex.{own}")
                    if rule.applies(module) and rule.forbidden(imported) and not same:
                        found.append(f"{rule.sentence}: {module} imports {imported}")
    return found


def test_every_module_keeps_to_the_layers() -> None:
    assert broken_rules(ROOT) == []


def test_a_wrong_import_is_caught_with_the_rule_it_breaks(tmp_path: Path) -> None:
    for package, source in (
        ("semantic_layer", "from cortex.agent import Agent\nimport pandas\n"),
        ("connectors", "from cortex.workspace import Workspace\n"),
        ("cortex", "def later():\n    from cortex.slack.app import CortexSlack\n"),
        ("cortex/web", "from cortex.slack.blocks import escape\n"),
        ("cortex/slack", "from cortex.web.pages import WebSite\n"),
        ("cortex/signals", "from cortex.mcp_server.calls import CortexTools\n"),
        ("cortex/planning", "from ..stores.audit import AuditLog\n"),
        ("skills", "import cortex.cli\nfrom cortex.demo import build_demo\n"),
    ):
        folder = tmp_path / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "wrong.py").write_text(source, encoding="utf-8")
    broken = broken_rules(tmp_path)
    assert sorted(broken) == sorted(
        [
            "semantic_layer is pure: it imports nothing of ours: semantic_layer.wrong imports "
            "cortex.agent",
            "semantic_layer uses no third-party package beyond sqlglot, pydantic and yaml: "
            "semantic_layer.wrong imports pandas",
            "connectors import only semantic_layer of ours: connectors.wrong imports "
            "cortex.workspace",
            "the core of cortex never imports its surfaces, cortex.slack, cortex.web, "
            "cortex.mcp_server and cortex.cli: cortex.wrong imports cortex.slack.app",
            "cortex.web never imports another surface (cortex.slack, cortex.cli): "
            "cortex.web.wrong imports cortex.slack.blocks",
            "nothing but the CLI imports the web site, cortex.web: cortex.slack.wrong imports "
            "cortex.web.pages",
            "the core of cortex never imports its surfaces, cortex.slack, cortex.web, "
            "cortex.mcp_server and cortex.cli: cortex.signals.wrong imports "
            "cortex.mcp_server.calls",
            "planning never imports the agent, the stores, the answers' wording or a surface: "
            "cortex.planning.wrong imports cortex.stores.audit",
            "nothing but the CLI and the workspace set-up imports the demo generator, cortex.demo: "
            "skills.wrong imports cortex.demo",
            "skills never import a surface: cortex.slack, cortex.web, cortex.mcp_server or "
            "cortex.cli: skills.wrong imports cortex.cli",
        ]
    )


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_the_benchmarks_do_not_reach_into_the_tests_by_editing_sys_path(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    edits = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert edits == [], f"{path.name} touches sys.path on line(s) {edits}: run it with -m"
