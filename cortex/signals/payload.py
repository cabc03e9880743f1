"""Drivers as JSON: what `cortex ask --json` and the drivers skill return.

`change` is the metric's change; `drivers` the top dimension's values, each with its figures
before and after, its contribution (they sum to `change`) and its share of the change, plus
`rate`, `mix` and `interaction` for a ratio metric (they sum to the contribution); `dimensions`
every dimension that splits the change, ranked, with the same items.
"""

from __future__ import annotations

from cortex.signals.decompose import Part
from cortex.signals.drivers import DimensionDrivers, Drivers

__all__ = ["drivers_payload"]


def _items(found: DimensionDrivers, drivers: Drivers) -> list[dict[str, object]]:
    """Each value of one dimension with its part of the change."""

    def item(part: Part) -> dict[str, object]:
        share = part.contribution / drivers.change if drivers.change else None
        shown: dict[str, object] = {
            "dimension": found.dimension,
            "value": part.value,
            "before": part.before,
            "after": part.after,
            "contribution": part.contribution,
            "share": share,
        }
        if drivers.kind == "ratio":
            shown |= {"rate": part.rate, "mix": part.mix, "interaction": part.interaction}
        return shown

    return [item(part) for part in found.parts]


def drivers_payload(drivers: Drivers) -> dict[str, object]:
    """`change`, `drivers` (the top dimension's items) and `dimensions` (all, ranked)."""
    top = drivers.top
    return {
        "change": drivers.change,
        "before": drivers.before,
        "after": drivers.after,
        "period": [drivers.period[0].isoformat(), drivers.period[1].isoformat()],
        "compared": [drivers.compared[0].isoformat(), drivers.compared[1].isoformat()],
        "split": drivers.kind,
        "unsplit": drivers.unsplit,
        "drivers": _items(top, drivers) if top is not None else [],
        "dimensions": [
            {
                "dimension": found.dimension,
                "label": found.label,
                "concentration": found.concentration,
                "drivers": _items(found, drivers),
            }
            for found in drivers.dimensions
        ],
    }
