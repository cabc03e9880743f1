"""How each section of access.yml is read and checked against the semantic model.

`AccessReader` reads the roles, users and groups, metric and table requirements and row
policies, then checks across sections; every problem becomes an issue at `file:line`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cortex.access.policy import AccessPolicy, Member, RowPolicy
from cortex.access.shapes import ShapeChecks
from semantic_layer.compile import tables_read
from semantic_layer.errors import Issue, did_you_mean
from semantic_layer.model import METRIC_TIME, SemanticModel
from semantic_layer.yaml_lines import LineMap, LineSeq, short_repr

#: The only format version this reader reads.
VERSION = 1

_TOP_LEVEL_KEYS = (
    "version",
    "roles",
    "users",
    "groups",
    "metrics",
    "tables",
    "row_policies",
    "audit",
)
_ROLE_KEYS = ("description",)
_USER_KEYS = ("name", "email", "roles", "attributes")
_GROUP_KEYS = ("name", "roles")
_REQUIRES_KEYS = ("requires",)
_ROW_POLICY_KEYS = ("role", "dimension", "equals")

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_ATTRIBUTE = re.compile(r"user\.([A-Za-z_][A-Za-z0-9_]*)")
#: An address as a sign-in proxy sends it: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class AccessReader(ShapeChecks):
    """One read of access.yml: every issue found, in one pass."""

    def __init__(self, file: str, model: SemanticModel) -> None:
        super().__init__(file)
        self.model = model

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
        audit = self.audit(data, roles)
        self.access_groups(roles)
        self.missing_attributes(data, users, policies)
        return AccessPolicy(
            self.file, self.model, roles, users, groups, metrics, tables, tuple(policies), audit
        )

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
        emails: dict[str, int] = {}  # address -> the line that gives it first
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
            email = self.email(raw, label, emails) if is_user else None
            members[member_id] = Member(member_id, name, found, attributes, email)
        return members

    def email(self, raw: LineMap, label: str, seen: dict[str, int]) -> str | None:
        """The user's sign-in address for the web, lower case (None when absent or wrong);
        an address given to two users is an error on the second (it would sign in as both)."""
        value = raw.get("email")
        if value is None:
            return None
        line = raw.key_lines["email"]
        if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
            self.error(
                line,
                label,
                f"'email' must be an e-mail address such as name@example.com, not "
                f"{short_repr(value)}.",
                "Write the address the sign-in proxy sends for this person.",
            )
            return None
        address = value.strip().lower()
        if address in seen:
            self.error(
                line,
                label,
                f"e-mail {address} is given to another user too (first on line {seen[address]}).",
                "Each person signs in with their own address: give each user theirs.",
            )
            return None
        seen[address] = line
        return address

    def attributes(self, raw: LineMap, label: str) -> dict[str, tuple[str, ...]]:
        value = raw.get("attributes")
        if value is None:
            return {}
        if not isinstance(value, LineMap):
            self.error(
                raw.key_lines["attributes"],
                label,
                f"'attributes' must be a mapping such as {{<attribute>: <value>}}, not "
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
                sources = tables_read(self.model, table.name)
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

    def audit(self, data: LineMap, roles: Mapping[str, str]) -> frozenset[str]:
        """The roles that may read the audit trail: `audit: {requires: [roles]}`."""
        if data.get("audit") is None:
            return frozenset()
        raw = self.entry(data, "audit", "audit", _REQUIRES_KEYS)
        allowed = self.role_list(raw, "requires", "audit", roles)
        if allowed is not None and not allowed and not raw.get("requires"):
            self.error(
                raw.key_lines["requires"],
                "audit",
                "'requires' lists no role, so nobody could read the audit trail.",
                "List the roles that may read it (e.g. `requires: [analyst]`), or remove "
                "`audit:` to keep it to the terminal (`cortex audit`).",
            )
        return allowed or frozenset()

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
                example = "{role: <role>, dimension: <dimension>, equals: user.<attribute>}"
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
                    "Write `equals: user.<attribute>`"
                    + (f", e.g. user.{dimension}." if isinstance(dimension, str) else "."),
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
