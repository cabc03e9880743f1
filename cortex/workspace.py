"""A workspace: the settings, the governed model and the warehouse, opened once at the edge.

Entry points (the CLI now, Slack later) open a Workspace and pass it down; nothing below them
reads the environment or opens connections of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.warehouse import CachedWarehouse, QueryResult, ResultCache, Warehouse
from connectors.warehouse.open import WarehouseUrl, open_warehouse
from cortex.demo import build_demo
from cortex.errors import UserError
from cortex.settings import Settings
from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class QueryOutcome:
    """A compiled query and, when it ran, its result."""

    compiled: CompiledQuery
    result: QueryResult | None


def ensure_warehouse(
    settings: Settings, on_progress: Progress | None = None
) -> Path | WarehouseUrl:
    """Where the warehouse is: another engine's URL as configured, or the DuckDB file, building
    the demo company there on first use when none is configured."""
    path = settings.warehouse
    if isinstance(path, WarehouseUrl) or path.exists():
        return path
    if not settings.warehouse_is_demo:
        raise UserError(
            f"The warehouse file {path} does not exist.",
            hint="Check CORTEX_WAREHOUSE, or unset it to use the demo company.",
        )
    build_demo(
        path,
        scale=settings.demo_scale,
        as_of=settings.as_of,
        seed=settings.demo_seed,
        on_progress=on_progress,
    )
    return path


class Workspace:
    """The model and warehouse a question is answered from."""

    def __init__(self, settings: Settings, model: SemanticModel, warehouse: Warehouse) -> None:
        self.settings = settings
        self.model = model
        self.warehouse = warehouse

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        on_progress: Progress | None = None,
        cache: ResultCache | bool = True,
    ) -> Workspace:
        """Load metrics.yml and connect to the warehouse (building the demo if needed); the
        engine is the one `settings.warehouse` names (`connectors.warehouse.open`).

        `cache`: a result cache in front of the warehouse (`connectors.warehouse.cache`), so a
        query repeated on the same data does not run again: a new one for this workspace
        (True), one shared with other workspaces (a `ResultCache`), or none (False:
        `--no-cache`).
        """
        model = load_model(settings.metrics_path)
        where = ensure_warehouse(settings, on_progress)
        warehouse: Warehouse = open_warehouse(
            where, timeout_seconds=settings.query_timeout_seconds, max_rows=settings.max_rows
        )
        if cache is not False:
            shared = cache if isinstance(cache, ResultCache) else None
            warehouse = CachedWarehouse(warehouse, shared)
        return cls(settings, model, warehouse)

    def close(self) -> None:
        """Close the warehouse connection."""
        self.warehouse.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def query(
        self,
        query: SemanticQuery,
        *,
        dialect: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> QueryOutcome:
        """Compile `query` in `dialect` (the warehouse's by default); run it when the warehouse
        speaks that dialect (telling `progress`)."""
        dialect = dialect or self.warehouse.dialect
        compiled = compile_query(query, self.model, as_of=self.settings.as_of, dialect=dialect)
        if dialect != self.warehouse.dialect:
            return QueryOutcome(compiled, None)
        if progress is not None:
            progress("Running the query on the warehouse…")
        result = self.warehouse.run(
            compiled.sql,
            source_tables=compiled.source_tables,
            freshness_columns=compiled.freshness_columns,
        )
        return QueryOutcome(compiled, result)
