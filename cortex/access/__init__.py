"""Who may see what: roles from `access.yml`, applied to every semantic query before it compiles.

`access.yml` sits next to metrics.yml (or at `CORTEX_ACCESS`) and is versioned with it::

    version: 1
    roles:        role -> {description}
    users:        Slack user id -> {name, roles, attributes}
    groups:       Slack user-group id -> {name, roles}
    metrics:      metric -> {requires: [roles]}
    tables:       table -> {requires: [roles]}
    row_policies: [{role, dimension, equals: user.<attribute>}]

`load_access(path, model)` reads it, checking every name against the semantic model, and
raises `AccessConfigError` listing each problem at `file:line` with a "Did you mean".
`AccessPolicy.grant_for(principal)` gives the `Grant` of the person asking, whose `apply` is the
agent's `QueryPolicy`. The rules:

1. **Fail closed.** A user who is not listed, and is in no listed group, has no role and is
   told they are not allowed, nothing else. There is no default role and no wildcard, and the
   Slack app's own (bot) identity is never a principal: every question is checked against the
   person who asked it, so a shared identity cannot widen what anyone sees.
2. **A role grants a metric** when it meets every requirement on it: the metric's `requires`
   (and its `access_groups` in metrics.yml: a role must pass both), those of the metrics it is
   built from (a ratio's numerator and denominator, a derived metric's inputs), and the
   `requires` of every table their measures read. A table defined by SQL in metrics.yml reads
   the tables its SQL names (`arr_movements` reads `subscriptions`), so it is restricted by
   them and cannot be restricted itself. No requirement: every role grants the metric. A user
   sees a metric when one of their roles grants it; otherwise `AccessDenied` names the metric
   and the roles that may see it.
3. **Dimensions read tables too.** A question grouped or filtered (by a filter, a named filter
   or a verified query) by a dimension of a restricted table needs one of that table's roles.
4. **Row policies.** Among the user's roles that grant a metric, if one has no row policy the
   metric is unrestricted for them: an unrestricted role wins only where it grants the metric.
   Otherwise every row policy of those roles applies (all of them: a query filter cannot
   express "either"), as `dimension = <the user's attribute>` (`in` for a list). The filters
   are added to the query's own, which stay (the rows are the intersection); they apply to the
   whole query, every metric and both periods of a comparison, so the SQL and the answer's
   provenance show them. A user without the attribute a policy reads is denied, and so is a
   metric that cannot reach the policy's dimension through the model's joins (as decided by
   the semantic layer's compiler): fail closed.
5. **Nothing goes around it.** Filters, named filters and verified queries are all in the
   final `SemanticQuery` the grant sees; a follow-up stores the unrestricted plan and the
   agent applies the grant again on every turn.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import SqlglotError

from cortex.errors import AccessDenied, UserError
from semantic_layer.compile import SOURCE_DIALECT, CompiledQuery, compile_query, metrics_used
from semantic_layer.errors import Issue, QueryError, did_you_mean, suggest
from semantic_layer.model import METRIC_TIME, Metric, SemanticModel, Table
from semantic_layer.query import Filter, SemanticQuery, parse_where
from semantic_layer.yaml_lines import (
    LineLoader,
    LineMap,
    LineSeq,
    display_path,
    read_text,
    short_repr,
    syntax_issue,
)

__all__ = [
    "LiveAccess",
    "AccessConfigError",
    "AccessPolicy",
    "Grant",
    "Member",
    "Principal",
    "RowPolicy",
    "check_access",
    "load_access",
]

#: The only format version this reader reads.
VERSION = 1

_TOP_LEVEL_KEYS = ("version", "roles", "users", "groups", "metrics", "tables", "row_policies")
_ROLE_KEYS = ("description",)
_USER_KEYS = ("name", "roles", "attributes")
_GROUP_KEYS = ("name", "roles")
_REQUIRES_KEYS = ("requires",)
_ROW_POLICY_KEYS = ("role", "dimension", "equals")

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_ATTRIBUTE = re.compile(r"user\.([A-Za-z_][A-Za-z0-9_]*)")


# --------------------------------------------------------------------------- the policy


_log = logging.getLogger("cortex.access")


@dataclass(frozen=True)
class Principal:
    """The person asking: their Slack user id, the Slack user groups they belong to, a name."""

    user_id: str
    groups: frozenset[str] = frozenset()
    name: str | None = None


@dataclass(frozen=True)
class Member:
    """A user or user group of access.yml: its roles, and (users only) its attributes."""

    id: str
    name: str | None
    roles: frozenset[str]
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RowPolicy:
    """Users whose rows `role` restricts see rows where `dimension` equals their `attribute`."""

    role: str
    dimension: str
    attribute: str


@dataclass(frozen=True)
class _Requirement:
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
        """The roles of access.yml that grant `metric` (see rule 2 of the module docstring)."""
        return frozenset(r for r in self.roles if _passes(r, self._requirements.get(metric, ())))

    # -- derived once

    @cached_property
    def _restricted_sources(self) -> dict[str, tuple[str, frozenset[str]]]:
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
    def _requirements(self) -> dict[str, tuple[_Requirement, ...]]:
        """Metric -> every requirement on it, its inputs' and its tables' (rule 2)."""
        return {metric.name: self._requirements_of(metric) for metric in self.model.metrics}

    def _requirements_of(self, metric: Metric) -> tuple[_Requirement, ...]:
        found: list[_Requirement] = []
        for used in metrics_used(self.model, [metric.name]):
            uses = "" if used.name == metric.name else f"it uses {_named(used)}, which is "
            own = self._own_roles(used)
            if own is not None:
                found.append(_Requirement(own[0], f"{uses or 'it is '}restricted by {own[1]}"))
            for table in _measure_tables(self.model, used):
                for source in _reads(table):
                    restricted = self._restricted_sources.get(source_key(source))
                    if restricted is not None:
                        reads = f"it uses {_named(used)}, which reads" if uses else "it reads"
                        found.append(
                            _Requirement(restricted[1], f"{reads} the {restricted[0]} table")
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


@dataclass(frozen=True)
class Grant:
    """What one person may see: their roles, and the `QueryPolicy` that enforces them."""

    principal: Principal
    roles: frozenset[str]
    policy: AccessPolicy = field(repr=False, compare=False)
    #: the user's attributes in access.yml, which row policies read
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def apply(self, query: SemanticQuery) -> SemanticQuery:
        """`query` as this person may run it: row filters added, or `AccessDenied`.

        Raises the semantic layer's QueryError when the query cannot be compiled at all (the
        policy checks what the compiled query reads, so it compiles it once).
        """
        policy = self.policy
        added = [f for f in self.row_filters(query) if f not in query.filters]
        allowed = query.model_copy(update={"filters": (*query.filters, *added)})
        try:
            compiled = compile_query(allowed, policy.model, as_of=date.today())
        except QueryError:
            self._check_reach(query, added)
            raise
        self._check_tables(compiled, allowed)
        return allowed

    def row_filters(self, query: SemanticQuery) -> tuple[Filter, ...]:
        """The row filters this person's row policies put on `query` (rule 4), whether or not
        the query has them already; none when they see every row of it. `AccessDenied` for a
        metric they may not see, or a row policy they lack the attribute for."""
        reads = compile_query(query, self.policy.model, as_of=date.today()).source_tables
        found: list[Filter] = []
        for name in query.metrics:
            for row_filter in self._row_filters(name, self._granting(name), reads):
                if row_filter not in found:
                    found.append(row_filter)
        return tuple(found)

    # -- metrics

    def _granting(self, name: str) -> frozenset[str]:
        """The user's roles that grant metric `name`; AccessDenied when there are none."""
        policy = self.policy
        requirements = policy._requirements.get(name)
        if requirements is None:  # not a metric: the compiler says so, with suggestions
            return self.roles
        granting = frozenset(r for r in self.roles if _passes(r, requirements))
        if granting:
            return granting
        blocking = next((r for r in requirements if not r.roles & self.roles), None)
        reason = blocking.reason if blocking else "none of your roles meets all its requirements"
        allowed = policy.grantors(name)
        who = f"only {_either(allowed)} may see it" if allowed else "no role may see it"
        raise AccessDenied(
            f"You are not allowed to see {_named(policy.model.metric(name))}: {who} "
            f"({reason}), and your roles are {_both(self.roles)}.",
            hint="Ask a Cortex admin if you need it.",
        )

    def _row_filters(
        self, name: str, granting: frozenset[str], reads: Sequence[str]
    ) -> list[Filter]:
        """The row filters metric `name` takes for this user; none when one of the roles that
        grant it has no row policy and may read every restricted table the query reads (a
        role cannot lift a restriction through a table it could not see itself)."""
        policy = self.policy
        by_role = {role: [p for p in policy.row_policies if p.role == role] for role in granting}
        restricted = [
            roles
            for source in reads
            if (r := policy._restricted_sources.get(source_key(source)))
            for roles in [r[1]]
        ]
        if any(
            not rules and all(role in roles for roles in restricted)
            for role, rules in by_role.items()
        ):
            return []  # an unrestricted role grants the metric and reads what the query reads
        filters = []
        for role in sorted(by_role):
            for rule in by_role[role]:
                values = self.attributes.get(rule.attribute, ())
                if not values:
                    raise AccessDenied(
                        f"As {role}, you see the rows of your own {rule.attribute} only, and "
                        f"access.yml gives you no {rule.attribute}, so I can't answer this.",
                        hint=f"Ask a Cortex admin to set attributes.{rule.attribute} for you "
                        "in access.yml.",
                    )
                op = "=" if len(values) == 1 else "in"
                filters.append(Filter(field=rule.dimension, op=op, values=values))
        return filters

    # -- what the compiled query reads

    def _check_reach(self, query: SemanticQuery, added: Sequence[Filter]) -> None:
        """AccessDenied when a metric can't take the row filters (rule 4: fail closed)."""
        if not added:
            return
        model, today = self.policy.model, date.today()
        for name in query.metrics:
            try:
                compile_query(
                    SemanticQuery(metrics=(name,), filters=tuple(added)), model, as_of=today
                )
            except QueryError:
                try:
                    compile_query(SemanticQuery(metrics=(name,)), model, as_of=today)
                except QueryError:
                    continue  # broken without the filters too: the compiler's error stands
                rows = " and ".join(str(f) for f in added)
                raise AccessDenied(
                    f"You see only the rows where {rows}, and {_named(model.metric(name))} "
                    "can't be narrowed to them (its tables don't join to that dimension), so I "
                    "can't show it to you.",
                    hint="Ask about another metric, or ask a Cortex admin for a role without "
                    "this restriction.",
                ) from None

    def _check_tables(self, compiled: CompiledQuery, query: SemanticQuery) -> None:
        """AccessDenied when the query groups or filters by a dimension of a restricted table."""
        policy = self.policy
        for source in compiled.source_tables:
            restricted = policy._restricted_sources.get(source_key(source))
            if restricted is None or restricted[1] & self.roles:
                continue
            table = policy.model.table(restricted[0])
            assert table is not None
            fields = _fields_of(query, table, policy.model)
            what = ", ".join(f"'{f}'" for f in fields) if fields else "what this question uses"
            raise AccessDenied(
                f"You are not allowed to use {what}: it comes from the {table.name} table, "
                f"which only {_either(restricted[1])} may see, and your roles are "
                f"{_both(self.roles)}.",
                hint="Ask without it, or ask a Cortex admin if you need it.",
            )


