"""Reading when, how often, how many and against what from a question."""

from __future__ import annotations

from datetime import date

import pytest

from cortex.planning.offline.reading.phrasing import read_phrasing
from semantic_layer.time import resolve_time_range

AS_OF = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("What's our ARR today?", "today"),
        ("tickets yesterday", "yesterday"),
        ("How many tickets did we get last month?", "last month"),
        ("win rate this quarter", "this quarter"),
        ("CSAT in the previous quarter", "last quarter"),
        ("bookings this year so far", "ytd"),
        ("pipeline QTD", "qtd"),
        ("FRT over the last 30 days", "last 30 days"),
        ("ARR in the past six months", "last 6 months"),
        ("tickets for the last 2 weeks", "last 2 weeks"),
        ("conversion rate in Q3 2026", "2026-Q3"),
        ("conversion rate in 2026-Q2", "2026-Q2"),
        ("new customers in 2025", "2025"),
        ("AI adoption since March", "since 2026-03-01"),
        ("tickets since December", "since 2025-12-01"),
        ("tickets since 2026-02-15", "since 2026-02-15"),
        ("influenced revenue in February", "2026-02"),
        ("influenced revenue in May 2025", "2025-05"),
    ],
)
def test_time_phrases_become_the_semantic_layers_ranges(question: str, time_range: str) -> None:
    reading = read_phrasing(question, AS_OF)
    assert reading.time_range == time_range
    assert resolve_time_range(time_range, AS_OF) is not None  # the layer accepts it


def test_a_quarter_without_a_year_is_the_latest_one_that_has_started() -> None:
    assert read_phrasing("bookings in Q4", AS_OF).time_range == "2026-Q4"
    assert read_phrasing("bookings in Q4", date(2026, 3, 1)).time_range == "2025-Q4"


def test_may_alone_is_a_verb_not_a_month() -> None:
    assert read_phrasing("Which metric may I ask about?", AS_OF).time_range is None


def test_no_time_words_means_no_range() -> None:
    reading = read_phrasing("What's our ARR by segment?", AS_OF)
    assert (reading.time_range, reading.compare, reading.top) == (None, None, None)


@pytest.mark.parametrize(
    ("question", "grain"),
    [
        ("ARR by month", "month"),
        ("tickets per week last quarter", "week"),
        ("CSAT month by month", "month"),
        ("weekly tickets", "week"),
        ("quarterly bookings this year", "quarter"),
        ("how has AI adoption trended", "month"),
        ("ARR over time", "month"),
        ("tickets each day this week", "day"),
    ],
)
def test_grains(question: str, grain: str) -> None:
    assert read_phrasing(question, AS_OF).grain == grain


def test_a_grain_and_a_range_in_one_question() -> None:
    reading = read_phrasing("ARR by month over the last 12 months", AS_OF)
    assert (reading.grain, reading.time_range) == ("month", "last 12 months")


@pytest.mark.parametrize(
    ("question", "top", "descending"),
    [
        ("top 10 accounts by tickets", 10, True),
        ("Which 5 Enterprise accounts opened the most tickets?", 5, True),
        ("worst three channels by CSAT", 3, False),
        ("bottom 5 verticals by conversion rate", 5, False),
        ("the best two sales reps by bookings", 2, True),
    ],
)
def test_top_and_bottom_n(question: str, top: int, descending: bool) -> None:
    reading = read_phrasing(question, AS_OF)
    assert (reading.top, reading.descending) == (top, descending)


@pytest.mark.parametrize(
    ("question", "compare", "time_range"),
    [
        ("ARR this quarter vs last quarter", "previous_period", "this quarter"),
        ("win rate this year compared with last year", "previous_year", "this year"),
        ("tickets year over year", "previous_year", None),
        ("bookings last month versus the previous month", "previous_period", "last month"),
        (
            "How did first response time for Enterprise move this quarter?",
            "previous_period",
            "this quarter",
        ),
        ("CSAT QoQ", "previous_period", None),
    ],
)
def test_comparisons_are_not_read_as_the_range(
    question: str, compare: str, time_range: str | None
) -> None:
    reading = read_phrasing(question, AS_OF)
    assert (reading.compare, reading.time_range) == (compare, time_range)


def test_the_remainder_blanks_what_was_read() -> None:
    question = "Top 5 accounts by tickets last month vs the previous month"
    reading = read_phrasing(question, AS_OF)
    remainder = " ".join(reading.remainder(question).split())
    assert remainder == "accounts by tickets"


