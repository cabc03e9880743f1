"""What a skill is: a name, a description, a checked input, who may run it, and `run`.

A skill's input is a pydantic model; its JSON schema is the tool a model-backed planner sees,
and the CLI's `--input JSON` and a Slack button's value are validated against it. A skill that
writes outside Cortex (a Notion page, a Linear issue) is run only once the person who asked has
confirmed (`writes_outside`). `run(context, input)` returns a `SkillResult`: what to tell the
person, the link or files it produced, and any numbers it computed as an `Answer`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from cortex.answer import Answer
from cortex.errors import UserError
from cortex.settings import Settings
from cortex.workspace import QueryOutcome, Workspace
from semantic_layer.query import SemanticQuery

if TYPE_CHECKING:
    from cortex.agent import Agent, QueryPolicy

__all__ = [
    "ConfigurationError",
    "Requester",
    "Skill",
    "SkillContext",
    "SkillError",
    "SkillInput",
    "SkillResult",
]

InputT = TypeVar("InputT", bound="SkillInput")


class SkillError(UserError):
    """A skill could not do what was asked; the message says why and what to do."""


class ConfigurationError(SkillError):
    """A skill is not configured to reach its service (no token, a refused token, no parent)."""


class SkillInput(BaseModel):
    """The base of every skill's input: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, kw_only=True)
class Requester:
    """Who runs a skill, from where: their roles decide what they may run and see.

    `roles` None means an unrestricted local analyst (the CLI without access.yml). `thread_link`
    is a permalink back to the conversation (a Slack thread), for pages and tasks to point to.
    """

    user_id: str
    user_name: str | None = None
    roles: frozenset[str] | None = None
    source: Literal["slack", "cli", "mcp"] = "cli"
    channel: str | None = None
    thread: str | None = None
    thread_link: str | None = None


@dataclass(frozen=True, kw_only=True)
class SkillContext:
    """What a skill runs with: the workspace, who asked, what they may see, the answers acted on.

    Every query a skill runs goes through `query`, so the asker's row policy applies to it as it
    does to a question. `answers` are the answers the skill acts on (the one under a button, or
    the last answers of the conversation), newest last.
    """

    workspace: Workspace
    requester: Requester
    policy: QueryPolicy | None = None
    answers: tuple[Answer, ...] = ()
    agent: Agent | None = None

    @property
    def settings(self) -> Settings:
        """The settings of the workspace."""
        return self.workspace.settings

    @property
    def output_dir(self) -> Path:
        """Where files a skill makes are written (made on first use)."""
        folder = self.settings.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def ask(self, question: str) -> Answer:
        """Answer `question` through the agent, as the requester may see it (a skill given
        questions, such as a report of several, plans them the governed way)."""
        if self.agent is None:
            raise SkillError("This skill needs questions answered, and no agent was given.")
        return self.agent.ask(question, policy=self.policy)

    def query(self, query: SemanticQuery) -> QueryOutcome:
        """Run a governed query as the requester may: their policy applied, then compiled."""
        allowed = query if self.policy is None else self.policy.apply(query)
        return self.workspace.query(allowed)


@dataclass(frozen=True, kw_only=True)
class SkillResult:
    """What a run gave: the text to tell the person, and what it produced.

    `link` is where the thing made lives (a Notion page, a Linear issue); `files` are files
    written (a report, a brief); `answer` holds numbers computed as an answer (okr.status), shown
    as any answer is; `details` are JSON-able facts for `--json` and the audit trail.
    """

    text: str
    link: str | None = None
    files: tuple[Path, ...] = ()
    answer: Answer | None = None
    details: Mapping[str, object] = field(default_factory=dict)


class Skill(ABC, Generic[InputT]):
    """A skill: subclass it with a name, a description, an input model and `run`.

    `roles` None lets everyone run it; otherwise the requester needs one of them.
    `writes_outside` means it changes something outside Cortex and needs confirming first.
    `requests` are how people ask for it in plain language: regular expressions (matched
    case-insensitively against the whole question) made of the skill's own words ("save ...
    to notion"), never of a company's metrics; a group named `subject` holds what the request
    is about, which `request_input` turns into the skill's input.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    input_model: ClassVar[type[SkillInput]]
    roles: ClassVar[frozenset[str] | None] = None
    writes_outside: ClassVar[bool] = False
    requests: ClassVar[tuple[str, ...]] = ()
    #: the label of its button under every answer in Slack (None: no button)
    button: ClassVar[str | None] = None

    @abstractmethod
    def run(self, context: SkillContext, given: InputT) -> SkillResult:
        """Do the skill's work for `given`, as `context.requester`; raises SkillError."""

    def input_schema(self) -> dict[str, Any]:
        """The JSON schema of the skill's input: the tool a model-backed planner sees."""
        return self.input_model.model_json_schema()

    def read_request(self, question: str) -> Mapping[str, Any] | None:
        """The input `question` asks this skill for, or None when it asks for something else."""
        said = " ".join(question.strip().rstrip("?!.").split())
        for pattern in self.requests:
            found = re.search(pattern, said, re.IGNORECASE)
            if found is not None:
                subject = found.groupdict().get("subject")
                return self.request_input(subject.strip(" ,.:") if subject else None)
        return None

    def request_input(self, subject: str | None) -> Mapping[str, Any]:
        """The input of a request about `subject` (None: about the answer in the thread)."""
        return {}

    def confirmation(self, given: InputT) -> str:
        """What the person confirms before a skill that writes outside runs."""
        return f"Run {self.name}?"
