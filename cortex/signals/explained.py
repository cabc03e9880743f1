"""The drivers of a fired signal, for its line in a digest: the exact split of its change.

`signal_drivers` is the digest's `DriversHook`: for a signal that compares with the previous
period or the same period last year, it explains the change of the reading's slice (its group's
values as filters) with `drivers.explain_change`, through the workspace's governed queries, and
returns one line: where most of the change sits, with numbers. A change that cannot be split
(a median, an average) gives the reason instead; a comparison with a target gives nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from cortex.signals.digests import Signal
from cortex.signals.drivers import explain_change
from cortex.signals.rules import Reading
from cortex.signals.summary import findings
from cortex.workspace import Workspace
from semantic_layer.query import Filter

__all__ = ["signal_drivers"]


def signal_drivers(signal: Signal, reading: Reading, workspace: Workspace) -> Sequence[str]:
    """One line on what moved the reading's change most (none when nothing can be split)."""
    query = signal.query()
    if query.compare is None or not reading.change:
        return ()
    group = tuple(Filter(field=name, op="=", values=(value,)) for name, value in reading.group)
    sliced = query.model_copy(update={"dimensions": (), "filters": (*query.filters, *group)})
    drivers = explain_change(sliced, workspace.model, workspace.query)
    if drivers.unsplit is not None:
        return (f"Not split: {drivers.unsplit}.",)
    top = drivers.top
    if top is None:
        return ()
    said = findings(top, drivers, workspace.model)
    return (f"Mostly {said}.",)
