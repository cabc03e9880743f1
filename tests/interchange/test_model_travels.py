"""The model travels: a MetricFlow project and a Snowflake semantic view imported into Cortex
answer as hand-written SQL does; what does not map is listed at its file:line; the demo model
exported to dbt and Snowflake and imported back answers every eval query with the same numbers;
the OSI export is valid against the OSI core schema."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from cortex.cli import app
from cortex.interchange import Imported, write_exported, write_metrics
from cortex.interchange.dbt_export import export_dbt
from cortex.interchange.dbt_import import import_dbt
from cortex.interchange.osi import export_osi
from cortex.interchange.snowflake import export_snowflake, import_snowflake
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from tests.engines.differential import EVAL_SETS, difference, eval_queries

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parents[1]
AS_OF = date(2024, 1, 31)
OWNER = "analytics@shop.test"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny shop warehouse: customers, orders and order items."""
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """
        CREATE TABLE customers AS SELECT * FROM (VALUES
          (1, 'Ada', 'new', DATE '2024-01-02'), (2, 'Bo', 'returning', DATE '2024-01-05'),
          (3, 'Cy', 'new', DATE '2024-01-20')) t(customer_id, customer_name, customer_type,
          first_ordered_at);
        CREATE TABLE orders AS SELECT * FROM (VALUES
          (10, 1, DATE '2024-01-02', TRUE, 'completed', 12.5),
          (11, 1, DATE '2024-01-03', FALSE, 'completed', 7.0),
          (12, 2, DATE '2024-01-05', TRUE, 'returned', 30.0),
          (13, 3, DATE '2024-01-20', TRUE, 'completed', 4.5),
          (14, 2, DATE '2024-01-21', FALSE, 'placed', 16.0))
          t(order_id, customer_id, ordered_at, is_food_order, status, order_total);
        CREATE TABLE order_items AS SELECT * FROM (VALUES
          (100, 10, DATE '2024-01-02', FALSE, 10.0), (101, 10, DATE '2024-01-02', TRUE, 2.5),
          (102, 12, DATE '2024-01-05', FALSE, 30.0))
          t(order_item_id, order_id, ordered_at, is_drink_item, product_price);
        """
    )
    con.close()
    return path


def _run(
    model: SemanticModel, con: duckdb.DuckDBPyConnection, query: SemanticQuery
) -> list[tuple[object, ...]]:
    compiled = compile_query(query, model, as_of=AS_OF)
    return [tuple(row) for row in con.execute(compiled.sql).fetchall()]


