"""A signal's numbers in words, the same in the terminal and in Slack: the value, the change
against its comparison, and a sparkline of the recent series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

from cortex.answers.formatting import format_points
from cortex.answers.wording import compact_value
from cortex.signals.rules import Reading
from cortex.signals.signals import SignalOutcome
from semantic_layer.model import MetricFormat

__all__ = ["change_text", "group_text", "sparkline", "value_text"]

_BARS: Final = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """`▁▃▅█`: each value as a bar between the series' lowest and highest ("" for none)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return _BARS[3] * len(values)
    scale = (len(_BARS) - 1) / (high - low)
    return "".join(_BARS[round((v - low) * scale)] for v in values)


def value_text(outcome: SignalOutcome, value: float | None) -> str:
    """A value of the signal's metric as a sentence says it: `$135.6M`, `17.7%`, `1m 59s`."""
    return compact_value(value, cast(MetricFormat, outcome.format), outcome.unit)


def change_text(outcome: SignalOutcome, reading: Reading) -> str:
    """`up $1.5M (+1.1%) from $134.1M (9–15 Nov 2026)`; a percentage's change in points;
    "" without a comparison."""
    if reading.change is None or reading.compared is None:
        return ""
    word = "up" if reading.change > 0 else "down" if reading.change < 0 else "flat"
    if outcome.format == "percent":
        amount = format_points(reading.change)
    else:
        amount = value_text(outcome, abs(reading.change))
        if reading.change_pct is not None:
            amount += f" ({reading.change_pct * 100:+.1f}%)"
    against = "the target" if outcome.signal.compare == "target" else outcome.compared_period
    base = value_text(outcome, reading.compared)
    return f"{word} {amount} from {base}" + (f" ({against})" if against else "")


def group_text(reading: Reading) -> str:
    """The group a reading is for: `segment Enterprise, region EMEA` ("" for the whole)."""
    return ", ".join(f"{dimension} {value}" for dimension, value in reading.group)