# --------------------------------------------------------------------------- model helpers


def _passes(role: str, requirements: Iterable[_Requirement]) -> bool:
    return all(role in r.roles for r in requirements)


def _measure_tables(model: SemanticModel, metric: Metric) -> list[Table]:
    if metric.type not in ("simple", "cumulative"):
        return []
    found = model.measure(metric.measure or "")
    return [found[0]] if found is not None else []


def source_key(name: str) -> str:
    """A warehouse table's name as DuckDB resolves it: case-folded, unquoted, without the
    default catalog and schema (`main.Subscriptions` and `subscriptions` are one table)."""
    parts = [part.strip('"').lower() for part in name.split(".")]
    while len(parts) > 1 and parts[0] in ("memory", "main", "temp"):
        parts = parts[1:]
    return ".".join(parts)


def _reads(table: Table) -> frozenset[str]:
    """The warehouse tables `table` reads: its own, or those its SQL names."""
    if table.sql is None:
        return frozenset({table.source})
    try:
        tree = sqlglot.parse_one(table.sql, read=SOURCE_DIALECT)
    except SqlglotError:
        return frozenset()  # the compiler refuses it too
    return frozenset(".".join(part.name for part in t.parts) for t in tree.find_all(exp.Table))


def _fields_of(query: SemanticQuery, table: Table, model: SemanticModel) -> list[str]:
    """The dimensions and filter fields of `query` that `table` declares."""
    written = [text.partition(":")[0] for text in query.dimensions]
    written += [f.field for f in query.filters]
    for name in query.named_filters:
        named = model.named_filter(name)
        if named is not None:
            try:
                written += [f.field for f in parse_where(named.where)]
            except QueryError:
                continue
    own = {d.name for d in table.dimensions}
    found = []
    for text in written:
        qualifier, _, bare = text.rpartition(".")
        if bare in own and qualifier in ("", table.name) and text not in found:
            found.append(text)
    return found


