"""The suggested prompts of a new assistant thread: the verified questions a person may ask.

Slack shows up to four prompts under a new assistant thread. Cortex offers the verified
questions analysts marked `onboarding: true` in metrics.yml, in the order they are declared,
and only those the person's access covers: a question whose metrics their roles may not see
(or whose rows they have no attribute for) is not offered, so a prompt never leads to a
refusal.
"""

from __future__ import annotations

from typing import Final

from cortex.access.grants import Grant
from cortex.errors import AccessDenied
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

__all__ = ["MAX_PROMPTS", "onboarding_prompts"]

#: Slack's limit on suggested prompts per thread (assistant.threads.setSuggestedPrompts).
MAX_PROMPTS: Final = 4
_TITLE_CHARS: Final = 75


def onboarding_prompts(
    model: SemanticModel, grant: Grant, limit: int = MAX_PROMPTS
) -> list[dict[str, str]]:
    """Up to `limit` prompts (`{"title", "message"}`) for the person of `grant`."""
    prompts: list[dict[str, str]] = []
    for verified in model.verified_queries:
        if len(prompts) >= limit:
            break
        if not verified.onboarding:
            continue
        try:
            grant.apply(SemanticQuery.from_spec(verified.query))
        except (AccessDenied, SemanticLayerError):
            continue  # not theirs to ask (or broken, which `cortex check` reports)
        question = verified.question
        title = question if len(question) <= _TITLE_CHARS else question[: _TITLE_CHARS - 1] + "…"
        prompts.append({"title": title, "message": question})
    return prompts
