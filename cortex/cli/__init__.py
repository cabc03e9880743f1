"""The `cortex` command line: query governed metrics, check metrics.yml, build the demo."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.padding import Padding
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table

from connectors.warehouse import DuckDBWarehouse, QueryResult, WarehouseError
from cortex.access import check_access
from cortex.agent import Agent, Answer
from cortex.answers.formatting import is_missing, provenance_points
from cortex.answers.narrative import narrate
from cortex.answers.wording import cell_text, partial_rows, shown_partials
from cortex.assembly import build_agent, choose_planner, workspace_context
from cortex.demo import build_demo
from cortex.errors import InternalError, UserError
from cortex.evaluation import load_eval, run_eval
from cortex.knowledge import build_value_index
from cortex.logs import command_logging
from cortex.settings import Settings, load_settings
from cortex.stores.audit import OUTCOMES, VOTES, AuditLog, AuditRecord, eval_cases, write_csv
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace, ensure_warehouse
from semantic_layer.compile import DIALECTS, CompiledQuery
from semantic_layer.errors import (
    DefinitionError,
    Issue,
    QueryError,
    SemanticLayerError,
    did_you_mean,
)
from semantic_layer.loader import load_and_check, load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import MAX_LIMIT, OrderBy, SemanticQuery, parse_where, validate_query

app = typer.Typer(
    name="cortex",
    help="Cortex: governed answers to business questions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
demo_app = typer.Typer(help="The demo company (a helpdesk SaaS for e-commerce brands).")
app.add_typer(demo_app, name="demo")

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)
_log = logging.getLogger("cortex")


# --------------------------------------------------------------------------- plumbing


def _settings(as_of: str | None = None) -> Settings:
    options = {"as_of": ("--as-of", as_of)} if as_of is not None else {}
    return load_settings(os.environ, cwd=Path.cwd(), options=options)


def _log_internal(error: BaseException) -> InternalError:
    internal = InternalError("Cortex hit an unexpected problem.")
    _log.error("trace %s", internal.trace_id, exc_info=error)  # to data/cortex.log
    return internal


@contextmanager
def _user_errors(*, log_to_file: bool = True) -> Iterator[None]:
    """Every failure becomes one clear sentence and a hint on stderr; never a traceback.

    While the command runs, Cortex's warnings show as one line each and its log records, with
    their tracebacks, go to data/cortex.log (CORTEX_LOG_DIR), unless `log_to_file` is False (a
    command that configures logging itself).
    """
    log_dir = Path(os.environ.get("CORTEX_LOG_DIR") or Path.cwd() / "data")
    with command_logging(log_dir / "cortex.log") if log_to_file else nullcontext(), _reported():
        yield


@contextmanager
def _reported() -> Iterator[None]:
    """Each failure as `Error:` and `Hint:` lines (see `_user_errors`)."""
    try:
        yield
    except DefinitionError as error:
        _print_issues(error.issues)
        raise typer.Exit(1) from None
    except UserError as error:
        _fail(str(error), getattr(error, "hint", None))
    except WarehouseError as error:
        _fail(str(error), getattr(error, "hint", None))
    except QueryError as error:
        hint = "Run `cortex metrics` to see the metrics and dimensions you can use."
        _fail(error.message, error.hint or (None if "cortex metrics" in error.message else hint))
    except SemanticLayerError as error:
        _fail(str(error), None)
    except ValueError as error:  # bad arguments to the demo builder and friends
        _fail(str(error), None)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence for the user
        internal = _log_internal(error)
        _fail(
            f"Sorry, something went wrong on our side (trace {internal.trace_id}).",
            "The details are in data/cortex.log; quote the trace id when you report it.",
        )


def _fail(message: str, hint: str | None) -> None:
    _err.print(f"[bold red]Error:[/] {escape(message)}")
    if hint:
        _err.print(f"[dim]Hint: {escape(hint)}[/]")
    raise typer.Exit(1)


def _in_range(option: str, value: int | None, low: int, high: int, hint: str) -> None:
    """Refuse a whole-number option outside `low`..`high` (None: not given) before any work."""
    if value is not None and not low <= value <= high:
        _fail(f"{option} {value} is not between {low} and {high}.", hint)


_WRITE_HINT = "Give a path in a folder you can write to."


def _writable(option: str, path: Path | None, example: str) -> None:
    """Refuse an output file that cannot be written, before any work (None: not given)."""
    if path is None:
        return
    folder = path.parent
    if path.is_dir():
        _fail(f"{option} {path} is a folder.", f"Give the path of a file, e.g. {path / example}.")
    if folder.exists() and not folder.is_dir():
        _fail(f"{option} {path} cannot be written: {folder} is a file, not a folder.", _WRITE_HINT)
    if not folder.exists():
        _fail(
            f"{option} {path} cannot be written: the folder {folder} does not exist.",
            "Create the folder first, or give a path in one that exists.",
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        _fail(f"{option} {path} cannot be written: permission denied.", _WRITE_HINT)


def _write(option: str, path: Path, data: bytes) -> None:
    """Write `data` to the file `path` given as `option`; a failure is one sentence naming it."""
    try:
        path.write_bytes(data)
    except OSError as error:
        _fail(f"{option} {path} cannot be written: {error.strerror or error}.", _WRITE_HINT)


def _print_issues(issues: tuple[Issue, ...] | list[Issue]) -> None:
    for issue in issues:
        colour = "red" if issue.level == "error" else "yellow"
        _err.print(f"[{colour}]{escape(str(issue))}[/]")


def _ensure_warehouse(settings: Settings) -> Path:
    """The warehouse path; the demo is built first (with a progress bar) when it is missing."""
    if settings.warehouse.exists() or not settings.warehouse_is_demo:
        return ensure_warehouse(settings)
    _err.print(f"No warehouse yet: building the demo company into {settings.warehouse} (once).")
    with _progress("Building the demo company") as update:
        return ensure_warehouse(settings, update)


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=_err,
        transient=False,
    ) as progress:
        task = progress.add_task(label, total=None, step="")

        def update(step: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, step=step)

        yield update


# --------------------------------------------------------------------------- demo


@demo_app.command("build")
def demo_build(
    scale: float = typer.Option(None, help="Size: 1 = ~5,000 accounts and ~1M tickets."),
    as_of: str = typer.Option(None, "--as-of", help="Last day of the data (YYYY-MM-DD)."),
    seed: int = typer.Option(None, help="Random seed; same seed, scale and day = same data."),
    out: Path = typer.Option(None, help="DuckDB file to write (default: the warehouse)."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if it exists."),
) -> None:
    """Build the demo company into a DuckDB file."""
    with _user_errors():
        settings = _settings(as_of)
        path = out or settings.warehouse
        if if_missing and path.exists():
            _err.print(f"Demo warehouse already at {path}.")
            return
        with _progress("Building the demo company") as update:
            summary = build_demo(
                path,
                scale=scale if scale is not None else settings.demo_scale,
                as_of=settings.as_of,
                seed=seed if seed is not None else settings.demo_seed,
                on_progress=update,
            )
        counts = ", ".join(f"{n:,} {t}" for t, n in summary.row_counts.items())
        _err.print(f"Built {summary.path} in {summary.seconds:.1f} s: {counts}.")


# --------------------------------------------------------------------------- check


@app.command()
def check(
    no_warehouse: bool = typer.Option(
        False, "--no-warehouse", help="Skip the checks that columns exist in the warehouse."
    ),
) -> None:
    """Validate metrics.yml: every problem, with file:line and a fix. Exit 1 on errors."""
    with _user_errors():
        settings = _settings()
        columns: dict[str, frozenset[str]] | None = None
        if not no_warehouse:
            with DuckDBWarehouse(_ensure_warehouse(settings)) as warehouse:
                columns = warehouse.columns()
        model, issues = load_and_check(settings.metrics_path, warehouse_columns=columns)
        access = settings.access_path
        checks_access = access.is_file() and not any(i.level == "error" for i in issues)
        if checks_access:  # access.yml names metrics and tables: only a sound model can judge it
            issues = [*issues, *check_access(access, model)]
        _print_issues(issues)
        errors = sum(1 for i in issues if i.level == "error")
        warnings = len(issues) - errors
        if errors:
            _err.print(f"[bold red]{errors} error(s)[/], {warnings} warning(s).")
            raise typer.Exit(1)
        checked = "against the warehouse" if columns is not None else "without the warehouse"
        _out.print(
            f"[green]OK[/] {settings.metrics_path.name}: {len(model.tables)} tables, "
            f"{len(model.metrics)} metrics, {len(model.verified_queries)} verified queries, "
            f"checked {checked}"
            + (f"; {access.name} checked against it" if checks_access else "")
            + f"; {warnings} warning(s)."
        )


# --------------------------------------------------------------------------- metrics


@app.command()
def metrics(
    as_json: bool = typer.Option(False, "--json", help="Print the catalog as JSON."),
) -> None:
    """List the governed metrics and the dimensions to slice them by."""
    with _user_errors():
        model = load_model(_settings().metrics_path)
        if as_json:
            catalog = {
                "metrics": [m.model_dump(exclude_none=True) for m in model.metrics],
                "dimensions": [
                    {"table": t.name, **d.model_dump(exclude_none=True)}
                    for t in model.tables
                    for d in t.dimensions
                ],
                "filters": [f.model_dump() for f in model.filters],
            }
            _out.print_json(json.dumps(catalog, default=str))
            return
        table = Table(title="Metrics", show_lines=False)
        for column in ("name", "label", "format", "owner", "status", "synonyms"):
            table.add_column(column)
        for metric in model.metrics:
            table.add_row(
                metric.name,
                metric.label,
                metric.format,
                metric.owner,
                metric.status,
                ", ".join(metric.synonyms),
            )
        _out.print(table)
        dims = Table(title="Dimensions (group with --by, filter with --where)")
        for column in ("name", "table", "type", "description"):
            dims.add_column(column)
        dims.add_row("metric_time", "(every metric)", "time", "Each metric's own time axis.")
        for t in model.tables:
            for d in t.dimensions:
                dims.add_row(d.name, t.name, d.type, d.description)
        _out.print(dims)


# --------------------------------------------------------------------------- query


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
    _in_range("--limit", limit, 1, MAX_LIMIT, "Give the number of rows to keep, e.g. --limit 10.")
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


def _json_value(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _payload(compiled: CompiledQuery, result: QueryResult | None) -> dict[str, object]:
    """The JSON of a compiled query and its result; `partial` says, row by row, whether the
    row's period is covered only in part (`provenance.partial_periods` says which days)."""
    provenance = asdict(compiled.provenance)
    provenance["conditions"] = [c.model_dump(mode="json") for c in compiled.provenance.conditions]
    rows: list[list[object]] = []
    partial: list[bool] = []
    if result is not None:
        provenance["freshness"] = _json_value(result.freshness)
        provenance["timings_ms"] = result.timings_ms
        provenance["truncated"] = result.truncated
        rows = [[_json_value(v) for v in row] for row in result.frame.itertuples(index=False)]
        partial = partial_rows(compiled, result.frame)
    return {
        "columns": [c.name for c in compiled.columns],
        "rows": rows,
        "partial": partial,
        "sql": compiled.sql,
        "provenance": json.loads(json.dumps(provenance, default=_json_value)),
    }


