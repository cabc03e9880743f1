"""Time ranges resolve against the as-of day, half-open, in whole days."""

from __future__ import annotations

from datetime import date

import pytest

from semantic_layer.errors import QueryError
from semantic_layer.time import (
    OutOfCalendar,
    add_months,
    partial_periods,
    periods,
    resolve_time_range,
    truncate,
)

AS_OF = date(2026, 11, 24)  # a Tuesday in Q4


@pytest.mark.parametrize(
    ("words", "start", "last_day"),
    [
        ("today", date(2026, 11, 24), date(2026, 11, 24)),
        ("yesterday", date(2026, 11, 23), date(2026, 11, 23)),
        ("this week", date(2026, 11, 23), date(2026, 11, 24)),
        ("last week", date(2026, 11, 16), date(2026, 11, 22)),
        ("this month", date(2026, 11, 1), date(2026, 11, 24)),
        ("last month", date(2026, 10, 1), date(2026, 10, 31)),
        ("this quarter", date(2026, 10, 1), date(2026, 11, 24)),
        ("last quarter", date(2026, 7, 1), date(2026, 9, 30)),
        ("this year", date(2026, 1, 1), date(2026, 11, 24)),
        ("last year", date(2025, 1, 1), date(2025, 12, 31)),
        ("last 7 days", date(2026, 11, 18), date(2026, 11, 24)),
        ("last 30 days", date(2026, 10, 26), date(2026, 11, 24)),
        ("last 6 months", date(2026, 6, 1), date(2026, 11, 24)),
        ("Last 2 Quarters", date(2026, 7, 1), date(2026, 11, 24)),
        ("last 3 weeks", date(2026, 11, 9), date(2026, 11, 24)),
        ("ytd", date(2026, 1, 1), date(2026, 11, 24)),
        ("qtd", date(2026, 10, 1), date(2026, 11, 24)),
        ("month to date", date(2026, 11, 1), date(2026, 11, 24)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("Q4 2026", date(2026, 10, 1), date(2026, 11, 24)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03-15", date(2026, 3, 15), date(2026, 3, 15)),
        ("2026-01-01..2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
        ("since 2026-03-01", date(2026, 3, 1), date(2026, 11, 24)),
        # a named period that has not begun is whole (a plan: deals expected to close then)
        ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_each_range_form_resolves_to_its_days(words: str, start: date, last_day: date) -> None:
    resolved = resolve_time_range(words, AS_OF)
    assert resolved is not None
    assert (resolved.start, resolved.last_day) == (start, last_day)


def test_all_time_is_no_range() -> None:
    assert resolve_time_range("all time", AS_OF) is None


@pytest.mark.parametrize("words", ["last fortnight", "next month", "31/12/2026", ""])
def test_an_unknown_range_lists_the_forms_it_accepts(words: str) -> None:
    with pytest.raises(QueryError, match="last N days"):
        resolve_time_range(words, AS_OF)


def test_a_month_that_does_not_exist_says_how_to_write_one() -> None:
    with pytest.raises(QueryError, match="Use YYYY-MM"):
        resolve_time_range("2026-13", AS_OF)


def test_a_range_that_ends_before_it_starts_says_so() -> None:
    with pytest.raises(QueryError, match="ends before it starts"):
        resolve_time_range("2026-03-01..2026-01-01", AS_OF)


def test_the_previous_period_has_the_same_length_in_units() -> None:
    quarter = resolve_time_range("this quarter", AS_OF)
    assert quarter is not None
    previous = quarter.previous()
    assert (previous.start, previous.last_day) == (date(2026, 7, 1), date(2026, 8, 24))
    days = resolve_time_range("2026-01-10..2026-01-19", AS_OF)
    assert days is not None
    assert (days.previous().start, days.previous().last_day) == (
        date(2025, 12, 31),
        date(2026, 1, 9),
    )


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)


def test_weeks_start_on_monday_and_quarters_on_their_first_month() -> None:
    assert truncate(AS_OF, "week") == date(2026, 11, 23)
    assert truncate(AS_OF, "quarter") == date(2026, 10, 1)


def test_periods_end_on_their_last_day_inside_the_range() -> None:
    resolved = resolve_time_range("last 3 months", AS_OF)
    assert resolved is not None
    assert periods(resolved, "month") == [
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2026, 11, 24)),
    ]


def test_a_period_cut_by_the_range_or_still_running_is_partial() -> None:
    last_30 = resolve_time_range("last 30 days", AS_OF)  # 2026-10-26 .. 2026-11-24
    assert partial_periods(last_30, "week", AS_OF) == [
        (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 24)),
    ]  # 26 Oct is a Monday: the first week is whole
    assert partial_periods(last_30, "month", AS_OF) == [
        (date(2026, 10, 1), date(2026, 10, 26), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 24)),
    ]
    assert partial_periods(resolve_time_range("2026-Q3", AS_OF), "month", AS_OF) == []
    assert partial_periods(None, "month", AS_OF) == [
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 24))
    ]
    assert partial_periods(None, "month", date(2026, 11, 30)) == []


