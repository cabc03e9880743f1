"""`cortex check` and `cortex metrics`: metrics.yml (with access.yml, digests.yml and the YAML
skills that name it) checked, and the catalog it governs."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cortex.access import check_access
from cortex.access.seen import metrics_seen, tables_seen
from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out, print_issues
from cortex.cli.viewer import viewer_grant
from semantic_layer.loader import load_and_check, load_model


def check(
    no_warehouse: bool = typer.Option(
        False, "--no-warehouse", help="Skip the checks that columns exist in the warehouse."
    ),
) -> None:
    """Validate metrics.yml, access.yml, digests.yml and the YAML skills: every problem, with
    file:line and a fix. Exit 1 on errors."""
    from connectors.warehouse.open import open_warehouse
    from cortex.signals.digests import check_digests
    from cortex.signals.rules import default_rules
    from skills.authored import YamlSkill
    from skills.builtin import load_skills

    with user_errors():
        settings = read_settings()
        columns: dict[str, frozenset[str]] | None = None
        if not no_warehouse:
            with open_warehouse(ensure_warehouse(settings)) as warehouse:
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
    as_user: str = typer.Option(
        None,
        "--as-user",
        help="Only what this Slack user (U…) may see, with the rows they see of each metric.",
    ),
) -> None:
    """List the governed metrics and the dimensions to slice them by."""
    with user_errors():
        settings = read_settings()
        model = load_model(settings.metrics_path)
        shown, rows, tables = list(model.metrics), dict[str, str](), list(model.tables)
        if as_user is not None:
            grant = viewer_grant(settings, model, as_user)
            seen, tables = metrics_seen(grant), tables_seen(grant)
            shown = [s.metric for s in seen if s.visible]
            rows = {s.metric.name: " and ".join(map(str, s.rows)) or "all" for s in seen}
        if as_json:
            catalog = {
                "metrics": [
                    m.model_dump(exclude_none=True) | ({"rows": rows[m.name]} if rows else {})
                    for m in shown
                ],
                "dimensions": [
                    {"table": t.name, **d.model_dump(exclude_none=True)}
                    for t in tables
                    for d in t.dimensions
                ],
                "filters": [f.model_dump() for f in model.filters],
            }
            out.print_json(json.dumps(catalog, default=str))
            return
        table = Table(title="Metrics", show_lines=False)
        columns = ("name", "label", "format", "owner", "status", "synonyms")
        for column in (*columns, "rows") if rows else columns:
            table.add_column(column)
        for metric in shown:
            table.add_row(
                metric.name,
                metric.label,
                metric.format,
                metric.owner,
                metric.status,
                ", ".join(metric.synonyms),
                *((rows[metric.name],) if rows else ()),
            )
        out.print(table)
        dims = Table(title="Dimensions (group with --by, filter with --where)")
        for column in ("name", "table", "type", "description"):
            dims.add_column(column)
        dims.add_row("metric_time", "(every metric)", "time", "Each metric's own time axis.")
        for t in tables:
            for d in t.dimensions:
                dims.add_row(d.name, t.name, d.type, d.description)
        out.print(dims)
