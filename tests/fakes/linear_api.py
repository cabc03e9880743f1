"""A fake Linear GraphQL API on 127.0.0.1, port 0: teams, people, issues, and a journal.

    with FakeLinear(api_key="lin_api_test") as fake:
        settings = replace(settings, linear_api_url=fake.url, linear_api_key=SecretStr(...))
        fake.fail(429, retry_after="0.3")        # the next request is rate-limited
        fake.fail(400, graphql_code="RATELIMITED", reset_after=0.3)   # Linear's own way
        fake.delay(1.0)                          # the next request is done, but answered late
        ...
        fake.issues[0].description, fake.journal[-1].operation, fake.journal[-1].variables

POST /graphql answers the operations `linear.create_issue` sends, told apart by their
`operationName`: Teams (a filter on `key` or `id`, or none), Labels (`or` of a team's id and
`team.null`: the team's and the workspace's labels), Users (`or` of `eqIgnoreCase` on email,
displayName and name), IssuesWithKey (`description.contains`) and IssueCreate. Another
operation is a GraphQL error. A request without the right `Authorization` (the bare key, as
Linear's personal keys are sent) gets HTTP 401 with an AUTHENTICATION_ERROR, as Linear does.
Issues get identifiers `<TEAM>-<n>` and urls `https://linear.app/<team>/issue/<TEAM>-<n>`.

Every request is journalled with the time it arrived (`time.monotonic()`), its headers (the
Authorization value replaced by "<redacted>") and its parsed JSON body.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackFake

__all__ = [
    "FakeLinear",
    "FakeLinearIssue",
    "FakeLinearTeam",
    "FakeLinearUser",
    "LinearJournalEntry",
    "running",
]

_SECRET_HEADERS = frozenset({"authorization"})
_TYPES = {"RATELIMITED": "ratelimited", "AUTHENTICATION_ERROR": "authentication error"}


@dataclass(frozen=True)
class LinearJournalEntry:
    """One request the fake received, and when (`time.monotonic()`)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    at: float

    @property
    def operation(self) -> str | None:
        """The GraphQL operation's name."""
        return self.body.get("operationName") if isinstance(self.body, dict) else None

    @property
    def variables(self) -> dict[str, Any]:
        """The GraphQL variables sent."""
        found = self.body.get("variables") if isinstance(self.body, dict) else None
        return found or {}


@dataclass(frozen=True)
class FakeLinearUser:
    """A person in the workspace."""

    id: str
    name: str
    display_name: str
    email: str


@dataclass(frozen=True)
class FakeLinearTeam:
    """A team: its key, name, labels (name -> id) and members' ids."""

    id: str
    key: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    members: tuple[str, ...] = ()


@dataclass
class FakeLinearIssue:
    """An issue filed through the fake, with the input it was filed with."""

    id: str
    identifier: str
    url: str
    team_id: str
    title: str
    description: str
    input: dict[str, Any]


@dataclass(frozen=True)
class _Scripted:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    reset_after: float | None = None


def _label_ids(*names: str) -> dict[str, str]:
    return {name: str(uuid.uuid4()) for name in names}


def demo_users() -> list[FakeLinearUser]:
    """Two people: Ada Lovelace (ada@cortex-demo.com) and Bo Chen (bo@cortex-demo.com)."""
    return [
        FakeLinearUser(str(uuid.uuid4()), "Ada Lovelace", "ada", "ada@cortex-demo.com"),
        FakeLinearUser(str(uuid.uuid4()), "Bo Chen", "bo", "bo@cortex-demo.com"),
    ]


def demo_teams(users: list[FakeLinearUser]) -> list[FakeLinearTeam]:
    """Two teams: SUP "Support" (labels Bug, Data quality, Finance) and FIN "Finance"."""
    members = tuple(u.id for u in users)
    return [
        FakeLinearTeam(
            str(uuid.uuid4()),
            "SUP",
            "Support",
            _label_ids("Bug", "Data quality", "Finance"),
            members,
        ),
        FakeLinearTeam(str(uuid.uuid4()), "FIN", "Finance", _label_ids("Forecast"), members),
    ]


