"""`cortex digest list | run | serve`: the signal digests of digests.yml, printed or delivered.

`run NAME --dry-run` prints the digest in the terminal and delivers nothing; without it, the
digest goes to its audience in Slack, once for its period (the latest scheduled time on or
before the as-of day): a second run of the same period posts nothing. `serve` runs every digest
on its schedule until stopped (missed runs: see cortex.signals.schedule).
"""

from __future__ import annotations

import logging
import signal as signals
import threading
from datetime import UTC, datetime

import typer
from rich.markup import escape
from rich.table import Table

from cortex.answers.formatting import format_value
from cortex.answers.narrative import additive_metrics
from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out
from cortex.errors import UserError
from cortex.settings import Settings
from cortex.signals.delivery import DeliveryLedger
from cortex.signals.digests import DigestBook, load_digests
from cortex.signals.explained import signal_drivers
from cortex.signals.rules import RuleSet, default_rules
from cortex.signals.runner import DigestRunner
from cortex.signals.schedule import Scheduler, period_key, period_of
from cortex.signals.signals import DigestReport
from cortex.signals.subscriptions import Subscriptions
from cortex.signals.text import change_text, group_text, sparkline
from cortex.workspace import Workspace


def _rules(workspace: Workspace) -> RuleSet:
    """The rule kinds, the anomaly rule told which metrics' days add up."""
    model = workspace.model
    additive = additive_metrics(model, [m.name for m in model.metrics])
    return default_rules(frozenset(additive))


def _book(settings: Settings, workspace: Workspace) -> DigestBook:
    return load_digests(settings.digests_path, workspace.model, _rules(workspace))


def ledger_path(settings: Settings) -> DeliveryLedger:
    """The delivery ledger, beside the audit trail."""
    return DeliveryLedger(settings.audit_path.with_name("digests.sqlite"))


def _runner(settings: Settings, workspace: Workspace) -> DigestRunner:
    from cortex.slack.app import slack_client
    from cortex.slack.digest_courier import SlackCourier

    if settings.slack_bot_token is None:
        raise UserError(
            "Delivering a digest needs SLACK_BOT_TOKEN (the bot token, xoxb-...).",
            hint="Set it, or add --dry-run to print the digest here instead.",
        )
    client = slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    return DigestRunner(
        workspace,
        _rules(workspace),
        SlackCourier(client),
        ledger_path(settings),
        signal_drivers,
        Subscriptions.for_settings(settings),
    )


def digest_list() -> None:
    """List the digests of digests.yml: schedule, audience, signals."""
    with user_errors():
        settings = read_settings()
        with Workspace.open(settings) as workspace:
            book = _book(settings, workspace)
        table = Table(title=f"Digests ({book.file})")
        for column in ("name", "schedule", "audience", "signals", "only when fired"):
            table.add_column(column)
        for digest in book.digests:
            audience = [*digest.audience.channels, *digest.audience.people]
            table.add_row(
                digest.name,
                f"{digest.schedule.cron} ({digest.schedule.timezone})",
                ", ".join(audience),
                ", ".join(s.name for s in digest.signals),
                "yes" if digest.only_when_fired else "no",
            )
        out.print(table)


def digest_run(
    name: str = typer.Argument(..., help="The digest's name in digests.yml."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print it here; deliver nothing."),
    as_of: str | None = typer.Option(None, "--as-of", help="Run it as of this day (YYYY-MM-DD)."),
) -> None:
    """Run one digest now: print it (--dry-run), or deliver it once for its period."""
    with user_errors():
        settings = read_settings(as_of)
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            digest = _book(settings, workspace).get(name)
            fire = period_of(digest, settings.as_of, datetime.now(UTC))
            if fire is None:
                raise UserError(f"The digest '{name}' has no scheduled time before {as_of}.")
            if dry_run:
                runner = DigestRunner(
                    workspace, _rules(workspace), _NoCourier(), _memory(), signal_drivers
                )
                _print(runner.report(digest, settings.as_of), period_key(fire))
                return
            for line in _runner(settings, workspace).run(digest, fire, settings.as_of):
                out.print(escape(line))


def digest_serve(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG."),
) -> None:
    """Run every digest on its schedule until stopped (Ctrl-C); a missed run is caught up once."""
    from cortex.logs import configure_logging

    with user_errors(log_to_file=False):
        settings = read_settings()
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            book = _book(settings, workspace)
            runner = _runner(settings, workspace)
            scheduler = Scheduler(
                book.digests,
                run=runner.run,
                done=lambda digest, key: runner.ledger.is_done(digest.name, key),
                now=lambda: datetime.now(UTC),
            )
            stop = threading.Event()
            signals.signal(signals.SIGTERM, lambda *_: stop.set())
            names = ", ".join(d.name for d in book.digests)
            err.print(f"Cortex runs the digests {names} on their schedules. Ctrl-C stops.")
            try:
                scheduler.serve(stop)
            except KeyboardInterrupt:
                stop.set()


def _print(report: DigestReport, period: str) -> None:
    digest = report.digest
    out.print(
        f"[bold]{escape(digest.name)}[/] digest as of {report.as_of} (period {period}): "
        f"{len(report.fired)} fired, {len(report.quiet)} quiet, {len(report.failed)} failed "
        "[dim](dry run: nothing delivered)[/]"
    )
    table = Table()
    for column in ("signal", "", "value", "change", "trend", "rule"):
        table.add_column(column)
    for outcome in report.outcomes:
        if outcome.error is not None:
            table.add_row(
                escape(outcome.label), "[red]failed[/]", "", "", "", escape(outcome.error)
            )
            continue
        for reading, verdict in outcome.readings:
            group = group_text(reading)
            table.add_row(
                escape(outcome.label + (f" · {group}" if group else "")),
                "[bold yellow]fired[/]" if verdict.fired else "[dim]quiet[/]",
                format_value(reading.value, outcome.format, outcome.unit),  # type: ignore[arg-type]
                escape(change_text(outcome, reading)),
                sparkline(outcome.series),
                escape(verdict.reason),
            )
        for driver in outcome.drivers:
            table.add_row("", "", "", f"  {escape(driver)}", "", "")
    out.print(table)
    if report.freshness is not None:
        out.print(f"[dim]Data as of {report.freshness:%Y-%m-%d %H:%M}.[/]")


class _NoCourier:
    """A dry run delivers nothing: no courier is ever asked."""

    def channel_of(self, recipient: object) -> str | None:
        raise AssertionError("a dry run delivers nothing")

    def post_digest(self, *_: object) -> str:
        raise AssertionError("a dry run delivers nothing")

    def post_owner_notice(self, *_: object) -> str:
        raise AssertionError("a dry run delivers nothing")

    def find(self, *_: object) -> str | None:
        raise AssertionError("a dry run delivers nothing")


def _memory() -> DeliveryLedger:
    return DeliveryLedger(":memory:")
