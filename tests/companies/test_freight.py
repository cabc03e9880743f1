"""Kestrel Freight, the second company: its warehouse, model, context and eval set hold together.

The company lives in tests/companies/freight/ (build.py, metrics.yml, context/) and its eval set
in evals/companies/freight.yml. This file checks the company and the set, not the planner:

- the build is deterministic and holds about two years of history, nothing after the as-of day;
- metrics.yml loads with no error and no warning against the built warehouse (what `cortex
  check` runs), and the context documents load;
- the eval set loads with the loader `cortex eval` uses, read as of 2026-11-24: 60 questions,
  45 to answer, 10 to clarify and 5 out of scope, with unique ids and questions, known tags,
  and conversations of 2-3 turns that start with an answer;
- every expected answer compiles and returns at least one row on the built warehouse, as
  `cortex eval` runs it, and a top-N answer has no tie at its cut-off;
- a question expected to be clarified as ambiguous has two governed readings that give
  different numbers, and one expected to be clarified for a missing metric finds no metric in
  the catalog;
- the list questions are answered with listings (dimensions, no metric).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from connectors.warehouse import DuckDBWarehouse
from cortex.evaluation import Case, Turn, load_eval
from cortex.knowledge.context import load_context
from cortex.settings import Settings
from cortex.workspace import Workspace
from semantic_layer.loader import load_and_check
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where
from tests.companies.freight.build import HISTORY_START, build_freight
from tests.evals.test_eval_set import TAGS as EVAL_TAGS

ROOT = Path(__file__).resolve().parents[2]
COMPANY = ROOT / "tests" / "companies" / "freight"
METRICS_FILE = COMPANY / "metrics.yml"
CONTEXT_DIR = COMPANY / "context"
EVAL_FILE = ROOT / "evals" / "companies" / "freight.yml"
AS_OF = date(2026, 11, 24)
SEED = 7

#: The demo sets' tags, and `list` (a listing question: "list the X with their Y").
TAGS = EVAL_TAGS | {"list"}
#: Every date column of the warehouse: nothing in the data happens after the as-of day.
DATE_COLUMNS = {
    "customers": ("signed_on", "churned_on"),
    "carriers": ("contract_start",),
    "shipments": ("shipped_on", "delivered_on"),
    "delivery_exceptions": ("raised_on", "resolved_on"),
    "claims": ("filed_on", "closed_on"),
    "invoices": ("issued_on", "paid_on"),
}

#: The two governed readings of each question the set expects to be clarified as ambiguous.
AMBIGUOUS_READINGS: dict[str, tuple[SemanticQuery, SemanticQuery]] = {
    "ambiguous-revenue-last-month": (
        SemanticQuery(metrics=("freight_revenue",), time_range="last month"),
        SemanticQuery(metrics=("invoiced_revenue",), time_range="last month"),
    ),
    "ambiguous-margin-by-service": (
        SemanticQuery(
            metrics=("gross_margin",), dimensions=("service_level",), time_range="this quarter"
        ),
        SemanticQuery(
            metrics=("gross_margin_pct",),
            dimensions=("service_level",),
            time_range="this quarter",
        ),
    ),
    "ambiguous-transit-time": (
        SemanticQuery(
            metrics=("avg_transit_days",),
            filters=parse_where("service_level = 'Next Day'"),
            time_range="last 30 days",
        ),
        SemanticQuery(
            metrics=("median_transit_days",),
            filters=parse_where("service_level = 'Next Day'"),
            time_range="last 30 days",
        ),
    ),
    "ambiguous-claims-total": (
        SemanticQuery(metrics=("claimed_amount",), time_range="2026-Q3"),
        SemanticQuery(metrics=("claims_paid",), time_range="2026-Q3"),
    ),
}
#: Words naming what each missing-metric question asks for: no metric of the catalog has them.
MISSING_WORDS: dict[str, tuple[str, ...]] = {
    "missing-trailer-fill": ("fill", "utilisation", "utilization", "load factor"),
    "missing-co2": ("co2", "emission", "carbon"),
    "missing-nps": ("nps", "promoter", "satisfaction"),
    "missing-drop-time": ("drop time", "dwell", "per stop"),
    "missing-quotes-won": ("quote", "tender"),
    "missing-cost-per-shipment": ("cost per shipment", "cost_per", "unit cost"),
}

EVAL_AS_OF, CASES = load_eval(EVAL_FILE)
TURNS: list[tuple[str, Case, Turn]] = [
    (case.id if len(case.turns) == 1 else f"{case.id}#{index}", case, turn)
    for case in CASES
    for index, turn in enumerate(case.turns, start=1)
]
ANSWERED = [(name, turn) for name, _, turn in TURNS if turn.expected == "query"]


def _raw_cases() -> list[dict[str, Any]]:
    document = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    cases = document["cases"]
    assert isinstance(cases, list)
    return cases


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_freight(tmp_path_factory.mktemp("freight") / "freight.duckdb", as_of=AS_OF)


@pytest.fixture(scope="module")
def warehouse(warehouse_path: Path) -> Iterator[DuckDBWarehouse]:
    with DuckDBWarehouse(warehouse_path) as opened:
        yield opened


@pytest.fixture(scope="module")
def model(warehouse: DuckDBWarehouse) -> SemanticModel:
    loaded, issues = load_and_check(METRICS_FILE, warehouse_columns=warehouse.columns())
    assert not issues, "metrics.yml must check clean:\n" + "\n".join(map(str, issues))
    return loaded


@pytest.fixture(scope="module")
def workspace(warehouse_path: Path, warehouse: DuckDBWarehouse, model: SemanticModel) -> Workspace:
    settings = Settings(
        warehouse=warehouse_path, metrics_path=METRICS_FILE, context_dir=CONTEXT_DIR, as_of=AS_OF
    )
    return Workspace(settings, model, warehouse)


# ---------------------------------------------------------------- the warehouse


def test_the_build_is_deterministic(warehouse_path: Path, tmp_path: Path) -> None:
    again = build_freight(tmp_path / "again.duckdb", as_of=AS_OF, seed=SEED)
    with (
        duckdb.connect(str(warehouse_path), read_only=True) as first,
        duckdb.connect(str(again), read_only=True) as second,
    ):
        tables = sorted(row[0] for row in first.execute("SHOW TABLES").fetchall())
        assert tables == sorted(row[0] for row in second.execute("SHOW TABLES").fetchall())
        for table in tables:
            query = f"SELECT * FROM {table} ORDER BY ALL"
            assert first.execute(query).fetchall() == second.execute(query).fetchall(), table


def test_a_different_seed_gives_a_different_company(tmp_path: Path) -> None:
    other = build_freight(tmp_path / "other.duckdb", as_of=AS_OF, seed=SEED + 1)
    with duckdb.connect(str(other), read_only=True) as con:
        row = con.execute("SELECT sum(charge_gbp) FROM shipments").fetchone()
    with duckdb.connect(str(build_freight(tmp_path / "same.duckdb", as_of=AS_OF))) as con:
        same = con.execute("SELECT sum(charge_gbp) FROM shipments").fetchone()
    assert row is not None and same is not None and row[0] != same[0]


def test_the_warehouse_holds_two_years_and_nothing_after_the_as_of_day(
    warehouse_path: Path,
) -> None:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        first = con.execute("SELECT min(shipped_on) FROM shipments").fetchone()
        assert first is not None and first[0] == HISTORY_START
        for table, columns in DATE_COLUMNS.items():
            for column in columns:
                latest = con.execute(f"SELECT max({column}) FROM {table}").fetchone()
                assert latest is not None and latest[0] <= AS_OF, f"{table}.{column}"
        counts = {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()
            for table in (*DATE_COLUMNS, "depots")
        }
    assert all(count is not None and count[0] > 0 for count in counts.values()), counts
    shipments = counts["shipments"]
    assert shipments is not None and 20_000 <= shipments[0] <= 60_000


def test_an_as_of_day_before_three_months_of_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="as_of"):
        build_freight(tmp_path / "short.duckdb", as_of=date(2024, 11, 1))


# ---------------------------------------------------------------- the model and context


def test_the_model_declares_the_company(model: SemanticModel) -> None:
    assert {t.name for t in model.tables} == {
        "customers",
        "depots",
        "carriers",
        "shipments",
        "delivery_exceptions",
        "claims",
        "invoices",
    }
    kinds = Counter(m.type for m in model.metrics)
    assert 25 <= len(model.metrics) <= 35
    assert kinds["ratio"] >= 3 and kinds["derived"] >= 2
    snapshots = [m.name for t in model.tables for m in t.measures if m.snapshot is not None]
    assert len(snapshots) >= 4
    assert model.verified_queries


def test_the_context_documents_load(model: SemanticModel) -> None:
    library = load_context(CONTEXT_DIR, model=model)
    assert len(library.documents) == 3


# ---------------------------------------------------------------- the eval set


def test_the_set_is_read_as_of_the_warehouse_day() -> None:
    assert EVAL_AS_OF == AS_OF


def test_the_set_has_60_questions_in_the_planned_mix() -> None:
    kinds = Counter(turn.expected for _, _, turn in TURNS)
    assert len(TURNS) == 60
    assert kinds == {"query": 45, "clarify": 10, "out_of_scope": 5}
    conversations = [case for case in CASES if len(case.turns) > 1]
    assert len(conversations) == 3


def test_ids_and_questions_are_unique() -> None:
    ids = Counter(case.id for case in CASES)
    assert not [i for i, n in ids.items() if n > 1]
    questions = Counter(turn.question.strip().lower() for _, _, turn in TURNS)
    assert not [q for q, n in questions.items() if n > 1]


def test_every_case_is_tagged_from_the_vocabulary() -> None:
    for case in CASES:
        assert case.tags, case.id
        assert set(case.tags) <= TAGS, f"{case.id}: {sorted(set(case.tags) - TAGS)}"
        if len(case.turns) > 1:
            assert "follow_up" in case.tags, case.id


def test_conversations_have_two_or_three_turns_and_start_with_an_answer() -> None:
    for case in CASES:
        if len(case.turns) > 1:
            assert 2 <= len(case.turns) <= 3, case.id
            assert case.turns[0].expected == "query", case.id


def test_every_clarify_and_out_of_scope_case_is_well_formed() -> None:
    for raw in _raw_cases():
        for step in raw.get("conversation") or [raw]:
            expect = step["expect"]
            assert len(expect) == 1, f"{raw['id']}: one expectation, got {sorted(expect)}"
            kind = next(iter(expect))
            assert kind in ("query", "clarify", "out_of_scope"), raw["id"]
            if kind != "query":
                assert expect[kind] is True, f"{raw['id']}: write `{kind}: true`"
                assert "conversation" not in raw, f"{raw['id']}: a follow-up should be answered"
    for case in CASES:
        tags = set(case.tags)
        kinds = {turn.expected for turn in case.turns}
        if kinds == {"out_of_scope"}:
            assert tags == {"out_of_scope"}, case.id
        if kinds == {"clarify"}:
            assert tags & {"ambiguous", "missing_metric"}, f"{case.id}: say why"


def test_an_ambiguous_question_has_two_governed_readings_with_different_numbers(
    workspace: Workspace,
) -> None:
    ambiguous = {case.id for case in CASES if "ambiguous" in case.tags}
    assert ambiguous == set(AMBIGUOUS_READINGS)
    for case_id, (first, second) in AMBIGUOUS_READINGS.items():
        one, other = workspace.query(first).result, workspace.query(second).result
        assert one is not None and other is not None
        assert len(one.frame) >= 1, case_id
        assert len(one.frame) == len(other.frame), case_id
        ones = sorted(one.frame[first.metrics[0]].round(6).tolist())
        others = sorted(other.frame[second.metrics[0]].round(6).tolist())
        assert ones != others, f"{case_id}: both readings give the same numbers"


def test_a_missing_metric_question_names_nothing_in_the_catalog(model: SemanticModel) -> None:
    missing = {case.id for case in CASES if "missing_metric" in case.tags}
    assert missing == set(MISSING_WORDS)
    for metric in model.metrics:
        text = " ".join((metric.name, metric.label, metric.description, *metric.synonyms))
        for case_id, words in MISSING_WORDS.items():
            found = [w for w in words if w in text.lower()]
            assert not found, f"{case_id}: metric '{metric.name}' mentions {found}"


def test_the_list_questions_are_answered_with_listings() -> None:
    listings = [
        (name, turn.query) for name, turn in ANSWERED if turn.query and not turn.query.metrics
    ]
    assert [name for name, _ in listings] == [
        "list-scotland-depots",
        "list-subbie-contracts",
        "list-tom-accounts",
    ]
    for name, query in listings:
        assert query.dimensions and query.filters, f"{name}: a listing of some rows"
        assert query.time_range is None and query.compare is None, name


@pytest.mark.parametrize(("name", "turn"), ANSWERED, ids=[name for name, _ in ANSWERED])
def test_every_expected_answer_runs_and_returns_rows(
    name: str, turn: Turn, workspace: Workspace
) -> None:
    assert turn.query is not None
    result = workspace.query(turn.query).result
    assert result is not None, name
    assert len(result.frame) >= 1, f"{name}: the expected answer is empty on the warehouse"
    for metric in turn.query.metrics:
        assert result.frame[metric].notna().any(), f"{name}: {metric} is empty in every row"


def test_a_top_n_answer_has_no_tie_at_its_cut_off(workspace: Workspace) -> None:
    top_n = [(name, turn.query) for name, turn in ANSWERED if turn.query and turn.query.limit]
    assert top_n
    for name, query in top_n:
        assert query.limit is not None and query.order_by
        every = workspace.query(query.model_copy(update={"limit": None})).result
        assert every is not None
        ranked = every.frame.sort_values(query.order_by[0].field, ascending=False)
        values = ranked[query.order_by[0].field].tolist()
        assert len(values) > query.limit, f"{name}: fewer rows than the top {query.limit}"
        assert values[query.limit - 1] != values[query.limit], f"{name}: a tie at the cut-off"
