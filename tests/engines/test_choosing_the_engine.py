"""CORTEX_WAREHOUSE chooses the engine: a file path is DuckDB, postgresql:// PostgreSQL,
spark:// and sc:// Spark; a URL's password is never shown; the demo moves with `cortex demo
export` to PostgreSQL or Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.warehouse import DuckDBWarehouse, WarehouseError
from connectors.warehouse.open import WarehouseUrl, engine_of, open_warehouse, parse_warehouse
from connectors.warehouse.postgres import PostgresWarehouse
from cortex.errors import SettingsError
from cortex.settings import load_settings
from cortex.workspace import Workspace
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import ROOT, run


@pytest.fixture()
def cortex(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI on the test demo and the shipped metrics.yml, run from a scratch folder."""
    monkeypatch.chdir(tmp_path)
    return CliRunner(
        env={
            "CORTEX_WAREHOUSE": str(demo_path),
            "CORTEX_METRICS": str(ROOT / "metrics.yml"),
            "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        }
    )


def test_a_path_is_duckdb_and_a_url_names_its_engine() -> None:
    assert engine_of(parse_warehouse("data/shop.duckdb")) == "duckdb"
    for url, engine in [
        ("postgresql://reader@db:5432/analytics", "postgres"),
        ("postgres://reader@db/analytics", "postgres"),
        ("spark://master:7077", "spark"),
        ("sc://connect.example:15002", "spark"),
    ]:
        assert engine_of(parse_warehouse(url)) == engine


def test_an_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(WarehouseError, match=r"no warehouse engine for postgress://") as raised:
        open_warehouse("postgress://reader:hunter2@db/analytics")
    assert "Did you mean postgres://?" in raised.value.message
    assert "hunter2" not in raised.value.message
    assert raised.value.hint and "CORTEX_WAREHOUSE" in raised.value.hint


def test_a_url_never_shows_its_password() -> None:
    url = WarehouseUrl("postgresql://reader:hunter2@db:5432/analytics")
    assert url.shown == "postgresql://reader:***@db:5432/analytics"
    assert "hunter2" not in f"{url} {url!r}"
    assert url.text.endswith("hunter2@db:5432/analytics")  # what the connector gets


def test_open_warehouse_opens_each_engine(demo_path: Path, postgres_url: str) -> None:
    with open_warehouse(demo_path) as duck, open_warehouse(postgres_url, max_rows=3) as pg:
        assert isinstance(duck, DuckDBWarehouse) and duck.dialect == "duckdb"
        assert isinstance(pg, PostgresWarehouse) and pg.dialect == "postgres"
        assert pg.max_rows == 3


def test_the_setting_keeps_a_url_as_text_and_a_path_relative(tmp_path: Path) -> None:
    url = "postgresql://reader:hunter2@db:5432/analytics"
    settings = load_settings({"CORTEX_WAREHOUSE": url}, cwd=tmp_path)
    assert settings.warehouse == WarehouseUrl(url)
    assert not settings.warehouse_is_demo
    assert "hunter2" not in repr(settings)
    relative = load_settings({"CORTEX_WAREHOUSE": "data/shop.duckdb"}, cwd=tmp_path)
    assert relative.warehouse == tmp_path / "data" / "shop.duckdb"
    (tmp_path / "cortex.toml").write_text('[cortex]\nwarehouse = "sc://spark:15002"\n')
    assert load_settings({}, cwd=tmp_path).warehouse == WarehouseUrl("sc://spark:15002")


def test_a_url_of_no_engine_is_a_settings_error_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"CORTEX_WAREHOUSE": "mysql://root:hunter2@db/shop"}, cwd=tmp_path)
    message = str(raised.value)
    assert message.startswith("CORTEX_WAREHOUSE names no engine Cortex has (mysql://)")
    assert "postgresql://" in message and "hunter2" not in message


def test_a_workspace_on_postgres_compiles_in_its_dialect(postgres_url: str, tmp_path: Path) -> None:
    environ = {
        "CORTEX_WAREHOUSE": postgres_url,
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    query = SemanticQuery.model_validate({"metrics": ["ticket_volume"], "dimensions": ["channel"]})
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as workspace:
        outcome = workspace.query(query)
    assert outcome.compiled.dialect == "postgres"
    assert outcome.result is not None and outcome.result.row_count > 1


def test_cortex_query_runs_on_postgres(cortex: CliRunner, postgres_url: str) -> None:
    env = {**(cortex.env or {}), "CORTEX_WAREHOUSE": postgres_url}
    code, out, err = run(CliRunner(env=env), "query", "-m", "ticket_volume", "--by", "channel")
    assert code == 0, err
    assert "email" in out
    code, out, _ = run(CliRunner(env=env), "query", "-m", "ticket_volume", "--dialect", "duckdb")
    assert code == 0 and "-- duckdb SQL" in out  # another dialect: shown, not run


def test_demo_export_to_parquet_writes_one_file_a_table(
    cortex: CliRunner, demo_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "parquet"
    code, _, err = run(cortex, "demo", "export", "--to", "parquet", str(folder))
    assert code == 0, err
    assert "Exported" in err
    with duckdb.connect(":memory:") as con:  # the file may be open in this process already
        con.execute(f"ATTACH '{demo_path}' AS demo (READ_ONLY)")
        con.execute("USE demo")
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'demo'"
            ).fetchall()
        ]
        for table in tables:
            expected = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            written = con.execute(f"SELECT count(*) FROM '{folder / table}.parquet'").fetchone()
            assert written == expected
    assert sorted(path.stem for path in folder.iterdir()) == sorted(tables)


def test_demo_export_says_what_it_needs(cortex: CliRunner) -> None:
    code, _, err = run(cortex, "demo", "export", "--to", "mysql://root:hunter2@db/shop")
    assert code != 0 and "--to" in err and "hunter2" not in err and "Traceback" not in err
    code, _, err = run(cortex, "demo", "export", "--to", "parquet")
    assert code != 0 and "parquet DIR" in err
