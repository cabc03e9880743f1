"""How an answer says what it computed: compact numbers, days, periods, conditions and scope.

The sentence people quote must carry everything that produced its number: the conditions the
rows met ("for Enterprise"), the days ("in October 2026", "in Q4 2026 through 24 Nov", "as of
24 Nov 2026") and the period it is compared with. `scope_of(provenance, model)` reads all of
it from the compiled query's provenance, so the narrative and the chart's title say the same.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import pandas as pd

from cortex.answers.formatting import currency_symbol, format_cell, format_value, is_missing
from semantic_layer.compile import (
    CompiledQuery,
    OutputColumn,
    PartialPeriod,
    Provenance,
    metrics_used,
)
from semantic_layer.model import METRIC_TIME, Grain, MetricFormat, SemanticModel
from semantic_layer.query import Filter, FilterValue
from semantic_layer.time import shift, truncate

__all__ = [
    "Scope",
    "capitalize",
    "cell_text",
    "compact_value",
    "conditions_phrase",
    "day_text",
    "is_plural",
    "partial_of",
    "partial_rows",
    "period_name",
    "period_phrase",
    "point_in_time",
    "scope_of",
    "shown_partials",
    "span_text",
]

_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_MONTH_NAMES: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_COMPACT: Final = ((1e9, "B"), (1e6, "M"), (1e3, "K"))
_COMPARED: Final = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}
#: Words that end a label in a participle ("Deals won"): the noun before them is its head.
_PARTICIPLE: Final = re.compile(r"^(\w+ed|won|lost|sold|held|paid|made|sent)$")


def compact_value(value: object, fmt: MetricFormat | None, unit: str | None = None) -> str:
    """A number as a sentence says it: `$18.2M`, `52.9K`, `4,650`, `12.6%`, `4m 05s`."""
    if is_missing(value) or fmt in ("percent", "duration"):
        return format_value(value, fmt, unit)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return format_value(value, fmt, unit)
    if abs(number) < 10_000:
        return format_value(value, fmt, unit)
    for index, (size, suffix) in enumerate(_COMPACT):
        scaled = abs(number) / size
        if scaled < 1:
            continue
        digits = 0 if scaled >= 100 else 1
        if round(scaled, digits) >= 1000 and index > 0:  # 999.96K is 1.0M
            size, suffix = _COMPACT[index - 1]
            scaled, digits = abs(number) / size, 1
        text = f"{scaled:,.{digits}f}".removesuffix(".0") + suffix
        sign = "-" if number < 0 else ""
        return f"{sign}{currency_symbol(unit)}{text}" if fmt == "currency" else f"{sign}{text}"
    return format_value(value, fmt, unit)


def day_text(day: date) -> str:
    """`24 Nov 2026`."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def span_text(first: date, last: date) -> str:
    """`24 Nov 2026`, `1–24 Nov 2026`, `1 Jun – 24 Nov 2026`, `1 Jun 2025 – 24 Nov 2026`."""
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_text(last)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {day_text(last)}"
    return f"{day_text(first)} – {day_text(last)}"


def period_name(start: date, grain: Grain) -> str:
    """One period by its name: `November 2026`, `Q4 2026`, `2026`, `the week of 2 Nov 2026`."""
    if grain == "month":
        return f"{_MONTH_NAMES[start.month - 1]} {start.year}"
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if grain == "year":
        return str(start.year)
    if grain == "week":
        return f"the week of {day_text(start)}"
    return day_text(start)


def _whole(first: date, last: date) -> Grain | None:
    """The grain of which [first, last] is exactly one period, if any."""
    for grain in ("year", "quarter", "month", "week", "day"):
        if truncate(first, grain) == first and shift(first, grain, 1) - timedelta(days=1) == last:
            return grain
    return None


