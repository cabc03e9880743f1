"""`cortex model import dbt|snowflake` and `cortex model export dbt|snowflake|osi`: the governed
model to and from other tools' formats, with what did not map listed at its file:line."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from cortex.cli.environment import read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out, print_issues
from cortex.interchange import Imported, InterchangeError, Unmapped, write_exported, write_metrics
from semantic_layer.loader import load_model


class ExportFormat(StrEnum):
    dbt = "dbt"
    snowflake = "snowflake"
    osi = "osi"


_DEFAULT_OUT = {
    "dbt": Path("dbt_export"),
    "snowflake": Path("semantic_model.yaml"),
    "osi": Path("osi.yaml"),
}

_FORCE = typer.Option(False, "--force", help="Overwrite what is at --out.")
_JSON = typer.Option(False, "--json", help="Print what did not map as JSON (on stdout).")


def _print_unmapped(unmapped: tuple[Unmapped, ...], as_json: bool, done: str) -> None:
    if as_json:
        out.print_json(json.dumps({"done": done, "unmapped": [u.as_dict() for u in unmapped]}))
        return
    if unmapped:
        err.print(f"[yellow]Not mapped ({len(unmapped)}):[/]")
        for item in unmapped:
            err.print(f"  [yellow]{escape(str(item))}[/]")
    out.print(f"[green]OK[/] {escape(done)}")


_OWNER = typer.Option(
    None,
    "--owner",
    help="Who owns the imported metrics that name no owner (metrics.yml needs one).",
)


def _run_import(
    imported_from: Path, importer: str, target: Path, force: bool, as_json: bool, owner: str | None
) -> None:
    from cortex.interchange.dbt_import import import_dbt
    from cortex.interchange.snowflake import import_snowflake

    with user_errors():
        try:
            imported: Imported = (import_dbt if importer == "dbt" else import_snowflake)(
                imported_from, owner=owner
            )
            warnings = write_metrics(imported, target, force=force)
        except InterchangeError as error:
            print_issues(list(error.issues))
            hint = (
                "Pass --owner TEAM for metrics that name no owner."
                if "no owner" in str(error)
                else None
            )
            raise InterchangeError(error.summary).with_hint(hint) from None
        print_issues(warnings)
        document = imported.document
        done = (
            f"{target}: {len(document.get('tables', []))} tables, "
            f"{len(document.get('metrics', []))} metrics from {imported_from}; it passes the "
            "loader (run `cortex check` against the warehouse)."
        )
        _print_unmapped(imported.unmapped, as_json, done)


def import_dbt_command(
    path: Path = typer.Argument(..., help="The dbt project folder (or one YAML file)."),
    target: Path = typer.Option(Path("metrics.yml"), "--out", help="The metrics.yml to write."),
    force: bool = _FORCE,
    as_json: bool = _JSON,
    owner: str = _OWNER,
) -> None:
    """Import a dbt project's MetricFlow semantic models, metrics and saved queries."""
    _run_import(path, "dbt", target, force, as_json, owner)


def import_snowflake_command(
    file: Path = typer.Argument(..., help="The semantic view / Cortex Analyst YAML file."),
    target: Path = typer.Option(Path("metrics.yml"), "--out", help="The metrics.yml to write."),
    force: bool = _FORCE,
    as_json: bool = _JSON,
    owner: str = _OWNER,
) -> None:
    """Import a Snowflake semantic view (Cortex Analyst semantic model) YAML."""
    _run_import(file, "snowflake", target, force, as_json, owner)


def export_command(
    fmt: ExportFormat = typer.Argument(..., metavar="FORMAT", help="dbt, snowflake or osi."),
    target: Path = typer.Option(
        None, "--out", help="Folder (dbt) or file (snowflake; osi: .yaml or .json) to write."
    ),
    force: bool = _FORCE,
    as_json: bool = _JSON,
) -> None:
    """Export metrics.yml as a dbt project, a Snowflake semantic view YAML or OSI."""
    from cortex.interchange.dbt_export import export_dbt
    from cortex.interchange.osi import export_osi
    from cortex.interchange.snowflake import export_snowflake

    with user_errors():
        settings = read_settings()
        model = load_model(settings.metrics_path)
        destination = target or _DEFAULT_OUT[fmt.value]
        if fmt is ExportFormat.dbt:
            exported = export_dbt(model)
            written = write_exported(exported, destination, force=force)
        elif fmt is ExportFormat.snowflake:
            exported = export_snowflake(model, name=destination.name)
            written = write_exported(exported, destination.parent, force=force)
        else:
            _, exported = export_osi(
                model, name=destination.stem, as_json=destination.suffix == ".json"
            )
            written = write_exported(exported, destination, force=force)
        _print_unmapped(exported.unmapped, as_json, f"wrote {', '.join(map(str, written))}")