def test_halves_of_a_year() -> None:
    assert read_phrasing("upsell in the first half of 2026", AS_OF).time_range == (
        "2026-01-01..2026-06-30"
    )
    assert read_phrasing("bookings H2 2025", AS_OF).time_range == "2025-07-01..2025-12-31"


def test_the_period_before_is_a_comparison() -> None:
    reading = read_phrasing("net new ARR last quarter compared with the quarter before", AS_OF)
    assert (reading.time_range, reading.compare) == ("last quarter", "previous_period")


def test_annual_recurring_revenue_is_not_a_grain() -> None:
    assert read_phrasing("annual recurring revenue by segment", AS_OF).grain is None


def test_month_over_month_compares_each_month_with_the_one_before() -> None:
    reading = read_phrasing("how did ticket volume change month over month this year?", AS_OF)
    assert (reading.compare, reading.grain, reading.time_range) == (
        "previous_period",
        "month",
        "this year",
    )


@pytest.mark.parametrize(
    "question", ["AI adoption today vs a year ago?", "compare that with the same period last year"]
)
def test_a_year_ago_is_a_year_over_year_comparison(question: str) -> None:
    assert read_phrasing(question, AS_OF).compare == "previous_year"


def test_which_n_reads_a_later_low_word() -> None:
    reading = read_phrasing("which 3 verticals have the lowest CSAT?", AS_OF)
    assert (reading.top, reading.descending) == (3, False)


@pytest.mark.parametrize(
    ("question", "compare", "time_range"),
    [
        ("bookings this quarter vs the same period last year", "previous_year", "this quarter"),
        ("new logos so far this year relative to this time last year", "previous_year", "ytd"),
        ("win rate in 2026-Q3 against the same quarter a year ago", "previous_year", "2026-Q3"),
        ("tickets this week compared with the same week last year", "previous_year", "this week"),
        # no range of its own: "the same point last month" compares this month so far
        (
            "how are tickets pacing against the same point last month?",
            "previous_period",
            "this month",
        ),
        ("pipeline versus the same time last quarter", "previous_period", "this quarter"),
        ("CSAT this month vs the same point a month ago", "previous_period", "this month"),
        ("ARR compared to the same period last year", "previous_year", None),
    ],
)
def test_the_same_time_last_unit_is_a_comparison(
    question: str, compare: str, time_range: str | None
) -> None:
    reading = read_phrasing(question, AS_OF)
    assert (reading.compare, reading.time_range) == (compare, time_range)
    assert "same" not in reading.remainder(question)


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("how many tickets did we get in the same month last year?", "2025-11"),
        ("what was ARR at this time last year?", "2025-11-24"),
        ("CSAT for the same quarter a year ago", "2025-Q4"),
        ("ARR at the same point last month", "2026-10-24"),
        ("tickets the same week last year", "2025-11-24..2025-11-30"),
    ],
)
def test_the_same_time_last_unit_without_a_comparison_is_that_time(
    question: str, time_range: str
) -> None:
    reading = read_phrasing(question, AS_OF)
    assert (reading.compare, reading.time_range) == (None, time_range)
    assert resolve_time_range(time_range, AS_OF) is not None


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("ARR on 2026-10-24", "2026-10-24"),
        ("tickets 2026-01-01..2026-03-31", "2026-01-01..2026-03-31"),
        ("bookings in 2026-03", "2026-03"),
    ],
)
def test_ranges_written_as_the_semantic_layer_writes_them(question: str, time_range: str) -> None:
    assert read_phrasing(question, AS_OF).time_range == time_range


def test_month_on_month_is_month_over_month() -> None:
    reading = read_phrasing("tickets month on month this year", AS_OF)
    assert (reading.compare, reading.grain) == ("previous_period", "month")


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("tickets since the beginning of 2024", "since 2024-01-01"),
        ("CSAT since the start of the quarter", "since 2026-10-01"),
        ("ARR since the start of last year", "since 2025-01-01"),
        ("wins since the beginning of Q2 2026", "since 2026-04-01"),
        ("signups from the start of September", "since 2026-09-01"),
        ("churn since the start of December", "since 2025-12-01"),  # December not begun yet
    ],
)
def test_since_the_start_of_a_period_is_since_its_first_day(question: str, time_range: str) -> None:
    reading = read_phrasing(question, AS_OF)
    assert reading.time_range == time_range
    assert "start" not in reading.remainder(question) and "beginning" not in reading.remainder(
        question
    )