def period_phrase(first: date, last: date, named: Grain | None = None) -> str:
    """The days [first, last] as a sentence says them: `in October 2026`, `on 24 Nov 2026`,
    `in Q4 2026 through 24 Nov`, `from 1 Jun to 24 Nov 2026`. `named` is the kind of
    period the range was asked as ("this quarter": quarter), which names it first."""
    if named is not None and truncate(first, named) == first == truncate(last, named):
        if _whole(first, last) == named:
            return f"in {period_name(first, named)}"
        return f"in {period_name(first, named)} through {last.day} {_MONTHS[last.month - 1]}"
    whole = _whole(first, last)
    if whole == "day":
        return f"on {day_text(first)}"
    if whole is not None:
        return f"in {period_name(first, whole)}"
    for grain in ("year", "quarter", "month"):
        if truncate(first, grain) == first and truncate(last, grain) == first:
            return f"in {period_name(first, grain)} through {last.day} {_MONTHS[last.month - 1]}"
    shown = span_text(first, last)
    return f"from {shown.replace(' – ', ' to ', 1)}" if " – " in shown else f"from {shown}"


def listed(words: Sequence[str], conjunction: str) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def capitalize(text: str) -> str:
    """`text` with its first letter in upper case (`email has …` -> `Email has …`)."""
    return text[:1].upper() + text[1:]


def is_plural(label: str) -> bool:
    """Whether a metric's label names several things (`Bookings`, `Deals won`), so that the
    sentence says "are": the head noun, the last word before any participle, ends in a
    plural 's'."""
    words = re.findall(r"[A-Za-z]+", re.sub(r"\(.*?\)", " ", label))
    while len(words) > 1 and _PARTICIPLE.match(words[-1].lower()):
        words.pop()
    head = words[-1] if words else ""
    return (
        len(head) > 3
        and head.endswith("s")
        and not head.endswith(("ss", "us", "is"))
        and not head.isupper()
    )


def _lower_label(label: str) -> str:
    """A dimension's label inside a sentence: `Handed over` -> `handed over`, `GMV tier` stays."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _value_text(value: FilterValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return day_text(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _named_by_value(value: FilterValue) -> bool:
    """Whether a value says what it is without its dimension's name ('Enterprise', 'email')."""
    return isinstance(value, str) and any(c.isalpha() for c in value)


def conditions_phrase(conditions: tuple[Filter, ...], model: SemanticModel) -> str:
    """The conditions the rows met, in words: `for Enterprise and email`, `for AI or human`,
    `where handed over`, `where amount is above 50,000`, `excluding SMB`; "" for none."""
    values: list[str] = []
    left_out: list[str] = []
    clauses: list[str] = []
    for condition in conditions:
        dimension = model.dimension(condition.field)
        label = _lower_label(
            (dimension.label if dimension else None) or condition.field.rpartition(".")[2]
        ).replace("_", " ")
        shown = [_value_text(v) for v in condition.values]
        if (
            condition.op in ("=", "in")
            and condition.values
            and all(isinstance(v, bool) for v in condition.values)
        ):
            if len(set(condition.values)) == 1:
                clauses.append(label if condition.values[0] else f"not {label}")
            continue  # both yes and no: no condition at all
        if condition.op in ("=", "in") and all(_named_by_value(v) for v in condition.values):
            values.append(" or ".join(shown))
        elif condition.op in ("=", "in"):
            clauses.append(f"{label} is {' or '.join(shown)}")
        elif condition.op in ("!=", "not in"):
            left_out.append(" and ".join(shown))
        elif condition.op == "is null":
            clauses.append(f"{label} is empty")
        elif condition.op == "is not null":
            clauses.append(f"{label} is set")
        elif condition.op == "between":
            clauses.append(f"{label} is between {shown[0]} and {shown[1]}")
        else:
            clauses.append(f"{label} is {_COMPARED[condition.op]} {shown[0]}")
    parts = []
    if values:
        parts.append("for " + " and ".join(values))
    if left_out:
        parts.append("excluding " + " and ".join(left_out))
    if clauses:
        parts.append("where " + " and ".join(clauses))
    return " ".join(parts)


