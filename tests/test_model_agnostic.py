"""The product knows no company: every example, suggestion and message comes from the loaded
metrics.yml, never from names of the demo's model written into the code.

The scan reads every string the product's code holds (docstrings and comments aside: they
explain the code to its readers, not to users) and looks for the demo model's metric names and
labels, its identifier-like dimension names and the dimension values it names. (Synonyms are
left out: they are plain words, "call" or "signed up", that the product may well use.) Only the
demo generator (`cortex/demo`, and the command that builds it) may name them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("cortex", "semantic_layer", "connectors", "skills")
#: The demo company's generator and the command that builds it name its tables by design.
ALLOWED = (ROOT / "cortex" / "demo", ROOT / "cortex" / "cli" / "demo.py")


def demo_terms(model: SemanticModel) -> set[str]:
    """The words that belong to the demo's model and to no other company's."""
    terms: set[str] = set()
    for metric in model.metrics:
        terms.update({metric.name, metric.label})
    for table in model.tables:
        for dimension in table.dimensions:
            if "_" in dimension.name:
                terms.add(dimension.name)
            terms.update(str(value) for value in dimension.value_synonyms)
    # The demo's dimension values named in its filters ("segment = 'Enterprise'").
    for named in model.filters:
        terms.update(re.findall(r"'([^']+)'", named.where))
    generic = {term for term in terms if len(term) < 3 or term.lower() in _ENGLISH}
    return {term for term in terms if term and term not in generic}


#: Words a demo label may share with plain English (a metric labelled "Deals" does not make
#: the word "deals" the demo's).
_ENGLISH = {"ai", "human", "new", "won", "lost", "open", "churn", "bot", "yes", "no"}


def product_strings() -> Iterator[tuple[Path, int, str]]:
    """(file, line, text) of every string literal in the product's code but its docstrings."""
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(path == allowed or allowed in path.parents for allowed in ALLOWED):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ):
                    yield path, node.lineno, node.value


@pytest.fixture(scope="module")
def terms() -> set[str]:
    return demo_terms(load_model(ROOT / "metrics.yml"))


def test_the_scan_knows_the_demo_words_it_looks_for(terms: set[str]) -> None:
    assert {"arr", "ARR", "win_rate", "account_owner", "Enterprise"} <= terms


def test_no_string_in_the_product_names_the_demo_model(terms: set[str]) -> None:
    patterns = {term: re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I) for term in terms}
    found = [
        f"{path.relative_to(ROOT)}:{line}: {term!r} in {text!r}"
        for path, line, text in product_strings()
        for term, pattern in patterns.items()
        if pattern.search(text)
    ]
    assert not found, "the product names the demo's model; take it from metrics.yml:\n" + (
        "\n".join(found)
    )


def test_the_scan_finds_a_demo_name_in_a_message(tmp_path: Path, terms: set[str]) -> None:
    planted = 'MESSAGE = "Try: what is our ARR by segment?"\n'
    tree = ast.parse(planted)
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert any(re.search(r"(?<![\w-])ARR(?![\w-])", text) for text in texts)
    assert "ARR" in terms