def _render_table(compiled: CompiledQuery, frame: pd.DataFrame) -> Table:
    table = Table(show_edge=False, header_style="bold")
    for column in compiled.columns:
        table.add_column(column.label, justify="left" if column.kind == "dimension" else "right")
    partials = shown_partials(compiled, frame)
    for row in frame.to_dict("records"):
        table.add_row(*(escape(cell_text(c, row, partials)) for c in compiled.columns))
    return table


def _render_provenance(compiled: CompiledQuery, result: QueryResult | None) -> None:
    p = compiled.provenance
    _out.print("\n[bold]How this was computed[/]")
    for emphasis, rest in provenance_points(p):
        shown = f"[bold]{escape(emphasis)}[/]" if emphasis else ""
        _out.print(f"  • {shown}{escape(rest)}")
    if result is not None:
        fresh = result.freshness.isoformat(sep=" ") if result.freshness else "unknown"
        run_ms = sum(result.timings_ms.values())
        _out.print(
            f"  • Data as of {fresh}; ran in {run_ms:.0f} ms on {', '.join(p.source_tables)}"
        )
        if result.truncated:
            _out.print(f"  • [yellow]Showing the first {result.row_count:,} rows only.[/]")


@app.command()
def query(
    metric: list[str] = typer.Option(..., "--metric", "-m", help="Metric name (repeatable)."),
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
    dialect: str = typer.Option("duckdb", help=f"SQL dialect: {', '.join(DIALECTS)}."),
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative ranges."),
) -> None:
    """Query governed metrics: `cortex query -m arr --by segment`."""
    with _user_errors():
        semantic = _build_query(metric, by, where, named, last, time_range, compare, order, limit)
        settings = _settings(as_of)
        _ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            outcome = workspace.query(semantic, dialect=dialect)
        compiled, result = outcome.compiled, outcome.result
        if as_json:
            print(json.dumps(_payload(compiled, result), default=_json_value))
            return
        if result is None:
            _out.print(f"[dim]-- {dialect} SQL (run it on your {dialect} warehouse)[/]")
            _out.print(compiled.sql)
            return
        _out.print(escape(narrate(compiled, result.frame, workspace.model)))
        if not result.frame.empty:
            _out.print(_render_table(compiled, result.frame))
        _render_provenance(compiled, result)
        if show_sql:
            _out.print()
            _out.print(Syntax(compiled.sql, "sql", theme="ansi_dark", word_wrap=True))