@dataclass(frozen=True)
class Scope:
    """What a number covers, in words, each part "" when it does not apply.

    `conditions`: "for Enterprise"; `period`: "in October 2026", "as of 24 Nov 2026",
    "across all dates (data as of 24 Nov 2026)"; `compared`: the comparison period as a
    phrase ("in September 2026"); `past`: the period is over (the sentence says "was").
    """

    conditions: str
    period: str
    compared: str
    past: bool

    def verb(self, label: str) -> str:
        """`is`, `are`, `was` or `were`, for a metric called `label` over this scope."""
        plural = is_plural(label)
        if self.past:
            return "were" if plural else "was"
        return "are" if plural else "is"


def shown_partials(compiled: CompiledQuery, frame: pd.DataFrame) -> tuple[PartialPeriod, ...]:
    """The periods of `frame` it shows only in part. Without a time range the period still
    running on the as-of day counts as partial only when nothing comes after it: a metric
    whose dates run into the future (deals by expected close month) has that month whole."""
    partials = compiled.provenance.partial_periods
    if compiled.provenance.time_start is not None:
        return partials
    kept = []
    for period in partials:
        days = [d for d in (_day(v) for v in frame.get(period.column, ())) if d is not None]
        if not any(day > period.start for day in days):
            kept.append(period)
    return tuple(kept)


def _day(value: object) -> date | None:
    return None if is_missing(value) else pd.Timestamp(value).date()  # type: ignore[arg-type]


def partial_of(
    partials: Sequence[PartialPeriod], row: Mapping[Hashable, object]
) -> PartialPeriod | None:
    """The period of `row` (a result row by column name) among `partials`, if any."""
    for period in partials:
        if _day(row.get(period.column)) == period.start:
            return period
    return None


def cell_text(
    column: OutputColumn, row: Mapping[Hashable, object], partials: Sequence[PartialPeriod] = ()
) -> str:
    """One cell of a result row as a table shows it; a partial period (one of `partials`)
    says which days it covers: `2026-12 (partial: 1–2 Dec 2026)`."""
    text = format_cell(column, row[column.name])
    period = partial_of(partials, row)
    if period is not None and period.column == column.name:
        text += f" (partial: {span_text(period.first, period.last)})"
    return text


def partial_rows(compiled: CompiledQuery, frame: pd.DataFrame) -> list[bool]:
    """For each row of `frame`, whether it shows a period only in part."""
    partials = shown_partials(compiled, frame)
    return [partial_of(partials, row) is not None for row in frame.to_dict("records")]


def _is_time(dimension: str) -> bool:
    return ":" in dimension or dimension.partition(".")[2 if "." in dimension else 0] == METRIC_TIME


def point_in_time(model: SemanticModel, metric: str) -> bool:
    """Whether `metric` is a value on a day (a snapshot such as ARR, a trailing window)
    rather than a count or sum over the days of a range; a ratio or derived metric when
    any metric it is built from is."""
    for used in metrics_used(model, [metric]):
        measured = model.measure(used.measure or "")
        if used.type == "cumulative" or (measured is not None and measured[1].snapshot):
            return True
    return False


def scope_of(provenance: Provenance, model: SemanticModel, metric: str | None = None) -> Scope:
    """The scope of a compiled query: its conditions, its days and its comparison, said of
    `metric` (a value on a day is "as of" one; a flow covers the range), or of the query's
    metrics together when None."""
    as_of = provenance.as_of
    first, last = provenance.time_start, provenance.time_end
    on_a_day = provenance.point_in_time if metric is None else point_in_time(model, metric)
    if first is None or last is None:
        if on_a_day:
            period = f"as of {day_text(as_of)}"
        else:
            period = f"across all dates (data as of {day_text(as_of)})"
        past = False
    elif on_a_day and not any(_is_time(d) for d in provenance.dimensions):
        period = f"as of {day_text(last)}" if last >= as_of else f"on {day_text(last)}"
        past = last < as_of
    else:
        period, past = period_phrase(first, last, provenance.time_period), last < as_of
    compared = ""
    if provenance.compared_start is not None and provenance.compared_end is not None:
        compared = period_phrase(
            provenance.compared_start, provenance.compared_end, provenance.time_period
        )
    return Scope(conditions_phrase(provenance.conditions, model), period, compared, past)
