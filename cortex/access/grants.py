"""A `Grant`: what one person may see, and the `QueryPolicy` (its `apply`) that enforces it.

The rules are those of the package docstring (`cortex.access`): a grant refuses a metric none
of the person's roles grants (rule 2) and a dimension of a table they may not read (rule 3),
and adds their row policies' filters to the query (rule 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from cortex.access.sources import source_key
from cortex.errors import AccessDenied
from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.errors import QueryError, SemanticLayerError
from semantic_layer.model import Metric, SemanticModel, Table
from semantic_layer.query import Filter, SemanticQuery, parse_where

if TYPE_CHECKING:
    from cortex.access.policy import AccessPolicy, Principal, Requirement


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

    def covers(self, ran: SemanticQuery) -> bool:
        """Whether this person may see the result of `ran`, a query as it ran for someone else
        (that person's row filters in it): their grant allows every metric, table and dimension
        it reads and adds no row filter it lacks, so its rows are all among theirs. A query
        that does not compile is not covered (fail closed)."""
        try:
            return self.apply(ran) == ran
        except (AccessDenied, SemanticLayerError):
            return False

    def row_filters(self, query: SemanticQuery) -> tuple[Filter, ...]:
        """The row filters this person's row policies put on `query` (rule 4), whether or not
        the query has them already; none when they see every row of it. `AccessDenied` for a
        metric they may not see, or a row policy they lack the attribute for."""
        reads = compile_query(query, self.policy.model, as_of=date.today()).source_tables
        if not query.metrics:  # a listing: no metric grants it, every role restricts it
            return tuple(self._row_filters(self.roles, reads))
        found: list[Filter] = []
        for name in query.metrics:
            for row_filter in self._row_filters(self._granting(name), reads):
                if row_filter not in found:
                    found.append(row_filter)
        return tuple(found)

    # -- metrics

    def _granting(self, name: str) -> frozenset[str]:
        """The user's roles that grant metric `name`; AccessDenied when there are none."""
        policy = self.policy
        requirements = policy.requirements.get(name)
        if requirements is None:  # not a metric: the compiler says so, with suggestions
            return self.roles
        granting = frozenset(r for r in self.roles if passes(r, requirements))
        if granting:
            return granting
        blocking = next((r for r in requirements if not r.roles & self.roles), None)
        reason = blocking.reason if blocking else "none of your roles meets all its requirements"
        allowed = policy.grantors(name)
        who = f"only {_either(allowed)} may see it" if allowed else "no role may see it"
        raise AccessDenied(
            f"You are not allowed to see {named_metric(policy.model.metric(name))}: {who} "
            f"({reason}), and your roles are {_both(self.roles)}.",
            hint="Ask a Cortex admin if you need it.",
        )

    def _row_filters(self, granting: frozenset[str], reads: Sequence[str]) -> list[Filter]:
        """The row filters a metric (or a listing) takes for this user, given the roles that
        grant it; none when one of them has no row policy and may read every restricted table
        the query reads (a role cannot lift a restriction through a table it could not see
        itself)."""
        policy = self.policy
        by_role = {role: [p for p in policy.row_policies if p.role == role] for role in granting}
        restricted = [
            roles
            for source in reads
            if (r := policy.restricted_sources.get(source_key(source)))
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
        if not query.metrics:
            rows = " and ".join(str(f) for f in added)
            raise AccessDenied(
                f"You see only the rows where {rows}, and this list can't be narrowed to them "
                "(its table doesn't join to that dimension), so I can't show it to you.",
                hint="Ask a Cortex admin for a role without this restriction.",
            )
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
                    f"You see only the rows where {rows}, and {named_metric(model.metric(name))} "
                    "can't be narrowed to them (its tables don't join to that dimension), so I "
                    "can't show it to you.",
                    hint="Ask about another metric, or ask a Cortex admin for a role without "
                    "this restriction.",
                ) from None

    def _check_tables(self, compiled: CompiledQuery, query: SemanticQuery) -> None:
        """AccessDenied when the query groups or filters by a dimension of a restricted table."""
        policy = self.policy
        for source in compiled.source_tables:
            restricted = policy.restricted_sources.get(source_key(source))
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


def passes(role: str, requirements: Iterable[Requirement]) -> bool:
    """Whether `role` meets every one of `requirements` (then it grants their metric)."""
    return all(role in r.roles for r in requirements)


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


def named_metric(metric: Metric | None) -> str:
    """A metric as a refusal names it: its label and name ("that metric" when unknown)."""
    return "that metric" if metric is None else f"{metric.label} ({metric.name})"


def _either(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _both(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
