"""The arithmetic of a change split over a dimension's values: pure, on plain numbers.

Each function takes the values of one dimension in the period before and the period after
(a mapping from the dimension's value to a number; a value missing from one period counts as
absent there) and returns one `Part` per value whose contributions **sum exactly to the total
change** (up to floating point), with nothing dropped:

- **additive** metrics (sums and counts, and snapshot sums such as ARR at a period's end): the
  total is the sum over values, so a value's contribution is its after minus its before.
- **ratio** metrics (a numerator over a denominator, both additive): the total rate is
  R = Σ w_i · r_i, with w_i the value's share of the denominator and r_i its own rate. Its
  change splits per value into

      rate effect        w_i⁰ · (r_i¹ − r_i⁰)          the rate moved within the value
      mix effect         (w_i¹ − w_i⁰) · (r_i⁰ − R⁰)   its share moved, weighed by how far its
                                                       rate stood from the overall rate
      interaction        (w_i¹ − w_i⁰) · (r_i¹ − r_i⁰) both at once (shown, never dropped)

  Because the shares sum to 1 in both periods, Σ (w_i¹ − w_i⁰) · R⁰ = 0, so measuring the mix
  effect against the overall rate changes no total; it only makes a value that gains share at
  the average rate explain nothing, as it should. A value with no denominator in one period
  (new, or gone) has weight 0 there and takes the other period's rate as its own, so its whole
  contribution is mix: w¹ · (r¹ − R⁰) when new, −w⁰ · (r⁰ − R⁰) when gone. A numerator
  without any denominator beside it (bad data, but it does count in Σnum/Σden) adds its
  num/Σden to the rate effect, so the parts still sum to the change.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Part", "additive_parts", "concentration", "ratio_parts"]

Values = Mapping[Hashable, float]


@dataclass(frozen=True)
class Part:
    """One value's share of a change: its figures before and after and what it contributed.

    For a ratio metric `before` and `after` are the value's own rate (None without a
    denominator in that period), and `contribution` = `rate` + `mix` + `interaction`.
    """

    value: Hashable
    before: float | None
    after: float | None
    contribution: float
    rate: float | None = None
    mix: float | None = None
    interaction: float | None = None


def _number(value: float | None) -> float:
    """A figure as a number: empty (None, NaN) is 0, as an additive metric's empty group is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    return float(value)


def _keys(*mappings: Values) -> list[Hashable]:
    """Every value of the dimension that appears in any period, in order of first appearance."""
    return list(dict.fromkeys(key for mapping in mappings for key in mapping))


def additive_parts(before: Values, after: Values) -> tuple[Part, ...]:
    """Each value's after minus before: they sum to Σ after − Σ before."""
    return tuple(
        Part(
            key,
            _number(before.get(key)),
            _number(after.get(key)),
            _number(after.get(key)) - _number(before.get(key)),
        )
        for key in _keys(before, after)
    )


def ratio_parts(
    numerator_before: Values,
    denominator_before: Values,
    numerator_after: Values,
    denominator_after: Values,
) -> tuple[Part, ...]:
    """The rate, mix and interaction effects of each value (see the module's docstring): they
    sum to Σnum¹/Σden¹ − Σnum⁰/Σden⁰.

    Raises ValueError when a period's denominator is 0 in total (no rate to move from or to).
    """
    total_before = sum(_number(v) for v in denominator_before.values())
    total_after = sum(_number(v) for v in denominator_after.values())
    if total_before == 0 or total_after == 0:
        raise ValueError("the denominator is 0 in one of the periods, so there is no rate")
    overall_before = sum(_number(v) for v in numerator_before.values()) / total_before
    parts: list[Part] = []
    keys = _keys(numerator_before, denominator_before, numerator_after, denominator_after)
    for key in keys:
        num0, num1 = _number(numerator_before.get(key)), _number(numerator_after.get(key))
        den0, den1 = _number(denominator_before.get(key)), _number(denominator_after.get(key))
        rate0 = num0 / den0 if den0 else None
        rate1 = num1 / den1 if den1 else None
        weight0, weight1 = den0 / total_before, den1 / total_after
        r0 = rate0 if rate0 is not None else rate1
        r1 = rate1 if rate1 is not None else rate0
        if r0 is None or r1 is None:
            r0 = r1 = 0.0
        rate = weight0 * (r1 - r0)
        # a numerator with no denominator beside it can only have moved the rate itself
        rate += (0.0 if den1 else num1 / total_after) - (0.0 if den0 else num0 / total_before)
        mix = (weight1 - weight0) * (r0 - overall_before)
        interaction = (weight1 - weight0) * (r1 - r0)
        parts.append(Part(key, rate0, rate1, rate + mix + interaction, rate, mix, interaction))
    return tuple(parts)


def concentration(contributions: Iterable[float]) -> float:
    """How much of a change one value carries, from 0 (spread evenly over the values) to 1
    (one value carries all of it): the normalised Herfindahl index of the values' shares of
    the absolute movement, (H − 1/n) / (1 − 1/n) with H = Σ (|c_i| / Σ|c|)². It compares
    dimensions with few values fairly with those with many. 0 when nothing moved or n < 2.
    """
    sizes = [abs(c) for c in contributions]
    moved = sum(sizes)
    if len(sizes) < 2 or moved == 0:
        return 0.0
    herfindahl = sum((size / moved) ** 2 for size in sizes)
    floor = 1 / len(sizes)
    return max(0.0, (herfindahl - floor) / (1 - floor))
