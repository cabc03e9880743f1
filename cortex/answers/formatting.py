"""Numbers and periods as people read them: `$1,234,567`, `12.3%`, `4m 05s`, `2026-Q3`."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import get_args

import numpy as np
import pandas as pd

from semantic_layer.compile import OutputColumn, Provenance
from semantic_layer.model import Grain, MetricFormat

_GRAINS: dict[str, Grain] = {grain: grain for grain in get_args(Grain)}
_SECONDS_PER_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def number_of(value: object) -> float | None:
    """A cell as a finite number: None when it is missing, not a number (a boolean is not
    one), or infinite."""
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_duration(seconds: float) -> str:
    """`45s`, `12m 30s`, `3h 05m`, `2d 04h`."""
    negative, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        text = f"{seconds:.0f}s"
    elif seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        text = f"{minutes}m {rest:02d}s"
    elif seconds < 86400:
        hours, rest = divmod(round(seconds), 3600)
        text = f"{hours}h {rest // 60:02d}m"
    else:
        days, rest = divmod(round(seconds), 86400)
        text = f"{days}d {rest // 3600:02d}h"
    return f"-{text}" if negative else text


#: Symbols of the currencies people most often report in, by ISO 4217 code (a metric's `unit`).
_CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "CNY": "¥", "INR": "₹"}


def currency_symbol(unit: str | None) -> str:
    """What a currency metric's amounts are written with: `$` when no unit is declared (or
    USD), `£` for GBP, `€` for EUR; any other code as itself with a space ("CHF 1,200")."""
    if not unit:
        return "$"
    code = unit.strip().upper()
    return _CURRENCY_SYMBOLS.get(code, f"{code} ")


def format_value(value: object, fmt: MetricFormat | None, unit: str | None = None) -> str:
    """A metric value in its format; an empty value is shown as `–`."""
    if is_missing(value):
        return "–"
    if not isinstance(value, int | float | np.integer | np.floating):
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
    number = float(value)
    if math.isinf(number):
        return "∞"
    if fmt == "percent":
        return f"{number * 100:.1f}%"
    if fmt == "currency":
        sign = "-" if number < 0 else ""
        digits = 0 if abs(number) >= 100 else 2
        return f"{sign}{currency_symbol(unit)}{abs(number):,.{digits}f}"
    if fmt == "duration":
        return format_duration(number * _SECONDS_PER_UNIT.get(unit or "seconds", 1.0))
    if isinstance(value, int | np.integer):  # counts; averages and ratios keep their decimals
        return f"{int(value):,}"
    return f"{number:,.2f}"


def format_period(value: object, grain: Grain | None) -> str:
    """A period start as its name at `grain`: `2026-06`, `2026-Q2`, `2026`, `2026-06-01`."""
    if is_missing(value):
        return "–"
    if isinstance(value, pd.Timestamp | datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        return str(value)
    if grain == "month":
        return f"{day:%Y-%m}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if grain == "year":
        return str(day.year)
    if grain == "week":
        return f"week of {day.isoformat()}"
    return day.isoformat()


def format_dimension(value: object) -> str:
    """A dimension value: booleans as yes/no, empty values as `(none)`."""
    if is_missing(value):
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def column_grain(name: str) -> Grain | None:
    """The grain of a time column named `<time dimension>__<grain>`, else None."""
    return _GRAINS.get(name.rpartition("__")[2])


def format_cell(column: OutputColumn, value: object) -> str:
    """One cell of a result: a period at its grain, a dimension value, or a formatted metric."""
    if column.kind == "dimension":
        grain = column_grain(column.name)
        return format_period(value, grain) if grain else format_dimension(value)
    if (
        column.kind == "comparison"
        and column.format == "percent"
        and column.name.endswith("__change")
    ):
        return format_points(value)
    return format_value(value, column.format, column.unit)


def format_points(value: object) -> str:
    """A change of a percentage, in percentage points: `+2.1 pts`, `-0.4 pts`."""
    if is_missing(value):
        return "–"
    points = float(value) * 100  # type: ignore[arg-type]
    return f"{points:+.1f} pts"


def provenance_points(p: Provenance, *, joins: bool = True) -> list[tuple[str, str]]:
    """The points of "how this was computed", each as (a part to emphasise, the rest): one per
    metric (its label, then name, status, owner and definition), then the time range, the
    comparison, the filters, the joins (unless `joins` is False) and the compiler's notes."""
    points = []
    for m in p.metrics:
        status = "certified" if m.status == "certified" else "draft (not certified)"
        points.append((m.label, f" ({m.name}, {status}, owner {m.owner}): {m.definition}"))
    if p.time_range:
        points.append(("", f"Time range: {p.time_range}"))
    if p.comparison:
        points.append(("", f"Compared with the {p.comparison}"))
    if p.filters:
        points.append(("", f"Filters: {'; '.join(p.filters)}"))
    if joins and p.joins:
        points.append(("", f"Joins: {'; '.join(p.joins)}"))
    points.extend(("", note) for note in p.notes)
    return points


def json_value(value: object) -> object:
    """A cell or figure as JSON holds it: days as ISO text, numpy numbers as Python ones, a
    missing value (None, NaN, NaT) as null."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    item = getattr(value, "item", None)
    return item() if callable(item) else value
