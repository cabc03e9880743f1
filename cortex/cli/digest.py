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

from cortex.cli.environment import ensure_warehouse, read_settings
from cortex.cli.errors import user_errors
from cortex.cli.render import err, out
from cortex.errors import UserError


def digest_list() -> None:
    """List the digests of digests.yml: schedule, audience, signals."""
    from cortex.cli.digest_steps import digest_book
    from cortex.workspace import Workspace

    with user_errors():
        settings = read_settings()
        with Workspace.open(settings) as workspace:
            book = digest_book(settings, workspace)
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
    from cortex.cli.digest_steps import (
        NoCourier,
        digest_book,
        digest_rules,
        digest_runner,
        memory_ledger,
        print_report,
    )
    from cortex.signals.explained import signal_drivers
    from cortex.signals.runner import DigestRunner
    from cortex.signals.schedule import period_key, period_of
    from cortex.workspace import Workspace

    with user_errors():
        settings = read_settings(as_of)
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            digest = digest_book(settings, workspace).get(name)
            fire = period_of(digest, settings.as_of, datetime.now(UTC))
            if fire is None:
                raise UserError(f"The digest '{name}' has no scheduled time before {as_of}.")
            if dry_run:
                runner = DigestRunner(
                    workspace, digest_rules(workspace), NoCourier(), memory_ledger(), signal_drivers
                )
                print_report(runner.report(digest, settings.as_of), period_key(fire))
                return
            for line in digest_runner(settings, workspace).run(digest, fire, settings.as_of):
                out.print(escape(line))


def digest_serve(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG."),
) -> None:
    """Run every digest on its schedule until stopped (Ctrl-C); a missed run is caught up once."""
    from cortex.cli.digest_steps import digest_book, digest_runner
    from cortex.logs import configure_logging
    from cortex.signals.schedule import Scheduler
    from cortex.workspace import Workspace

    with user_errors(log_to_file=False):
        settings = read_settings()
        configure_logging(settings, level=logging.DEBUG if verbose else logging.INFO)
        ensure_warehouse(settings)
        with Workspace.open(settings) as workspace:
            book = digest_book(settings, workspace)
            runner = digest_runner(settings, workspace)
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
