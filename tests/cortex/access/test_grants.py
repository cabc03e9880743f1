"""What a grant lets a person see: metrics and tables (rules 2 and 3), rows (rule 4), and all
of it through the agent. Row-filtered numbers are checked against hand-written SQL.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cortex.access import AccessPolicy, Grant, Principal, load_access
from cortex.agent import Agent
from cortex.errors import AccessDenied
from cortex.planning.offline.planner import OfflinePlanner
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import Filter, SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.cortex.access.conftest import (
    ANALYST,
    FINANCE_TEAM,
    MAYA,
    NEW_HIRE,
    OLIVIA,
    ROOT,
    STAFF,
    SUPPORT_OPS,
    write,
)

ARR_ON_AS_OF = f"""
    SELECT {{columns}} SUM(s.arr)
    FROM subscriptions AS s JOIN accounts AS a USING (account_id)
    WHERE s.started_on <= DATE '{DEMO_AS_OF}'
      AND (s.ended_on IS NULL OR s.ended_on > DATE '{DEMO_AS_OF}')
      {{where}}
    {{group}}
"""


def arr_sql(where: str = "", by: str | None = None) -> str:
    return ARR_ON_AS_OF.format(
        columns=f"a.{by}," if by else "",
        where=f"AND {where}" if where else "",
        group=f"GROUP BY a.{by}" if by else "",
    )


@pytest.fixture()
def agent(workspace: Workspace) -> Agent:
    planner = OfflinePlanner(workspace.model, as_of=DEMO_AS_OF)
    return Agent(workspace, planner, ConversationStore(":memory:"))


def denial(grant: Grant, query: SemanticQuery) -> str:
    with pytest.raises(AccessDenied) as raised:
        grant.apply(query)
    return raised.value.user_message


# --------------------------------------------------------------------------- metrics and tables


def test_a_restricted_metric_is_denied_naming_the_roles_that_may_see_it(
    policy: AccessPolicy,
) -> None:
    support = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({SUPPORT_OPS})))
    message = denial(support, SemanticQuery(metrics=("influenced_revenue",)))
    assert message.startswith("You are not allowed to see Influenced revenue (influenced_revenue)")
    assert "only analyst, exec or finance may see it (it is restricted by access.yml)" in message
    assert "your roles are support" in message
    finance = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({FINANCE_TEAM})))
    assert finance.apply(SemanticQuery(metrics=("influenced_revenue",))).filters == ()


def test_a_table_requirement_applies_to_every_metric_reading_it(policy: AccessPolicy) -> None:
    employee = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({STAFF})))
    message = denial(employee, SemanticQuery(metrics=("arr",)))
    assert "only analyst, exec, finance or sales_rep may see it" in message
    assert "(it reads the subscriptions table)" in message
    # arr_movements is SQL over subscriptions: net new ARR reads subscriptions too.
    assert "subscriptions table" in denial(employee, SemanticQuery(metrics=("net_new_arr",)))
    # A ratio is restricted by its inputs' tables.
    message = denial(employee, SemanticQuery(metrics=("conversion_rate",)))
    assert "it uses Converted tickets (converted_tickets), which reads the conversions" in message
    # One restricted metric denies the whole question.
    denial(employee, SemanticQuery(metrics=("ticket_volume", "win_rate")))
    assert employee.apply(SemanticQuery(metrics=("ticket_volume",))).filters == ()


def test_metrics_yml_access_groups_are_enforced_too(model: SemanticModel, tmp_path: Path) -> None:
    restricted = model.model_copy(
        update={
            "metrics": tuple(
                m.model_copy(update={"access_groups": ("support",)})
                if m.name == "ticket_volume"
                else m
                for m in model.metrics
            )
        }
    )
    policy = load_access(ROOT / "access.yml", restricted)
    employee = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({STAFF})))
    message = denial(employee, SemanticQuery(metrics=("ticket_volume",)))
    assert "only support may see it (it is restricted by its access_groups in metrics.yml)" in (
        message
    )
    support = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({SUPPORT_OPS})))
    support.apply(SemanticQuery(metrics=("ticket_volume",)))


def test_a_dimension_or_filter_from_a_restricted_table_is_denied(
    model: SemanticModel, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        roles: {analyst: {}, employee: {}}
        groups: {S04H6N9PZ3R: {name: staff, roles: [employee]}}
        tables:
          accounts: {requires: [analyst]}
        """,
    )
    employee = load_access(path, model).grant_for(Principal(NEW_HIRE, frozenset({STAFF})))
    assert "'segment': it comes from the accounts table, which only analyst may see" in denial(
        employee, SemanticQuery(metrics=("ticket_volume",), dimensions=("segment",))
    )
    where = Filter(field="region", op="=", values=("EMEA",))
    assert "'region'" in denial(
        employee, SemanticQuery(metrics=("tickets_rolling_7d",), filters=(where,))
    )
    named = SemanticQuery(metrics=("ticket_volume",), named_filters=("enterprise",))
    assert "'segment'" in denial(employee, named)
    employee.apply(SemanticQuery(metrics=("ticket_volume",), dimensions=("channel",)))


