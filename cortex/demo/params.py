"""The build's parameters: its seed and sizes, the dates of its history, and SQL templates.

Every table is written by a SQL template with `{placeholders}`; `Params.sql()` fills in the
seed, the sizes and the dates (as DuckDB literals) so each module's SQL reads the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["HISTORY_MONTHS", "Params", "add_months"]

HISTORY_MONTHS = 34
_PRE_HISTORY_MONTHS = 36  # customers who signed up before the ticket history begins
_AI_LAUNCH_MONTHS = 12  # the AI agent launched this long before the history begins


@dataclass(frozen=True)
class Params:
    """What one build makes: its seed, as-of day and sizes, and the dates that follow."""

    seed: int
    as_of: date
    n_accounts: int
    n_tickets: int

    @property
    def start(self) -> date:
        """First day of the ticket history."""
        return add_months(self.as_of, -HISTORY_MONTHS)

    @property
    def pre_start(self) -> date:
        return add_months(self.start, -_PRE_HISTORY_MONTHS)

    @property
    def ai_launch(self) -> date:
        return add_months(self.start, -_AI_LAUNCH_MONTHS)

    @property
    def cutoff(self) -> date:
        """The day after as_of: every timestamp is strictly before it."""
        return self.as_of + timedelta(days=1)

    @property
    def n_days(self) -> int:
        return (self.cutoff - self.start).days

    def sql(self, template: str, **extra: object) -> str:
        """`template` with the build's constants (and `extra`) filled in."""
        values: dict[str, object] = {
            "seed": self.seed,
            "as_of": f"DATE '{self.as_of.isoformat()}'",
            "start": f"DATE '{self.start.isoformat()}'",
            "pre_start": f"DATE '{self.pre_start.isoformat()}'",
            "ai_launch": f"DATE '{self.ai_launch.isoformat()}'",
            "cutoff": f"DATE '{self.cutoff.isoformat()}'",
            "start_ts": f"TIMESTAMP '{self.start.isoformat()}'",
            "cutoff_ts": f"TIMESTAMP '{self.cutoff.isoformat()}'",
            "pre_start_ts": f"TIMESTAMP '{self.pre_start.isoformat()}'",
            "ai_launch_ts": f"TIMESTAMP '{self.ai_launch.isoformat()}'",
            "window_seconds": self.n_days * 86_400,
            "pre_seconds": (self.start - self.pre_start).days * 86_400,
            "launch_seconds": (self.start - self.ai_launch).days * 86_400,
            "n_days": self.n_days,
            "n_accounts": self.n_accounts,
            "n_tickets": self.n_tickets,
        }
        values.update(extra)
        return template.format(**values)


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` months, on the last day of the month when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    next_first = date(year + (month0 + 1) // 12, (month0 + 1) % 12 + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month0 + 1, min(day.day, last))
