"""The other engines, running for real: a throwaway PostgreSQL server holding the test demo.

- `postgres_server`: a PostgreSQL cluster started once per session (tests.fakes.postgres_server)
  with the session's demo (`demo_path`) loaded by `cortex.demo.export`; stopped at the end.
  The tests are skipped, with the reason, when PostgreSQL is not installed (`./run test`
  installs it as root); under CI they fail instead.
- `postgres_url`: the read-only role's URL (what Cortex should connect as).
- `spark_url`: Spark in local mode over the test demo written as Parquet
  (tests.engines.spark_session); skipped, with the reason, only where there is no Java.
- `ENGINES`: the names of the engines to compare with DuckDB, for parametrising; `open_engine`
  opens each once per session from its `<name>_url` fixture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.warehouse import Warehouse
from connectors.warehouse.open import open_warehouse
from cortex.demo.export import export_to_postgres
from tests.engines.spark_session import demo_parquet
from tests.fakes.postgres_server import PostgresServer, PostgresUnavailable, postgres_bin

__all__ = ["ENGINES", "demo_parquet"]

#: The engines the differential suite compares with DuckDB.
ENGINES = ("postgres", "spark")


@pytest.fixture(scope="session")
def postgres_server(demo_path: Path) -> Iterator[PostgresServer]:
    """A running PostgreSQL with the test demo's tables, readable by `readonly_url`."""
    try:
        postgres_bin()
    except PostgresUnavailable as missing:
        if os.environ.get("CI"):  # CI must run the engines: ./run test installs PostgreSQL
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    server = PostgresServer.start()
    try:
        export_to_postgres(demo_path, server.url)
        server.grant_reads()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of the read-only role on the session's server."""
    return postgres_server.readonly_url


@pytest.fixture(scope="session")
def spark_url(demo_parquet: Path) -> str:
    """Spark in local mode over the test demo's tables as Parquet files."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        message = "Spark's local mode needs Java 17 (apt-get install openjdk-17-jre-headless)"
        if os.environ.get("CI"):  # CI must run the engines: ./run test installs the JDK
            pytest.fail(message)
        pytest.skip(message)
    return f"spark://local?parquet={demo_parquet}"


@pytest.fixture(scope="session")
def open_engine(request: pytest.FixtureRequest) -> Iterator[dict[str, Warehouse]]:
    """Each engine's warehouse, opened once per session on first use: `open_engine[name]`."""
    opened: dict[str, Warehouse] = {}

    class _Lazy(dict[str, Warehouse]):
        def __missing__(self, name: str) -> Warehouse:
            url = request.getfixturevalue(f"{name}_url")
            opened[name] = open_warehouse(url, timeout_seconds=60, max_rows=100_000)
            self[name] = opened[name]
            return opened[name]

    try:
        yield _Lazy()
    finally:
        for warehouse in opened.values():
            warehouse.close()