def test_a_table_named_another_way_in_sql_is_still_the_restricted_table(tmp_path: Path) -> None:
    # DuckDB reads `main.Subscriptions` as `subscriptions`: so must the policy
    metrics = (ROOT / "metrics.yml").read_text(encoding="utf-8")
    assert "      FROM subscriptions\n" in metrics
    (tmp_path / "metrics.yml").write_text(
        metrics.replace("      FROM subscriptions\n", "      FROM main.Subscriptions\n"),
        encoding="utf-8",
    )
    model = load_model(tmp_path / "metrics.yml")
    staff_only = Principal("U09STAFF001", groups=frozenset({STAFF}))
    grant = load_access(ROOT / "access.yml", model).grant_for(staff_only)
    with pytest.raises(AccessDenied, match="subscriptions"):
        grant.apply(SemanticQuery(metrics=("net_new_arr",)))


# --------------------------------------------------------------------------- rows


def test_row_filters_name_a_reps_own_filter_even_when_the_question_already_has_it(
    policy: AccessPolicy,
) -> None:
    own = Filter(field="accounts.account_owner", op="=", values=("Maya Patel",))
    asked = SemanticQuery(metrics=("arr",), filters=(own,))
    assert policy.grant_for(MAYA).apply(asked) == asked  # nothing to add ...
    assert policy.grant_for(MAYA).row_filters(asked) == (own,)  # ... yet she is restricted
    assert policy.grant_for(ANALYST).row_filters(asked) == ()


def test_a_row_policy_adds_the_owner_filter_and_the_warehouse_agrees(
    policy: AccessPolicy, workspace: Workspace, demo_con: duckdb.DuckDBPyConnection
) -> None:
    asked = SemanticQuery(metrics=("arr",), dimensions=("segment",))
    allowed = policy.grant_for(MAYA).apply(asked)
    assert allowed.filters == (
        Filter(field="accounts.account_owner", op="=", values=("Maya Patel",)),
    )
    assert allowed.model_copy(update={"filters": ()}) == asked  # nothing else changes
    outcome = workspace.query(allowed)
    assert outcome.result is not None
    frame = outcome.result.frame
    got = dict(zip(frame["segment"], frame["arr"], strict=True))
    expected = dict(demo_con.execute(arr_sql("a.owner_name = 'Maya Patel'", "segment")).fetchall())
    assert got == pytest.approx({k: float(v) for k, v in expected.items()})
    everyone = dict(demo_con.execute(arr_sql(by="segment")).fetchall())
    assert sum(got.values()) < float(sum(everyone.values()))
    assert "accounts.account_owner = 'Maya Patel'" in outcome.compiled.provenance.filters


def test_the_row_policy_narrows_every_metric_of_a_restricted_user(
    policy: AccessPolicy, workspace: Workspace, demo_con: duckdb.DuckDBPyConnection
) -> None:
    """Maya's only role is sales_rep, so even tickets are those of her own accounts."""
    asked = SemanticQuery(metrics=("ticket_volume",), time_range="last month")
    outcome = workspace.query(policy.grant_for(MAYA).apply(asked))
    assert outcome.result is not None
    expected = demo_con.execute(
        "SELECT COUNT(*) FROM tickets AS t JOIN accounts AS a USING (account_id) "
        "WHERE a.owner_name = 'Maya Patel' AND t.created_at >= DATE '2026-10-01' "
        "AND t.created_at < DATE '2026-11-01'"
    ).fetchone()
    assert expected is not None
    assert outcome.result.frame["ticket_volume"].tolist() == [expected[0]]


