"""Who has which role: a user's own entry and their user groups, and nobody by default."""

from __future__ import annotations

import pytest

from cortex.access import AccessPolicy, Principal
from cortex.errors import AccessDenied
from tests.cortex.access.conftest import MAYA, NEW_HIRE, STAFF, SUPPORT_OPS


def test_an_unmapped_user_is_not_allowed_and_told_nothing_else(policy: AccessPolicy) -> None:
    with pytest.raises(AccessDenied) as raised:
        policy.grant_for(Principal(NEW_HIRE, groups=frozenset({"S0UNLISTED"})))
    message = raised.value.user_message
    assert "not allowed" in message and NEW_HIRE in message
    assert "Ask a Cortex admin" in message and "access.yml" in message


def test_the_bot_identity_is_a_user_like_any_other(policy: AccessPolicy) -> None:
    """No shared identity widens access: the app's own ids are in no entry, so get nothing."""
    for bot in ("B07CORTEXAP", "U07CORTEXBT"):
        with pytest.raises(AccessDenied):
            policy.grant_for(Principal(bot))


def test_a_user_group_gives_its_roles_to_its_members(policy: AccessPolicy) -> None:
    grant = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({SUPPORT_OPS})))
    assert grant.roles == {"support"}
    both = policy.grant_for(Principal(MAYA.user_id, groups=frozenset({STAFF})))
    assert both.roles == {"sales_rep", "employee"}
