"""Linear: `linear.create_issue` files an issue carrying the answers acted on, once.

`client` speaks Linear's GraphQL API (and says what its failures mean), `operations` are the
queries and the mutation the skill sends, `issue` is the skill.
"""

from __future__ import annotations

from skills.linear.issue import CreateIssue, CreateLinearIssue

__all__ = ["CreateIssue", "CreateLinearIssue"]