def test_filters_the_user_asked_for_stay_and_the_rows_are_the_intersection(
    policy: AccessPolicy, workspace: Workspace, demo_con: duckdb.DuckDBPyConnection
) -> None:
    grant = policy.grant_for(MAYA)
    someone_else = Filter(field="account_owner", op="=", values=("Lucas Meyer",))
    allowed = grant.apply(SemanticQuery(metrics=("arr",), filters=(someone_else,)))
    assert allowed.filters[0] == someone_else and len(allowed.filters) == 2
    result = workspace.query(allowed).result
    assert result is not None
    assert result.frame.empty or result.frame["arr"].isna().all()  # nobody owns both

    smb = grant.apply(SemanticQuery(metrics=("arr",), named_filters=("enterprise",)))
    assert smb.named_filters == ("enterprise",)
    expected = demo_con.execute(
        arr_sql("a.owner_name = 'Maya Patel' AND a.segment = 'Enterprise'")
    ).fetchone()
    result = workspace.query(smb).result
    assert result is not None
    assert expected is not None and expected[0] is None  # Maya owns SMB accounts only
    assert result.frame.empty or result.frame["arr"].isna().all()


def test_an_unrestricted_role_wins_only_for_the_metrics_it_grants(
    policy: AccessPolicy, workspace: Workspace, demo_con: duckdb.DuckDBPyConnection
) -> None:
    """Olivia is an employee (all tickets, no ARR) and a sales rep (her accounts' ARR)."""
    grant = policy.grant_for(OLIVIA)
    assert grant.apply(SemanticQuery(metrics=("ticket_volume",))).filters == ()
    arr = grant.apply(SemanticQuery(metrics=("arr",)))
    assert arr.filters == (
        Filter(field="accounts.account_owner", op="=", values=("Olivia Bennett",)),
    )
    result = workspace.query(arr).result
    expected = demo_con.execute(arr_sql("a.owner_name = 'Olivia Bennett'")).fetchone()
    assert result is not None and expected is not None
    assert result.frame["arr"].tolist() == pytest.approx([float(expected[0])])
    # Asked together, the sales-rep restriction applies to the whole question.
    both = grant.apply(SemanticQuery(metrics=("arr", "ticket_volume")))
    assert both.filters == arr.filters
    # OKR targets join to no account: the employee role grants them unrestricted...
    assert grant.apply(SemanticQuery(metrics=("okr_target",))).filters == ()


def test_a_metric_that_cannot_reach_the_policy_dimension_is_denied(policy: AccessPolicy) -> None:
    """...but Maya's only role restricts her rows, and OKR targets have no account owner."""
    message = denial(policy.grant_for(MAYA), SemanticQuery(metrics=("okr_target",)))
    assert message.startswith(
        "You see only the rows where accounts.account_owner = 'Maya Patel', and OKR target "
        "(okr_target) can't be narrowed to them"
    )


def test_a_user_without_the_attribute_a_policy_reads_is_denied(
    model: SemanticModel, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        roles: {sales_rep: {}}
        groups: {S05SALES01: {name: sales, roles: [sales_rep]}}
        row_policies:
          - {role: sales_rep, dimension: account_owner, equals: user.account_owner}
        """,
    )
    grant = load_access(path, model).grant_for(Principal(NEW_HIRE, frozenset({"S05SALES01"})))
    message = denial(grant, SemanticQuery(metrics=("arr",)))
    assert "access.yml gives you no account_owner" in message
    assert "set attributes.account_owner" in message


def test_a_list_attribute_becomes_an_in_filter(model: SemanticModel, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        roles: {sales_rep: {}}
        users:
          U0TEAMLEAD:
            roles: [sales_rep]
            attributes: {account_owner: [Maya Patel, Lucas Meyer]}
        row_policies:
          - {role: sales_rep, dimension: account_owner, equals: user.account_owner}
        """,
    )
    grant = load_access(path, model).grant_for(Principal("U0TEAMLEAD"))
    allowed = grant.apply(SemanticQuery(metrics=("arr",)))
    assert allowed.filters == (
        Filter(field="account_owner", op="in", values=("Maya Patel", "Lucas Meyer")),
    )


