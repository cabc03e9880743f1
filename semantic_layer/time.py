"""Time ranges and grains, resolved against an as-of day.

A range is half-open, `[start, end)`, in whole days. Relative ranges follow one convention,
written down in context/fiscal_calendar.md:

- `last N months` is N whole months ending with the current (partial) one: as of 2026-11-24,
  `last 6 months` is 2026-06-01 .. 2026-11-24;
- `last month` (no N) is the previous complete month; `this month` is the month to date;
- `ytd`, `qtd`, `mtd`, `wtd` run from the start of the period to the as-of day.

Days are Python's, 0001-01-01 to 9999-12-31; a range ends on the day after its last, so the
last day a range (or an as-of day) can hold is `LAST_DAY`, 9999-12-30. A range or a shift that
would reach outside is an `OutOfCalendar` error naming what reached it, never an overflow.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from semantic_layer.errors import QueryError
from semantic_layer.model import GRAINS, Grain

#: The first and the last day a range can hold (the last is 9999-12-30: see the module doc).
FIRST_DAY: Final = date.min
LAST_DAY: Final = date.max - timedelta(days=1)
#: The most periods a series evaluated day by day (snapshots, cumulative metrics) can hold.
MAX_PERIODS: Final = 10_000


class OutOfCalendar(QueryError):
    """A day worked out for a query falls before `FIRST_DAY` or after `LAST_DAY`.

    `what` names what reached it ("The time range 'last 9999 years'"); `later` says which end.
    """

    def __init__(
        self, what: str = "A day in this query", *, later: bool, hint: str | None = None
    ) -> None:
        if later:
            message = f"{what} runs past {LAST_DAY}, the last day Cortex can count to."
            default = f"Ask about days up to {LAST_DAY}, or use 'all time' for every day."
        else:
            message = f"{what} starts before {FIRST_DAY}, the first day Cortex can count from."
            default = f"Ask about days from {FIRST_DAY} on, or use 'all time' for every day."
        super().__init__(message, hint=default if hint is None else hint)
        self.later = later

    def about(self, what: str, hint: str | None = None) -> OutOfCalendar:
        """The same error, saying that `what` reached outside the calendar."""
        return OutOfCalendar(what, later=self.later, hint=hint)


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
    """`day` moved by whole months, clamped to the end of the month (Jan 31 + 1 = Feb 28).

    Raises OutOfCalendar when that leaves the calendar.
    """
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    try:
        last = calendar.monthrange(year, index + 1)[1]
        return date(year, index + 1, min(day.day, last))
    except (OverflowError, ValueError):  # a year before 1 or after 9999
        raise OutOfCalendar(later=months > 0) from None


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
    """`day` moved by `count` periods of `grain`; raises OutOfCalendar when that leaves the
    calendar."""
    if grain in ("day", "week"):
        try:
            return day + timedelta(days=count * (7 if grain == "week" else 1))
        except OverflowError:
            raise OutOfCalendar(later=count > 0) from None
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
        """The same span moved by `count` periods of `grain` (negative: into the past).

        Raises OutOfCalendar naming the range when the moved span leaves the calendar.
        """
        try:
            start, end = shift(self.start, grain, count), shift(self.end, grain, count)
        except OutOfCalendar as off:
            moved = f"{abs(count)} {grain}(s) {'later' if count > 0 else 'earlier'}"
            raise off.about(
                f"The period to compare with ('{self.label}', {moved})",
                hint="Compare a period further from the calendar's ends, or leave out the "
                "comparison.",
            ) from None
        label = f"{self.label}, shifted {count} {grain}(s)"
        return DateRange(start, end, label, self.unit, self.count)

    def previous(self) -> DateRange:
        """The span just before this one: the same number of units, or of days."""
        if self.unit is not None:
            return self.shifted(self.unit, -self.count)
        days = (self.end - self.start).days
        before = self.shifted("day", -days)
        return DateRange(before.start, self.start, f"{self.label}, previous period")

    def describe(self) -> str:
        """`last 6 months (2026-06-01 to 2026-11-24)`."""
        return f"{self.label} ({self.start.isoformat()} to {self.last_day.isoformat()})"


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(
            f"'{text}' is not a date.", hint="Use YYYY-MM-DD, e.g. 2026-03-31."
        ) from None


def _first_day(year: int, month: int) -> date:
    """The first day of a month named in a range (a four-digit year: 0000 is before the first)."""
    if year < FIRST_DAY.year:
        raise OutOfCalendar(later=False)
    return date(year, month, 1)


def _period(start: date, grain: Grain, label: str, as_of: date) -> DateRange:
    """A named period: to date when it holds `as_of`, whole when it has not begun yet (a period
    named in the future is asked about on purpose: deals expected to close in 2027-Q1)."""
    try:
        end = shift(start, grain, 1)
    except OutOfCalendar:  # the calendar's last period (9999): whole only up to the as-of day
        if start > as_of:
            raise
        end = date.max
    if start > as_of:
        return DateRange(start, end, label, grain)
    return DateRange(start, min(end, shift(as_of, "day", 1)), label, grain)


def resolve_time_range(text: str, as_of: date) -> DateRange | None:
    """The days `text` names, as of `as_of`; None for `all time`.

    Raises QueryError listing the accepted forms when `text` is none of them, and
    OutOfCalendar naming `text` when its days fall outside the calendar.
    """
    try:
        return _resolve(text, as_of)
    except OutOfCalendar as off:
        raise off.about(f"The time range '{text}'") from None


def _resolve(text: str, as_of: date) -> DateRange | None:
    words = " ".join(text.strip().lower().replace("_", " ").split())
    if words in ("all time", "all", "ever"):
        return None
    tomorrow = shift(as_of, "day", 1)
    if words == "today":
        return DateRange(as_of, tomorrow, "today", "day")
    if words == "yesterday":
        return DateRange(shift(as_of, "day", -1), as_of, "yesterday", "day")
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
        if unit not in _UNITS:
            raise _unknown(text)
        if count < 1:
            raise QueryError(
                f"'{text}' covers no time.",
                hint=f"Count at least one, e.g. 'last 1 {_UNITS[unit]}'.",
            )
        grain = _UNITS[unit]
        start = shift(truncate(as_of, grain), grain, -(count - 1))
        return DateRange(start, tomorrow, words, grain, count)
    if match := re.fullmatch(r"(\d{4})", words):
        return _period(_first_day(int(match.group(1)), 1), "year", words, as_of)
    if match := re.fullmatch(r"(\d{4})[- ]?q([1-4])|q([1-4])[- ]?(\d{4})", words):
        year = int(match.group(1) or match.group(4))
        quarter = int(match.group(2) or match.group(3))
        return _period(_first_day(year, 3 * quarter - 2), "quarter", words.upper(), as_of)
    if match := re.fullmatch(r"(\d{4})-(\d{2})", words):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise QueryError(
                f"'{text}' is not a month.",
                hint="Use YYYY-MM with a month from 01 to 12, e.g. 2026-03.",
            )
        return _period(_first_day(int(match.group(1)), month), "month", words, as_of)
    if match := re.fullmatch(r"since (\S+)", words):
        start = _parse_day(match.group(1))
        return DateRange(start, tomorrow, words)
    if ".." in words:
        first, _, last = words.partition("..")
        start, final = _parse_day(first.strip()), _parse_day(last.strip())
        if final < start:
            raise QueryError(
                f"The time range '{text}' ends before it starts.", hint="Swap the dates."
            )
        return DateRange(start, shift(final, "day", 1), words)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", words):
        day = _parse_day(words)
        return DateRange(day, shift(day, "day", 1), words, "day")
    raise _unknown(text)


def _unknown(text: str) -> QueryError:
    return QueryError(f"'{text}' is not a time range I know.", hint=f"Use one of: {RANGE_FORMS}.")


def periods(time_range: DateRange, grain: Grain) -> list[tuple[date, date]]:
    """(period start, last day inside the range) for every `grain` period the range touches.

    Raises QueryError when there are more than `MAX_PERIODS` (each is a row to compute).
    """
    out: list[tuple[date, date]] = []
    start = truncate(time_range.start, grain)
    while start < time_range.end:
        if len(out) == MAX_PERIODS:
            raise QueryError(
                f"The time range {time_range.describe()} holds more than {MAX_PERIODS:,} "
                f"{grain}s, the most a series can show.",
                hint="Group by a longer grain (metric_time:month) or ask about a shorter range.",
            )
        try:
            following = shift(start, grain, 1)
        except OutOfCalendar:  # the calendar's last period: it ends where the range does
            following = time_range.end
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
    "FIRST_DAY",
    "GRAINS",
    "LAST_DAY",
    "MAX_PERIODS",
    "RANGE_FORMS",
    "DateRange",
    "OutOfCalendar",
    "add_months",
    "default_range",
    "partial_periods",
    "periods",
    "resolve_time_range",
    "shift",
    "truncate",
]
