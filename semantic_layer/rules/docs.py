"""Rule f: every metric has an owner and a description, and a certified one synonyms."""

from __future__ import annotations

from collections.abc import Iterator

from semantic_layer.errors import Issue
from semantic_layer.rules.context import (
    RuleContext,
    issue_at,
)


def check_metric_docs(context: RuleContext) -> Iterator[Issue]:
    """f. Every metric has an owner and a description; a certified metric has synonyms."""
    for metric in context.model.metrics:
        path = f"metric '{metric.name}'"
        if not metric.owner.strip():
            yield issue_at(
                metric.location,
                path,
                "has no owner.",
                "Add `owner:`, the team or person to ask about this metric.",
            )
        if not metric.description.strip():
            yield issue_at(
                metric.location,
                path,
                "has no description.",
                "Add `description:`, saying what the metric counts and how.",
            )
        if metric.status == "certified" and not metric.synonyms:
            yield issue_at(
                metric.location,
                path,
                "is certified but has no synonyms.",
                "Add `synonyms:`, the words people use for it, so questions find it.",
                level="warning",
            )
