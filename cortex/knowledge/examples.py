"""Examples taken from the loaded model, for messages that show people what they can ask.

Cortex serves whichever company's `metrics.yml` it loads, so an example is never written into
the code: it is a question an analyst verified, or one made from a certified metric's label.
"""

from __future__ import annotations

from semantic_layer.model import Metric, SemanticModel

__all__ = ["example_metrics", "example_question", "listed"]


def example_metrics(model: SemanticModel, count: int = 4) -> list[str]:
    """Labels of up to `count` metrics people can ask about, certified ones first."""
    ranked = sorted(model.metrics, key=lambda metric: metric.status != "certified")
    return [_label(metric) for metric in ranked[:count]]


def example_question(model: SemanticModel) -> str:
    """A question the model answers: the first verified one, else one about a certified metric."""
    if model.verified_queries:
        return model.verified_queries[0].question
    labels = example_metrics(model, 1)
    return f"{labels[0][:1].upper()}{labels[0][1:]} last month" if labels else "What can I ask?"


def listed(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _label(metric: Metric) -> str:
    """The label as it reads mid-sentence: "win rate", but "ARR" and "AI adoption" kept."""
    label = metric.label or metric.name.replace("_", " ")
    first, _, rest = label.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}".strip()