class FakeLinear(LoopbackFake):
    """The fake server; a context manager that starts it in a thread and closes it cleanly."""

    def __init__(
        self,
        *,
        api_key: str = "lin_api_test",
        teams: list[FakeLinearTeam] | None = None,
        users: list[FakeLinearUser] | None = None,
        workspace_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.users = users if users is not None else demo_users()
        self.teams = teams if teams is not None else demo_teams(self.users)
        #: labels of the workspace, not of a team (name -> id): any team's issue may carry them
        self.workspace_labels = dict(
            workspace_labels if workspace_labels is not None else _label_ids("Cortex")
        )
        self.issues: list[FakeLinearIssue] = []
        self.journal: list[LinearJournalEntry] = []
        self._numbers: dict[str, itertools.count[int]] = {}
        self._script: deque[_Scripted] = deque()
        self._delays: list[tuple[float, str | None]] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), poll_interval=0.05)

    @property
    def url(self) -> str:
        """The GraphQL endpoint, for LINEAR_API_URL."""
        return f"{self.origin}/graphql"

    def team(self, key: str) -> FakeLinearTeam:
        """The team whose key is `key`."""
        return next(t for t in self.teams if t.key == key)

    def fail(
        self,
        status: int,
        *,
        retry_after: str | None = None,
        reset_after: float | None = None,
        graphql_code: str | None = None,
        message: str = "",
    ) -> None:
        """Answer the next request with `status` and a GraphQL error (`graphql_code` in its
        extensions); `retry_after` sets Retry-After, `reset_after` (seconds from the answer)
        sets X-RateLimit-Requests-Reset as Linear does, in UNIX milliseconds."""
        code = graphql_code or ("INTERNAL_SERVER_ERROR" if status >= 500 else "INVALID_INPUT")
        extensions = {"code": code, "type": _TYPES.get(code, code.lower().replace("_", " "))}
        body = {"errors": [{"message": message or code.lower(), "extensions": extensions}]}
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        with self._lock:
            self._script.append(_Scripted(status, body, headers, reset_after))

    def delay(self, seconds: float, *, operation: str | None = None) -> None:
        """Do the next request (the next of `operation`, when given), but answer it only after
        `seconds`: the issue is filed, and a client with a shorter timeout never hears so."""
        with self._lock:
            self._delays.append((seconds, operation))

    # ------------------------------------------------------------------ handling a request

    def _handle(
        self, entry: LinearJournalEntry, authorization: str | None
    ) -> tuple[_Scripted, float]:
        with self._lock:
            self.journal.append(entry)
            delay = self._delay_for(entry.operation)
            if self._script:
                return self._script.popleft(), delay
            if entry.path.split("?")[0].rstrip("/") != "/graphql":
                return _Scripted(404, {"errors": [{"message": "not found"}]}), delay
            if authorization != self.api_key:
                return _error(401, "AUTHENTICATION_ERROR", "Authentication required"), delay
            return self._operate(entry), delay

    def _delay_for(self, operation: str | None) -> float:
        for index, (seconds, wanted) in enumerate(self._delays):
            if wanted is None or wanted == operation:
                del self._delays[index]
                return seconds
        return 0.0

    def _operate(self, entry: LinearJournalEntry) -> _Scripted:
        operation = entry.operation
        variables = entry.variables
        if operation == "Teams":
            return _data({"teams": {"nodes": [_team_node(t) for t in self._teams(variables)]}})
        if operation == "Labels":
            return _data({"issueLabels": {"nodes": self._labels(variables)}})
        if operation == "Users":
            return _data({"users": {"nodes": [_user_node(u) for u in self._users(variables)]}})
        if operation == "IssuesWithKey":
            wanted = variables["filter"]["description"]["contains"]
            found = [i for i in self.issues if wanted in i.description][:1]
            return _data({"issues": {"nodes": [_issue_node(i) for i in found]}})
        if operation == "IssueCreate":
            return self._create(variables["input"])
        return _error(400, "GRAPHQL_VALIDATION_FAILED", f"Unknown operation {operation!r}")

    def _teams(self, variables: Mapping[str, Any]) -> list[FakeLinearTeam]:
        wanted = (variables.get("filter") or {}).items()
        return [t for t in self.teams if all(getattr(t, f) == c["eq"] for f, c in wanted)]

    def _labels(self, variables: Mapping[str, Any]) -> list[dict[str, str]]:
        found: dict[str, str] = {}
        for condition in variables["filter"]["or"]:
            team = condition["team"]
            if team.get("null"):
                found.update(self.workspace_labels)
            else:
                found.update(next(t.labels for t in self.teams if t.id == team["id"]["eq"]))
        return [{"id": label_id, "name": name} for name, label_id in found.items()]

    def _users(self, variables: Mapping[str, Any]) -> list[FakeLinearUser]:
        fields = {"email": "email", "displayName": "display_name", "name": "name"}
        found = []
        for person in self.users:
            for condition in variables["filter"]["or"]:
                ((name, comparator),) = condition.items()
                if (
                    getattr(person, fields[name]).casefold()
                    == comparator["eqIgnoreCase"].casefold()
                ):
                    found.append(person)
                    break
        return found

    def _create(self, given: Mapping[str, Any]) -> _Scripted:
        team = next((t for t in self.teams if t.id == given.get("teamId")), None)
        if team is None:
            return _error(400, "INVALID_INPUT", "Argument Validation Error: teamId")
        allowed = {*team.labels.values(), *self.workspace_labels.values()}
        unknown = set(given.get("labelIds") or ()) - allowed
        if unknown:
            return _error(400, "INVALID_INPUT", "Entity not found: IssueLabel")
        number = next(self._numbers.setdefault(team.key, itertools.count(1)))
        identifier = f"{team.key}-{number}"
        issue = FakeLinearIssue(
            id=str(uuid.uuid4()),
            identifier=identifier,
            url=f"https://linear.app/{team.key.lower()}/issue/{identifier}",
            team_id=team.id,
            title=str(given.get("title")),
            description=str(given.get("description") or ""),
            input=dict(given),
        )
        self.issues.append(issue)
        return _data({"issueCreate": {"success": True, "issue": _issue_node(issue)}})


