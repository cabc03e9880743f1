"""Signals: what Cortex tells people about a metric beyond the numbers, and before they ask.

The *drivers* of a change, "why did it move?": a metric's change between
two periods split, exactly, over the values of each dimension that could carry it
(`decompose.py` holds the arithmetic on plain numbers, `drivers.py` runs the governed queries
and ranks the dimensions, `summary.py` says the findings in two sentences). Every number comes
from a semantic query compiled by `semantic_layer`, run through a callable the caller gives,
so the asker's row policy applies to each of them.

An *anomaly* (`anomaly.py`, pure) judges a value against the same days of last year, aligned
by `calendar.py` (Black Friday meets Black Friday), scaled by the recent weeks, inside a band
of robust deviations; its verdict states the method and the band.

*Digests* (`digests.py` reads and checks digests.yml; `signals.py` evaluates a digest's
signals with the rules of `rules.py`; `delivery.py` and `runner.py` deliver each digest once per
period; `schedule.py` runs them on their cron schedules) tell people what changed unasked.
"""

from __future__ import annotations

from cortex.signals.decompose import Part, additive_parts, concentration, ratio_parts
from cortex.signals.drivers import DimensionDrivers, Drivers, Runner, explain_change

__all__ = [
    "DimensionDrivers",
    "Drivers",
    "Part",
    "Runner",
    "additive_parts",
    "concentration",
    "explain_change",
    "ratio_parts",
]
