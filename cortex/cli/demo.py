"""`cortex demo build`: the demo company (a helpdesk SaaS for e-commerce brands) as DuckDB."""

from __future__ import annotations

from pathlib import Path

import typer

from cortex.cli.environment import read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, progress


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
        path = out or settings.warehouse
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
