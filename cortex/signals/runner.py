"""One digest run: evaluate its signals as of a day, then deliver it once for its period.

`DigestRunner` holds what every run needs (the workspace, the rule kinds, the drivers hook, the
courier, the ledger, and people's own subscriptions, which add or remove people);
`report(digest, as_of)` only evaluates (what `--dry-run` prints), and `run(digest, fire, as_of)`
evaluates and delivers for the period of the scheduled time `fire`, doing nothing when the
ledger has that period done already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from cortex.signals.delivery import Courier, DeliveryLedger, deliver
from cortex.signals.digests import Digest
from cortex.signals.rules import RuleEvaluator
from cortex.signals.schedule import period_key
from cortex.signals.signals import DigestReport, DriversHook, evaluate_digest, on_day
from cortex.signals.subscriptions import Subscriptions, with_subscribers
from cortex.workspace import Workspace

__all__ = ["DigestRunner"]


@dataclass
class DigestRunner:
    """Evaluates and delivers digests."""

    workspace: Workspace
    rules: Mapping[str, RuleEvaluator]
    courier: Courier
    ledger: DeliveryLedger
    drivers: DriversHook | None = None
    subscriptions: Subscriptions | None = None

    def report(self, digest: Digest, as_of: date) -> DigestReport:
        """The digest's signals as of `as_of`."""
        return evaluate_digest(digest, on_day(self.workspace, as_of), self.rules, self.drivers)

    def run(self, digest: Digest, fire: datetime, as_of: date | None = None) -> list[str]:
        """Deliver the digest for the period of `fire` (as of `as_of`, else fire's own day);
        a line per recipient saying what happened."""
        key = period_key(fire)
        if self.ledger.is_done(digest.name, key):
            return [f"{digest.name} {key}: delivered already"]
        report = self.report(with_subscribers(digest, self.subscriptions), as_of or fire.date())
        return deliver(report, key, self.courier, self.ledger)
