"""Coverage gaps and product fit: where a rate of one entity falls short, from the data alone.

For a rate (a ratio metric in percent: automation, conversion) compared across the values of
a dimension (intents, channels), each value has the entity's *volume* (the rate's
denominator), the entity's rate and the company-wide rate. A value counts when the entity
has volume there: at least `MIN_SHARE` of its volume across the dimension and `MIN_ROWS`.

- A *coverage gap* is such a value where the entity's rate is zero or below its own average
  across the dimension, worst first: the intents the AI agent does not yet handle for this
  merchant.
- A *product fit* is such a value where the entity's rate is well below the company's (by
  `MIN_POINTS` and to at most `MAX_RELATIVE` of it), sized by what the company's rate would
  give on the entity's volume, per month: the suggestions are ranked by that size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Comparison", "Finding", "coverage_gaps", "product_fits", "top_fits"]

MIN_SHARE = 0.05
MIN_ROWS = 10.0
MIN_POINTS = 0.05
MAX_RELATIVE = 0.75
GAPS_PER_BREAKDOWN = 3
MAX_FITS = 6


@dataclass(frozen=True)
class Comparison:
    """One value of a dimension: the entity's volume and rate there, and the company's rate."""

    value: str
    volume: float
    rate: float | None
    company_rate: float | None


@dataclass(frozen=True)
class Finding:
    """A value where a rate falls short, with what closing the gap would be worth a month.

    `rate_label` names the rate, `dimension_label` the dimension, `volume_label` and
    `gain_label` the units of the volume (the denominator) and of the gain (the numerator).
    """

    rate_label: str
    dimension_label: str
    value: str
    volume_label: str
    gain_label: str
    monthly_volume: float
    rate: float
    company_rate: float | None
    monthly_gain: float | None


def _counted(rows: Sequence[Comparison]) -> list[Comparison]:
    total = sum(r.volume for r in rows if math.isfinite(r.volume))
    return [
        r
        for r in rows
        if r.rate is not None
        and math.isfinite(r.rate)
        and r.volume >= MIN_ROWS
        and total > 0
        and r.volume / total >= MIN_SHARE
    ]


def _shortfall(rate: float, company: float | None, lower_is_better: bool) -> float | None:
    if company is None or not math.isfinite(company):
        return None
    return rate - company if lower_is_better else company - rate


def coverage_gaps(
    rows: Sequence[Comparison],
    *,
    labels: tuple[str, str, str, str],
    months: float,
    lower_is_better: bool = False,
) -> list[Finding]:
    """The values where the entity has volume and its rate is zero or below its own average
    across the dimension, worst first (at most GAPS_PER_BREAKDOWN). `labels` are (rate,
    dimension, volume, gain)."""
    counted = _counted(rows)
    volume = sum(r.volume for r in counted)
    overall = sum((r.rate or 0.0) * r.volume for r in counted) / volume if volume else 0.0
    below = [
        r
        for r in counted
        if r.rate == 0
        or ((r.rate or 0.0) > overall if lower_is_better else (r.rate or 0.0) < overall)
    ]
    ranked = sorted(
        below,
        key=lambda r: ((-(r.rate or 0.0) if lower_is_better else (r.rate or 0.0)), -r.volume),
    )
    return [_finding(r, labels, months, lower_is_better) for r in ranked[:GAPS_PER_BREAKDOWN]]


def product_fits(
    rows: Sequence[Comparison],
    *,
    labels: tuple[str, str, str, str],
    months: float,
    lower_is_better: bool = False,
) -> list[Finding]:
    """The values where the entity's rate is well below the company's, the largest monthly
    gain at the company's rate first."""
    found: list[Finding] = []
    for row in _counted(rows):
        assert row.rate is not None
        short = _shortfall(row.rate, row.company_rate, lower_is_better)
        if short is None or short < MIN_POINTS or row.company_rate is None:
            continue
        worse = (
            row.company_rate <= MAX_RELATIVE * row.rate
            if lower_is_better
            else row.rate <= MAX_RELATIVE * row.company_rate
        )
        if worse:
            found.append(_finding(row, labels, months, lower_is_better))
    return sorted(found, key=lambda f: -(f.monthly_gain or 0.0))


def _finding(
    row: Comparison, labels: tuple[str, str, str, str], months: float, lower_is_better: bool
) -> Finding:
    assert row.rate is not None
    rate_label, dimension_label, volume_label, gain_label = labels
    monthly = row.volume / months if months > 0 else row.volume
    short = _shortfall(row.rate, row.company_rate, lower_is_better)
    return Finding(
        rate_label=rate_label,
        dimension_label=dimension_label,
        value=row.value,
        volume_label=volume_label,
        gain_label=gain_label,
        monthly_volume=monthly,
        rate=row.rate,
        company_rate=row.company_rate,
        monthly_gain=short * monthly if short is not None and short > 0 else None,
    )


def top_fits(findings: Sequence[Finding]) -> list[Finding]:
    """The largest product fits across every rate and dimension, at most MAX_FITS."""
    return sorted(findings, key=lambda f: -(f.monthly_gain or 0.0))[:MAX_FITS]