def test_a_role_without_row_policy_lifts_it_only_where_it_may_read_every_table(
    tmp_path: Path, model: SemanticModel
) -> None:
    # Olivia is a sales rep (her accounts only) and staff (no row policy, but accounts are
    # off limits to staff here): staff cannot lift the rep's restriction through accounts
    access = (ROOT / "access.yml").read_text(encoding="utf-8")
    assert "\ntables:\n" in access
    restricted = access.replace(
        "\ntables:\n", "\ntables:\n  accounts: {requires: [analyst, exec, finance, sales_rep]}\n"
    )
    (tmp_path / "access.yml").write_text(restricted, encoding="utf-8")
    policy = load_access(tmp_path / "access.yml", model)
    olivia = Principal(OLIVIA.user_id, groups=frozenset({STAFF}), name=OLIVIA.name)
    query = SemanticQuery(metrics=("ticket_volume",), dimensions=("account_name",))
    allowed = policy.grant_for(olivia).apply(query)
    assert Filter(field="accounts.account_owner", op="=", values=("Olivia Bennett",)) in (
        allowed.filters
    )
    # without accounts in the question, staff's own right to tickets stands unrestricted
    assert policy.grant_for(olivia).apply(SemanticQuery(metrics=("ticket_volume",))).filters == ()


# --------------------------------------------------------------------------- through the agent


def test_a_sales_rep_asking_for_arr_gets_her_own_accounts_arr(
    agent: Agent, policy: AccessPolicy, demo_con: duckdb.DuckDBPyConnection
) -> None:
    answer = agent.ask("What is our ARR?", policy=policy.grant_for(MAYA))
    assert answer.status == "answer" and answer.result is not None
    expected = demo_con.execute(arr_sql("a.owner_name = 'Maya Patel'")).fetchone()
    assert expected is not None
    assert answer.result.frame["arr"].tolist() == pytest.approx([float(expected[0])])
    assert answer.compiled is not None
    assert "owner_name = 'Maya Patel'" in answer.compiled.sql
    assert answer.query is not None and answer.query.filters == ()  # the plan stays unrestricted

    analyst = agent.ask("What is our ARR?", policy=policy.grant_for(ANALYST))
    everyone = demo_con.execute(arr_sql()).fetchone()
    assert analyst.result is not None and everyone is not None
    assert analyst.result.frame["arr"].tolist() == pytest.approx([float(everyone[0])])


def test_a_follow_up_is_restricted_again(
    agent: Agent, policy: AccessPolicy, demo_con: duckdb.DuckDBPyConnection
) -> None:
    grant = policy.grant_for(MAYA)
    first = agent.ask("What is our ARR?", policy=grant)
    follow_up = agent.ask("now by segment", first.conversation_id, policy=grant)
    assert follow_up.status == "answer" and follow_up.result is not None
    frame = follow_up.result.frame
    expected = dict(demo_con.execute(arr_sql("a.owner_name = 'Maya Patel'", "segment")).fetchall())
    got = dict(zip(frame["segment"], frame["arr"], strict=True))
    assert got == pytest.approx({k: float(v) for k, v in expected.items()})


def test_a_denied_question_gets_a_denied_answer_and_no_numbers(
    agent: Agent, policy: AccessPolicy
) -> None:
    employee = policy.grant_for(Principal(NEW_HIRE, groups=frozenset({STAFF})))
    answer = agent.ask("What is our ARR?", policy=employee)
    assert answer.status == "denied"
    assert answer.result is None and answer.compiled is None
    assert "only analyst, exec, finance or sales_rep may see it" in answer.text


def test_a_listing_shows_a_restricted_user_only_her_own_rows(
    policy: AccessPolicy, workspace: Workspace, demo_con: duckdb.DuckDBPyConnection
) -> None:
    """A list of names has no metric to grant it, yet the rows are as restricted as numbers."""
    asked = SemanticQuery(dimensions=("account_name",), filters=(), limit=None)
    allowed = policy.grant_for(MAYA).apply(asked)
    assert allowed.filters == (
        Filter(field="accounts.account_owner", op="=", values=("Maya Patel",)),
    )
    outcome = workspace.query(allowed)
    assert outcome.result is not None
    expected = demo_con.execute(
        "SELECT DISTINCT account_name FROM accounts WHERE owner_name = 'Maya Patel' ORDER BY 1"
    ).fetchall()
    assert list(outcome.result.frame["account_name"]) == [name for (name,) in expected]
    assert policy.grant_for(ANALYST).apply(asked) == asked


def test_a_listing_that_cannot_take_the_row_filter_is_denied(policy: AccessPolicy) -> None:
    message = denial(policy.grant_for(MAYA), SemanticQuery(dimensions=("okr_id",)))
    assert message.startswith("You see only the rows where accounts.account_owner = 'Maya Patel'")
