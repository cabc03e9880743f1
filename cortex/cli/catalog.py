"""`cortex check` and `cortex metrics`: metrics.yml (with access.yml, digests.yml and the YAML
skills that name it) checked, and the catalog it governs."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from connectors.warehouse import DuckDBWarehouse
from cortex.access import check_access
from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out, print_issues
from cortex.signals.digests import check_digests
from cortex.signals.rules import default_rules
from semantic_layer.loader import load_and_check, load_model
from skills.authored import YamlSkill
from skills.builtin import load_skills


def check(
    no_warehouse: bool = typer.Option(
        False, "--no-warehouse", help="Skip the checks that columns exist in the warehouse."
    ),
) -> None:
    """Validate metrics.yml, access.yml, digests.yml and the YAML skills: every problem, with
    file:line and a fix. Exit 1 on errors."""
    with user_errors():
        settings = read_settings()
        columns: dict[str, frozenset[str]] | None = None
        if not no_warehouse:
            with DuckDBWarehouse(ensure_warehouse(settings)) as warehouse:
                columns = warehouse.columns()
        model, issues = load_and_check(settings.metrics_path, warehouse_columns=columns)
        access = settings.access_path
        sound = not any(i.level == "error" for i in issues)  # skills and access name the model
        checks_access = access.is_file() and sound
        if checks_access:  # access.yml names metrics and tables: only a sound model can judge it
            issues = [*issues, *check_access(access, model)]
        authored = 0
        digests = settings.digests_path
        checks_digests = digests.is_file() and sound  # digests name metrics, as access.yml does
        if checks_digests:
            issues = [*issues, *check_digests(digests, model, default_rules())[1]]
        if sound:
            registry, skill_issues = load_skills(settings, model)
            authored = sum(1 for skill in registry if isinstance(skill, YamlSkill))
            issues = [*issues, *skill_issues]
        print_issues(issues)
        errors = sum(1 for i in issues if i.level == "error")
        warnings = len(issues) - errors
        if errors:
            err.print(f"[bold red]{errors} error(s)[/], {warnings} warning(s).")
            raise typer.Exit(1)
        checked = "against the warehouse" if columns is not None else "without the warehouse"
        out.print(
            f"[green]OK[/] {settings.metrics_path.name}: {len(model.tables)} tables, "
            f"{len(model.metrics)} metrics, {len(model.verified_queries)} verified queries, "
            f"checked {checked}"
            + (f"; {access.name} checked against it" if checks_access else "")
            + (f"; {digests.name} checked" if checks_digests else "")
            + (f"; {authored} YAML skill(s) checked" if authored else "")
            + f"; {warnings} warning(s)."
        )


def metrics(
    as_json: bool = typer.Option(False, "--json", help="Print the catalog as JSON."),
) -> None:
    """List the governed metrics and the dimensions to slice them by."""
    with user_errors():
        model = load_model(read_settings().metrics_path)
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
            out.print_json(json.dumps(catalog, default=str))
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
        out.print(table)
        dims = Table(title="Dimensions (group with --by, filter with --where)")
        for column in ("name", "table", "type", "description"):
            dims.add_column(column)
        dims.add_row("metric_time", "(every metric)", "time", "Each metric's own time axis.")
        for t in model.tables:
            for d in t.dimensions:
                dims.add_row(d.name, t.name, d.type, d.description)
        out.print(dims)
