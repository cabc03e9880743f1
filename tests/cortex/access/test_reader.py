"""Reading access.yml: the shipped file, and every problem of a broken one at `file:line`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cortex.access import AccessConfigError, AccessPolicy, check_access, load_access
from cortex.errors import UserError
from semantic_layer.model import SemanticModel
from tests.cortex.access.conftest import FINANCE_TEAM, MAYA, ROOT, STAFF, SUPPORT_OPS, write

# --------------------------------------------------------------------------- the shipped file


def test_the_shipped_access_yml_loads_against_the_shipped_metrics_yml(
    model: SemanticModel,
) -> None:
    assert check_access(ROOT / "access.yml", model) == []
    policy = load_access(ROOT / "access.yml", model)
    assert set(policy.roles) == {"analyst", "exec", "finance", "sales_rep", "support", "employee"}
    assert policy.group_ids == {FINANCE_TEAM, SUPPORT_OPS, STAFF}
    assert policy.users[MAYA.user_id].attributes == {"account_owner": ("Maya Patel",)}


def test_shipped_owners_own_accounts_in_the_demo(
    policy: AccessPolicy, demo_con: duckdb.DuckDBPyConnection
) -> None:
    for user in policy.users.values():
        for owner in user.attributes.get("account_owner", ()):
            count = demo_con.execute(
                "SELECT COUNT(*) FROM accounts WHERE owner_name = ?", [owner]
            ).fetchone()
            assert count is not None and count[0] > 0, owner


# --------------------------------------------------------------------------- broken files


def issues_of(tmp_path: Path, model: SemanticModel, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(AccessConfigError) as raised:
        load_access(path, model)
    assert str(raised.value).startswith("1 error(s) in the access policy:\naccess.yml:")
    return [str(issue) for issue in raised.value.issues if issue.level == "error"]


@pytest.fixture()
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # messages show the file relative to the working directory
    return tmp_path


BROKEN = {
    "unknown role": (
        """
        version: 1
        roles: {analyst: {}, finance: {}}
        users:
          U0ADA00001: {name: Ada, roles: [analist]}
        """,
        "access.yml:4: error: user 'U0ADA00001': unknown role 'analist'. Declare it under "
        "`roles:`, or use one of: analyst, finance. Did you mean 'analyst'?",
    ),
    "unknown metric": (
        """
        version: 1
        roles: {analyst: {}}
        metrics:
          arr_: {requires: [analyst]}
        """,
        "access.yml:4: error: metric 'arr_': is not a metric of metrics.yml. Run `cortex "
        "metrics` to list them. Did you mean 'arr'?",
    ),
    "unknown table": (
        """
        version: 1
        roles: {analyst: {}}
        tables:
          subscription: {requires: [analyst]}
        """,
        "access.yml:4: error: table 'subscription': is not a table of metrics.yml. Run "
        "`cortex metrics` to list them. Did you mean 'subscriptions'?",
    ),
    "table defined by SQL": (
        """
        version: 1
        roles: {analyst: {}}
        tables:
          arr_movements: {requires: [analyst]}
        """,
        "access.yml:4: error: table 'arr_movements': is defined by SQL in metrics.yml, so it "
        "holds no data of its own. Restrict the tables its SQL reads instead: subscriptions.",
    ),
    "unknown dimension": (
        """
        version: 1
        roles: {sales_rep: {}}
        row_policies:
          - role: sales_rep
            dimension: acount_owner
            equals: user.account_owner
        """,
        "access.yml:5: error: row policy #1: dimension 'acount_owner' does not exist in "
        "metrics.yml. Run `cortex metrics` to list them. Did you mean 'account_owner' or "
        "'account_name'?",
    ),
    "not a user attribute": (
        """
        version: 1
        roles: {sales_rep: {}}
        row_policies:
          - {role: sales_rep, dimension: account_owner, equals: Maya Patel}
        """,
        "access.yml:4: error: row policy #1: 'equals' must name a user attribute, not "
        "'Maya Patel'. Write `equals: user.<attribute>`, e.g. user.account_owner.",
    ),
    "unknown top-level key": (
        """
        version: 1
        role: {analyst: {}}
        """,
        "access.yml:2: error: top level: unknown key 'role'. Accepted: version, roles, users, "
        "groups, metrics, tables, row_policies, audit. Did you mean 'roles'?",
    ),
    "unknown key of a user": (
        """
        version: 1
        roles: {analyst: {}}
        users:
          U0ADA00001: {name: Ada, role: [analyst]}
        """,
        "access.yml:4: error: user 'U0ADA00001': unknown key 'role'. Accepted: name, email, "
        "roles, attributes. Did you mean 'roles'?",
    ),
    "an unquoted comma": (
        """
        version: 1
        roles:
          employee: {description: Everyone, no revenue.}
        """,
        "access.yml:3: error: role 'employee': unknown key 'no revenue.'. Accepted: "
        "description. Put a text holding a comma in quotes.",
    ),
    "a name instead of a Slack id": (
        """
        version: 1
        roles: {analyst: {}}
        users:
          ada.lovelace: {roles: [analyst]}
        """,
        "access.yml:4: error: user 'ada.lovelace': is not a Slack user id (U... or W...: a "
        "letter, then capitals and digits). In Slack, open the person's profile, then '...' "
        "-> Copy ID.",
    ),
    "bad indentation": (
        """
        version: 1
        roles:
          analyst: {}
         finance: {}
        """,
        "access.yml:4: error: YAML: bad indentation: the line does not line up with the block "
        "on line 1. Check the indentation around line 4.",
    ),
    "missing version": (
        """
        roles: {analyst: {}}
        """,
        "access.yml:1: error: top level: missing key 'version'. Add `version: 1`.",
    ),
    "not an e-mail": (
        """
        version: 1
        roles: {analyst: {}}
        users:
          U0ADA00001: {email: ada at example.com, roles: [analyst]}
        """,
        "access.yml:4: error: user 'U0ADA00001': 'email' must be an e-mail address such as "
        "name@example.com, not 'ada at example.com'. Write the address the sign-in proxy sends "
        "for this person.",
    ),
    "an e-mail given twice": (
        """
        version: 1
        roles: {analyst: {}}
        users:
          U0ADA00001: {email: ada@example.com, roles: [analyst]}
          U0BEN00002: {email: Ada@Example.com, roles: [analyst]}
        """,
        "access.yml:5: error: user 'U0BEN00002': e-mail ada@example.com is given to another "
        "user too (first on line 4). Each person signs in with their own address: give each "
        "user theirs.",
    ),
    "audit with an unknown role": (
        """
        version: 1
        roles: {analyst: {}}
        audit: {requires: [analysts]}
        """,
        "access.yml:3: error: audit: unknown role 'analysts'. Declare it under `roles:`, or use "
        "one of: analyst. Did you mean 'analyst'?",
    ),
}


def test_users_sign_in_on_the_web_with_their_email_and_audit_names_its_readers(
    in_tmp: Path, model: SemanticModel
) -> None:
    path = write(
        in_tmp,
        """
        version: 1
        roles: {analyst: {}, finance: {}}
        users:
          U0ADA00001: {name: Ada, email: Ada.Lovelace@Example.com, roles: [analyst]}
          U0BEN00002: {name: Ben, roles: [finance]}
        audit: {requires: [analyst]}
        """,
    )
    policy = load_access(path, model)
    ada = policy.user_by_email("ada.lovelace@example.COM")
    assert ada is not None and ada.id == "U0ADA00001"
    assert ada.email == "ada.lovelace@example.com"
    assert policy.user_by_email("ben@example.com") is None
    assert policy.may_read_audit(frozenset({"analyst"}))
    assert not policy.may_read_audit(frozenset({"finance"}))


def test_without_an_audit_section_nobody_reads_the_audit_on_the_web(policy: AccessPolicy) -> None:
    assert policy.audit_requires == frozenset({"analyst"})  # the shipped file names analysts
    bare = AccessPolicy(
        policy.file, policy.model, policy.roles, policy.users, policy.groups, {}, {}
    )
    assert not bare.may_read_audit(frozenset(policy.roles))


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_access_yml_is_reported_at_file_and_line(
    case: str, in_tmp: Path, model: SemanticModel
) -> None:
    text, expected = BROKEN[case]
    assert issues_of(in_tmp, model, text) == [expected]


def test_every_problem_is_reported_at_once(in_tmp: Path, model: SemanticModel) -> None:
    path = write(
        in_tmp,
        """
        version: 2
        roles: {analyst: {}}
        users:
          U0ADA00001: {roles: [analist]}
        metrics:
          arr_: {requires: [analyst]}
        """,
    )
    issues = check_access(path, model)
    assert [(i.line, i.level) for i in issues] == [(1, "error"), (4, "error"), (6, "error")]


def test_a_user_missing_a_policy_attribute_is_a_warning(in_tmp: Path, model: SemanticModel) -> None:
    path = write(
        in_tmp,
        """
        version: 1
        roles: {sales_rep: {}}
        users:
          U0REP00001: {name: Rep, roles: [sales_rep]}
        row_policies:
          - {role: sales_rep, dimension: account_owner, equals: user.account_owner}
        """,
    )
    [issue] = check_access(path, model)
    assert issue.level == "warning" and issue.line == 4
    load_access(path, model)  # a warning does not stop it: the user is denied (fail closed)


def test_a_missing_file_says_where_it_was_looked_for_and_how_to_fix_it(
    tmp_path: Path, model: SemanticModel
) -> None:
    with pytest.raises(UserError) as raised:
        load_access(tmp_path / "access.yml", model)
    message = raised.value.user_message
    assert str(tmp_path / "access.yml") in message and "CORTEX_ACCESS" in message
