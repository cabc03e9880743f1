"""The differential suite: the same governed queries give the same answers on every engine.

Each query is compiled twice from the shipped metrics.yml, for DuckDB and for the engine under
test (in that engine's dialect), run on the test demo (DuckDB's file, and the same rows loaded
into the engine by `cortex demo export`), and the two results must agree as
`tests/engines/differential.py` defines it (float tolerance, order only where the query orders,
dates normalised). The query sets: the demo's (bench/cases.py: the golden cases and the verified
queries of metrics.yml), the expected queries of every eval set over the demo, and random valid
queries drawn by the soundness suite's generator (tests/semantic_layer/test_properties.py).

Engines are parametrised (`ENGINES` in conftest.py); each is opened once per session.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from connectors.warehouse import DuckDBWarehouse, Warehouse, WarehouseError
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.engines.conftest import ENGINES
from tests.engines.differential import (
    EVAL_SETS,
    ROOT,
    Named,
    demo_queries,
    difference,
    eval_queries,
)
from tests.semantic_layer.test_properties import Case, valid_cases

MODEL = load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def duck(demo_path: Path) -> Warehouse:
    """The reference engine: DuckDB on the test demo."""
    return DuckDBWarehouse(demo_path, timeout_seconds=60, max_rows=100_000)


def disagreement(
    query: SemanticQuery, as_of: date, model: SemanticModel, duck: Warehouse, other: Warehouse
) -> str:
    """'' when both engines answer `query` alike, else what differs (with the other SQL)."""
    reference = compile_query(query, model, as_of=as_of, dialect=duck.dialect)
    compiled = compile_query(query, model, as_of=as_of, dialect=other.dialect)
    want = duck.run(reference.sql).frame
    got = other.run(compiled.sql).frame
    found = difference(want, got, ordered=bool(query.order_by))
    return f"{found}\n{other.dialect} SQL:\n{compiled.sql}" if found else ""


def _run_all(queries: list[Named], duck: Warehouse, other: Warehouse) -> None:
    failures = []
    for name, query, as_of in queries:
        try:
            found = disagreement(query, as_of, MODEL, duck, other)
        except WarehouseError as error:
            found = f"{type(error).__name__}: {error}"
        if found:
            failures.append(f"{name}: {query.model_dump(exclude_defaults=True)}\n{found}")
    assert not failures, f"{len(failures)} of {len(queries)} differ:\n\n" + "\n\n".join(
        failures[:5]
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_the_demo_query_set_agrees(
    engine: str, duck: Warehouse, open_engine: dict[str, Warehouse]
) -> None:
    queries = demo_queries(MODEL)
    assert len(queries) > 10
    _run_all(queries, duck, open_engine[engine])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("eval_set", EVAL_SETS)
def test_the_eval_sets_expected_queries_agree(
    engine: str, eval_set: str, duck: Warehouse, open_engine: dict[str, Warehouse]
) -> None:
    queries = eval_queries(eval_set)
    assert queries
    _run_all(queries, duck, open_engine[engine])


@pytest.mark.parametrize("engine", ENGINES)
def test_random_valid_queries_agree(
    engine: str, duck: Warehouse, open_engine: dict[str, Warehouse]
) -> None:
    other = open_engine[engine]

    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=valid_cases())
    def agrees(case: Case) -> None:
        found = disagreement(case.query(), DEMO_AS_OF, MODEL, duck, other)
        assert not found, f"{case}\n{found}"

    agrees()
