"""The rules behind `cortex check`: cross-references, SQL, columns, joins and documentation.

Each test writes a `metrics.yml` that includes the valid model `fixtures/valid/base.yml` (tables
`accounts` and `tickets`, joined tickets -> accounts; metrics `ticket_volume`, `resolved_tickets`,
`active_customers`, ...; the filter `enterprise`) and adds the objects under test.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from semantic_layer.errors import Issue
from semantic_layer.loader import check_file, load_model
from semantic_layer.model import Dimension, Metric, Relationship, SemanticModel, Table
from semantic_layer.rules import RULES, RuleContext, check_model, check_relationships

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The warehouse the base model describes.
COLUMNS: dict[str, list[str]] = {
    "accounts": ["account_id", "segment", "region", "signed_up_at", "churned_at"],
    "tickets": ["ticket_id", "account_id", "channel", "handled_by", "created_at", "resolved_at"],
}

Check = Callable[..., list[str]]


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Check]:
    """`check(text, warehouse=None)`: the issues of a metrics.yml holding `text`, as printed."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "valid" / "base.yml", tmp_path / "base.yml")

    def run(text: str, warehouse: dict[str, list[str]] | None = None) -> list[str]:
        (tmp_path / "metrics.yml").write_text(textwrap.dedent(text).lstrip("\n"))
        return [str(issue) for issue in check_file("metrics.yml", warehouse_columns=warehouse)]

    yield run


def test_the_base_model_has_no_issues(check: Check) -> None:
    assert check("version: 1\ninclude: [base.yml]\n", COLUMNS) == []


def test_rules_are_a_tuple_of_typed_callables_over_a_context() -> None:
    model = load_model(FIXTURES / "valid" / "base.yml")
    assert len(RULES) == 8
    assert all(list(rule(RuleContext(model))) == [] for rule in RULES)
    assert check_model(model, warehouse_columns=COLUMNS) == []


def test_a_rule_runs_on_a_model_built_in_code_and_its_issues_name_the_object() -> None:
    join = Relationship.model_validate({"from": "tickets", "to": "acounts", "keys": {"a": "a"}})
    tickets = Table(
        name="tickets", primary_key="ticket_id", dimensions=(Dimension(name="channel", expr="("),)
    )
    metric = Metric(name="net_new_arr", label="Net new ARR", type="derived", expr="new_arr")
    model = SemanticModel(tables=(tickets,), relationships=(join,), metrics=(metric,))
    issues: list[Issue] = list(check_relationships(RuleContext(model)))
    assert [str(issue) for issue in issues] == [
        "<memory>: error: relationship 'tickets -> acounts': to table 'acounts' does not exist."
    ]
    assert [issue.path for issue in check_model(model)] == [
        "table 'tickets' dimension 'channel'",
        "relationship 'tickets -> acounts'",
        "metric 'net_new_arr'",
        "metric 'net_new_arr'",
        "metric 'net_new_arr'",
    ]


# --- a. SQL parses ------------------------------------------------------------------------------