def _data(data: Mapping[str, Any]) -> _Scripted:
    return _Scripted(200, {"data": data})


def _error(status: int, code: str, message: str) -> _Scripted:
    extensions = {"code": code, "type": _TYPES.get(code, code.lower().replace("_", " "))}
    return _Scripted(status, {"errors": [{"message": message, "extensions": extensions}]})


def _team_node(team: FakeLinearTeam) -> dict[str, Any]:
    return {"id": team.id, "key": team.key, "name": team.name}


def _user_node(user: FakeLinearUser) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "displayName": user.display_name, "email": user.email}


def _issue_node(issue: FakeLinearIssue) -> dict[str, Any]:
    return {"id": issue.id, "identifier": issue.identifier, "url": issue.url, "title": issue.title}


def _handler_for(fake: FakeLinear) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            arrived = time.monotonic()
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {
                name.lower(): "<redacted>" if name.lower() in _SECRET_HEADERS else value
                for name, value in self.headers.items()
            }
            entry = LinearJournalEntry("POST", self.path, headers, body, arrived)
            scripted, delay = fake._handle(entry, self.headers.get("authorization"))
            if delay and fake._stopping.wait(delay):
                return  # the server is closing; the client has long given up
            response_headers = dict(scripted.headers)
            if scripted.reset_after is not None:
                reset = (time.time() + scripted.reset_after) * 1000
                response_headers["x-ratelimit-requests-reset"] = str(int(reset))
            payload = json.dumps(scripted.body).encode()
            try:
                self.send_response(scripted.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in response_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client timed out and hung up

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the journal is the log."""

    return Handler


def running(**given: Any) -> Iterator[FakeLinear]:
    """A generator for a pytest fixture: `yield from running()`."""
    with FakeLinear(**given) as fake:
        yield fake
