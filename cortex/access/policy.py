"""The access policy: access.yml's roles, members and requirements, checked against the model.

`AccessPolicy` answers which roles grant a metric (rule 2 of the package docstring, in
`cortex.access`) and gives each person asking their `Grant`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from cortex.access.grants import Grant, named_metric, passes
from cortex.access.sources import measure_tables, source_key
from cortex.errors import AccessDenied
from semantic_layer.compile import metrics_used, tables_read
from semantic_layer.model import Metric, SemanticModel


@dataclass(frozen=True)
class Principal:
    """The person asking: their Slack user id, the Slack user groups they belong to, a name."""

    user_id: str
    groups: frozenset[str] = frozenset()
    name: str | None = None


@dataclass(frozen=True)
class Member:
    """A user or user group of access.yml: its roles, and (users only) its attributes and the
    e-mail address that signs them in on the web (lower case)."""

    id: str
    name: str | None
    roles: frozenset[str]
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    email: str | None = None


@dataclass(frozen=True)
class RowPolicy:
    """Users whose rows `role` restricts see rows where `dimension` equals their `attribute`."""

    role: str
    dimension: str
    attribute: str


@dataclass(frozen=True)
class Requirement:
    """Roles one of which a metric needs, and why (for the message of a refusal)."""

    roles: frozenset[str]
    reason: str


@dataclass(frozen=True)
class AccessPolicy:
    """What access.yml says, checked against the semantic model; build it with `load_access`."""

    file: str
    model: SemanticModel = field(repr=False, compare=False)
    roles: Mapping[str, str]  # role -> description
    users: Mapping[str, Member]
    groups: Mapping[str, Member]
    metric_requires: Mapping[str, frozenset[str]]
    table_requires: Mapping[str, frozenset[str]]
    row_policies: tuple[RowPolicy, ...] = ()
    #: the roles that may read the audit trail (everyone's questions and feedback); none: nobody
    audit_requires: frozenset[str] = frozenset()

    @property
    def group_ids(self) -> frozenset[str]:
        """The Slack user-group ids access.yml gives roles to (the groups worth looking up)."""
        return frozenset(self.groups)

    def roles_of(self, principal: Principal) -> frozenset[str]:
        """The roles of the user's own entry and of every listed group they belong to."""
        found: set[str] = set()
        user = self.users.get(principal.user_id)
        if user is not None:
            found |= user.roles
        for group_id in principal.groups:
            group = self.groups.get(group_id)
            if group is not None:
                found |= group.roles
        return frozenset(found)

    def user_by_email(self, email: str) -> Member | None:
        """The user whose `email` is `email` (whatever its case), if one is listed."""
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email == wanted), None)

    def may_read_audit(self, roles: frozenset[str]) -> bool:
        """Whether one of `roles` is among those `audit: {requires: [...]}` lists."""
        return bool(roles & self.audit_requires)

    def grant_for(self, principal: Principal) -> Grant:
        """What `principal` may see; `AccessDenied` when they have no role (fail closed)."""
        roles = self.roles_of(principal)
        if not roles:
            raise AccessDenied(
                f"You are not allowed to ask Cortex yet: your Slack account "
                f"({principal.user_id}) has no role in access.yml.",
                hint="Ask a Cortex admin to add you, or a user group you are in, to access.yml.",
            )
        user = self.users.get(principal.user_id)
        attributes = dict(user.attributes) if user is not None else {}
        return Grant(principal, roles, self, attributes)

    def grantors(self, metric: str) -> frozenset[str]:
        """The roles of access.yml that grant `metric` (see rule 2 of the package docstring)."""
        return frozenset(r for r in self.roles if passes(r, self.requirements.get(metric, ())))

    # -- derived once

    @cached_property
    def restricted_sources(self) -> dict[str, tuple[str, frozenset[str]]]:
        """Warehouse table -> (its table in metrics.yml, the roles that may read it)."""
        found: dict[str, tuple[str, frozenset[str]]] = {}
        for name, roles in self.table_requires.items():
            table = self.model.table(name)
            if table is None:
                continue
            key = source_key(table.source)
            if key in found:  # two tables over one warehouse table: a role must pass both
                roles = found[key][1] & roles
                name = found[key][0]
            found[key] = (name, roles)
        return found

    @cached_property
    def requirements(self) -> dict[str, tuple[Requirement, ...]]:
        """Metric -> every requirement on it, its inputs' and its tables' (rule 2)."""
        return {metric.name: self._requirements_of(metric) for metric in self.model.metrics}

    def _requirements_of(self, metric: Metric) -> tuple[Requirement, ...]:
        found: list[Requirement] = []
        for used in metrics_used(self.model, [metric.name]):
            uses = "" if used.name == metric.name else f"it uses {named_metric(used)}, which is "
            own = self._own_roles(used)
            if own is not None:
                found.append(Requirement(own[0], f"{uses or 'it is '}restricted by {own[1]}"))
            for table in measure_tables(self.model, used):
                for source in tables_read(self.model, table.name):
                    restricted = self.restricted_sources.get(source_key(source))
                    if restricted is not None:
                        reads = f"it uses {named_metric(used)}, which reads" if uses else "it reads"
                        found.append(
                            Requirement(restricted[1], f"{reads} the {restricted[0]} table")
                        )
        return tuple(found)

    def _own_roles(self, metric: Metric) -> tuple[frozenset[str], str] | None:
        """The roles a metric's own rules allow, and whose rules; None when it has none.

        A role must pass both access.yml's `requires` and metrics.yml's `access_groups`.
        """
        listed = self.metric_requires.get(metric.name)
        groups = frozenset(metric.access_groups)
        if listed is not None and groups:
            return listed & groups, "access.yml and its access_groups in metrics.yml"
        if listed is not None:
            return listed, "access.yml"
        if groups:
            return groups, "its access_groups in metrics.yml"
        return None
