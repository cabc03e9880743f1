"""Choose the warehouse engine from where it is: a DuckDB file path or an engine's URL.

`CORTEX_WAREHOUSE` says where the warehouse is, and that says which engine reads it:

    a file path                      DuckDB (`connectors.warehouse.duckdb`)
    postgresql://… or postgres://…   PostgreSQL (`connectors.warehouse.postgres`, psycopg 3)
    spark://… or sc://…              Apache Spark (`connectors.warehouse.spark`): a cluster's
                                     master URL, or a Spark Connect server

`WarehouseUrl` holds a URL as given and shows it with its password as *** (in `repr`, `str`
and every message), so settings can be printed and logged. `open_warehouse(where, ...)` opens
the engine; each engine is imported only when it is chosen, so DuckDB users need neither psycopg
nor pyspark. This module imports no engine itself.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from connectors.warehouse.base import Warehouse

__all__ = ["ENGINES", "WarehouseUrl", "engine_of", "open_warehouse", "parse_warehouse"]

#: URL scheme -> engine. A file path (no scheme) is DuckDB.
ENGINES: Final = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "spark": "spark",
    "sc": "spark",
}
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_FORMS: Final = "a DuckDB file path, postgresql://user@host:5432/db, spark://host:7077 or sc://host"


@dataclass(frozen=True)
class WarehouseUrl:
    """A warehouse given as a URL; `text` is the URL as given (with any password)."""

    text: str = field(repr=False)

    @property
    def scheme(self) -> str:
        """The URL's scheme, lower-case (`postgresql`, `sc`, ...)."""
        match = _SCHEME.match(self.text)
        return match[1].lower() if match else ""

    @property
    def engine(self) -> str:
        """The engine that reads it: `postgres` or `spark`; "" for a scheme Cortex lacks."""
        return ENGINES.get(self.scheme, "")

    @property
    def shown(self) -> str:
        """The URL as it may be printed or logged: the password replaced by ***."""
        try:
            parts = urlsplit(self.text)
            if parts.password is None:
                return self.text
            user = parts.username or ""
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port is not None else ""
            netloc = f"{user}:***@{host}{port}"
            return urlunsplit(parts._replace(netloc=netloc))
        except ValueError:
            return f"{self.scheme}://…"

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"WarehouseUrl({self.shown!r})"


def parse_warehouse(text: str) -> Path | WarehouseUrl:
    """A URL (`scheme://…`) as a `WarehouseUrl`, anything else as a path (not resolved)."""
    stripped = text.strip()
    if _SCHEME.match(stripped):
        return WarehouseUrl(stripped)
    return Path(stripped)


def engine_of(where: Path | WarehouseUrl) -> str:
    """The engine that reads `where`: `duckdb`, `postgres` or `spark`; raises for a scheme
    Cortex has no engine for."""
    if isinstance(where, Path):
        return "duckdb"
    if where.engine:
        return where.engine
    from connectors.warehouse.base import WarehouseError

    close = difflib.get_close_matches(where.scheme, list(ENGINES), n=1)
    suggestion = f" Did you mean {close[0]}://?" if close else ""
    raise WarehouseError(
        f"Cortex has no warehouse engine for {where.scheme}:// URLs ({where.shown}).{suggestion}",
        hint=f"Set CORTEX_WAREHOUSE to {_FORMS}.",
    )


def open_warehouse(
    where: Path | WarehouseUrl | str, *, timeout_seconds: float = 30.0, max_rows: int = 10_000
) -> Warehouse:
    """Open the engine that reads `where` with a time limit per query and a row cap."""
    if isinstance(where, str):
        where = parse_warehouse(where)
    engine = engine_of(where)
    if isinstance(where, Path):
        from connectors.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(where, timeout_seconds=timeout_seconds, max_rows=max_rows)
    if engine == "postgres":
        from connectors.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(where.text, timeout_seconds=timeout_seconds, max_rows=max_rows)
    # Spark: built by its own module, `SparkWarehouse(url, *, timeout_seconds, max_rows)`.
    from connectors.warehouse.spark import SparkWarehouse  # type: ignore[import-not-found,unused-ignore]

    warehouse: Warehouse = SparkWarehouse(
        where.text, timeout_seconds=timeout_seconds, max_rows=max_rows
    )
    return warehouse
