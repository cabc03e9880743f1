"""The arithmetic of drivers: whatever the data and however it is grouped, the parts of a
change add up to the change exactly (to floating point), with nothing dropped.

Hypothesis draws groups with before and after figures, some groups present in one period only,
and checks that additive contributions sum to Σafter − Σbefore and that a ratio's rate, mix and
interaction effects sum to Σnum¹/Σden¹ − Σnum⁰/Σden⁰, value by value and in total.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cortex.signals.decompose import additive_parts, concentration, ratio_parts

FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)

_groups = st.text(alphabet="abcdefgh", min_size=1, max_size=2)
_amounts = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_period = st.dictionaries(_groups, _amounts, max_size=12)


def _close(left: float, right: float, scale: float = 1.0) -> bool:
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


@FAST
@given(before=_period, after=_period)
def test_additive_contributions_sum_to_the_total_change(
    before: dict[str, float], after: dict[str, float]
) -> None:
    parts = additive_parts(before, after)
    assert {p.value for p in parts} == set(before) | set(after)  # one-period groups included
    scale = sum(map(abs, before.values())) + sum(map(abs, after.values()))
    change = sum(after.values()) - sum(before.values())
    assert _close(sum(p.contribution for p in parts), change, scale)
    for part in parts:
        assert part.contribution == pytest.approx(
            after.get(str(part.value), 0.0) - before.get(str(part.value), 0.0)
        )


@st.composite
def _ratio_period(draw: st.DrawFn) -> tuple[dict[str, float], dict[str, float]]:
    """Numerators and denominators of one period: counts (a rate of 0..1 per group) or sums,
    with at least one group holding a denominator."""
    groups = draw(st.lists(_groups, min_size=1, max_size=10, unique=True))
    denominators = {g: float(draw(st.integers(0, 5_000))) for g in groups}
    denominators[groups[0]] = max(1.0, denominators[groups[0]])
    numerators = {g: draw(st.floats(0, 5, allow_nan=False)) * d for g, d in denominators.items()}
    return numerators, denominators


@FAST
@given(before=_ratio_period(), after=_ratio_period())
def test_a_ratio_splits_into_rate_mix_and_interaction_that_sum_to_the_change(
    before: tuple[dict[str, float], dict[str, float]],
    after: tuple[dict[str, float], dict[str, float]],
) -> None:
    (num0, den0), (num1, den1) = before, after
    parts = ratio_parts(num0, den0, num1, den1)
    change = sum(num1.values()) / sum(den1.values()) - sum(num0.values()) / sum(den0.values())
    assert {p.value for p in parts} == set(den0) | set(den1)
    assert _close(sum(p.contribution for p in parts), change, 10.0)
    for part in parts:
        assert part.rate is not None and part.mix is not None and part.interaction is not None
        assert _close(part.rate + part.mix + part.interaction, part.contribution, 10.0)
        if not den0.get(str(part.value)) or not den1.get(str(part.value)):
            assert part.interaction == 0.0  # a group in one period only: no joint movement


def test_a_new_value_at_the_old_overall_rate_explains_nothing_and_a_rate_drop_is_rate() -> None:
    # before: a 50% of 100; after: a 40% of 100, b (new) 50% of 100
    parts = {
        p.value: p
        for p in ratio_parts({"a": 50}, {"a": 100}, {"a": 40, "b": 50}, {"a": 100, "b": 100})
    }
    assert parts["b"].contribution == pytest.approx(0.0)
    assert parts["a"].rate == pytest.approx(1.0 * (0.4 - 0.5))  # all of the weight before
    assert parts["a"].mix == pytest.approx(0.0)  # its rate was the overall rate
    assert parts["a"].interaction == pytest.approx((0.5 - 1.0) * (0.4 - 0.5))
    assert sum(p.contribution for p in parts.values()) == pytest.approx(0.45 - 0.5)


def test_a_period_without_any_denominator_has_no_rate_to_split() -> None:
    with pytest.raises(ValueError, match="denominator is 0"):
        ratio_parts({"a": 1}, {"a": 0}, {"a": 1}, {"a": 2})


def test_concentration_is_one_when_one_value_carries_the_change_and_zero_when_spread() -> None:
    assert concentration([10.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert concentration([5.0, -5.0, 5.0]) == pytest.approx(0.0)
    assert 0 < concentration([8.0, 1.0, 1.0]) < 1
    assert concentration([3.0]) == 0.0
