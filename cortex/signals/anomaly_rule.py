"""The `anomaly` rule of digests.yml: a signal's value judged against the calendar.

The evaluator reads the metric's daily history through the semantic layer (the signal's
filters, and its group's values for a signal with dimensions, over the last `HISTORY_DAYS`
days up to the as-of day), then asks `anomaly.judge` about the signal's period: a day, a week
or a month by its length, a period still running compared on its days so far. It fires when
the value is outside the band; its reason is the verdict's sentence, which states the method
and the band, so the digest says both.

Only metrics whose days add up (sums and counts) are judged by period from their days; a
ratio, median or average is judged on a one-day period only, since its days do not add up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

import pandas as pd

from cortex.signals.anomaly import Grain, judge
from cortex.signals.rules import Reading, RuleContext, Verdict
from semantic_layer.query import Filter
from semantic_layer.time import resolve_time_range

__all__ = ["HISTORY_DAYS", "AnomalyRule"]

#: Days of history read for a verdict: last year's same days, and the weeks before them.
HISTORY_DAYS: Final = 800
_DAY: Final = "metric_time:day"
_DAY_COLUMN: Final = "metric_time__day"


class AnomalyRule:
    """Fires when the signal's period is outside the band the calendar expects."""

    def __init__(self, additive: frozenset[str] | None = None) -> None:
        #: metrics whose days add up; None: every metric is taken to add up
        self.additive = additive

    def check(self, params: Mapping[str, object]) -> list[str]:
        """No parameters: the method and its band are fixed and stated in every verdict."""
        return [
            f"unknown parameter '{key}' (the anomaly rule takes none: its method and band are "
            "stated in each verdict)"
            for key in params
        ]

    def judge(self, reading: Reading, context: RuleContext) -> Verdict:
        """The verdict on the signal's period; the reason states the method and the band."""
        query = context.query
        span = resolve_time_range(query.time_range or "", context.as_of)
        if span is None or len(query.metrics) != 1:
            return Verdict(False, "no verdict: the anomaly rule needs one metric and a period")
        metric = query.metrics[0]
        days = (span.end - span.start).days
        grain: Grain = "day" if days <= 1 else "week" if days <= 7 else "month"
        if grain != "day" and self.additive is not None and metric not in self.additive:
            return Verdict(False, "no verdict: its days do not add up, so it is judged by day")
        last = min(context.as_of, span.end - timedelta(days=1))
        start = last - timedelta(days=HISTORY_DAYS)
        group = tuple(Filter(field=name, op="=", values=(value,)) for name, value in reading.group)
        history = query.model_copy(
            update={
                "dimensions": (_DAY,),
                "filters": (*query.filters, *group),
                "time_range": f"{start.isoformat()}..{last.isoformat()}",
                "compare": None,
                "order_by": (),
                "limit": None,
            }
        )
        series = _daily(context.run(history), metric, start, last)
        verdict = judge(series, span.start, grain=grain, as_of=last)
        return Verdict(verdict.fired, verdict.method)


def _daily(rows: list[dict[str, object]], metric: str, start: date, last: date) -> pd.Series:
    """The metric by day from `start` to `last`, a day without rows counted as 0."""
    values: dict[pd.Timestamp, float] = {}
    for row in rows:
        day, value = row.get(_DAY_COLUMN), row.get(metric)
        if day is None or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if math.isfinite(value):
            values[pd.Timestamp(str(day)[:10])] = float(value)
    index = pd.date_range(start, last, freq="D")
    return pd.Series(values, dtype=float).reindex(index, fill_value=0.0)