def _same_rows(got: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> None:
    assert len(got) == len(expected)
    for row, want in zip(sorted(got, key=str), sorted(expected, key=str), strict=True):
        assert row[0] == want[0]
        assert list(row[1:]) == pytest.approx(list(want[1:]))


def _check(cli_env: dict[str, str]) -> str:
    result = CliRunner(env=cli_env).invoke(app, ["check"])
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def _written(imported: Imported, tmp_path: Path) -> Path:
    target = tmp_path / "metrics.yml"
    write_metrics(imported, target)
    return target


def test_a_metricflow_project_imports_passes_cortex_check_and_answers_as_sql_does(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    imported = import_dbt(FIXTURES / "jaffle", owner=OWNER)
    target = _written(imported, tmp_path)
    assert "OK metrics.yml: 3 tables" in _check(
        {"CORTEX_METRICS": str(target), "CORTEX_WAREHOUSE": str(shop)}
    )
    model = load_model(target)
    assert model.metric("food_order_share") is not None
    assert model.metric("cumulative_revenue_7d").window == "7 days"  # type: ignore[union-attr]
    assert [(r.from_table, r.to_table, r.keys) for r in model.relationships] == [
        ("orders", "customers", {"customer_id": "customer_id"}),
        ("order_items", "orders", {"order_id": "order_id"}),
    ]
    assert model.verified_queries[0].query.dimensions == ("status",)
    with duckdb.connect(str(shop), read_only=True) as con:
        asked = SemanticQuery(
            metrics=("average_order_value", "completed_orders", "food_order_share"),
            dimensions=("customer_type",),
        )
        expected = con.execute(
            """SELECT c.customer_type, SUM(o.order_total) / COUNT(*),
                      NULLIF(COUNT(*) FILTER (WHERE o.status = 'completed'), 0),
                      SUM(CASE WHEN o.is_food_order THEN 1 ELSE 0 END) / COUNT(*)
               FROM orders o JOIN customers c USING (customer_id)
               GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        _same_rows(_run(model, con, asked), expected)


def test_what_a_metricflow_project_cannot_say_is_listed_at_its_file_and_line() -> None:
    imported = import_dbt(FIXTURES / "jaffle", owner=OWNER)
    source = (FIXTURES / "jaffle" / "models" / "semantic_models.yml").read_text().splitlines()
    listed = {u.what: u for u in imported.unmapped}
    for what, written, reason in (
        ("metric 'visit_to_buy'", "  - name: visit_to_buy", "conversion metric"),
        ("measure 'account_balance'", "      - name: account_balance", "non_additive_dimension"),
        ("metric 'closing_balance'", "  - name: closing_balance", "account_balance"),
        ("metric 'revenue_growth_wow'", "  - name: revenue_growth_wow", "offset"),
    ):
        item = listed[what]
        assert item.file.endswith("semantic_models.yml")
        assert source[item.line - 1] == written, what
        assert reason in item.reason
    names = [m["name"] for m in imported.document["metrics"]]
    assert "visit_to_buy" not in names and "closing_balance" not in names


def test_a_snowflake_semantic_view_imports_passes_cortex_check_and_answers_as_sql_does(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    imported = import_snowflake(FIXTURES / "snowflake" / "shop_semantic_view.yaml", owner=OWNER)
    target = _written(imported, tmp_path)
    _check({"CORTEX_METRICS": str(target), "CORTEX_WAREHOUSE": str(shop)})
    model = load_model(target)
    assert model.metric("average_order_value").type == "ratio"  # type: ignore[union-attr]
    assert model.metric("order_total").synonyms == ("sales", "revenue")  # type: ignore[union-attr]
    assert model.named_filter("completed") is not None
    assert model.relationships[0].required
    with duckdb.connect(str(shop), read_only=True) as con:
        asked = SemanticQuery(
            metrics=("order_total", "average_order_value", "food_share"),
            dimensions=("customer_type",),
            named_filters=("completed",),
        )
        expected = con.execute(
            """SELECT c.customer_type, SUM(o.order_total), SUM(o.order_total) / COUNT(*),
                      SUM(CASE WHEN o.is_food_order THEN 1 ELSE 0 END) / COUNT(o.order_id)
               FROM orders o JOIN customers c USING (customer_id)
               WHERE o.status = 'completed' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        got = _run(model, con, asked)
        _same_rows(got, expected)


def test_what_a_semantic_view_cannot_say_is_listed_at_its_file_and_line() -> None:
    path = FIXTURES / "snowflake" / "shop_semantic_view.yaml"
    source = path.read_text().splitlines()
    listed = {u.what: u for u in import_snowflake(path).unmapped}
    for what, written in (
        ("metric 'top_order'", "      - name: top_order"),
        ("verified query 'What were total sales?'", "  - name: total_sales"),
        ("dimension 'customer_type'", "      - name: customer_type"),
    ):
        assert source[listed[what].line - 1] == written, what


@pytest.mark.parametrize("fmt", ["dbt", "snowflake"])
def test_the_demo_round_trip_answers_every_eval_query_with_the_same_numbers(
    fmt: str, demo_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    original = load_model(ROOT / "metrics.yml")
    if fmt == "dbt":
        write_exported(export_dbt(original), tmp_path / "dbt")
        imported = import_dbt(tmp_path / "dbt")
    else:
        write_exported(export_snowflake(original, name="demo.yaml"), tmp_path / "sv")
        imported = import_snowflake(tmp_path / "sv" / "demo.yaml")
    back = load_model(_written(imported, tmp_path))
    queries = [q for name in EVAL_SETS for q in eval_queries(name)]
    assert len(queries) > 100
    for name, query, as_of in queries:
        reference = compile_query(query, original, as_of=as_of)
        compiled = compile_query(query, back, as_of=as_of)
        want = demo_con.execute(reference.sql).df()
        got = demo_con.execute(compiled.sql).df()
        assert difference(want, got, ordered=bool(query.order_by)) == "", name


def test_the_osi_export_is_valid_against_the_osi_core_schema(tmp_path: Path) -> None:
    schema = json.loads((HERE / "osi_core_schema.json").read_text())
    text, exported = export_osi(load_model(ROOT / "metrics.yml"))
    document = yaml.safe_load(text)
    jsonschema.validate(document, schema)
    as_json, _ = export_osi(load_model(ROOT / "metrics.yml"), as_json=True)
    jsonschema.validate(json.loads(as_json), schema)
    cortex_parts = document["semantic_model"][0]["metrics"][0]["custom_extensions"][0]
    assert cortex_parts["vendor_name"] == "CORTEX"
    assert all(u.file.endswith("metrics.yml") and u.line > 0 for u in exported.unmapped)


def test_the_cli_imports_refuses_to_overwrite_and_lists_what_did_not_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"CORTEX_METRICS": str(ROOT / "metrics.yml")})
    jaffle = str(FIXTURES / "jaffle")
    first = runner.invoke(
        app, ["model", "import", "dbt", jaffle, "--out", "imported.yml", "--owner", OWNER]
    )
    assert first.exit_code == 0, first.stderr
    assert "visit_to_buy" in first.stderr and "semantic_models.yml:" in first.stderr
    again = runner.invoke(
        app, ["model", "import", "dbt", jaffle, "--out", "imported.yml", "--owner", OWNER]
    )
    assert again.exit_code == 1 and "--force" in again.stderr
    as_data = runner.invoke(
        app,
        [
            "model",
            "import",
            "dbt",
            jaffle,
            "--out",
            "imported.yml",
            "--force",
            "--json",
            "--owner",
            OWNER,
        ],
    )
    listed = json.loads(as_data.stdout)["unmapped"]
    assert {"file", "line", "what", "reason"} <= set(listed[0])
    exported = runner.invoke(app, ["model", "export", "snowflake", "--out", "sv/demo.yaml"])
    assert exported.exit_code == 0, exported.stderr
    assert (tmp_path / "sv" / "demo.yaml").is_file() and (
        tmp_path / "sv" / "demo.cortex.yml"
    ).is_file()
