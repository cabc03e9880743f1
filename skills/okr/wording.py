"""An objective's status in words: where it is, where it is heading and why, how likely the
target is, how each segment moves, and what would close the gap, sized from the data."""

from __future__ import annotations

from cortex.answers.formatting import format_value
from cortex.answers.wording import compact_value, day_text, listed, span_text
from skills.okr.status import Change, Status

__all__ = ["amount", "likely_text", "money", "recommendations", "status_lines"]


def money(status: Status, value: float | None) -> str:
    """A level of the objective's metric in full ($6,257,890, 16.8%, 2m 55s, 4.36)."""
    return format_value(value, status.metric.format, status.metric.unit)


def amount(status: Status, value: float | None) -> str:
    """A change or a gap of the objective's metric as a sentence says it ($93.7K)."""
    return compact_value(value, status.metric.format, status.metric.unit)


def _signed(status: Status, value: float | None) -> str:
    if value is None:
        return "–"
    if status.metric.format == "percent":
        return f"{value * 100:+.1f} pts"
    text = amount(status, abs(value))
    return ("+" if value >= 0 else "-") + text


def likely_text(confidence: float | None) -> str:
    """`about 70% likely`, `under 1% likely`, `over 99% likely`."""
    if confidence is None:
        return "unknown"
    if confidence < 0.01:
        return "under 1% likely"
    if confidence > 0.99:
        return "over 99% likely"
    return f"about {round(confidence * 100):.0f}% likely"


def _compared(status: Status) -> str:
    if status.compared is None:
        return "the period before"
    first, last = status.compared
    if status.kind == "snapshot":
        return day_text(last)
    return span_text(first, last)


def status_lines(status: Status) -> list[str]:
    """The objective's position, projection, likelihood and segments, one sentence each."""
    o, m = status.objective, status.metric
    scope = f" for {o.segment}" if o.segment else ""
    so_far = "on" if status.kind == "snapshot" else "from the period's start to"
    lines = [
        f"*{o.id}: {o.objective}* ({m.label}{scope}, {o.period}, "
        f"{'higher' if status.higher_is_better else 'lower'} is better: "
        f"{status.direction_from}).",
        f"Now: {money(status, status.current)} {so_far} {day_text(status.as_of)}, against a "
        f"target of {money(status, o.target)}"
        + _attained(status, status.current)
        + f"; {status.days_left} days of {o.period} are left.",
    ]
    if status.projected is not None:
        other = ""
        if status.method == "trend" and status.run_rate is not None:
            other = f" (the run-rate gives {money(status, status.run_rate)})"
        elif status.method == "run-rate" and status.trend is not None:
            other = f" (the trend would give {money(status, status.trend)})"
        lines.append(
            f"Projected for {day_text(status.end)}: {money(status, status.projected)} by "
            f"{status.method}{other}, range {money(status, status.low)} to "
            f"{money(status, status.high)} (a 90% band: ± 1.645 standard errors of the "
            f"fit's residuals carried to the period's end). Why {status.method}: {status.why}."
        )
        lines.append(
            f"Reaching the target is {likely_text(status.confidence)}: the share of that "
            f"band's normal distribution on the target's good side"
            + _attained(status, status.projected, projected=True)
            + "."
        )
    if status.segments and status.segment_dimension:
        shown = [
            f"{c.value} {money(status, c.now)} ({_signed(status, c.change)})"
            for c in status.segments
        ]
        lines.append(
            f"By {status.segment_dimension}, against {_compared(status)}: "
            + listed(shown, "and")
            + "."
        )
    return lines


def _attained(status: Status, value: float | None, *, projected: bool = False) -> str:
    share = status.attainment(value)
    if share is None:
        return ""
    return f" ({share:.0%} of the target{' at the end' if projected else ''})"


def _grows(status: Status, change: Change) -> bool:
    value = change.change or 0.0
    return value > 0 if status.higher_is_better else value < 0


def recommendations(status: Status) -> list[str]:
    """What would close the gap, from the segments' and levers' own changes; nothing invented:
    each figure is a change the data shows, or that change carried over the days left."""
    o = status.objective
    if status.projected is None or status.current is None:
        return []
    gap = o.target - status.projected
    short = gap > 0 if status.higher_is_better else gap < 0
    said: list[str] = []
    left = status.days_left
    if not short:
        said.append(
            f"On track: the projection beats the target by {amount(status, abs(gap))}; "
            "keep the pace, and watch the segments that lag below."
        )
    elif status.kind == "rate":
        said.append(
            f"Closing the gap of {amount(status, abs(gap))} on the projection needs the "
            f"{left} days left to run well {'above' if status.higher_is_better else 'below'} "
            f"the {money(status, status.current)} so far."
        )
    else:
        said.append(
            f"Closing the gap of {amount(status, abs(gap))} on the projection needs "
            f"{amount(status, abs(gap) / max(left, 1))} a day more over the {left} days left."
        )
    said.extend(_segment_advice(status, short))
    said.extend(_lever_advice(status))
    return said


def _pace_days(status: Status) -> int:
    if status.compared is None:
        return 0
    first, last = status.compared
    if status.kind == "snapshot":
        return (status.as_of - last).days
    return (last - first).days + 1


def _segment_advice(status: Status, short: bool) -> list[str]:
    if not status.segments or status.segment_dimension is None:
        return []
    growing = [c for c in status.segments if c.change is not None and _grows(status, c)]
    lagging = [c for c in status.segments if c.change is not None and not _grows(status, c)]
    said = []
    days = _pace_days(status)
    if status.kind != "rate" and days > 0 and growing and short:
        # each growing segment's own recent pace, carried over the days left
        adds = [(c, (c.change or 0.0) / days * status.days_left) for c in growing]
        adds.sort(key=lambda item: -abs(item[1]))
        parts = [f"{c.value} {_signed(status, add)}" for c, add in adds]
        said.append(
            f"At their pace since {_compared(status)}, the growing segments add "
            + listed(parts, "and")
            + f" in the {status.days_left} days left (already in the projection; beating the "
            "target needs them faster)."
        )
    if lagging:
        parts = [
            f"{c.value} ({money(status, c.now)}, {_signed(status, c.change)} against "
            f"{_compared(status)})"
            for c in lagging
        ]
        said.append(f"Lagging: {listed(parts, 'and')}: the first place to look for help.")
    elif growing and status.kind == "rate":
        best = growing[0]
        said.append(f"Every segment improves; {best.value} moves most.")
    return said


def _lever_advice(status: Status) -> list[str]:
    said = []
    ranked = sorted(
        (lever for lever in status.levers if lever.changes),
        key=lambda lever: -max(abs(c.change or 0.0) for c in lever.changes),
    )
    for lever in ranked[:2]:
        best, worst = lever.changes[0], lever.changes[-1]
        text = (
            f"By {lever.label.lower()}: {best.value} moved most "
            f"({_signed(status, best.change)} to {money(status, best.now)})"
        )
        if worst is not best and not _grows(status, worst):
            text += f", {worst.value} held it back ({_signed(status, worst.change)})"
        said.append(text + f", against {_compared(status)}.")
    return said
