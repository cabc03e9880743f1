"""Where a metric lands at the end of a period: a run-rate and a least-squares trend, the one
chosen with the reason, a range and how likely a target is met.

Pure arithmetic over a series of (x, value) points, x in days; nothing here queries. The band is
the projection ± 1.645 standard errors (a 90% band of a normal error), and the likelihood of a
target is the share of that normal distribution on the target's good side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "BAND_Z",
    "MIN_TREND_POINTS",
    "MIN_TREND_R2",
    "Line",
    "Method",
    "fit_line",
    "likelihood",
    "prefer_trend",
]

#: A 90% two-sided band of a normal error: the projection ± 1.645 standard errors.
BAND_Z: Final = 1.645
#: The trend is used only over at least this many points ...
MIN_TREND_POINTS: Final = 6
#: ... whose straight line explains at least this share of their variation (R²).
MIN_TREND_R2: Final = 0.5

Method = Literal["trend", "run-rate", "final"]


@dataclass(frozen=True)
class Line:
    """A least-squares line `intercept + slope * x` over `n` points, with how well it fits."""

    slope: float
    intercept: float
    n: int
    r2: float
    #: The residual standard error: sqrt(sum of squared residuals / (n - 2)).
    residual_se: float
    x_mean: float
    sxx: float

    def at(self, x: float) -> float:
        """The line's value at `x`."""
        return self.intercept + self.slope * x

    def mean_se(self, x: float) -> float:
        """The standard error of the line's own value at `x` (its slope and level uncertain)."""
        return self.residual_se * math.sqrt(1 / self.n + (x - self.x_mean) ** 2 / self.sxx)

    def prediction_se(self, x: float) -> float:
        """The standard error of one new point at `x`: the line's and a point's own noise."""
        return math.hypot(self.mean_se(x), self.residual_se)


def fit_line(points: Sequence[tuple[float, float]]) -> Line | None:
    """The least-squares line through `points`; None for fewer than 3 points or one x."""
    n = len(points)
    if n < 3:
        return None
    x_mean = sum(x for x, _ in points) / n
    y_mean = sum(y for _, y in points) / n
    sxx = sum((x - x_mean) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - x_mean) * (y - y_mean) for x, y in points)
    slope = sxy / sxx
    intercept = y_mean - slope * x_mean
    sse = sum((y - intercept - slope * x) ** 2 for x, y in points)
    syy = sum((y - y_mean) ** 2 for _, y in points)
    r2 = 1 - sse / syy if syy > 0 else 1.0
    return Line(slope, intercept, n, r2, math.sqrt(sse / (n - 2)), x_mean, sxx)


def prefer_trend(line: Line | None) -> bool:
    """Whether the trend, rather than the run-rate, projects: enough points, and a line that
    explains most of their variation."""
    return line is not None and line.n >= MIN_TREND_POINTS and line.r2 >= MIN_TREND_R2


def likelihood(projected: float, sigma: float, target: float, *, higher_is_better: bool) -> float:
    """The share of Normal(projected, sigma) on the good side of `target` (0 to 1); with no
    uncertainty left, 1 when the projection meets the target and 0 when it does not."""
    margin = projected - target if higher_is_better else target - projected
    if sigma <= 0:
        return 1.0 if margin >= 0 else 0.0
    return 0.5 * (1 + math.erf(margin / (sigma * math.sqrt(2))))
