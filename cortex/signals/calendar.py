"""Which day, week or month of last year a period is compared with: like with like.

- A **day** is compared with the same calendar date last year (29 Feb with 28 Feb), except in
  the weeks around a movable holiday (`HOLIDAYS`), where it is compared with the day at the same
  distance from last year's holiday: Black Friday (the day after Thanksgiving, the fourth
  Thursday of November) meets last year's Black Friday, Cyber Monday last year's Cyber Monday.
  Why the calendar date and not the same weekday 52 weeks back: the anomaly method divides each
  day by the level of its own weekday, so the weekday rhythm is already compared like with like,
  and a calendar date keeps fixed-date seasons (Christmas, a month's end) aligned where a 364-day
  shift drifts them by a day a year. Why not the ISO week and weekday: Thanksgiving falls in ISO
  week 47 in some years and 48 in others (22 Nov 2018 and 28 Nov 2019), so the ISO week would
  compare Black Friday with an ordinary Friday.
- A **week** (Monday to Sunday) given as one value is compared with the week 52 weeks
  earlier, or, for the weeks from the one before Thanksgiving to Cyber Monday's, the week at the
  same distance from last year's Thanksgiving. (A week of daily values is compared day by day.)
- A **month** is compared with the same month last year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "HOLIDAYS",
    "MovableHoliday",
    "add_months",
    "day_last_year",
    "fourth_thursday_of_november",
    "month_last_year",
    "week_last_year",
]

_THURSDAY = 3  # date.weekday()


def fourth_thursday_of_november(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November (Black Friday is the day after)."""
    first = date(year, 11, 1)
    return first + timedelta(days=(_THURSDAY - first.weekday()) % 7 + 21)


@dataclass(frozen=True)
class MovableHoliday:
    """A holiday whose date moves from year to year; the days from `before` days before it to
    `after` days after it are aligned on it rather than on the calendar date."""

    name: str
    on: Callable[[int], date]
    before: int
    after: int

    def offset(self, day: date) -> int | None:
        """How many days `day` is from this year's holiday, or None outside its window."""
        distance = (day - self.on(day.year)).days
        return distance if -self.before <= distance <= self.after else None


#: From the Monday of the week before Thanksgiving to the Sunday after Cyber Monday.
HOLIDAYS: tuple[MovableHoliday, ...] = (
    MovableHoliday("Thanksgiving", fourth_thursday_of_november, before=10, after=10),
)


def day_last_year(day: date, holidays: tuple[MovableHoliday, ...] = HOLIDAYS) -> date:
    """The day of last year `day` is compared with (see the module docstring)."""
    for holiday in holidays:
        offset = holiday.offset(day)
        if offset is not None:
            return holiday.on(day.year - 1) + timedelta(days=offset)
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def week_last_year(monday: date, holidays: tuple[MovableHoliday, ...] = HOLIDAYS) -> date:
    """The Monday of the week of last year the week starting `monday` is compared with."""
    for holiday in holidays:
        offset = holiday.offset(monday)
        if offset is not None:
            return holiday.on(monday.year - 1) + timedelta(days=offset)
    return monday - timedelta(weeks=52)


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after (or, negative, before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_last_year(first: date) -> date:
    """The first day of the same month last year."""
    return add_months(first, -12)
