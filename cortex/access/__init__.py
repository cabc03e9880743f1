"""Who may see what: roles from `access.yml`, applied to every semantic query before it compiles.

`access.yml` sits next to metrics.yml (or at `CORTEX_ACCESS`) and is versioned with it::

    version: 1
    roles:        role -> {description}
    users:        Slack user id -> {name, email, roles, attributes}
    groups:       Slack user-group id -> {name, roles}
    metrics:      metric -> {requires: [roles]}
    tables:       table -> {requires: [roles]}
    row_policies: [{role, dimension, equals: user.<attribute>}]
    audit:        {requires: [roles]}   who may read the audit trail on the web

A user's `email` signs them in on the internal site (`cortex.web`, behind a sign-in proxy): an
address that is not an e-mail, or one given to two users, is an error at its line.

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

The modules: `policy` (the policy and who is who), `grants` (a person's `Grant` and its
refusals), `sources` (which warehouse tables a table reads), `reader` (`load_access`,
`check_access`), `sections` and `shapes` (how each part of access.yml is read and checked),
`live` (`LiveAccess`, the policy re-read when the file changes).
"""

from __future__ import annotations

from cortex.access.grants import Grant
from cortex.access.live import LiveAccess
from cortex.access.policy import AccessPolicy, Member, Principal, RowPolicy
from cortex.access.reader import AccessConfigError, check_access, load_access

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