def test_every_sql_string_must_parse(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - name: busy_accounts
            sql: SELECT account_id FROM tickets WHERE
            primary_key: account_id
            dimensions:
              - {name: bucket, expr: "CASE WHEN n > 10 THEN 'busy' END END"}
            measures:
              - {name: busy, aggregation: count, filter: "n >", snapshot: {valid_from: a b, valid_to: b}}
        metrics:
          - {name: net, label: Net, type: derived, expr: ticket_volume +, owner: o, description: d}
          - {name: ai, label: AI, measure: tickets, filter: "handled_by = ", owner: o, description: d}
        filters:
          - {name: broken, where: "segment IN ('a'"}
        verified_queries:
          - question: Broken?
            query: {metrics: [ticket_volume], where: ["channel = = 'chat'"]}
        """  # noqa: E501
    assert check(text) == [
        "metrics.yml:4: error: table 'busy_accounts': sql `SELECT account_id FROM tickets WHERE` "
        "is not valid DuckDB SQL: Required keyword: 'this' missing for Where (line 1, col 36).",
        "metrics.yml:8: error: table 'busy_accounts' dimension 'bucket': expr `CASE WHEN n > 10 "
        "THEN 'busy' END END` is not valid DuckDB SQL: unexpected 'END' after the expression.",
        "metrics.yml:10: error: table 'busy_accounts' measure 'busy': filter `n >` is not valid "
        "DuckDB SQL: Required keyword: 'expression' missing for GT (line 1, col 3).",
        "metrics.yml:10: error: table 'busy_accounts' measure 'busy': snapshot valid_from `a b` "
        "is not valid DuckDB SQL: unexpected 'b' after the expression.",
        "metrics.yml:12: error: metric 'net': expr `ticket_volume +` is not valid DuckDB SQL: "
        "Required keyword: 'expression' missing for Add (line 1, col 15).",
        "metrics.yml:13: error: metric 'ai': filter `handled_by = ` is not valid DuckDB SQL: "
        "Required keyword: 'expression' missing for EQ (line 1, col 12).",
        "metrics.yml:15: error: filter 'broken': where `segment IN ('a'` is not valid DuckDB "
        "SQL: Expecting ) (line 1, col 15).",
        "metrics.yml:18: error: verified query 'Broken?': where `channel = = 'chat'` is not "
        "valid DuckDB SQL: Required keyword: 'expression' missing for EQ (line 1, col 11).",
    ]


# --- b. columns exist ---------------------------------------------------------------------------


def test_columns_exist_in_the_source_table(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - name: agents
            table: raw_agents
            primary_key: agent_id
            dimensions:
              - {name: team, expr: upper(team_name)}
              - {name: AGENT_NAME}
            measures:
              - {name: agents, aggregation: count_distinct, expr: agent_id}
              - {name: tenure, aggregation: avg}
          - name: queues
            primary_key: queue_id
          - name: busy_accounts
            sql: SELECT account_id, count(*) AS n FROM tickets GROUP BY 1
            primary_key: whatever
        relationships:
          - {from: agents, to: accounts, keys: {acount_id: account_id}}
        """
    warehouse = {**COLUMNS, "raw_agents": ["agent_id", "agent_name", "team", "account_id"]}
    # `AGENT_NAME` matches `agent_name` (DuckDB identifiers ignore case); `busy_accounts` is
    # defined by SQL, so its columns are not checked.
    assert check(text, warehouse) == [
        "metrics.yml:8: error: table 'agents' dimension 'team': expr refers to column "
        "'team_name', which is not in warehouse table 'raw_agents'. "
        "Did you mean 'agent_name' or 'team'?",
        "metrics.yml:12: error: table 'agents' measure 'tenure': expr refers to column 'tenure', "
        "which is not in warehouse table 'raw_agents'.",
        "metrics.yml:13: error: table 'queues': warehouse table 'queues' not found. "
        "Set `table:` to the warehouse table's name.",
        "metrics.yml:19: error: relationship 'agents -> accounts': key column 'acount_id' is not "
        "in warehouse table 'raw_agents'. Did you mean 'account_id' or 'agent_id'?",
    ]


def test_a_freshness_column_must_exist(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - name: agents
            primary_key: agent_id
            freshness: loaded_at
        """
    assert check(text, {**COLUMNS, "agents": ["agent_id", "loaded_on"]}) == [
        "metrics.yml:4: error: table 'agents': freshness refers to column 'loaded_at', which is "
        "not in warehouse table 'agents'. Did you mean 'loaded_on'?",
    ]


def test_a_source_table_missing_from_the_warehouse_suggests_one(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - {name: calls, table: raw_call, primary_key: call_id}
        """
    assert check(text, {**COLUMNS, "raw_calls": ["call_id"]}) == [
        "metrics.yml:4: error: table 'calls': warehouse table 'raw_call' not found. "
        "Did you mean 'raw_calls'?"
    ]


# --- c. relationships and time dimensions -------------------------------------------------------


def test_joined_tables_must_exist(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        relationships:
          - {from: ticket, to: accounts, keys: {account_id: account_id}}
          - {name: to nowhere, from: tickets, to: users, keys: {}}
        """
    assert check(text) == [
        "metrics.yml:4: error: relationship 'ticket -> accounts': from table 'ticket' does not "
        "exist. Did you mean 'tickets'?",
        "metrics.yml:5: error: relationship 'to nowhere': to table 'users' does not exist.",
        "metrics.yml:5: error: relationship 'to nowhere': has no keys. "
        "Add `keys: {from_column: to_column}`.",
    ]


def test_a_join_cycle_of_two_tables(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        relationships:
          - {from: accounts, to: tickets, keys: {account_id: account_id}}
        """
    assert check(text) == [
        "base.yml:36: error: relationship 'tickets -> accounts': the joins form a cycle: "
        "accounts -> tickets -> accounts. Relationships go from the many side to the one side; "
        "remove or reverse one of them."
    ]


def test_two_join_paths_of_the_same_length_are_ambiguous(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - {name: conversions, primary_key: conversion_id}
          - {name: carts, primary_key: cart_id}
        relationships:
          - {from: conversions, to: tickets, keys: {ticket_id: ticket_id}}
          - {from: conversions, to: carts, keys: {cart_id: cart_id}}
          - {from: carts, to: accounts, keys: {account_id: account_id}}
        """
    assert check(text) == [
        "base.yml:36: error: relationship 'tickets -> accounts': tables 'conversions' and "
        "'accounts' are joined by two paths: conversions -> tickets -> accounts and "
        "conversions -> carts -> accounts. The join would be ambiguous; keep one path (remove a "
        "relationship, or declare the table again under another name for the second path).",
    ]


def test_a_shorter_join_path_wins_over_a_longer_one(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - {name: conversions, primary_key: conversion_id}
        relationships:
          - {from: conversions, to: tickets, keys: {ticket_id: ticket_id}}
          - {from: conversions, to: accounts, keys: {account_id: account_id}}
        """
    assert check(text) == []


def test_the_same_join_declared_twice_is_ambiguous(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        relationships:
          - {from: tickets, to: accounts, keys: {account_id: account_id}}
        """
    assert check(text) == [
        "base.yml:36: error: relationship 'tickets -> accounts': 'tickets' is joined to "
        "'accounts' twice (also at metrics.yml:4). The join would be ambiguous; keep one path "
        "(remove a relationship, or declare the table again under another name for the second "
        "path).",
    ]


def test_time_dimensions_name_a_time_dimension_of_the_table(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        tables:
          - name: calls
            primary_key: call_id
            time_dimension: started
            dimensions:
              - {name: started_at, type: time}
              - {name: direction}
            measures:
              - {name: calls, aggregation: count, time_dimension: direction}
        """
    assert check(text) == [
        "metrics.yml:4: error: table 'calls': time_dimension 'started' is not a dimension of "
        "table 'calls'. Did you mean 'started_at'?",
        "metrics.yml:11: error: table 'calls' measure 'calls': time_dimension 'direction' is a "
        "categorical dimension, not a time dimension. Set `type: time` on dimension 'direction' "
        "or name one of: started_at.",
    ]


# --- d. metric references -----------------------------------------------------------------------


def test_metrics_refer_to_existing_measures_and_metrics(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        metrics:
          - {name: volume, label: V, measure: ticket, owner: o, description: d}
          - {name: rate, label: R, type: ratio, numerator: resolved_tickets,
             denominator: tickets_volume, owner: o, description: d}
          - {name: net, label: N, type: derived, expr: ticket_volume - resolved_ticket,
             owner: o, description: d}
        """
    assert check(text) == [
        "metrics.yml:4: error: metric 'volume': measure 'ticket' does not exist. "
        "Did you mean 'tickets'?",
        "metrics.yml:5: error: metric 'rate': denominator 'tickets_volume' is not a metric. "
        "Did you mean 'ticket_volume' or 'tickets_per_customer' or 'volume'?",
        "metrics.yml:7: error: metric 'net': expr refers to 'resolved_ticket', which is not a "
        "metric. Did you mean 'resolved_tickets'?",
    ]


def test_no_metric_depends_on_itself(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        metrics:
          - {name: a, label: A, type: derived, expr: b + 1, owner: o, description: d}
          - {name: b, label: B, type: ratio, numerator: a, denominator: ticket_volume,
             owner: o, description: d}
          - {name: c, label: C, type: derived, expr: c * 2, owner: o, description: d}
        """
    assert check(text) == [
        "metrics.yml:4: error: metric 'a': the metric depends on itself: a -> b -> a. "
        "A metric can only be built from other metrics.",
        "metrics.yml:7: error: metric 'c': the metric depends on itself: c -> c. "
        "A metric can only be built from other metrics.",
    ]


@pytest.mark.parametrize("window", ["7 days", "1 week", "3 months", "2 quarters", "1 year"])
def test_a_cumulative_window_is_a_number_and_a_unit(check: Check, window: str) -> None:
    text = f"""
        version: 1
        include: [base.yml]
        metrics:
          - {{name: rolling, label: R, type: cumulative, measure: tickets, window: {window},
             owner: o, description: d}}
        """
    assert check(text) == []


@pytest.mark.parametrize("window", ["7 dayz", "a week", "0 days", "7 fortnights", "days 7"])
def test_a_malformed_cumulative_window_is_an_error(check: Check, window: str) -> None:
    text = f"""
        version: 1
        include: [base.yml]
        metrics:
          - {{name: rolling, label: R, type: cumulative, measure: tickets, window: {window},
             owner: o, description: d}}
        """
    assert check(text) == [
        f"metrics.yml:4: error: metric 'rolling': window '{window}' is not a duration like "
        "'7 days' or '3 months'. Write a number and a unit: day, week, month, quarter or year."
    ]


# --- e. names in filters and verified queries ---------------------------------------------------


def test_metric_filters_name_dimensions_reachable_from_the_measure(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        metrics:
          - {name: new_enterprise, label: N, measure: new_customers, owner: o, description: d,
             filter: "segment = 'Enterprise' AND channel = 'chat'"}
          - {name: email, label: E, measure: tickets, owner: o, description: d,
             filter: "chanel = 'email' AND accounts.region = 'EMEA' AND metric_time > '2026-01-01'"}
          - {name: per_customer, label: P, type: ratio, numerator: ticket_volume,
             denominator: active_customers, filter: "handled_by = 'ai'", owner: o, description: d}
        """
    # `accounts.region` is reachable from tickets (tickets -> accounts); `metric_time` always is.
    # A ratio's filter applies to both sides, so it must be reachable from both tables.
    assert check(text) == [
        "metrics.yml:4: error: metric 'new_enterprise': filter refers to 'channel', which is not "
        "a dimension reachable from table 'accounts'. It is a dimension of 'tickets', not joined "
        "here.",
        "metrics.yml:6: error: metric 'email': filter refers to 'chanel', which is not a "
        "dimension reachable from table 'tickets'. Did you mean 'channel'?",
        "metrics.yml:8: error: metric 'per_customer': filter refers to 'handled_by', which is not "
        "a dimension reachable from all of tables 'accounts', 'tickets'. It is a dimension of "
        "'tickets', not joined here.",
    ]


def test_named_filters_name_dimensions_of_some_table(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        filters:
          - {name: emea, where: "regions = 'EMEA'"}
          - {name: chat, where: "tickets.channel = 'chat' AND accounts.channel = 'chat'"}
          - {name: chatty, where: "message_count > 3"}
        """
    assert check(text) == [
        "metrics.yml:4: error: filter 'emea': where refers to 'regions', which is not a "
        "dimension of any table. Did you mean 'region'?",
        "metrics.yml:5: error: filter 'chat': where refers to 'accounts.channel', which is not a "
        "dimension of any table. Did you mean 'tickets.channel'?",
        "metrics.yml:6: error: filter 'chatty': where refers to 'message_count', which is not a "
        "dimension of any table. Filters use dimension names, not column names.",
    ]


def test_verified_queries_name_existing_things(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        verified_queries:
          - question: Good?
            query:
              metrics: [ticket_volume, resolution_rate]
              dimensions: [tickets.channel, "created_at:week", "metric_time:quarter", segment]
              filters: [enterprise]
              where: ["handled_by = 'ai'"]
              order_by: [-resolution_rate, channel, "created_at:week"]
          - question: Bad?
            query:
              metrics: [ticket_volum]
              dimensions: [chanel, "channel:month", "metric_time:fortnight", accounts.channel]
              filters: [enterprize]
              where: ["handler = 'ai'"]
              order_by: [-ticket_volume, segment]
        """
    assert check(text) == [
        "metrics.yml:13: error: verified query 'Bad?': metric 'ticket_volum' does not exist. "
        "Did you mean 'ticket_volume'?",
        "metrics.yml:13: error: verified query 'Bad?': dimension 'chanel' does not exist. "
        "Did you mean 'channel'?",
        "metrics.yml:13: error: verified query 'Bad?': dimension 'channel:month' has a grain but "
        "'channel' is not a time dimension.",
        "metrics.yml:13: error: verified query 'Bad?': dimension 'metric_time:fortnight' has an "
        "unknown grain 'fortnight'. Grains: day, week, month, quarter, year.",
        "metrics.yml:13: error: verified query 'Bad?': dimension 'accounts.channel' does not "
        "exist. Did you mean 'tickets.channel'?",
        "metrics.yml:13: error: verified query 'Bad?': filter 'enterprize' does not exist. "
        "Did you mean 'enterprise'?",
        "metrics.yml:13: error: verified query 'Bad?': where refers to 'handler', which is not a "
        "dimension of any table. Did you mean 'handled_by'?",
        "metrics.yml:13: error: verified query 'Bad?': order_by '-ticket_volume' is not a "
        "selected metric or dimension. Did you mean 'ticket_volum'?",
        "metrics.yml:13: error: verified query 'Bad?': order_by 'segment' is not a selected "
        "metric or dimension. Order by `name` or `-name` of a metric or dimension the query "
        "selects.",
    ]


# --- f. documentation ---------------------------------------------------------------------------


def test_every_metric_has_an_owner_and_a_description(check: Check) -> None:
    text = """
        version: 1
        include: [base.yml]
        metrics:
          - {name: undocumented, label: U, measure: tickets, owner: " "}
          - {name: certified, label: C, measure: tickets, owner: o, description: d,
             status: certified}
        """
    assert check(text) == [
        "metrics.yml:4: error: metric 'undocumented': has no owner. "
        "Add `owner:`, the team or person to ask about this metric.",
        "metrics.yml:4: error: metric 'undocumented': has no description. "
        "Add `description:`, saying what the metric counts and how.",
        "metrics.yml:5: warning: metric 'certified': is certified but has no synonyms. "
        "Add `synonyms:`, the words people use for it, so questions find it.",
    ]
