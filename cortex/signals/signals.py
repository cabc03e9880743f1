"""Evaluating a digest's signals: each one's governed queries, its readings, and its rule.

`evaluate_digest(digest, workspace, rules, drivers=None)` runs every signal through the semantic
layer (`Workspace.query`: the value beside its comparison, then the recent series for the
sparkline) and judges each reading with the signal's rule kind from `rules`. A signal that
cannot be computed or judged (a query the warehouse refuses, a rule kind with no evaluator)
becomes a failed outcome with a one-sentence reason; the others go on.

`drivers`, when given, explains a fired reading: a `DriversHook` gets the signal, the reading
and the workspace and returns a few short lines ("Enterprise +$1.2M, 80% of the change"). It
is the seam for the exact decomposition; when absent, or when it fails, a digest has none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final

import numpy as np

from connectors.warehouse import WarehouseError
from cortex.answers.formatting import number_of
from cortex.answers.wording import span_text
from cortex.errors import UserError
from cortex.planning.phrase import phrase_query
from cortex.signals.digests import Digest, Signal
from cortex.signals.rules import Reading, RuleContext, RuleEvaluator, Verdict
from cortex.workspace import Workspace
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Grain
from semantic_layer.query import SemanticQuery
from semantic_layer.time import resolve_time_range

__all__ = [
    "DigestReport",
    "DriversHook",
    "SignalOutcome",
    "evaluate_digest",
    "on_day",
]

_log = logging.getLogger("cortex.signals")
#: How many periods the sparkline of a signal shows (the signal's own period last).
SPARK_PERIODS: Final = 12

DriversHook = Callable[[Signal, Reading, Workspace], Sequence[str]]


@dataclass(frozen=True)
class SignalOutcome:
    """What one signal came to: its readings and verdicts, or why it could not be computed.

    `fired` holds the readings whose rule fired, with the verdict; `series` the metric's recent
    values for the sparkline (oldest first); `question` the signal in words a planner reads
    back to its query (the "Open in a thread" button asks it), None when it has none.
    """

    signal: Signal
    label: str
    format: str = "number"
    unit: str | None = None
    owner: str = ""
    period: str = ""
    compared_period: str = ""
    readings: tuple[tuple[Reading, Verdict], ...] = ()
    series: tuple[float, ...] = ()
    drivers: tuple[str, ...] = ()
    question: str | None = None
    error: str | None = None

    @property
    def fired(self) -> tuple[tuple[Reading, Verdict], ...]:
        """The readings that fired."""
        return tuple(pair for pair in self.readings if pair[1].fired)


@dataclass(frozen=True)
class DigestReport:
    """A digest evaluated as of a day: every signal's outcome, and the data's freshness."""

    digest: Digest
    as_of: date
    outcomes: tuple[SignalOutcome, ...]
    freshness: datetime | None = None

    @property
    def fired(self) -> tuple[SignalOutcome, ...]:
        """The signals with at least one reading that fired."""
        return tuple(o for o in self.outcomes if o.error is None and o.fired)

    @property
    def quiet(self) -> tuple[SignalOutcome, ...]:
        """The signals computed that did not fire."""
        return tuple(o for o in self.outcomes if o.error is None and not o.fired)

    @property
    def failed(self) -> tuple[SignalOutcome, ...]:
        """The signals that could not be computed or judged."""
        return tuple(o for o in self.outcomes if o.error is not None)


def on_day(workspace: Workspace, as_of: date) -> Workspace:
    """The same model and warehouse, with relative periods read as of `as_of`."""
    return Workspace(replace(workspace.settings, as_of=as_of), workspace.model, workspace.warehouse)


def evaluate_digest(
    digest: Digest,
    workspace: Workspace,
    rules: Mapping[str, RuleEvaluator],
    drivers: DriversHook | None = None,
) -> DigestReport:
    """Every signal of `digest` as of the workspace's day; one failing does not stop the rest."""
    outcomes: list[SignalOutcome] = []
    freshness: datetime | None = None
    for signal in digest.signals:
        outcome, fresh = _evaluate(signal, workspace, rules, drivers)
        outcomes.append(outcome)
        if fresh is not None and (freshness is None or fresh < freshness):
            freshness = fresh  # the stalest table read is how fresh the digest is
    return DigestReport(digest, workspace.settings.as_of, tuple(outcomes), freshness)