@pytest.mark.parametrize(
    ("question", "time_range", "compare"),
    [
        ("tickets in March compared to February", "2026-03", "previous_period"),
        ("bookings in Q2 vs Q1", "2026-Q2", "previous_period"),
        ("new ARR in 2025 versus 2024", "2025", "previous_period"),
        ("CSAT in May 2026 against May 2025", "2026-05", "previous_year"),
        ("tickets in January vs December", "2026-01", "previous_period"),  # December 2025
        ("more tickets in July than in June?", "2026-07", "previous_period"),
    ],
)
def test_a_named_period_before_the_asked_one_is_its_comparison(
    question: str, time_range: str, compare: str
) -> None:
    reading = read_phrasing(question, AS_OF)
    assert (reading.time_range, reading.compare) == (time_range, compare)


def test_a_named_period_that_is_not_the_one_before_is_left_unread() -> None:
    # August vs March is neither the previous period nor a year back: the planner must ask
    question = "tickets in August vs March"
    reading = read_phrasing(question, AS_OF)
    assert (reading.time_range, reading.compare) == ("2026-08", None)
    assert "March" in reading.remainder(question)


@pytest.mark.parametrize(
    ("earlier", "question", "expected"),
    [
        ("last month", "what about the month before?", "2026-09-01..2026-09-30"),
        ("last quarter", "and the month before?", "2026-06-01..2026-06-30"),
        ("2026-09-01..2026-09-30", "and the quarter before that?", "2026-04-01..2026-06-30"),
        ("last 30 days", "and the period before?", "2026-09-26..2026-10-25"),
    ],
)
def test_the_period_before_is_read_from_the_answer_a_follow_up_builds_on(
    earlier: str, question: str, expected: str
) -> None:
    assert read_phrasing(question, date(2026, 11, 24), earlier).time_range == expected


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("revenue this financial year so far", "2026-04-01..2026-11-24"),
        ("revenue FYTD", "2026-04-01..2026-11-24"),
        ("revenue this FY", "2026-04-01..2026-11-24"),
        ("revenue last fiscal year", "2025-04-01..2026-03-31"),
        ("revenue in the previous financial year", "2025-04-01..2026-03-31"),
    ],
)
def test_the_financial_year_starts_in_the_models_month(question: str, time_range: str) -> None:
    assert read_phrasing(question, AS_OF, fiscal_start=4).time_range == time_range


def test_a_financial_year_that_starts_in_january_is_the_calendar_year() -> None:
    assert read_phrasing("revenue last fiscal year", AS_OF).time_range == "2025-01-01..2025-12-31"
    assert read_phrasing("revenue this year", AS_OF, fiscal_start=4).time_range == "this year"


def test_the_same_periods_again_are_the_earlier_answers_range() -> None:
    again = read_phrasing("and gross margin over the same two quarters?", AS_OF, "2026-Q3")
    assert again.time_range == "2026-Q3" and again.spans
    assert read_phrasing("margin over the same period", AS_OF).time_range is None  # no earlier
    a_year_back = read_phrasing("margin over the same period last year", AS_OF, "2026-Q3")
    assert a_year_back.time_range != "2026-Q3"  # a year back, not the same days again


def test_words_of_what_is_yet_to_happen_are_read_and_said() -> None:
    expected = read_phrasing("pipeline expected to close this quarter", AS_OF)
    assert expected.ahead and expected.time_range == "this quarter"
    assert read_phrasing("revenue that will renew this month", AS_OF).ahead
    assert not read_phrasing("tickets this month", AS_OF).ahead


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        (
            "how many tickets came in between Black Friday and Cyber Monday last year?",
            "2025-11-28..2025-12-01",
        ),
        ("tickets on black friday", "2025-11-28..2025-11-28"),  # this year's is still to come
        ("tickets on thanksgiving 2024", "2024-11-28..2024-11-28"),
        ("tickets between christmas and new year's day", "2025-12-25..2026-01-01"),
    ],
)
def test_named_days_are_worked_out_for_the_year_said(question: str, time_range: str) -> None:
    assert read_phrasing(question, AS_OF).time_range == time_range


@pytest.mark.parametrize(
    ("question", "time_range"),
    [
        ("pipeline to close in Q1 next year", "2027-Q1"),
        ("tickets in Q4 of last year", "2025-Q4"),
        ("revenue in March next year", "2027-03"),
        ("tickets in June of last year", "2025-06"),
        ("what may next year bring", "next year"),  # "may" here is a verb: no May
    ],
)
def test_a_quarter_or_month_of_a_year_named_relatively(question: str, time_range: str) -> None:
    assert read_phrasing(question, AS_OF).time_range in (time_range, None)
    if time_range != "next year":
        assert read_phrasing(question, AS_OF).time_range == time_range
