"""Time ranges and grains, resolved against an as-of day.

A range is half-open, `[start, end)`, in whole days. Relative ranges follow one convention,
written down in context/fiscal_calendar.md:

- `last N months` is N whole months ending with the current (partial) one: as of 2026-11-24,
  `last 6 months` is 2026-06-01 .. 2026-11-24;
- `last month` (no N) is the previous complete month; `this month` is the month to date;
- `ytd`, `qtd`, `mtd`, `wtd` run from the start of the period to the as-of day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import QueryError
from .model import GRAINS, Grain

_UNITS: dict[str, Grain] = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "year": "year",
    "years": "year",
}

RANGE_FORMS = (
    "today, yesterday, this|last week|month|quarter|year, last N days|weeks|months|quarters|"
    "years, ytd, qtd, mtd, wtd, 2026, 2026-Q3, 2026-03, 2026-03-15, "
    "2026-01-01..2026-03-31, since 2026-03-01, all time"
)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the end of the month (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_end(date(year, month + 1, 1)).day
    return date(year, month + 1, min(day.day, last))


def _month_end(day: date) -> date:
    first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def truncate(day: date, grain: Grain) -> date:
    """The first day of the `grain` period holding `day` (weeks start on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def shift(day: date, grain: Grain, count: int) -> date:
    """`day` moved by `count` periods of `grain`."""
    if grain == "day":
        return day + timedelta(days=count)
    if grain == "week":
        return day + timedelta(weeks=count)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    return add_months(day, months * count)


@dataclass(frozen=True)
class DateRange:
    """Days `start <= d < end`, with the words it was asked as and how to shift it."""

    start: date
    end: date
    label: str
    unit: Grain | None = None
    count: int = 1

    @property
    def last_day(self) -> date:
        """The last day inside the range."""
        return self.end - timedelta(days=1)

    def shifted(self, grain: Grain, count: int) -> DateRange:
        """The same span moved by `count` periods of `grain` (negative: into the past)."""
        return DateRange(
            shift(self.start, grain, count),
            shift(self.end, grain, count),
            f"{self.label}, shifted {count} {grain}(s)",
            self.unit,
            self.count,
        )

    def previous(self) -> DateRange:
        """The span just before this one: the same number of units, or of days."""
        if self.unit is not None:
            return self.shifted(self.unit, -self.count)
        days = (self.end - self.start).days
        return DateRange(
            self.start - timedelta(days=days), self.start, f"{self.label}, previous period"
        )

    def describe(self) -> str:
        """`last 6 months (2026-06-01 to 2026-11-24)`."""
        return f"{self.label} ({self.start.isoformat()} to {self.last_day.isoformat()})"


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"'{text}' is not a date. Use YYYY-MM-DD, e.g. 2026-03-31.") from None


def _period(start: date, grain: Grain, label: str, as_of: date) -> DateRange:
    """A named period: to date when it holds `as_of`, whole when it has not begun yet (a period
    named in the future is asked about on purpose: deals expected to close in 2027-Q1)."""
    end = shift(start, grain, 1)
    if start > as_of:
        return DateRange(start, end, label, grain)
    return DateRange(start, min(end, as_of + timedelta(days=1)), label, grain)


