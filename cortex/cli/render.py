"""What the terminal shows: the two consoles, progress bars, problems, tables, answers.

Results go to standard output (`out`); progress, problems and notes to standard error (`err`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cortex.cli.query_memo import run_sentence

if TYPE_CHECKING:  # the answers' modules bring pandas: imported when a result is shown
    import pandas as pd

    from connectors.warehouse import QueryResult
    from cortex.answer import Answer
    from semantic_layer.compile import CompiledQuery
    from semantic_layer.errors import Issue

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr; yields the `update(step, done, total)` callback to feed it."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None, step="")

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, step=step)

        yield update


def print_issues(issues: tuple[Issue, ...] | list[Issue]) -> None:
    """Each problem of a checked file on stderr, errors in red and warnings in yellow."""
    for issue in issues:
        colour = "red" if issue.level == "error" else "yellow"
        err.print(f"[{colour}]{escape(str(issue))}[/]")


def render_table(compiled: CompiledQuery, frame: pd.DataFrame) -> Table:
    """A result as a table: dimensions left-aligned, numbers right-aligned, partials marked."""
    from cortex.answers.wording import cell_text, shown_partials

    table = Table(show_edge=False, header_style="bold")
    for column in compiled.columns:
        table.add_column(column.label, justify="left" if column.kind == "dimension" else "right")
    partials = shown_partials(compiled, frame)
    for row in frame.to_dict("records"):
        table.add_row(*(escape(cell_text(c, row, partials)) for c in compiled.columns))
    return table


def render_provenance(compiled: CompiledQuery, result: QueryResult | None) -> None:
    """The "How this was computed" points: definitions, filters and sources behind a number,
    then how recent the data is and how long the query took."""
    render_provenance_points(compiled)
    if result is not None:
        out.print(f"  • {escape(run_line(compiled, result))}")
        render_truncation(result)


def render_provenance_points(compiled: CompiledQuery) -> None:
    """The "How this was computed" heading and the points of the definitions and filters."""
    from cortex.answers.formatting import provenance_points

    out.print("\n[bold]How this was computed[/]")
    for emphasis, rest in provenance_points(compiled.provenance):
        shown = f"[bold]{escape(emphasis)}[/]" if emphasis else ""
        out.print(f"  • {shown}{escape(rest)}")


def run_line(compiled: CompiledQuery, result: QueryResult) -> str:
    """How recent the data is, how the rows were got and from which tables."""
    run_ms = None if result.cache == "hit" else sum(result.timings_ms.values())
    return run_sentence(freshness_text(result), run_ms, source_tables_text(compiled))


def freshness_text(result: QueryResult) -> str:
    """The latest timestamp of the tables read, as the run line shows it."""
    return result.freshness.isoformat(sep=" ") if result.freshness else "unknown"


def source_tables_text(compiled: CompiledQuery) -> str:
    """The tables a query read, as the run line names them."""
    return ", ".join(compiled.provenance.source_tables)


def render_truncation(result: QueryResult) -> None:
    """A warning when the row cap cut the result."""
    if result.truncated:
        out.print(f"  • [yellow]Showing the first {result.row_count:,} rows only.[/]")


def render_action(answer: Answer) -> None:
    """What a skill asked for produced (its link, its files), or how to confirm it."""
    action = answer.action
    if action is None:
        return
    if action.link is not None:
        out.print(f"Link: {escape(action.link)}")
    for path in action.files:
        out.print(f"Written: {escape(path)}")
    if action.outcome == "awaiting confirmation":
        out.print("[dim]Ask again with --yes to confirm.[/]")


def render_answer(answer: Answer) -> None:
    """An answer with its table, provenance and caveats; otherwise its text and suggestions."""
    if answer.status == "answer" and answer.compiled is not None and answer.result is not None:
        badge = "[green]verified[/]" if answer.trust == "verified" else "[yellow]generated[/]"
        out.print(f"{escape(answer.text)}  ({badge})")
        if not answer.result.frame.empty:
            out.print(render_table(answer.compiled, answer.result.frame))
        render_provenance(answer.compiled, answer.result)
        from rich.markdown import Markdown  # markdown-it: only for an answer with caveats
        from rich.padding import Padding

        for caveat in answer.caveats:
            out.print(f"\n[bold]Note[/] [dim]({escape(caveat.source)})[/]")
            out.print(Padding(Markdown(caveat.markdown), (0, 0, 0, 2)), soft_wrap=False)
        render_action(answer)
        return
    colour = {
        "answer": "default",
        "clarification": "cyan",
        "out_of_scope": "yellow",
        "denied": "red",
        "error": "red",
        "action": "green",
    }[answer.status]
    out.print(f"[{colour}]{escape(answer.text)}[/]")
    render_action(answer)
    for number, suggestion in enumerate(answer.suggestions, start=1):
        out.print(f"  {number}. {escape(suggestion)}")
    if answer.status == "clarification" and answer.suggestions:
        out.print('[dim]Reply "yes" or a number to take one (`--conversation` in `cortex ask`).[/]')
    if answer.status == "clarification":
        out.print("[dim]`cortex metrics` lists the metrics and dimensions Cortex knows.[/]")
