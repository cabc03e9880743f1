"""`cortex demo build` and `cortex demo export`: the demo company (a helpdesk SaaS for
e-commerce brands) as DuckDB, and copied from there into PostgreSQL or Parquet files."""

from __future__ import annotations

from pathlib import Path

import typer

from connectors.warehouse.open import WarehouseUrl, parse_warehouse
from cortex.cli.environment import read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, progress
from cortex.errors import UserError


def demo_build(
    scale: float = typer.Option(None, help="Size: 1 = ~5,000 accounts and ~1M tickets."),
    as_of: str = typer.Option(None, "--as-of", help="Last day of the data (YYYY-MM-DD)."),
    seed: int = typer.Option(None, help="Random seed; same seed, scale and day = same data."),
    out: Path = typer.Option(None, help="DuckDB file to write (default: the warehouse)."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if it exists."),
) -> None:
    """Build the demo company into a DuckDB file."""
    from cortex.demo import build_demo

    with user_errors():
        settings = read_settings(as_of)
        path = out or _duckdb_file(settings.warehouse, "--out")
        if if_missing and path.exists():
            err.print(f"Demo warehouse already at {path}.")
            return
        with progress("Building the demo company") as update:
            summary = build_demo(
                path,
                scale=scale if scale is not None else settings.demo_scale,
                as_of=settings.as_of,
                seed=seed if seed is not None else settings.demo_seed,
                on_progress=update,
            )
        counts = ", ".join(f"{n:,} {t}" for t, n in summary.row_counts.items())
        err.print(f"Built {summary.path} in {summary.seconds:.1f} s: {counts}.")


def demo_export(
    to: str = typer.Option(..., "--to", help="postgresql://user@host:5432/db, or parquet."),
    folder: Path = typer.Argument(None, help="With --to parquet: the folder to write into."),
    source: Path = typer.Option(
        None, "--from", help="The DuckDB demo to copy (default: the warehouse)."
    ),
) -> None:
    """Copy the demo into PostgreSQL (--to postgresql://…) or Parquet (--to parquet DIR)."""
    from cortex.demo.export import ExportError, export_to_parquet, export_to_postgres

    with user_errors():
        settings = read_settings()
        path = source or _duckdb_file(settings.warehouse, "--from")
        target = parse_warehouse(to)
        try:
            with progress("Exporting the demo") as update:
                if isinstance(target, WarehouseUrl):
                    if target.engine != "postgres":
                        raise UserError(
                            f"--to {target.shown}: export writes to PostgreSQL or Parquet only.",
                            hint="Use --to postgresql://user@host:5432/db, or --to parquet DIR "
                            "(Spark reads the Parquet files).",
                        )
                    summary = export_to_postgres(path, target.text, on_progress=update)
                elif to.strip().lower() == "parquet" and folder is not None:
                    summary = export_to_parquet(path, folder, on_progress=update)
                else:
                    raise UserError(
                        f"--to {to!r} is neither a postgresql:// URL nor parquet with a folder.",
                        hint="Use --to postgresql://user@host:5432/db, or --to parquet DIR.",
                    )
        except ExportError as error:
            raise UserError(str(error)) from None
        counts = ", ".join(f"{n:,} {t}" for t, n in summary.row_counts.items())
        err.print(f"Exported {path} to {summary.target} in {summary.seconds:.1f} s: {counts}.")


def _duckdb_file(where: Path | WarehouseUrl, option: str) -> Path:
    if isinstance(where, WarehouseUrl):
        raise UserError(
            f"CORTEX_WAREHOUSE is {where.shown}, not a DuckDB file; the demo lives in DuckDB.",
            hint=f"Give the DuckDB file with {option} data/demo.duckdb.",
        )
    return where