def resolve_time_range(text: str, as_of: date) -> DateRange | None:
    """The days `text` names, as of `as_of`; None for `all time`.

    Raises QueryError listing the accepted forms when `text` is none of them.
    """
    words = " ".join(text.strip().lower().replace("_", " ").split())
    tomorrow = as_of + timedelta(days=1)
    if words in ("all time", "all", "ever"):
        return None
    if words == "today":
        return DateRange(as_of, tomorrow, "today", "day")
    if words == "yesterday":
        return DateRange(as_of - timedelta(days=1), as_of, "yesterday", "day")
    to_date = {"ytd": "year", "qtd": "quarter", "mtd": "month", "wtd": "week"}
    spelled = {f"{g} to date": g for g in ("year", "quarter", "month", "week")}
    grain_to_date = to_date.get(words) or spelled.get(words)
    if grain_to_date is not None:
        grain: Grain = _UNITS[grain_to_date]
        return DateRange(truncate(as_of, grain), tomorrow, words, grain)
    if match := re.fullmatch(
        r"(this|current|last|previous|past) (day|week|month|quarter|year)", words
    ):
        which, unit = match.groups()
        grain = _UNITS[unit]
        current = truncate(as_of, grain)
        if which in ("this", "current"):
            return DateRange(current, tomorrow, words, grain)
        start = shift(current, grain, -1)
        return DateRange(start, current, words, grain)
    if match := re.fullmatch(r"(?:last|past|previous|trailing) (\d+) (\w+)", words):
        count, unit = int(match.group(1)), match.group(2)
        if unit not in _UNITS or count < 1:
            raise QueryError(f"'{text}' is not a time range I know. Use one of: {RANGE_FORMS}.")
        grain = _UNITS[unit]
        start = shift(truncate(as_of, grain), grain, -(count - 1))
        return DateRange(start, tomorrow, words, grain, count)
    if match := re.fullmatch(r"(\d{4})", words):
        return _period(date(int(match.group(1)), 1, 1), "year", words, as_of)
    if match := re.fullmatch(r"(\d{4})[- ]?q([1-4])|q([1-4])[- ]?(\d{4})", words):
        year = int(match.group(1) or match.group(4))
        quarter = int(match.group(2) or match.group(3))
        return _period(date(year, 3 * quarter - 2, 1), "quarter", words.upper(), as_of)
    if match := re.fullmatch(r"(\d{4})-(\d{2})", words):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise QueryError(f"'{text}' is not a month. Use YYYY-MM, e.g. 2026-03.")
        return _period(date(int(match.group(1)), month, 1), "month", words, as_of)
    if match := re.fullmatch(r"since (\S+)", words):
        start = _parse_day(match.group(1))
        return DateRange(start, tomorrow, words)
    if ".." in words:
        first, _, last = words.partition("..")
        start, final = _parse_day(first.strip()), _parse_day(last.strip())
        if final < start:
            raise QueryError(f"The time range '{text}' ends before it starts; swap the dates.")
        return DateRange(start, final + timedelta(days=1), words)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", words):
        day = _parse_day(words)
        return DateRange(day, day + timedelta(days=1), words, "day")
    raise QueryError(f"'{text}' is not a time range I know. Use one of: {RANGE_FORMS}.")


def periods(time_range: DateRange, grain: Grain) -> list[tuple[date, date]]:
    """(period start, last day inside the range) for every `grain` period the range touches."""
    out: list[tuple[date, date]] = []
    start = truncate(time_range.start, grain)
    while start < time_range.end:
        following = shift(start, grain, 1)
        out.append((start, min(following, time_range.end) - timedelta(days=1)))
        start = following
    return out


def partial_periods(
    time_range: DateRange | None, grain: Grain, as_of: date
) -> list[tuple[date, date, date]]:
    """(period start, first day counted, last day counted) of each `grain` period a series
    shows only in part: one the range cuts at either end, or, with no range, the period still
    running on `as_of`. Such a period must not be read as a whole one in a trend."""
    if time_range is None:
        start = truncate(as_of, grain)
        following = shift(start, grain, 1)
        return [(start, start, as_of)] if following > as_of + timedelta(days=1) else []
    cut = []
    for start, last in periods(time_range, grain):
        first = max(start, time_range.start)
        if first > start or last < shift(start, grain, 1) - timedelta(days=1):
            cut.append((start, first, last))
    return cut


def default_range(grain: Grain, as_of: date) -> DateRange:
    """The range a time series uses when none is given: a screenful of recent periods."""
    count = {"day": 30, "week": 12, "month": 12, "quarter": 8, "year": 3}[grain]
    return resolve_time_range(f"last {count} {grain}s", as_of) or DateRange(as_of, as_of, "")


__all__ = [
    "GRAINS",
    "RANGE_FORMS",
    "DateRange",
    "add_months",
    "default_range",
    "partial_periods",
    "periods",
    "resolve_time_range",
    "shift",
    "truncate",
]