def _evaluate(
    signal: Signal,
    workspace: Workspace,
    rules: Mapping[str, RuleEvaluator],
    drivers: DriversHook | None,
) -> tuple[SignalOutcome, datetime | None]:
    model = workspace.model
    metric = model.metric(signal.metric)
    label = metric.label if metric is not None else signal.metric
    base = SignalOutcome(
        signal,
        signal.name if signal.name != signal.metric else label,
        format=metric.format if metric is not None else "number",
        unit=metric.unit if metric is not None else None,
        owner=metric.owner if metric is not None else "",
        question=phrase_query(signal.query(), model),
    )
    evaluator = rules.get(signal.rule.kind)
    if evaluator is None:
        return replace(
            base, error=f"no evaluator for the rule '{signal.rule.kind}' is set up"
        ), None
    try:
        outcome = workspace.query(signal.query())
    except (SemanticLayerError, WarehouseError, UserError) as error:
        return replace(base, error=_sentence(error)), None
    except Exception:  # noqa: BLE001 - one signal's bug must not cost the digest
        _log.exception("signal %s of metric %s failed", signal.name, signal.metric)
        return replace(base, error="an unexpected error (see the log)"), None
    assert outcome.result is not None
    provenance = outcome.compiled.provenance
    context = RuleContext(
        query=signal.query(),
        as_of=workspace.settings.as_of,
        run=lambda query: _rows(workspace, query),
        params=signal.rule.params,
    )
    readings: list[tuple[Reading, Verdict]] = []
    try:
        for row in outcome.result.frame.to_dict("records"):
            reading = _reading(signal, {str(k): v for k, v in row.items()})
            readings.append((reading, evaluator.judge(reading, context)))
    except Exception as error:  # noqa: BLE001 - an evaluator that fails fails its signal only
        _log.exception("the %s rule of signal %s failed", signal.rule.kind, signal.name)
        return replace(base, error=f"the {signal.rule.kind} rule failed: {error}"), None
    compared = ""
    if provenance.compared_start is not None and provenance.compared_end is not None:
        compared = span_text(provenance.compared_start, provenance.compared_end)
    elif signal.compare == "target":
        compared = "target"
    found = replace(
        base,
        period=_span(provenance.time_start, provenance.time_end, signal.period),
        compared_period=compared,
        readings=tuple(readings),
        series=_series(signal, workspace),
    )
    fired = found.fired
    if drivers is not None and fired:
        try:
            found = replace(found, drivers=tuple(drivers(signal, fired[0][0], workspace)))
        except Exception:  # noqa: BLE001 - drivers explain; a digest without them still informs
            _log.exception("the drivers of signal %s failed", signal.name)
    return found, outcome.result.freshness


def _span(first: date | None, last: date | None, otherwise: str) -> str:
    return span_text(first, last) if first is not None and last is not None else otherwise


def _count_or_number(value: object) -> float | None:
    """A cell as a number, a count kept whole (so it reads `1,757`, not `1,757.00`)."""
    number = number_of(value)
    if number is not None and isinstance(value, int | np.integer):
        return int(number)
    return number


def _reading(signal: Signal, row: dict[str, object]) -> Reading:
    name = signal.metric
    value = _count_or_number(row.get(name))
    group = tuple(
        (dimension, str(row.get(dimension.replace(":", "__"), "")))
        for dimension in signal.dimensions
    )
    if signal.compare == "target" and signal.target is not None:
        target = signal.target
        change = None if value is None else value - target
        pct = None if change is None or target == 0 else change / abs(target)
        return Reading(value, target, change, pct, group)
    return Reading(
        value,
        _count_or_number(row.get(f"{name}__previous")),
        _count_or_number(row.get(f"{name}__change")),
        number_of(row.get(f"{name}__change_pct")),
        group,
    )


def _series(signal: Signal, workspace: Workspace) -> tuple[float, ...]:
    """The metric's values over the last SPARK_PERIODS periods of the signal's own unit, up to
    and including its period; empty when the series cannot be computed."""
    try:
        period = resolve_time_range(signal.period, workspace.settings.as_of)
        if period is None:  # all time: no periods to draw
            return ()
        unit: Grain = period.unit or "day"
        first = period.shifted(unit, -(SPARK_PERIODS - 1)).start
        query = SemanticQuery(
            metrics=(signal.metric,),
            dimensions=(f"metric_time:{unit}",),
            filters=signal.where,
            named_filters=signal.filters,
            time_range=f"{first.isoformat()}..{period.last_day.isoformat()}",
        )
        rows = _rows(workspace, query)
    except (SemanticLayerError, WarehouseError, UserError):
        return ()
    values = [number_of(row.get(signal.metric)) for row in rows]
    return tuple(v for v in values if v is not None)[-SPARK_PERIODS:]


def _rows(workspace: Workspace, query: SemanticQuery) -> list[dict[str, object]]:
    result = workspace.query(query).result
    assert result is not None
    return [{str(k): v for k, v in row.items()} for row in result.frame.to_dict("records")]


def _sentence(error: Exception) -> str:
    text = error.user_message if isinstance(error, UserError) else str(error)
    return " ".join(text.split())