# --------------------------------------------------------------------------- ask / chat


def _agent(settings: Settings) -> Agent:
    _ensure_warehouse(settings)
    return build_agent(Workspace.open(settings))


def _answer_payload(answer: Answer) -> dict[str, object]:
    payload: dict[str, object] = {"columns": [], "rows": [], "sql": None, "provenance": None}
    if answer.compiled is not None:
        payload = _payload(answer.compiled, answer.result)
    query = answer.query.model_dump(mode="json") if answer.query is not None else None
    return {
        "status": answer.status,
        "text": answer.text,
        "query": query,
        **payload,
        "suggestions": list(answer.suggestions),
        "trust": answer.trust,
        "caveats": [{"source": c.source, "text": c.markdown} for c in answer.caveats],
        "conversation_id": answer.conversation_id,
    }


def _render_answer(answer: Answer) -> None:
    if answer.status == "answer" and answer.compiled is not None and answer.result is not None:
        badge = "[green]verified[/]" if answer.trust == "verified" else "[yellow]generated[/]"
        _out.print(f"{escape(answer.text)}  ({badge})")
        if not answer.result.frame.empty:
            _out.print(_render_table(answer.compiled, answer.result.frame))
        _render_provenance(answer.compiled, answer.result)
        for caveat in answer.caveats:
            _out.print(f"\n[bold]Note[/] [dim]({escape(caveat.source)})[/]")
            _out.print(Padding(Markdown(caveat.markdown), (0, 0, 0, 2)), soft_wrap=False)
        return
    colour = {"clarification": "cyan", "out_of_scope": "yellow", "denied": "red", "error": "red"}[
        answer.status
    ]
    _out.print(f"[{colour}]{escape(answer.text)}[/]")
    for suggestion in answer.suggestions:
        _out.print(f"  • {escape(suggestion)}")
    if answer.status == "clarification":
        _out.print("[dim]`cortex metrics` lists the metrics and dimensions Cortex knows.[/]")


