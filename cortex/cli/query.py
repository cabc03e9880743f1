"""`cortex query`: a governed semantic query from options, its result, and how it was computed."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.syntax import Syntax

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import in_range, user_errors
from cortex.cli.render import out, render_provenance, render_table
from cortex.errors import UserError
from semantic_layer.compile import DIALECTS
from semantic_layer.query import MAX_LIMIT, OrderBy, SemanticQuery, parse_where, validate_query


def _build_query(
    metric: list[str],
    by: list[str],
    where: list[str],
    named: list[str],
    last: str | None,
    time_range: str | None,
    compare: str | None,
    order: list[str],
    limit: int | None,
) -> SemanticQuery:
    if last and time_range:
        raise UserError("Give --last or --range, not both.", hint="e.g. --last '6 months'.")
    words = f"last {last}" if last else time_range
    if compare and compare not in ("previous_period", "previous_year"):
        raise UserError(
            f"--compare '{compare}' is not a comparison I know.",
            hint="Use previous_period or previous_year.",
        )
    in_range("--limit", limit, 1, MAX_LIMIT, "Give the number of rows to keep, e.g. --limit 10.")
    return validate_query(
        {
            "metrics": metric,
            "dimensions": by,
            "filters": [f for text in where for f in parse_where(text)],
            "named_filters": named,
            "time_range": words,
            "order_by": [OrderBy.parse(o) for o in order],
            "limit": limit,
            "compare": compare,
        }
    )


def query(
    metric: list[str] = typer.Option(
        [], "--metric", "-m", help="Metric name (repeatable); none lists the --by values."
    ),
    by: list[str] = typer.Option(
        [], "--by", "-b", help="Dimension, or time dimension with a grain: metric_time:month."
    ),
    where: list[str] = typer.Option([], "--where", "-w", help="Filter: \"segment = 'SMB'\"."),
    named: list[str] = typer.Option([], "--filter", "-f", help="Named filter from metrics.yml."),
    last: str = typer.Option(None, "--last", help="Relative range: '6 months', '30 days'."),
    time_range: str = typer.Option(
        None, "--range", "-r", help="Any range: 'this quarter', 'ytd', '2026-Q3', 'a..b'."
    ),
    compare: str = typer.Option(None, "--compare", help="previous_period or previous_year."),
    order: list[str] = typer.Option([], "--order", help="Sort: '-arr' for descending."),
    limit: int = typer.Option(None, "--limit", "-n", help="Keep the first N rows."),
    show_sql: bool = typer.Option(False, "--sql", help="Print the SQL too."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    dialect: str = typer.Option(
        None, help=f"SQL dialect: {', '.join(DIALECTS)} (default: the warehouse's)."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative ranges."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Run the query on the warehouse, not from the result cache."
    ),
) -> None:
    """Query governed metrics: `cortex query -m arr --by segment`."""
    from cortex.answers.narrative import narrate
    from cortex.workspace import Workspace

    with user_errors():
        semantic = _build_query(metric, by, where, named, last, time_range, compare, order, limit)
        settings = read_settings(as_of)
        ensure_warehouse(settings)
        with Workspace.open(settings, cache=not no_cache) as workspace:
            outcome = workspace.query(semantic, dialect=dialect)
        compiled, result = outcome.compiled, outcome.result
        if as_json:
            from cortex.answers.formatting import json_value  # the answers. modules
            from cortex.cli.payload import query_payload

            print(json.dumps(query_payload(compiled, result), default=json_value))
            return
        if result is None:
            out.print(f"[dim]-- {compiled.dialect} SQL (run it on your {dialect} warehouse)[/]")
            out.print(compiled.sql)
            return
        out.print(escape(narrate(compiled, result.frame, workspace.model)))
        if not result.frame.empty:
            out.print(render_table(compiled, result.frame))
        render_provenance(compiled, result)
        if show_sql:
            out.print()
            out.print(Syntax(compiled.sql, "sql", theme="ansi_dark", word_wrap=True))
