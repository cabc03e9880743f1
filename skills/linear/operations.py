"""The Linear operations `linear.create_issue` needs, each a named GraphQL document and a reader.

    team(linear, "SUP")                 the team by key (or id)
    label_ids(linear, team, ["Bug"])    label names as ids, the team's or the workspace's
    user(linear, "ada@acme.com")        a person by e-mail, display name or name
    issue_with(linear, key)             an issue whose description carries `key`, if any
    create_issue(linear, fields)        `issueCreate`, then the issue filed

Each reads only what it asks for; a name that matches nothing is a `SkillError` saying what
there is. `find_or_create` is the one step of filing that is retried as a whole: it looks for
the request's key first, so a retry after Linear filed the issue but its answer was lost (a
timeout) finds that issue instead of filing a second.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from semantic_layer.errors import did_you_mean
from skills.base import SkillError
from skills.linear.client import LinearClient

__all__ = [
    "Issue",
    "Team",
    "User",
    "create_issue",
    "find_or_create",
    "issue_with",
    "label_ids",
    "labels",
    "team",
    "user",
]

_UUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

TEAMS: Final = """
query Teams($filter: TeamFilter) {
  teams(filter: $filter, first: 50) {
    nodes { id key name }
  }
}
"""

LABELS: Final = """
query Labels($filter: IssueLabelFilter) {
  issueLabels(filter: $filter, first: 250) {
    nodes { id name }
  }
}
"""

USERS: Final = """
query Users($filter: UserFilter) {
  users(filter: $filter, first: 10) {
    nodes { id name displayName email }
  }
}
"""

ISSUES_WITH_KEY: Final = """
query IssuesWithKey($filter: IssueFilter) {
  issues(filter: $filter, first: 1) {
    nodes { id identifier url title }
  }
}
"""

ISSUE_CREATE: Final = """
mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) {
    success
    issue { id identifier url title }
  }
}
"""


@dataclass(frozen=True)
class Team:
    """A Linear team: its id, key and name."""

    id: str
    key: str
    name: str


@dataclass(frozen=True)
class User:
    """A person in Linear."""

    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Issue:
    """An issue filed: its id, identifier (`SUP-12`) and link."""

    id: str
    identifier: str
    url: str


def _nodes(data: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    connection = data.get(field) or {}
    nodes = connection.get("nodes") if isinstance(connection, Mapping) else None
    return [node for node in nodes or [] if isinstance(node, Mapping)]


def _team_of(node: Mapping[str, Any]) -> Team:
    return Team(str(node["id"]), str(node["key"]), str(node.get("name") or node["key"]))


def team(linear: LinearClient, ref: str) -> Team:
    """The team whose key (or id) is `ref`; a `SkillError` naming the teams there are if none."""
    ref = ref.strip()
    field = "id" if _UUID.match(ref) else "key"
    data = linear.request("Teams", TEAMS, {"filter": {field: {"eq": ref}}})
    found = _nodes(data, "teams")
    if found:
        return _team_of(found[0])
    keys = [str(node["key"]) for node in _nodes(linear.request("Teams", TEAMS, {}), "teams")]
    raise SkillError(
        f"There is no Linear team {ref!r}.{did_you_mean(ref, keys)}",
        hint=f"Teams: {', '.join(sorted(keys)) or 'none visible to this key'}. Give `team` "
        "a team's key, or set CORTEX_LINEAR_TEAM (`linear_team` in cortex.toml).",
    )


def labels(linear: LinearClient, team: Team) -> dict[str, str]:
    """The labels an issue of `team` may carry, name -> id: the team's and the workspace's."""
    mine = {"team": {"id": {"eq": team.id}}}
    variables = {"filter": {"or": [mine, {"team": {"null": True}}]}}
    found = _nodes(linear.request("Labels", LABELS, variables), "issueLabels")
    return {str(node["name"]): str(node["id"]) for node in found}


def label_ids(linear: LinearClient, team: Team, names: list[str]) -> list[str]:
    """The ids of the labels `names` among those `team`'s issues may carry (case aside); an
    unknown one is an error with a "did you mean" and the labels there are."""
    known = labels(linear, team)
    by_folded = {name.casefold(): label_id for name, label_id in known.items()}
    ids = []
    for name in names:
        label_id = by_folded.get(name.strip().casefold())
        if label_id is None:
            raise SkillError(
                f"Team {team.key} has no label {name!r}.{did_you_mean(name, known)}",
                hint=f"Its labels: {', '.join(sorted(known)) or 'none'}.",
            )
        if label_id not in ids:
            ids.append(label_id)
    return ids


def user(linear: LinearClient, who: str) -> User:
    """The person whose e-mail, display name or name is `who` (case aside)."""
    who = who.strip()
    same = {"eqIgnoreCase": who}
    variables = {"filter": {"or": [{"email": same}, {"displayName": same}, {"name": same}]}}
    found = _nodes(linear.request("Users", USERS, variables), "users")
    if not found:
        raise SkillError(
            f"No one in Linear is called {who!r}.",
            hint="Give `assignee` as their e-mail, or their display name in Linear.",
        )
    if len(found) > 1:
        emails = ", ".join(str(node.get("email") or node.get("name")) for node in found)
        raise SkillError(
            f"Several people in Linear match {who!r}: {emails}.",
            hint="Give `assignee` as one of these e-mails.",
        )
    node = found[0]
    email = node.get("email")
    return User(str(node["id"]), str(node.get("name") or who), str(email) if email else None)


def _issue_of(node: Mapping[str, Any]) -> Issue:
    return Issue(str(node["id"]), str(node["identifier"]), str(node["url"]))


def issue_with(linear: LinearClient, key: str) -> Issue | None:
    """One try at the issue whose description carries `key`, if Linear has one."""
    variables = {"filter": {"description": {"contains": key}}}
    found = _nodes(linear.attempt("IssuesWithKey", ISSUES_WITH_KEY, variables), "issues")
    return _issue_of(found[0]) if found else None


def create_issue(linear: LinearClient, fields: Mapping[str, Any]) -> Issue:
    """One try at filing an issue with `fields` (an `IssueCreateInput`)."""
    data = linear.attempt("IssueCreate", ISSUE_CREATE, {"input": dict(fields)})
    payload = data.get("issueCreate") or {}
    node = payload.get("issue") if isinstance(payload, Mapping) else None
    if not isinstance(payload, Mapping) or not payload.get("success") or not node:
        raise SkillError(
            "Linear did not file the issue (it answered without success).",
            hint="The answer is kept; try again, or file it by hand.",
        )
    return _issue_of(node)


def find_or_create(linear: LinearClient, key: str, fields: Mapping[str, Any]) -> tuple[Issue, bool]:
    """The issue carrying `key` if Linear has one, else a new one from `fields`; with whether
    it was there before (found at the first try: a retry that finds it found the issue its
    own lost try filed). Both steps are retried together."""
    tries: list[int] = []

    def attempt() -> tuple[Issue, bool]:
        tries.append(1)
        found = issue_with(linear, key)
        if found is not None:
            return found, len(tries) == 1
        return create_issue(linear, fields), False

    result: tuple[Issue, bool] = linear.retried(attempt)
    return result