def _draw(answer: Answer, path: Path, model: SemanticModel) -> None:
    """Write the answer's chart (a Vega-Lite spec built from the result) as a PNG."""
    from cortex.answers.chart import (  # altair is slow to import: only when asked
        chart_spec,
        render_png,
    )

    if answer.compiled is None or answer.result is None:
        _err.print("[dim]No chart: there are no numbers to draw.[/]")
        return
    spec = chart_spec(answer.compiled, answer.result.frame, model)
    if spec is None:
        _err.print("[dim]No chart: a single number or an empty result is clearer as text.[/]")
        return
    _write("--chart", path, render_png(spec))
    _err.print(f"Chart written to {path}.")


def _local_user() -> str:
    """Who is at the terminal, for the audit trail (the CLI has no other identity)."""
    return os.environ.get("USER") or "local"


@app.command()
def ask(
    question: str = typer.Argument(..., help="A question in plain language."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
    conversation: str = typer.Option(
        None, "--conversation", "-c", help="Continue this conversation (follow-ups)."
    ),
    chart: Path = typer.Option(None, "--chart", help="Also draw the answer's chart to this PNG."),
) -> None:
    """Ask a question: `cortex ask "What's our ARR by segment?"`."""
    with _user_errors():
        _writable("--chart", chart, "chart.png")
        settings = _settings(as_of)
        agent = _agent(settings)
        try:
            answer = agent.ask(question, conversation)
        finally:
            agent.workspace.close()
        AuditLog(settings.audit_path).record_answer(answer, source="cli", user_id=_local_user())
        if as_json:
            print(json.dumps(_answer_payload(answer), default=_json_value))
        else:
            _render_answer(answer)
            _err.print(f"[dim]conversation {answer.conversation_id}[/]")
        if chart is not None:  # after the answer: a chart that cannot be written loses nothing
            _draw(answer, chart, agent.workspace.model)
        if answer.status == "error":
            raise typer.Exit(1)


@app.command()
def chat(
    as_of: str = typer.Option(None, "--as-of", help="Reference day for relative time."),
) -> None:
    """Talk to Cortex: questions and follow-ups, until an empty line or Ctrl-D."""
    with _user_errors():
        settings = _settings(as_of)
        agent = _agent(settings)
        audit = AuditLog(settings.audit_path)
        conversation: str | None = None
        try:
            while True:
                try:
                    question = input("cortex> ").strip()
                except EOFError:
                    break
                if question.lower() in ("", "exit", "quit"):
                    break
                answer = agent.ask(question, conversation)
                audit.record_answer(answer, source="cli", user_id=_local_user())
                conversation = answer.conversation_id
                _render_answer(answer)
        finally:
            agent.workspace.close()


@app.command("eval")
def evaluate(
    path: Path = typer.Argument(..., help="An eval file, e.g. evals/demo.yml."),
    as_json: bool = typer.Option(False, "--json", help="Print every outcome as JSON."),
    show_failures: bool = typer.Option(False, "--failures", help="List what went wrong."),
) -> None:
    """Score the pipeline on an eval set: accuracy, clarifications, wrong answers, latency."""
    with _user_errors():
        as_of, cases = load_eval(path)
        settings = _settings(as_of.isoformat())
        _ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            store = ConversationStore(":memory:")

            context = workspace_context(workspace)
            values = build_value_index(workspace.model, workspace.warehouse)
            planner = choose_planner(workspace, context, values)

            def make_agent() -> Agent:
                return Agent(workspace, planner, store, values=values)

            report = run_eval(cases, make_agent, workspace)
        if as_json:
            print(json.dumps([asdict(o) for o in report.outcomes], default=_json_value))
            return
        table = Table(title=f"{path.name}: {len(report.outcomes)} questions")
        for column in ("tag", "accuracy"):
            table.add_column(column)
        for tag, accuracy in report.by_tag.items():
            table.add_row(tag, f"{accuracy:.0%}")
        _out.print(table)
        _out.print(
            f"accuracy {report.accuracy:.1%} · clarification rate {report.clarification_rate:.1%}"
            f" · wrong answers {report.wrong_answer_rate:.1%} · must-clarify answered with a "
            f"number: {report.must_clarify_answered} · latency p50 "
            f"{report.latency_ms(0.5):.0f} ms, p95 {report.latency_ms(0.95):.0f} ms"
        )
        if show_failures:
            for outcome in report.outcomes:
                if not outcome.correct:
                    _out.print(
                        f"[red]✗[/] {outcome.case}: {escape(outcome.question)} -> "
                        f"{escape(outcome.detail)}"
                    )


serve_app = typer.Typer(help="Run Cortex as a service.")
app.add_typer(serve_app, name="serve")


@serve_app.command("slack")
def serve_slack(
    port: int = typer.Option(3000, "--port", "-p", help="HTTP port (HTTP mode)."),
    host: str = typer.Option("0.0.0.0", "--host", help="Interface to listen on (HTTP mode)."),
    socket: bool = typer.Option(False, "--socket", help="Use Socket Mode (needs SLACK_APP_TOKEN)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG (secrets redacted)."),
) -> None:
    """Answer in Slack: over HTTP at /slack/events, or over Socket Mode with --socket."""
    from cortex.logs import configure_logging
    from cortex.slack.server import build_slack, serve_http, serve_socket

    with _user_errors(log_to_file=False):  # configure_logging: the server logs to stderr
        _in_range("--port", port, 1, 65535, "Use a free TCP port, e.g. --port 3000.")
        settings = _settings()
        if socket and settings.slack_app_token is None:
            raise UserError(
                "--socket needs SLACK_APP_TOKEN (an app-level token, xapp-...).",
                hint="Create one under Basic Information -> App-Level Tokens with the "
                "connections:write scope, or drop --socket to serve over HTTP.",
            )
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        _ensure_warehouse(settings)
        slack = build_slack(settings)
        if socket:
            assert settings.slack_app_token is not None
            _err.print("Cortex is listening to Slack over Socket Mode. Ctrl-C stops it.")
            serve_socket(slack, settings.slack_app_token.get_secret_value())
        else:
            _err.print(f"Cortex serves Slack at http://{host}:{port}/slack/events. Ctrl-C stops.")
            serve_http(slack, host=host, port=port)


_EXPORTS = ("csv", "evals")


def _choice(option: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        _fail(
            f"{option} {value!r} is not one of: {', '.join(choices)}."
            + did_you_mean(value, choices),
            None,
        )


@app.command("audit")
def audit(
    user: str = typer.Option(None, "--user", help="Only this Slack user id or user name."),
    channel: str = typer.Option(None, "--channel", help="Only this channel id."),
    outcome: str = typer.Option(
        None, "--outcome", help=f"Only this outcome: {', '.join(OUTCOMES)}."
    ),
    since: str = typer.Option(None, "--since", help="Only from this UTC day on (YYYY-MM-DD)."),
    feedback: str = typer.Option(None, "--feedback", help="Only this feedback: up or down."),
    limit: int = typer.Option(None, "--limit", help="At most this many, newest first (table: 50)."),
    export: str = typer.Option(
        None, "--export", help="csv (every column), or evals (thumbs-down answers as eval cases)."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write the export to this file."),
) -> None:
    """The audit trail: who asked what, what Cortex did, and their feedback (newest first)."""
    with _user_errors():
        _choice("--outcome", outcome, OUTCOMES)
        _choice("--feedback", feedback, VOTES)
        _choice("--export", export, _EXPORTS)
        _in_range("--limit", limit, 1, MAX_LIMIT, "Give the number of records to list, e.g. 20.")
        _writable("--output", output, "audit.csv" if export == "csv" else "feedback.yml")
        day = None
        if since is not None:
            try:
                day = date.fromisoformat(since)
            except ValueError:
                _fail(f"--since {since!r} is not a day.", "Use YYYY-MM-DD, e.g. 2026-11-01.")
        settings = _settings()
        records: list[AuditRecord] = []
        if settings.audit_path.exists():  # reading never creates the log
            records = AuditLog(settings.audit_path).list(
                user=user,
                channel=channel,
                outcome=outcome,
                since=day,
                feedback="down" if export == "evals" else feedback,
                limit=limit if limit is not None or export else 50,
            )
        if export is not None:
            text = io.StringIO()
            if export == "csv":
                write_csv(records, text)
            else:
                text.write(eval_cases(records, as_of=None))
            if output is None:
                sys.stdout.write(text.getvalue())
            else:
                _write("--output", output, text.getvalue().encode("utf-8"))
                _err.print(f"{len(records)} record(s) written to {output}.")
            return
        if not records:
            _out.print(f"No audit records match (in {settings.audit_path}).")
            return
        _out.print(_audit_table(records))


def _audit_table(records: list[AuditRecord]) -> Table:
    """Time, user, channel, outcome, question, rows, latency, cost and feedback of each record.

    Channel, cost and feedback are left out when no record has one (a local log has none).
    """
    optional = {
        "channel": any(r.channel for r in records),
        "cost": any(r.cost_usd is not None for r in records),
        "feedback": any(r.feedback for r in records),
    }
    table = Table(title=f"{len(records)} question(s), newest first")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("user", overflow="fold")
    if optional["channel"]:
        table.add_column("channel", overflow="fold")
    table.add_column("outcome", no_wrap=True)
    table.add_column("question", min_width=16)
    table.add_column("rows", justify="right")
    table.add_column("latency", justify="right", no_wrap=True)
    if optional["cost"]:
        table.add_column("cost", justify="right", no_wrap=True)
    if optional["feedback"]:
        table.add_column("feedback")
    colours = {"answered": "green", "clarified": "cyan", "declined": "yellow"}
    for record in records:
        question = record.question if len(record.question) <= 80 else record.question[:79] + "…"
        cells = [f"{record.at:%Y-%m-%d %H:%M}", escape(record.user_name or record.user_id)]
        if optional["channel"]:
            cells.append(escape(record.channel or "-"))
        cells += [
            f"[{colours.get(record.outcome, 'red')}]{record.outcome}[/]",
            escape(question),
            "-" if record.rows is None else str(record.rows),
            "-" if record.latency_ms is None else f"{record.latency_ms:.0f} ms",
        ]
        if optional["cost"]:
            cells.append("-" if record.cost_usd is None else f"${record.cost_usd:.4f}")
        if optional["feedback"]:
            vote, comment = record.feedback or "-", record.feedback_comment
            cells.append(escape(f"{vote}: {comment}" if comment else vote))
        table.add_row(*cells)
    return table


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
