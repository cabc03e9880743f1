"""When a signal fires: the rule kinds a digest can name, and the seam for the ones added later.

A signal's rule is `{type: <kind>, ...parameters}` in digests.yml. A kind is a `RuleEvaluator`:
it checks its parameters when the file is read (`check` returns one sentence a problem), and
judges one `Reading` when the digest runs (`judge` returns a `Verdict`). Two kinds are built in:

- `threshold`: the value is `above` (or `below`) a number;
- `pct_change`: the change against the comparison is at least `at_least` percent either way.

`anomaly` (`anomaly_rule.py`) judges the value against the calendar; a rule set without an
evaluator for a kind says, for that signal alone, that it could not be judged. An evaluator
receives a `RuleContext`: the governed query of the signal and a way to run more of them (an
anomaly test reads the metric's history).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Protocol

from semantic_layer.query import SemanticQuery

__all__ = [
    "KNOWN_KINDS",
    "PctChange",
    "Reading",
    "RuleContext",
    "RuleEvaluator",
    "RuleSet",
    "Threshold",
    "Verdict",
    "default_rules",
]

#: Every rule kind digests.yml accepts.
KNOWN_KINDS: Final = ("threshold", "pct_change", "anomaly")


@dataclass(frozen=True)
class Reading:
    """One value of a signal: for the whole metric, or for one group of its dimensions.

    `compared` is the comparison's value (the previous period, the same period last year, or
    the target) and `change` the value minus it; all None when there is none. `group` holds
    (dimension, value) pairs, empty for a signal without dimensions.
    """

    value: float | None
    compared: float | None = None
    change: float | None = None
    change_pct: float | None = None
    group: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Whether a reading fires its rule, and why in a few words ("up 12.3%, at least 10%")."""

    fired: bool
    reason: str = ""


@dataclass(frozen=True)
class RuleContext:
    """What an evaluator may use beyond the reading: the signal's governed query, its day, and
    `run`, which compiles and runs another semantic query (a metric's history) through the
    semantic layer and returns its rows as dicts."""

    query: SemanticQuery
    as_of: date
    run: Callable[[SemanticQuery], list[dict[str, object]]]
    params: Mapping[str, object] = field(default_factory=dict)


class RuleEvaluator(Protocol):
    """A rule kind: checks its parameters, then judges readings."""

    def check(self, params: Mapping[str, object]) -> list[str]:
        """One sentence per problem with `params` (empty when they are fine)."""
        ...

    def judge(self, reading: Reading, context: RuleContext) -> Verdict:
        """Whether `reading` fires, with its `context.params`."""
        ...


RuleSet = Mapping[str, RuleEvaluator]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _unknown(params: Mapping[str, object], accepted: tuple[str, ...]) -> list[str]:
    return [
        f"unknown parameter '{key}' (accepted: {', '.join(accepted)})"
        for key in params
        if key not in accepted
    ]


class Threshold:
    """Fires when the value is above `above`, or below `below` (exactly one of them)."""

    def check(self, params: Mapping[str, object]) -> list[str]:
        """`above` or `below`, a number; nothing else."""
        problems = _unknown(params, ("above", "below"))
        given = [key for key in ("above", "below") if key in params]
        if len(given) != 1:
            problems.append("give exactly one of 'above' or 'below', a number, e.g. above: 100")
        problems += [
            f"'{key}' must be a number, not {params[key]!r}"
            for key in given
            if _number(params[key]) is None
        ]
        return problems

    def judge(self, reading: Reading, context: RuleContext) -> Verdict:
        """Above or below the limit, strictly."""
        if reading.value is None:
            return Verdict(False, "no value")
        if "above" in context.params:
            limit = _number(context.params["above"])
            assert limit is not None
            return Verdict(reading.value > limit, f"above {limit:g}")
        limit = _number(context.params["below"])
        assert limit is not None
        return Verdict(reading.value < limit, f"below {limit:g}")


class PctChange:
    """Fires when the change against the comparison is at least `at_least` percent, up or down
    (`direction: up` or `down` keeps one way only)."""

    def check(self, params: Mapping[str, object]) -> list[str]:
        """`at_least`, a number of percent above 0; optional `direction` up or down."""
        problems = _unknown(params, ("at_least", "direction"))
        limit = _number(params.get("at_least"))
        if limit is None or limit <= 0:
            problems.append(
                f"'at_least' must be a number of percent above 0, e.g. at_least: 10 "
                f"(not {params.get('at_least')!r})"
            )
        if params.get("direction", "either") not in ("up", "down", "either"):
            problems.append(f"'direction' is up, down or either, not {params['direction']!r}")
        return problems

    def judge(self, reading: Reading, context: RuleContext) -> Verdict:
        """|change| / |comparison| >= at_least%."""
        limit = _number(context.params.get("at_least"))
        assert limit is not None
        if reading.change_pct is None or not math.isfinite(reading.change_pct):
            return Verdict(False, "no comparison")
        pct = reading.change_pct * 100
        direction = context.params.get("direction", "either")
        way = {"up": pct >= limit, "down": -pct >= limit}.get(str(direction), abs(pct) >= limit)
        word = "up" if pct >= 0 else "down"
        return Verdict(way, f"{word} {abs(pct):.1f}%, at least {limit:g}%")


def default_rules(additive: frozenset[str] | None = None) -> dict[str, RuleEvaluator]:
    """The kinds digests.yml can name: threshold, pct_change and anomaly (`additive`: the
    metrics whose days add up, which the anomaly rule may judge by week or month)."""
    from cortex.signals.anomaly_rule import AnomalyRule  # it imports this module's types

    return {"threshold": Threshold(), "pct_change": PctChange(), "anomaly": AnomalyRule(additive)}
