"""`linear.create_issue`: file a Linear issue carrying the answers it acts on, once.

The issue's description is Markdown: the person's own text, then each answer acted on with its
numbers and how they were computed (`skills.markdown`), the link back to the conversation, and
a last line `cortex-request: <key>`. The key names the request (the team, title, description
and the answers' questions, conversations and as-of days): the ledger says whether it was filed
already, and if Cortex stopped between Linear's yes and the ledger (or a timeout lost Linear's
answer), a search for the key in Linear finds the issue before another is filed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final

from pydantic import Field, SecretStr, StringConstraints

from cortex.settings import Settings
from skills.base import (
    ConfigurationError,
    Skill,
    SkillContext,
    SkillError,
    SkillInput,
    SkillResult,
)
from skills.ledger import WriteLedger, request_key
from skills.linear.client import LinearClient
from skills.linear.operations import Issue, find_or_create, label_ids, team, user
from skills.markdown import answers_markdown

__all__ = ["CreateIssue", "CreateLinearIssue", "issue_description"]

_KEY_LABEL: Final = "cortex-request"
#: A task for someone to do something: the title is what is to be done.
_FOR_WHOM_TO: Final = re.compile(r"^(?:the |our |my )?(?:[\w-]+ ){0,3}?[\w-]+ to (\w.+)$")
#: A request about the answer itself ("send this to Linear"), not a title.
_THIS: Final = frozenset({"this", "that", "it", "these", "the answer", "this answer"})
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class CreateIssue(SkillInput):
    """What `linear.create_issue` is given."""

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
        | None
    ) = Field(None, description="The issue's title; the question of the answer by default.")
    team: _Text | None = Field(
        None, description="The team's key (such as SUP) or id; CORTEX_LINEAR_TEAM by default."
    )
    description: str | None = Field(None, description="Text to put above the answers.")
    assignee: _Text | None = Field(None, description="An e-mail or display name in Linear.")
    labels: list[_Text] = Field(default_factory=list, description="Label names of the team.")
    due_date: date | None = None
    priority: int | None = Field(
        None, ge=0, le=4, description="0 none, 1 urgent, 2 high, 3 medium, 4 low."
    )


def issue_description(context: SkillContext, given: CreateIssue, key: str) -> str:
    """The issue's Markdown: the person's text, the answers, where it was asked, the key."""
    parts = []
    if given.description and given.description.strip():
        parts.append(given.description.strip())
    if context.answers:
        parts.append(answers_markdown(context.answers, context.workspace.model).strip())
    requester = context.requester
    who = requester.user_name or requester.user_id
    if requester.thread_link:
        parts.append(f"Asked by {who} in [the conversation]({requester.thread_link}).")
    else:
        parts.append(f"Filed by Cortex for {who} ({requester.source}).")
    parts.append(f"{_KEY_LABEL}: {key}")
    return "\n\n".join(parts) + "\n"


class CreateLinearIssue(Skill[CreateIssue]):
    """Files a Linear issue with the answers acted on, their numbers and provenance."""

    name = "linear.create_issue"
    description = (
        "File a Linear issue (a task) carrying the answers of the conversation: their numbers "
        "as a table, how they were computed, the SQL and a link back to the thread. Give a "
        "title; optionally a team key, a description, an assignee, labels, a due date and a "
        "priority (0-4)."
    )
    input_model = CreateIssue
    writes_outside = True
    button = "File in Linear"
    #: "file a task for the support leads to look at churn in Europe", "send this to Linear"
    requests = (
        r"\b(?:file|create|open|log|raise|add|make)\b (?:a |an |the )?(?:linear )?"
        r"(?:task|issue|ticket)\b(?: in linear)?(?: (?:for|to|about|on) (?P<subject>.+))?",
        r"\b(?:send|put|add|file|log)\b (?P<subject>.+?) (?:to|in|into|on) linear\b",
    )

    def request_input(self, subject: str | None) -> dict[str, Any]:
        """The title asked for; a task about "this" takes the answer's question."""
        if subject is None or subject.lower() in _THIS:
            return {}
        for_whom = _FOR_WHOM_TO.match(subject)  # "(for) the support team to look at churn"
        title = for_whom.group(1) if for_whom else subject
        return {"title": title[:1].upper() + title[1:]}

    def __init__(
        self,
        settings: Settings,
        *,
        timeout_seconds: float = 10.0,
        attempts: int = 4,
        first_wait: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._default_team = settings.linear_team
        self._client: Callable[[Settings], LinearClient] = lambda s: LinearClient(
            s.linear_api_url,
            _api_key(s),
            timeout_seconds=timeout_seconds,
            attempts=attempts,
            first_wait=first_wait,
            sleep=sleep,
        )

    def confirmation(self, given: CreateIssue) -> str:
        """Names the team and the title."""
        where = given.team or self._default_team or "(no team set)"
        titled = repr(given.title) if given.title else "titled with the answer's question"
        return f"File the Linear issue {titled} in team {where}?"

    def run(self, context: SkillContext, given: CreateIssue) -> SkillResult:
        """Files the issue, or returns the one this request filed before."""
        settings = context.settings
        _api_key(settings)
        team_ref = given.team or settings.linear_team
        if not team_ref:
            raise ConfigurationError(
                "No Linear team was given, and none is set.",
                hint="Give `team` (a team key such as SUP), or set CORTEX_LINEAR_TEAM "
                "(`linear_team` in cortex.toml).",
            )
        if not given.title:
            if not context.answers:
                raise SkillError(
                    "A Linear issue needs a title, and there is no answer to take it from.",
                    hint="Give a title, or ask a question first and file the answer.",
                )
            given = given.model_copy(update={"title": context.answers[-1].question[:255]})
        key = _request_key(context, given, team_ref)
        ledger = WriteLedger.for_settings(settings)
        written = ledger.find(self.name, key)
        if written is not None:
            return SkillResult(
                text=f"This was already filed in Linear: {written.link or written.external_id}.",
                link=written.link,
                details={"id": written.external_id, "already_filed": True, "key": key},
            )
        with self._client(settings) as linear:
            found_team = team(linear, team_ref)
            fields: dict[str, Any] = {
                "teamId": found_team.id,
                "title": given.title,
                "description": issue_description(context, given, key),
            }
            if given.labels:
                fields["labelIds"] = label_ids(linear, found_team, given.labels)
            if given.assignee:
                fields["assigneeId"] = user(linear, given.assignee).id
            if given.due_date is not None:
                fields["dueDate"] = given.due_date.isoformat()
            if given.priority is not None:
                fields["priority"] = given.priority
            issue, found = find_or_create(linear, key, fields)
        ledger.remember(self.name, key, issue.id, issue.url)
        return _result(issue, found, found_team.key, key)


def _api_key(settings: Settings) -> SecretStr:
    if settings.linear_api_key is None:
        raise ConfigurationError(
            "Linear is not set up: LINEAR_API_KEY is not set.",
            hint="Set LINEAR_API_KEY to a personal API key (Linear: Settings > Security & "
            "access), or `linear_api_key` in cortex.toml.",
        )
    return settings.linear_api_key


def _request_key(context: SkillContext, given: CreateIssue, team_ref: str) -> str:
    answers = [
        (
            answer.question,
            answer.conversation_id,
            (answer.compiled.provenance.as_of if answer.compiled else context.settings.as_of),
        )
        for answer in context.answers
    ]
    return request_key(
        "linear.create_issue", team_ref.upper(), given.title, given.description or "", answers
    )


def _result(issue: Issue, found: bool, team_key: str, key: str) -> SkillResult:
    if found:
        text = f"This was already filed in Linear as {issue.identifier}: {issue.url}"
    else:
        text = f"Filed {issue.identifier} in Linear team {team_key}: {issue.url}"
    return SkillResult(
        text=text,
        link=issue.url,
        details={
            "id": issue.id,
            "identifier": issue.identifier,
            "team": team_key,
            "already_filed": found,
            "key": key,
        },
    )