def _named(metric: Metric | None) -> str:
    return "that metric" if metric is None else f"{metric.label} ({metric.name})"


def _either(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _both(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --------------------------------------------------------------------------- reading access.yml


class AccessConfigError(UserError):
    """access.yml is broken; `issues` lists every problem, each at `file:line`."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.level == "error"]
        lines = "\n".join(str(i) for i in self.issues)
        super().__init__(
            f"{len(errors)} error(s) in the access policy:\n{lines}",
            hint="Fix them in access.yml (see README.md, 'Access and audit'); nobody can ask "
            "Cortex until it loads.",
        )


def load_access(path: str | Path, model: SemanticModel) -> AccessPolicy:
    """Read access.yml at `path`, checked against `model`.

    Raises `UserError` when the file is missing and `AccessConfigError` listing every error.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"No access policy at {path}: Cortex needs one to know who may see what.",
            hint="Create it (the repository's access.yml is an example; see README.md, "
            "'Access and audit'), or set CORTEX_ACCESS to its path.",
        )
    policy, issues = _read(path, model)
    if policy is None or any(issue.level == "error" for issue in issues):
        raise AccessConfigError(issues)
    return policy


def check_access(path: str | Path, model: SemanticModel) -> list[Issue]:
    """Every issue in access.yml at `path` (errors and warnings), sorted by line; no raising."""
    path = Path(path)
    if not path.is_file():
        return [
            Issue(
                "error",
                display_path(path),
                0,
                "file",
                "not found.",
                "Create it, or set CORTEX_ACCESS to its path.",
            )
        ]
    return _read(path, model)[1]


def _read(path: Path, model: SemanticModel) -> tuple[AccessPolicy | None, list[Issue]]:
    file = display_path(path)
    text = read_text(path, file)
    if isinstance(text, Issue):
        return None, [text]
    try:
        data = yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as error:
        return None, [syntax_issue(file, error)]
    reader = _Reader(file, model)
    policy = reader.read(data)
    return policy, sorted(reader.issues, key=lambda issue: (issue.file, issue.line))


class _Reader:
    """One read of access.yml: every issue found, in one pass."""

    def __init__(self, file: str, model: SemanticModel) -> None:
        self.file = file
        self.model = model
        self.issues: list[Issue] = []

    def error(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", self.file, line, path, message, hint))

    def warning(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("warning", self.file, line, path, message, hint))

    def read(self, data: object) -> AccessPolicy | None:
        if data is None:
            data = LineMap(1)
        if not isinstance(data, LineMap):
            self.error(1, "top level", "the file must be a mapping (version, roles, users, ...).")
            return None
        self.keys(data, _TOP_LEVEL_KEYS, "top level")
        self.version(data)
        roles = self.roles(data)
        users = self.members(data, "users", roles)
        groups = self.members(data, "groups", roles)
        metrics = self.requirements(data, "metrics", roles)
        tables = self.requirements(data, "tables", roles)
        policies = self.row_policies(data, roles)
        self.access_groups(roles)
        self.missing_attributes(data, users, policies)
        return AccessPolicy(
            self.file, self.model, roles, users, groups, metrics, tables, tuple(policies)
        )

    # -- shapes

    def keys(self, raw: LineMap, accepted: Sequence[str], label: str) -> None:
        """Report keys given twice and keys not in `accepted`."""
        for twice, line, first in raw.duplicates:
            self.error(line, label, f"key '{twice}' is given twice (first on line {first}).")
        for key, line in raw.key_lines.items():
            name = str(key)
            if name not in accepted:
                hint = f"Accepted: {', '.join(accepted)}.{did_you_mean(name, accepted)}"
                if " " in name:  # `{description: a, b}` reads `b` as a key
                    hint += " Put a text holding a comma in quotes."
                self.error(line, label, f"unknown key '{name}'.", hint)

    def version(self, data: LineMap) -> None:
        if "version" not in data:
            self.error(
                data.line, "top level", "missing key 'version'.", f"Add `version: {VERSION}`."
            )
        elif isinstance(data["version"], bool) or data["version"] != VERSION:
            self.error(
                data.key_lines["version"],
                "top level",
                f"unsupported version {short_repr(data['version'])}.",
                f"This Cortex reads `version: {VERSION}`.",
            )

    def section(self, data: LineMap, key: str, what: str) -> LineMap | None:
        """The mapping under a top-level key (None when absent or not a mapping)."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, LineMap):
            self.error(
                data.key_lines[key], key, f"must be a mapping of {what}, not {short_repr(value)}."
            )
            return None
        self.keys(value, [str(k) for k in value], key)  # keys given twice
        return value

    def entry(self, section: LineMap, key: object, label: str, accepted: Sequence[str]) -> LineMap:
        """The mapping of one entry (empty when it is empty or not a mapping)."""
        value = section[key]
        line = section.key_lines[key]
        if value is None:
            return LineMap(line)
        if not isinstance(value, LineMap):
            self.error(line, label, f"expected a mapping of keys, not {short_repr(value)}.")
            return LineMap(line)
        self.keys(value, accepted, label)
        return value

    def text(self, raw: LineMap, key: str, label: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(raw.key_lines[key], label, f"'{key}' must be text, not {short_repr(value)}.")
            return None
        return value.strip()

    def role_list(
        self, raw: LineMap, key: str, label: str, roles: Mapping[str, str]
    ) -> frozenset[str] | None:
        """The roles listed under `key` (None when missing or not a list; errors reported)."""
        if key not in raw or raw[key] is None:
            if not any(str(k) != key and suggest(str(k), [key]) for k in raw):  # not misspelt
                self.error(
                    raw.line, label, f"missing required key '{key}'.", f"Add `{key}: [analyst]`."
                )
            return None
        value, line = raw[key], raw.key_lines[key]
        if not isinstance(value, LineSeq):
            self.error(
                line,
                label,
                f"'{key}' must be a list of roles, not {short_repr(value)}.",
                f"Write `{key}: [{value if isinstance(value, str) else 'analyst'}]`.",
            )
            return None
        found: set[str] = set()
        for item, item_line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str):
                self.error(item_line, label, f"{short_repr(item)} is not a role name.")
            elif item not in roles:
                hint = f"Declare it under `roles:`, or use one of: {', '.join(roles) or 'none'}."
                self.error(
                    item_line, label, f"unknown role '{item}'.", hint + did_you_mean(item, roles)
                )
            else:
                found.add(item)
        return frozenset(found)

    # -- sections

    def roles(self, data: LineMap) -> dict[str, str]:
        section = self.section(data, "roles", "role names to {description}")
        if section is None:
            return {}
        roles: dict[str, str] = {}
        for key in section:
            label = f"role '{key}'"
            raw = self.entry(section, key, label, _ROLE_KEYS)
            if not isinstance(key, str):
                self.error(section.key_lines[key], label, "a role name must be text.")
                continue
            roles[key] = self.text(raw, "description", label) or ""
        return roles

    def members(self, data: LineMap, key: str, roles: Mapping[str, str]) -> dict[str, Member]:
        is_user = key == "users"
        kind, pattern = ("user", _USER_ID) if is_user else ("user group", _GROUP_ID)
        section = self.section(data, key, f"Slack {kind} ids to {{name, roles}}")
        if section is None:
            return {}
        members: dict[str, Member] = {}
        for member_id in section:
            label = f"{kind} '{member_id}'"
            line = section.key_lines[member_id]
            raw = self.entry(section, member_id, label, _USER_KEYS if is_user else _GROUP_KEYS)
            if not isinstance(member_id, str) or not pattern.fullmatch(member_id):
                first = "U... or W..." if is_user else "S..."
                where = "the person's profile" if is_user else "the user group's page"
                self.error(
                    line,
                    label,
                    f"is not a Slack {kind} id ({first}: a letter, then capitals and digits).",
                    f"In Slack, open {where}, then '...' -> Copy ID.",
                )
                continue
            found = self.role_list(raw, "roles", label, roles)
            if found is None:
                continue
            if not found and not raw.get("roles"):
                self.warning(
                    raw.key_lines["roles"],
                    label,
                    "has no roles, so is allowed nothing.",
                    "Give it a role, or remove it.",
                )
            attributes = self.attributes(raw, label) if is_user else {}
            name = self.text(raw, "name", label)
            members[member_id] = Member(member_id, name, found, attributes)
        return members

    def attributes(self, raw: LineMap, label: str) -> dict[str, tuple[str, ...]]:
        value = raw.get("attributes")
        if value is None:
            return {}
        if not isinstance(value, LineMap):
            self.error(
                raw.key_lines["attributes"],
                label,
                f"'attributes' must be a mapping such as {{account_owner: Maya Patel}}, not "
                f"{short_repr(value)}.",
            )
            return {}
        self.keys(value, [str(k) for k in value], f"{label} attributes")
        found: dict[str, tuple[str, ...]] = {}
        for key, item in value.items():
            items = list(item) if isinstance(item, LineSeq) else [item]
            if not items or not all(isinstance(v, str) and v.strip() for v in items):
                self.error(
                    value.key_lines[key],
                    f"{label} attribute '{key}'",
                    f"must be text or a list of texts, not {short_repr(item)}.",
                    "Quote the value if it is meant as text.",
                )
                continue
            found[str(key)] = tuple(str(v).strip() for v in items)
        return found

    def requirements(
        self, data: LineMap, key: str, roles: Mapping[str, str]
    ) -> dict[str, frozenset[str]]:
        kind = key[:-1]  # metric, table
        section = self.section(data, key, f"{kind} names to {{requires: [roles]}}")
        if section is None:
            return {}
        if kind == "metric":
            names = [m.name for m in self.model.metrics]
        else:
            names = [t.name for t in self.model.tables]
        found: dict[str, frozenset[str]] = {}
        for name in section:
            label, line = f"{kind} '{name}'", section.key_lines[name]
            raw = self.entry(section, name, label, _REQUIRES_KEYS)
            if str(name) not in names:
                self.error(
                    line,
                    label,
                    f"is not a {kind} of metrics.yml.",
                    f"Run `cortex metrics` to list them.{did_you_mean(str(name), names)}",
                )
                continue
            table = self.model.table(str(name)) if kind == "table" else None
            if table is not None and table.sql is not None:
                sources = _reads(table)
                reads = [t.name for t in self.model.tables if t.sql is None and t.source in sources]
                self.error(
                    line,
                    label,
                    "is defined by SQL in metrics.yml, so it holds no data of its own.",
                    f"Restrict the tables its SQL reads instead: {', '.join(reads) or 'none'}.",
                )
                continue
            allowed = self.role_list(raw, "requires", label, roles)
            if allowed is None:
                continue
            if not allowed and not raw.get("requires"):
                self.error(
                    raw.key_lines["requires"],
                    label,
                    "'requires' lists no role, so nobody could see it.",
                    f"List the roles that may see it, or remove the {kind} to open it to all.",
                )
                continue
            found[str(name)] = allowed
        return found

    def row_policies(self, data: LineMap, roles: Mapping[str, str]) -> list[RowPolicy]:
        value = data.get("row_policies")
        if value is None:
            return []
        if not isinstance(value, LineSeq):
            self.error(
                data.key_lines["row_policies"],
                "row_policies",
                f"must be a list of {{role, dimension, equals}}, not {short_repr(value)}.",
            )
            return []
        found: list[RowPolicy] = []
        for index, (raw, line) in enumerate(zip(value, value.item_lines, strict=True)):
            label = f"row policy #{index + 1}"
            if not isinstance(raw, LineMap):
                self.error(line, label, f"expected a mapping of keys, not {short_repr(raw)}.")
                continue
            self.keys(raw, _ROW_POLICY_KEYS, label)
            missing = [k for k in _ROW_POLICY_KEYS if raw.get(k) is None]
            if missing:
                example = "{role: sales_rep, dimension: account_owner, equals: user.account_owner}"
                self.error(
                    raw.line, label, f"missing required key '{missing[0]}'.", f"Write {example}."
                )
                continue
            role, dimension, equals = raw["role"], raw["dimension"], raw["equals"]
            ok = True
            if role not in roles:
                hint = f"Declare it under `roles:`.{did_you_mean(str(role), roles)}"
                self.error(raw.key_lines["role"], label, f"unknown role {short_repr(role)}.", hint)
                ok = False
            if not self.dimension(dimension, raw.key_lines["dimension"], label):
                ok = False
            match = _ATTRIBUTE.fullmatch(equals) if isinstance(equals, str) else None
            if match is None:
                self.error(
                    raw.key_lines["equals"],
                    label,
                    f"'equals' must name a user attribute, not {short_repr(equals)}.",
                    "Write `equals: user.<attribute>`, e.g. user.account_owner.",
                )
                ok = False
            if ok and match is not None:
                found.append(RowPolicy(str(role), str(dimension), match.group(1)))
        return found

    def dimension(self, value: object, line: int, label: str) -> bool:
        """Whether `value` names a dimension of the model (`name` or `table.name`)."""
        if not isinstance(value, str) or not value.strip():
            self.error(line, label, f"'dimension' must be a dimension name, not {value!r}.")
            return False
        qualifier, _, name = value.rpartition(".")
        every = [f"{t.name}.{d.name}" for t in self.model.tables for d in t.dimensions]
        bare = [d.name for t in self.model.tables for d in t.dimensions]
        if ":" in value or name == METRIC_TIME:
            self.error(line, label, f"'{value}' is not a dimension a row policy can filter on.")
            return False
        if (qualifier and value not in every) or (not qualifier and name not in bare):
            self.error(
                line,
                label,
                f"dimension '{value}' does not exist in metrics.yml.",
                "Run `cortex metrics` to list them."
                + did_you_mean(value, every if qualifier else bare),
            )
            return False
        return True

    # -- across sections

    def access_groups(self, roles: Mapping[str, str]) -> None:
        """Roles named by `access_groups` in metrics.yml must be roles of access.yml."""
        for metric in self.model.metrics:
            for role in metric.access_groups:
                if role not in roles:
                    self.issues.append(
                        Issue(
                            "error",
                            metric.location.file,
                            metric.location.line,
                            f"metric '{metric.name}'",
                            f"access_groups names '{role}', which is not a role in {self.file}.",
                            f"Declare it under `roles:` in {self.file}, or fix the name."
                            + did_you_mean(role, roles),
                        )
                    )

    def missing_attributes(
        self, data: LineMap, users: Mapping[str, Member], policies: Sequence[RowPolicy]
    ) -> None:
        """A user holding a restricted role without the attribute its policy reads is denied."""
        section = data.get("users")
        if not isinstance(section, LineMap):
            return
        for user in users.values():
            for rule in policies:
                if rule.role in user.roles and rule.attribute not in user.attributes:
                    self.warning(
                        section.key_lines[user.id],
                        f"user '{user.id}'",
                        f"has role '{rule.role}', whose row policy reads user.{rule.attribute}, "
                        f"but no attributes.{rule.attribute}: they will be denied what only "
                        f"'{rule.role}' grants them.",
                        f"Add `attributes: {{{rule.attribute}: ...}}`.",
                    )


class LiveAccess:
    """access.yml as it is now: read again when its content changes, so a revocation takes
    effect on the next question without a restart.

    The file is small, so every question reads it and compares a SHA-256 of its bytes with
    that of the policy in force: an edit is seen whatever its size and modification time (an
    editor or `git checkout` can keep both, and a coarse clock can hide a quick edit).

    A file that no longer loads fails closed: every question is refused, saying the policy
    is broken and how to find the problem, until the file is fixed.
    """

    def __init__(self, path: str | Path, model: SemanticModel) -> None:
        self.path = Path(path)
        self.model = model
        self._lock = threading.Lock()
        self._digest = self._digest_now()
        self._policy: AccessPolicy | None = load_access(self.path, model)

    def _digest_now(self) -> bytes | None:
        """The SHA-256 of the file's bytes; None when it cannot be read."""
        try:
            return hashlib.sha256(self.path.read_bytes()).digest()
        except OSError:
            return None

    def current(self) -> AccessPolicy:
        """The policy in the file now; AccessDenied while the file is missing or broken."""
        with self._lock:
            digest = self._digest_now()
            if digest != self._digest:
                self._digest = digest  # an edit during the load is seen by the next question
                try:
                    self._policy = load_access(self.path, self.model)
                except UserError:
                    _log.exception("access.yml at %s no longer loads: refusing everyone", self.path)
                    self._policy = None
            if self._policy is None:
                raise AccessDenied(
                    "Cortex's access policy cannot be read right now, so I can't answer anyone.",
                    hint="Ask a Cortex admin to run `cortex check` and fix access.yml.",
                )
            return self._policy

    def grant_for(self, principal: Principal) -> Grant:
        """The grant of `principal` under the current policy."""
        return self.current().grant_for(principal)

    @property
    def group_ids(self) -> frozenset[str]:
        """The user groups the current policy names (none while it is broken)."""
        try:
            return self.current().group_ids
        except AccessDenied:
            return frozenset()
