"""The work behind `cortex digest`: the rules, the digest book, the runner and the dry-run
table. Imported by the commands when they run (it loads the signals, and pandas with them)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from cortex.answers.formatting import format_value
from cortex.answers.narrative import additive_metrics
from cortex.cli.render import out
from cortex.errors import UserError
from cortex.settings import Settings
from cortex.signals.delivery import DeliveryLedger
from cortex.signals.digests import DigestBook, load_digests
from cortex.signals.explained import signal_drivers
from cortex.signals.rules import RuleSet, default_rules
from cortex.signals.runner import DigestRunner
from cortex.signals.signals import DigestReport
from cortex.signals.subscriptions import Subscriptions
from cortex.signals.text import change_text, group_text, sparkline
from cortex.workspace import Workspace


def digest_rules(workspace: Workspace) -> RuleSet:
    """The rule kinds, the anomaly rule told which metrics' days add up."""
    model = workspace.model
    additive = additive_metrics(model, [m.name for m in model.metrics])
    return default_rules(frozenset(additive))


def digest_book(settings: Settings, workspace: Workspace) -> DigestBook:
    return load_digests(settings.digests_path, workspace.model, digest_rules(workspace))


def ledger_path(settings: Settings) -> DeliveryLedger:
    """The delivery ledger, beside the audit trail."""
    return DeliveryLedger(settings.audit_path.with_name("digests.sqlite"))


def digest_runner(settings: Settings, workspace: Workspace) -> DigestRunner:
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
        digest_rules(workspace),
        SlackCourier(client),
        ledger_path(settings),
        signal_drivers,
        Subscriptions.for_settings(settings),
    )


def print_report(report: DigestReport, period: str) -> None:
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


class NoCourier:
    """A dry run delivers nothing: no courier is ever asked."""

    def channel_of(self, recipient: object) -> str | None:
        raise AssertionError("a dry run delivers nothing")

    def post_digest(self, *_: object) -> str:
        raise AssertionError("a dry run delivers nothing")

    def post_owner_notice(self, *_: object) -> str:
        raise AssertionError("a dry run delivers nothing")

    def find(self, *_: object) -> str | None:
        raise AssertionError("a dry run delivers nothing")


def memory_ledger() -> DeliveryLedger:
    return DeliveryLedger(":memory:")
