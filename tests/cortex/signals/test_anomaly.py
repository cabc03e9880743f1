"""Anomalies that know the calendar: a planted spike or drop fires, normal seasonality (the
demo's Black Friday against last year's) does not, a partial month is compared on its first days,
too little history gives no verdict, and the message states the method and the band."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from statistics import median

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cortex.signals.anomaly import K, judge
from cortex.signals.calendar import day_last_year, fourth_thursday_of_november
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.query import SemanticQuery
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[3]
START, END = date(2023, 1, 1), date(2025, 12, 31)
WEEKDAYS = (1.12, 1.08, 1.04, 1.0, 0.96, 0.84, 0.88)
ORDINARY_WEDNESDAY = date(2025, 3, 12)


def seasonal(
    *,
    weekdays: tuple[float, ...] = WEEKDAYS,
    growth: float = 0.3,
    peak: float = 2.1,
    noise: float = 0.03,
    seed: int = 0,
) -> pd.Series:
    """Daily values with a weekly rhythm, yearly growth, a Black Friday to Cyber Monday peak,
    a busier December and bounded multiplicative noise (uniform within +/- `noise`)."""
    days = pd.date_range(START, END)
    black_friday = {
        y: fourth_thursday_of_november(y) + timedelta(days=1) for y in range(2023, 2026)
    }
    from_bf = np.array([(d.date() - black_friday[d.year]).days for d in days])
    season = np.where(
        (from_bf >= 0) & (from_bf <= 3),
        peak,
        np.where((days.month == 12) & (days.day <= 22), 1.4, 1.0),
    )
    trend = (1 + growth) ** (np.arange(len(days)) / 365)
    rhythm = np.array(weekdays)[days.day_of_week]
    wobble = np.random.default_rng(seed).uniform(1 - noise, 1 + noise, len(days))
    return pd.Series(1000 * trend * rhythm * season * wobble, index=days)


def planted(series: pd.Series, day: date, times: float) -> pd.Series:
    changed = series.copy()
    changed[pd.Timestamp(day)] *= times
    return changed


def test_a_spike_planted_on_an_ordinary_day_fires() -> None:
    verdict = judge(planted(seasonal(), ORDINARY_WEDNESDAY, 1.5), ORDINARY_WEDNESDAY)
    assert verdict.judged and verdict.fired and verdict.direction == "spike"
    assert verdict.value is not None and verdict.high is not None
    assert verdict.value > verdict.high
    assert verdict.method.endswith("is above it: a spike.")


def test_a_drop_planted_on_an_ordinary_day_fires() -> None:
    verdict = judge(planted(seasonal(), ORDINARY_WEDNESDAY, 0.6), ORDINARY_WEDNESDAY)
    assert verdict.fired and verdict.direction == "drop"
    assert verdict.value is not None and verdict.low is not None and verdict.value < verdict.low
    assert verdict.method.endswith("is below it: a drop.")


def test_the_same_day_without_the_plant_is_quiet() -> None:
    verdict = judge(seasonal(), ORDINARY_WEDNESDAY)
    assert verdict.judged and not verdict.fired and verdict.direction is None
    assert verdict.method.endswith("is within it.")


def test_a_spike_planted_on_black_friday_fires_even_though_the_peak_itself_does_not() -> None:
    black_friday = date(2025, 11, 28)
    assert not judge(seasonal(), black_friday).fired
    assert judge(planted(seasonal(), black_friday, 1.5), black_friday).direction == "spike"


def test_black_friday_meets_last_years_black_friday() -> None:
    # Thanksgiving was 22 Nov 2018 (ISO week 47) and 28 Nov 2019 (ISO week 48): neither the
    # calendar date nor the ISO week would find last year's Black Friday.
    assert day_last_year(date(2019, 11, 29)) == date(2018, 11, 23)
    assert day_last_year(date(2025, 11, 28)) == date(2024, 11, 29)
    assert day_last_year(date(2025, 12, 1)) == date(2024, 12, 2)  # Cyber Monday
    assert day_last_year(date(2025, 12, 22)) == date(2024, 12, 22)  # fixed-date seasons
    assert day_last_year(date(2024, 2, 29)) == date(2023, 2, 28)


# -- the demo's Black Friday, through the semantic layer ------------------------------------


@pytest.fixture(scope="module")
def demo_tickets(demo_con: duckdb.DuckDBPyConnection) -> pd.Series:
    """The governed daily series: `ticket_volume by metric_time:day`, compiled and run."""
    model = load_model(ROOT / "metrics.yml")
    query = SemanticQuery(metrics=["ticket_volume"], dimensions=["metric_time:day"])
    frame = demo_con.execute(compile_query(query, model, as_of=DEMO_AS_OF).sql).df()
    return frame.set_index("metric_time__day")["ticket_volume"]


def plain_rule_fires(series: pd.Series, day: date) -> bool:
    """The rule the calendar is there to beat: the median of the same weekday over the last 8
    weeks, give or take K x 1.4826 x their median absolute deviation."""
    recent = [float(series[pd.Timestamp(day - timedelta(weeks=i))]) for i in range(1, 9)]
    middle = median(recent)
    spread = K * 1.4826 * median(abs(v - middle) for v in recent)
    return abs(float(series[pd.Timestamp(day)]) - middle) > spread


@pytest.mark.parametrize("day", [date(2025, 11, 28), date(2025, 12, 1)], ids=["BF", "CM"])
def test_the_demos_black_friday_peak_against_last_years_is_not_an_anomaly(
    demo_tickets: pd.Series, day: date
) -> None:
    # The demo holds tickets from Jan 2024; Black Friday 2026 (27 Nov) is after its as-of day,
    # so Black Friday (and Cyber Monday) 2025 are judged against 2024's.
    verdict = judge(demo_tickets, day)
    assert verdict.judged, verdict.method
    assert not verdict.fired, verdict.method
    reference = day_last_year(day)
    assert f"last year's same day, {reference:%a} {reference.day} {reference:%b %Y}" in (
        verdict.method
    )
    ordinary = float(demo_tickets[pd.Timestamp(day - timedelta(weeks=3))])
    assert verdict.expected is not None and verdict.expected > 1.5 * ordinary  # a seasonal peak
    assert plain_rule_fires(demo_tickets, day)  # what a calendar-blind rule says


# -- partial periods ---------------------------------------------------------------------------


def month_start_heavy() -> pd.Series:
    """Every month's first ten days carry three times the rest: a whole month is no guide to
    its first days."""
    days = pd.date_range(START, END)
    base = seasonal(noise=0.02)
    return base * np.where(days.day <= 10, 3.0, 1.0)


def test_a_partial_month_is_compared_on_its_first_days_with_the_same_days_of_others() -> None:
    series = month_start_heavy()
    as_of = date(2025, 10, 10)
    verdict = judge(series, as_of, grain="month", as_of=as_of)
    assert verdict.judged and not verdict.fired, verdict.method
    assert verdict.at == date(2025, 10, 1) and verdict.days == 10
    ten_days = float(series[pd.Timestamp(date(2025, 10, 1)) : pd.Timestamp(as_of)].sum())
    assert verdict.value == pytest.approx(ten_days)
    assert verdict.expected == pytest.approx(ten_days, rel=0.05)  # not a whole month's
    assert "last year's same days, Tue 1 Oct 2024 to Thu 10 Oct 2024" in verdict.method
    assert "the last 12 months, each on its first 10 days, from their" in verdict.method


def test_a_spike_in_the_first_days_of_a_month_fires() -> None:
    series = month_start_heavy()
    for day in pd.date_range("2025-10-01", "2025-10-10"):
        series[day] *= 1.3
    verdict = judge(series, date(2025, 10, 10), grain="month", as_of=date(2025, 10, 10))
    assert verdict.fired and verdict.direction == "spike", verdict.method


def test_a_partial_week_is_compared_on_its_same_weekdays() -> None:
    wednesday = date(2025, 10, 15)
    verdict = judge(seasonal(), wednesday, grain="week", as_of=wednesday)
    assert verdict.judged and not verdict.fired and verdict.days == 3
    assert verdict.at == date(2025, 10, 13)
    assert "the last 26 weeks, each on its first 3 days, from their" in verdict.method


def test_a_partial_period_of_a_series_of_whole_periods_gets_no_verdict() -> None:
    monthly = month_start_heavy().resample("MS").sum()
    assert judge(monthly, date(2025, 9, 1), grain="month").judged
    verdict = judge(monthly, date(2025, 10, 1), grain="month", as_of=date(2025, 10, 10))
    assert not verdict.judged and not verdict.fired
    assert "needs daily values" in verdict.method


# -- too little history ------------------------------------------------------------------------


def test_without_last_year_there_is_no_verdict_and_it_says_why() -> None:
    recent = seasonal()[pd.Timestamp(date(2025, 1, 1)) :]
    verdict = judge(planted(recent, date(2025, 11, 12), 3.0), date(2025, 11, 12))
    assert not verdict.judged and not verdict.fired and verdict.direction is None
    assert verdict.method == (
        "No verdict on Wed 12 Nov 2025: not enough history: no value for last year's same day "
        "(Tue 12 Nov 2024) (the series starts on Wed 1 Jan 2025)."
    )


def test_without_enough_days_to_learn_the_band_there_is_no_verdict() -> None:
    # 10 Mar 2025 has last year's day and the 8 weeks before it, but only the last few of the
    # 56 days before it have theirs.
    recent = seasonal()[pd.Timestamp(date(2024, 1, 1)) :]
    verdict = judge(recent, date(2025, 3, 10))
    assert not verdict.judged and not verdict.fired
    assert "of the previous 56 days have their own expectation" in verdict.method


# -- the message -------------------------------------------------------------------------------


def test_the_message_names_the_method_and_the_band() -> None:
    verdict = judge(planted(seasonal(), ORDINARY_WEDNESDAY, 1.5), ORDINARY_WEDNESDAY)
    assert verdict.low is not None and verdict.high is not None and verdict.value is not None
    text = verdict.method
    assert text.startswith(f"Expected {verdict.expected:,.0f} (last year's same day, Tue 12 Mar ")
    assert ", the median ratio of the same weekday over the last 8 weeks to the same days" in text
    assert f"band {verdict.low:,.0f}–{verdict.high:,.0f} (expected ×/÷ " in text
    assert "3.5 × the robust deviation of the last 56 days from their expectations" in text
    assert text.endswith(f"{verdict.value:,.0f} is above it: a spike.")


# -- a property: bounded noise on normal seasonality never fires -------------------------------


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**16),
    noise=st.floats(0.0, 0.06),
    growth=st.floats(-0.3, 1.0),
    peak=st.floats(1.0, 3.0),
    weekdays=st.tuples(*[st.floats(0.3, 1.5)] * 7),
    day=st.sampled_from(
        [date(2025, 11, 28), date(2025, 12, 1), date(2025, 12, 22), date(2025, 12, 23),
         date(2025, 6, 11), date(2025, 11, 20)]
    ),
)  # fmt: skip
def test_seasonality_with_bounded_noise_never_fires(
    seed: int,
    noise: float,
    growth: float,
    peak: float,
    weekdays: tuple[float, ...],
    day: date,
) -> None:
    series = seasonal(weekdays=weekdays, growth=growth, peak=peak, noise=noise, seed=seed)
    verdict = judge(series, day)
    assert verdict.judged and not verdict.fired, verdict.method
