"""The drivers of a change in two sentences with numbers: how much it moved, and where.

The first sentence gives the metric before and after and the change (in the metric's own
format and currency); the second names the dimension that concentrates the change most, its
largest contributions with their share of the change (for a ratio, the top value's rate, mix
and interaction effects too), and the next dimension's top value. A change that cannot be split
is said to be so, with the reason, rather than given numbers that would not add up.
"""

from __future__ import annotations

from collections.abc import Hashable

from cortex.answers.formatting import format_dimension, format_value
from cortex.answers.wording import capitalize, compact_value, listed, period_phrase
from cortex.signals.decompose import Part
from cortex.signals.drivers import DimensionDrivers, Drivers
from semantic_layer.model import SemanticModel

__all__ = ["findings", "signed", "summarize"]


def signed(value: float, drivers: Drivers, model: SemanticModel) -> str:
    """A change as a sentence says it, with its sign: `+$1.2M`, `-361`, `+0.9 pts`."""
    metric = model.metric(drivers.metric)
    fmt = metric.format if metric is not None else None
    unit = metric.unit if metric is not None else None
    sign = "+" if value > 0 else "-" if value < 0 else "±"
    if fmt == "percent":
        return f"{sign}{abs(value) * 100:.1f} pts"
    size = abs(value)
    if drivers.kind == "ratio" and fmt in (None, "number"):
        return f"{sign}{size:.2g}" if size < 0.01 else f"{sign}{size:,.3f}"
    shown: float | int = int(size) if fmt in (None, "number") and size.is_integer() else size
    return f"{sign}{compact_value(shown, fmt, unit)}"


def _level(value: float | None, drivers: Drivers, model: SemanticModel) -> str:
    metric = model.metric(drivers.metric)
    fmt = metric.format if metric is not None else None
    unit = metric.unit if metric is not None else None
    if value is None:
        return format_value(None, fmt)
    if drivers.kind == "ratio" and fmt in (None, "number"):
        return f"{value:,.2f}"
    whole = fmt in (None, "number") and float(value).is_integer()  # a count: 35, never 35.00
    return compact_value(int(value) if whole else value, fmt, unit)


def _share(part: Part, drivers: Drivers, words: str = " of the change") -> str:
    """` (81% of the change)`; nothing when the change is too small for a share to mean
    anything (values moving a lot both ways around an unchanged total)."""
    if not drivers.change:
        return ""
    share = part.contribution / drivers.change
    return f" ({share:.0%}{words})" if abs(share) <= 5 else ""


def _value(value: Hashable) -> str:
    return format_dimension(value)


def findings(found: DimensionDrivers, drivers: Drivers, model: SemanticModel) -> str:
    """`segment: Enterprise +$9.0M (81% of the change) and Mid-Market +$2.6M (24% …)`."""
    moved = [p for p in found.parts if p.contribution][:2]
    said = [
        f"{_value(p.value)} {signed(p.contribution, drivers, model)}"
        f"{_share(p, drivers, '' if index else ' of the change')}"
        for index, p in enumerate(moved)
    ]
    first = moved[0] if moved else None
    if first is not None and drivers.kind == "ratio":
        effects = (
            f"rate {signed(first.rate or 0.0, drivers, model)}, "
            f"mix {signed(first.mix or 0.0, drivers, model)}, "
            f"interaction {signed(first.interaction or 0.0, drivers, model)}"
        )
        said[0] += f" [{effects}]"
    return f"by {found.label}: {listed(said, 'and')}"


def summarize(drivers: Drivers, model: SemanticModel) -> str:
    """Two sentences: the change, then its top findings (or why it cannot be split)."""
    now = period_phrase(*drivers.period)
    then = period_phrase(*drivers.compared)
    before = _level(drivers.before, drivers, model)
    after = _level(drivers.after, drivers, model)
    change = drivers.change
    if change is None:
        moved = "could not be compared"
    elif change == 0:
        moved = "did not change"
    else:
        moved = "rose" if change > 0 else "fell"
    figures = f" ({signed(change, drivers, model)})" if change else ""
    first = (
        f"{drivers.label} {moved} from {before} {then} to {after} {now}{figures}."
        if change is not None
        else f"{drivers.label} {moved}: {after} {now}, {before} {then}."
    )
    if drivers.unsplit is not None:
        return f"{first} I can't split the change over its dimensions: {drivers.unsplit}."
    if not drivers.dimensions:
        return f"{first} No dimension splits the change exactly."
    top, *rest = drivers.dimensions
    second = f"Most of it is concentrated {findings(top, drivers, model)}"
    if rest:
        runner = rest[0]
        best = next((p for p in runner.parts if p.contribution), None)
        if best is not None:
            second += (
                f"; next by {runner.label}: {_value(best.value)} "
                f"{signed(best.contribution, drivers, model)}{_share(best, drivers)}"
            )
    return f"{first} {capitalize(second)}."
