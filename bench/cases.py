"""The demo query set the benchmarks time: tests/semantic_layer/cases.yml plus the verified
queries of metrics.yml.

The cases are read by the same loader the golden tests use (tests/semantic_layer/test_goldens.py),
so a benchmark always times exactly the queries the tests pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from tests.semantic_layer.test_goldens import AS_OF, Case, load_cases

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["AS_OF", "ROOT", "BenchQuery", "Case", "demo_model", "load_cases", "query_set"]


@dataclass(frozen=True)
class BenchQuery:
    """A semantic query of the demo set, with a short name to show in a table."""

    name: str
    query: SemanticQuery


def demo_model() -> SemanticModel:
    """The shipped metrics.yml."""
    return load_model(ROOT / "metrics.yml")


def query_set(model: SemanticModel) -> list[BenchQuery]:
    """Every case of cases.yml, then every verified query of metrics.yml (named by question)."""
    queries = [BenchQuery(case.name, case.query) for case in load_cases()]
    for verified in model.verified_queries:
        name = f"verified: {verified.question}"
        queries.append(BenchQuery(name, SemanticQuery.from_spec(verified.query)))
    return queries
