"""Putting an agent together from settings: the one place entry points (CLI, Slack) build it."""

from __future__ import annotations

from collections.abc import Sequence

from cortex.agent import Agent
from cortex.knowledge import (
    ContextLibrary,
    ValueIndex,
    build_catalog,
    build_value_index,
    load_context,
)
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.plans import Planner, RequestReader
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace


def workspace_context(workspace: Workspace) -> ContextLibrary | None:
    """The business context of `context/`, or None when the folder is missing."""
    settings = workspace.settings
    if not settings.context_dir.is_dir():
        return None
    return load_context(settings.context_dir, model=workspace.model)


def choose_planner(
    workspace: Workspace,
    context: ContextLibrary | None,
    values: ValueIndex | None = None,
    skills: Sequence[RequestReader] = (),
) -> Planner:
    """Claude when ANTHROPIC_API_KEY is set (offered the skills as tools), the offline
    planner otherwise (the agent reads requests for skills before either plans)."""
    if values is None:
        values = build_value_index(workspace.model, workspace.warehouse)
    settings = workspace.settings
    if settings.anthropic_api_key is not None:
        from cortex.planning.claude import claude_planner_from_settings  # the SDK only when used

        catalog = build_catalog(workspace.model, values=values, context=context)
        return claude_planner_from_settings(settings, workspace.model, catalog, context, skills)
    return OfflinePlanner(workspace.model, as_of=settings.as_of, values=values)


def build_agent(workspace: Workspace, requests: Sequence[RequestReader] = ()) -> Agent:
    """An agent answering from `workspace`, with its context, planner and conversation store;
    `requests` are the skills it recognises requests for (the surface's skill registry)."""
    context = workspace_context(workspace)
    conversations = ConversationStore(workspace.settings.conversations_path)
    values = build_value_index(workspace.model, workspace.warehouse)
    planner = choose_planner(workspace, context, values, requests)
    return Agent(workspace, planner, conversations, context, values, requests)
