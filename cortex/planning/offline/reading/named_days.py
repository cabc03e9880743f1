"""Days with a name: "Black Friday", "Christmas Eve", "New Year's Day".

Retail and calendar days people ask about by name, worked out for any year: Thanksgiving is the
fourth Thursday of November (US), Black Friday the day after it and Cyber Monday the Monday
after that; Christmas Eve, Christmas Day, Boxing Day, New Year's Eve and New Year's Day are
fixed. `named_day(name, year)` gives the day; `NAMED_DAY` is the pattern of the names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Final

__all__ = ["NAMED_DAY", "named_day"]


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


_DAYS: Final[dict[str, Callable[[int], date]]] = {
    "thanksgiving": _thanksgiving,
    "black friday": lambda year: _thanksgiving(year) + timedelta(days=1),
    "cyber monday": lambda year: _thanksgiving(year) + timedelta(days=4),
    "christmas eve": lambda year: date(year, 12, 24),
    "christmas day": lambda year: date(year, 12, 25),
    "christmas": lambda year: date(year, 12, 25),
    "boxing day": lambda year: date(year, 12, 26),
    "new year's eve": lambda year: date(year, 12, 31),
    "new years eve": lambda year: date(year, 12, 31),
    "new year's day": lambda year: date(year, 1, 1),
    "new years day": lambda year: date(year, 1, 1),
}
#: The names, longest first ("christmas eve" before "christmas").
NAMED_DAY: Final = "(" + "|".join(sorted(_DAYS, key=len, reverse=True)) + ")"


def named_day(name: str, year: int) -> date:
    """The day `name` (one of `NAMED_DAY`, any case) falls on in `year`."""
    return _DAYS[name.lower()](year)