# --------------------------------------------------------------------------- the calendar's ends


@pytest.mark.parametrize(
    ("words", "as_of", "message"),
    [
        (
            "0001-01-01..9999-12-31",
            AS_OF,
            "The time range '0001-01-01..9999-12-31' runs past 9999-12-30, the last day Cortex "
            "can count to.",
        ),
        (
            "last 9999999999999999999 days",
            AS_OF,
            "The time range 'last 9999999999999999999 days' starts before 0001-01-01, the first "
            "day Cortex can count from.",
        ),
        (
            "last 2 months",
            date(1, 1, 15),
            "The time range 'last 2 months' starts before 0001-01-01, the first day Cortex can "
            "count from.",
        ),
        (
            "yesterday",
            date(1, 1, 1),
            "The time range 'yesterday' starts before 0001-01-01, the first day Cortex can count "
            "from.",
        ),
        (
            "today",
            date(9999, 12, 31),
            "The time range 'today' runs past 9999-12-30, the last day Cortex can count to.",
        ),
        (
            "2026-Q4",
            date(9999, 12, 31),
            "The time range '2026-Q4' runs past 9999-12-30, the last day Cortex can count to.",
        ),
        (
            "9999-Q4",
            AS_OF,
            "The time range '9999-Q4' runs past 9999-12-30, the last day Cortex can count to.",
        ),
        (
            "0000",
            AS_OF,
            "The time range '0000' starts before 0001-01-01, the first day Cortex can count from.",
        ),
    ],
)
def test_a_range_reaching_outside_the_calendar_is_a_query_error_naming_it(
    words: str, as_of: date, message: str
) -> None:
    with pytest.raises(OutOfCalendar) as raised:
        resolve_time_range(words, as_of)
    assert raised.value.message == message


def test_the_calendars_last_periods_are_counted_to_the_as_of_day() -> None:
    as_of = date(9999, 12, 30)
    year = resolve_time_range("9999", as_of)
    assert year is not None and (year.start, year.last_day) == (date(9999, 1, 1), as_of)
    assert add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    assert periods(year, "year") == [(date(9999, 1, 1), as_of)]
    assert periods(year, "quarter")[-1] == (date(9999, 10, 1), as_of)


def test_comparing_with_a_period_before_the_calendar_says_so() -> None:
    first = resolve_time_range("0001-01-01..0001-01-10", AS_OF)
    assert first is not None
    with pytest.raises(OutOfCalendar) as raised:
        first.previous()
    assert str(raised.value) == (
        "The period to compare with ('0001-01-01..0001-01-10', 10 day(s) earlier) starts before "
        "0001-01-01, the first day Cortex can count from. Compare a period further from the "
        "calendar's ends, or leave out the comparison."
    )


def test_a_series_of_more_than_ten_thousand_periods_is_refused() -> None:
    span = resolve_time_range("1900-01-01..2026-11-24", AS_OF)
    assert span is not None
    assert len(periods(span, "month")) == 1523
    with pytest.raises(QueryError, match="holds more than 10,000 days"):
        periods(span, "day")
