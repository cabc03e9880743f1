"""Goldens: the demo query set compiles to pinned SQL that answers like an analyst's SQL.

Every case of cases.yml is a semantic query and the DuckDB SQL an analyst wrote by hand to answer
it as of 2026-11-24. For every case:

- the compiled DuckDB SQL is exactly goldens/<name>.sql. Only
  `pytest tests/semantic_layer/test_goldens.py --update-goldens` rewrites those files; review
  the diff before committing it;
- the compiled SQL and the hand-written SQL, run on the demo warehouse, return the same columns
  and the same rows (in any order; numbers equal to a relative 1e-9);
- the query also compiles for every other engine, and that SQL parses back in its dialect.

A case whose compiled result is wrong stays in the set, marked `xfail: <reason>` in cases.yml
(a strict xfail: it fails as soon as the compiler is fixed, so the mark is then removed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from semantic_layer.compile import DIALECTS, compile_query
from semantic_layer.model import QuerySpec, SemanticModel
from semantic_layer.query import SemanticQuery

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.yml"
GOLDENS = HERE / "goldens"
AS_OF = date(2026, 11, 24)
RELATIVE_TOLERANCE = 1e-9
UPDATE_COMMAND = "pytest tests/semantic_layer/test_goldens.py --update-goldens"


@dataclass(frozen=True)
class Case:
    """A named question: its semantic query and the SQL an analyst wrote for it."""

    name: str
    question: str
    query: SemanticQuery
    sql: str
    xfail: str | None = None


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """The cases of `path`; `where` strings become filters, `named_filters` named filters."""
    document = yaml.safe_load(path.read_text())
    cases: list[Case] = []
    for entry in document["cases"]:
        fields = dict(entry["query"])
        named_filters = fields.pop("named_filters", ())
        spec = QuerySpec.model_validate({**fields, "filters": named_filters})
        cases.append(
            Case(
                name=entry["name"],
                question=entry["question"],
                query=SemanticQuery.from_spec(spec),
                sql=entry["sql"],
                xfail=entry.get("xfail"),
            )
        )
    names = [case.name for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: case names must be unique; repeated: {', '.join(duplicates)}")
    return cases


CASES = load_cases()


def _marked(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


# ---------------------------------------------------------------- comparing results


def _plain(value: object) -> object:
    """Numbers as floats (DuckDB returns DECIMAL, BIGINT or DOUBLE); anything else as is."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    return value


def _sort_key(row: tuple[object, ...]) -> tuple[tuple[int, object], ...]:
    key: list[tuple[int, object]] = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float):
            key.append((1, float(f"{value:.6g}")))  # rows within tolerance sort alike
        else:
            key.append((2, str(value)))
    return tuple(key)


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE)
    return left == right


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
    cursor = con.execute(sql)
    columns = [column[0] for column in cursor.description]
    rows = [tuple(_plain(value) for value in row) for row in cursor.fetchall()]
    return columns, sorted(rows, key=_sort_key)


def _differences(
    columns: list[str], compiled: list[tuple[object, ...]], hand: list[tuple[object, ...]]
) -> list[str]:
    if len(compiled) != len(hand):
        return [f"{len(compiled)} compiled rows, {len(hand)} hand-written rows"]
    found: list[str] = []
    for got, want in zip(compiled, hand, strict=True):
        for column, left, right in zip(columns, got, want, strict=True):
            if not _same(left, right):
                found.append(f"{column}: compiled {left!r}, hand-written {right!r} (row {want})")
    return found


# ---------------------------------------------------------------- the cases


def test_every_golden_file_belongs_to_a_case() -> None:
    orphans = sorted(p.name for p in GOLDENS.glob("*.sql") if p.stem not in {c.name for c in CASES})
    assert not orphans, f"golden files without a case in cases.yml; delete them: {orphans}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_compiled_sql_is_the_golden_sql(
    case: Case, demo_model: SemanticModel, request: pytest.FixtureRequest
) -> None:
    compiled = compile_query(case.query, demo_model, as_of=AS_OF).sql + "\n"
    golden = GOLDENS / f"{case.name}.sql"
    if request.config.getoption("--update-goldens"):
        GOLDENS.mkdir(exist_ok=True)
        golden.write_text(compiled)
        return
    if not golden.exists():
        pytest.fail(
            f"{golden.relative_to(HERE.parents[1])} does not exist. Create it with "
            f"`{UPDATE_COMMAND}`, read it, and commit it."
        )
    assert compiled == golden.read_text(), (
        f"The compiled SQL of '{case.name}' changed. If the change is intended, run "
        f"`{UPDATE_COMMAND}` and review the diff of goldens/{case.name}.sql."
    )


@pytest.mark.parametrize("case", [_marked(c) for c in CASES])
def test_compiled_sql_returns_what_the_hand_written_sql_returns(
    case: Case, demo_model: SemanticModel, demo_con: duckdb.DuckDBPyConnection
) -> None:
    compiled = compile_query(case.query, demo_model, as_of=AS_OF)
    columns, compiled_rows = _run(demo_con, compiled.sql)
    hand_columns, hand_rows = _run(demo_con, case.sql)

    assert columns == [column.name for column in compiled.columns]
    assert hand_columns == columns, "the hand-written SQL must return the compiler's columns"
    assert hand_rows, "the hand-written SQL returns no rows on the demo warehouse: a weak case"
    differences = _differences(columns, compiled_rows, hand_rows)
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d != "duckdb"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_every_case_compiles_for_every_engine_and_parses_back(
    case: Case, dialect: str, demo_model: SemanticModel
) -> None:
    compiled = compile_query(case.query, demo_model, as_of=AS_OF, dialect=dialect)
    assert compiled.dialect == dialect
    tree = sqlglot.parse_one(compiled.sql, read=dialect)
    assert isinstance(tree, exp.Query)
