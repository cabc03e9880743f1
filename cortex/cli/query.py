"""`cortex query`: a governed semantic query from options, its result, and how it was computed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.syntax import Syntax

from cortex.cli import query_memo
from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import in_range, user_errors
from cortex.cli.query_memo import Memo
from cortex.cli.render import (
    freshness_text,
    out,
    render_provenance_points,
    render_table,
    render_truncation,
    run_line,
    source_tables_text,
)
from cortex.errors import UserError
from cortex.settings import CONFIG_FILE, Settings
from semantic_layer.compile import DIALECTS
from semantic_layer.query import MAX_LIMIT, OrderBy, SemanticQuery, parse_where, validate_query

if TYPE_CHECKING:
    from connectors.warehouse import QueryResult
    from cortex.workspace import QueryOutcome, Workspace
    from semantic_layer.compile import CompiledQuery


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
    from cortex.workspace import Workspace

    with user_errors():
        semantic = _build_query(metric, by, where, named, last, time_range, compare, order, limit)
        settings = read_settings(as_of)
        ensure_warehouse(settings)
        with Workspace.open(settings, cache=not no_cache) as workspace:
            outcome = workspace.query(semantic, dialect=dialect)
            memo = _memo_start(settings, workspace, outcome)
        compiled, result = outcome.compiled, outcome.result
        if as_json:
            from cortex.answers.formatting import json_value  # the answers. modules
            from cortex.cli.payload import query_payload

            text = json.dumps(query_payload(compiled, result), default=json_value)
            out.file.write(text + "\n")
            if memo is not None and result is not None:
                _remember(replace(memo, payload=json.loads(text)), result)
            return
        if result is None:
            out.print(f"[dim]-- {compiled.dialect} SQL (run it on your {dialect} warehouse)[/]")
            out.print(compiled.sql)
            return
        head, tail = _answer_text(compiled, result, workspace, show_sql=show_sql)
        out.file.write(head + f"  • {run_line(compiled, result)}\n" + tail)
        if memo is not None:
            fresh, tables = freshness_text(result), source_tables_text(compiled)
            _remember(replace(memo, head=head, tail=tail, fresh=fresh, tables=tables), result)


def _answer_text(
    compiled: CompiledQuery, result: QueryResult, workspace: Workspace, *, show_sql: bool
) -> tuple[str, str]:
    """What is printed before the run line (the sentence, the table and how the number was
    computed) and after it (a truncation warning, the SQL)."""
    from cortex.answers.narrative import narrate

    with out.capture() as head:
        out.print(escape(narrate(compiled, result.frame, workspace.model)))
        if not result.frame.empty:
            out.print(render_table(compiled, result.frame))
        render_provenance_points(compiled)
    with out.capture() as tail:
        render_truncation(result)
        if show_sql:
            out.print()
            out.print(Syntax(compiled.sql, "sql", theme="ansi_dark", word_wrap=True))
    return head.get(), tail.get()


def _memo_start(settings: Settings, workspace: Workspace, outcome: QueryOutcome) -> Memo | None:
    """What a memo of this run needs before its text (`cortex.cli.query_memo`), when the
    console script started it and the query ran on a DuckDB file; else None."""
    from connectors.warehouse import CachedWarehouse, DuckDBWarehouse
    from semantic_layer.cache_files import digest
    from semantic_layer.model_cache import cached_sources

    if query_memo.invocation() is None or outcome.result is None:
        return None
    warehouse = workspace.warehouse
    if isinstance(warehouse, CachedWarehouse):
        warehouse = warehouse.warehouse
    if not isinstance(warehouse, DuckDBWarehouse):
        return None
    version = warehouse.data_version()
    sources = cached_sources(settings.metrics_path)
    if version is None or sources is None:
        return None
    config_file = settings.config_path or Path.cwd() / CONFIG_FILE
    return Memo(
        files={**sources, str(config_file.resolve()): digest(config_file)},
        warehouse=str(warehouse.path.resolve()),
        version=json.loads(json.dumps(version)),
        config=dict(warehouse.connection_config),
        timeout_seconds=warehouse.timeout_seconds,
        max_rows=warehouse.max_rows,
        sql=outcome.compiled.sql,
    )


def _remember(memo: Memo, result: QueryResult) -> None:
    key = query_memo.invocation()
    if key is not None and result.cache != "hit":
        query_memo.remember(key, memo, run_ms=sum(result.timings_ms.values()))
