"""What one person may see of the catalog: each metric, visible or not, and the rows they see.

`metrics_seen(grant)` asks the grant itself (`Grant.apply` on a query of each metric alone), so
the catalog shown to someone (`cortex metrics --as-user`, the Slack App Home) follows exactly
the rules their questions do: a metric is visible when they may ask for it, and its `rows` are
the row filters their row policies add (none: every row). A metric their row policy cannot
narrow is not visible (rule 4 fails closed), and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from cortex.access.grants import Grant
from cortex.access.sources import source_key
from cortex.errors import AccessDenied
from semantic_layer.compile import tables_read
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Metric, Table
from semantic_layer.query import Filter, SemanticQuery

__all__ = ["MetricSeen", "metrics_seen", "tables_seen"]


@dataclass(frozen=True)
class MetricSeen:
    """One metric of the catalog as one person sees it."""

    metric: Metric
    visible: bool
    #: the row filters the person's row policies add (visible metrics only; none: every row)
    rows: tuple[Filter, ...] = ()
    #: why not visible (the refusal they would get), empty when visible
    reason: str = ""


def metrics_seen(grant: Grant) -> list[MetricSeen]:
    """Every metric of the model, in its order, as `grant`'s person sees it."""
    found = []
    for metric in grant.policy.model.metrics:
        query = SemanticQuery(metrics=(metric.name,))
        try:
            allowed = grant.apply(query)
        except AccessDenied as denied:
            found.append(MetricSeen(metric, False, reason=denied.message))
            continue
        except SemanticLayerError as error:  # a metric that does not compile alone
            found.append(MetricSeen(metric, False, reason=str(error)))
            continue
        found.append(MetricSeen(metric, True, rows=allowed.filters))
    return found


def tables_seen(grant: Grant) -> list[Table]:
    """The tables of the model whose dimensions `grant`'s person may group and filter by
    (rule 3): those reading no warehouse table restricted to roles they lack."""
    policy = grant.policy
    found = []
    for table in policy.model.tables:
        restricted = [
            policy.restricted_sources.get(source_key(s))
            for s in tables_read(policy.model, table.name)
        ]
        if all(r is None or r[1] & grant.roles for r in restricted):
            found.append(table)
    return found
