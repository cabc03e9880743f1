"""The join graph: one walk (`semantic_layer.joins.join_paths`) for the compiler and the rules.

Many-to-one relationships are walked forward, one-to-one relationships both ways, the shortest
path wins and two shortest paths are a tie. `cortex check` reports a tie at a relationship on
it; the compiler joins exactly the tables `cortex check` says a table reaches, and refuses a
tied one naming the same two paths.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from semantic_layer.compile import compile_query
from semantic_layer.errors import QueryError
from semantic_layer.joins import join_paths
from semantic_layer.loader import load_and_check
from semantic_layer.model import Relationship
from semantic_layer.query import SemanticQuery
from semantic_layer.rules import RuleContext

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AS_OF = date(2026, 3, 31)


def _rel(source: str, target: str, kind: str = "many_to_one") -> Relationship:
    return Relationship.model_validate(
        {"from": source, "to": target, "type": kind, "keys": {f"{target}_id": f"{target}_id"}}
    )


def _shown(paths: dict[str, object]) -> dict[str, str]:
    return {target: str(path) for target, path in paths.items()}


def test_many_to_one_is_walked_forward_and_one_to_one_both_ways() -> None:
    rels = (_rel("tickets", "accounts"), _rel("crm_accounts", "accounts", "one_to_one"))
    assert _shown(join_paths(rels, "tickets").paths) == {
        "tickets": "tickets",
        "accounts": "tickets -> accounts",
        "crm_accounts": "tickets -> accounts -> crm_accounts",
    }
    assert _shown(join_paths(rels, "accounts").paths) == {
        "accounts": "accounts",
        "crm_accounts": "accounts -> crm_accounts",
    }
    assert list(join_paths(rels, "crm_accounts").paths) == ["crm_accounts", "accounts"]


def test_the_shortest_path_wins_over_a_longer_one() -> None:
    rels = (
        _rel("conversions", "tickets"),
        _rel("tickets", "accounts"),
        _rel("conversions", "accounts"),
    )
    reach = join_paths(rels, "conversions")
    assert str(reach.paths["accounts"]) == "conversions -> accounts"
    assert reach.ties == {}


def test_two_shortest_paths_tie_and_the_tables_beyond_inherit_the_tie() -> None:
    rels = (
        _rel("tickets", "accounts"),
        _rel("tickets", "contacts"),
        _rel("contacts", "crm_accounts"),
        _rel("crm_accounts", "accounts", "one_to_one"),
        _rel("crm_accounts", "owners"),
    )
    reach = join_paths(rels, "tickets")
    assert {t: tuple(map(str, pair)) for t, pair in reach.ties.items()} == {
        "crm_accounts": (
            "tickets -> accounts -> crm_accounts",
            "tickets -> contacts -> crm_accounts",
        ),
        "owners": (
            "tickets -> accounts -> crm_accounts -> owners",
            "tickets -> contacts -> crm_accounts -> owners",
        ),
    }
    assert [str(first) for first, _ in reach.own_ties()] == ["tickets -> accounts -> crm_accounts"]
    assert "owners" in reach.paths  # reachable, only not unambiguously


# --------------------------------------------------------------- the compiler agrees with check

_TIE = re.compile(r"tables '(\w+)' and '(\w+)' are joined by two paths: (.+?) and (.+?)(?: \(|\.$)")


def _ties(fixture: str) -> dict[str, tuple[str, str]]:
    """Tied table -> the two paths `cortex check` names, for ties from `tickets`."""
    _, issues = load_and_check(FIXTURES / fixture)
    found = (_TIE.search(issue.message) for issue in issues)
    return {m[2]: (m[3], m[4]) for m in found if m is not None and m[1] == "tickets"}


@pytest.mark.parametrize("fixture", ["valid/one_to_one.yml", "broken/one_to_one_tie.yml"])
def test_the_compiler_joins_what_check_says_a_table_reaches_and_refuses_the_ties_it_reports(
    fixture: str,
) -> None:
    """For every dimension of every table: ticket volume by it compiles exactly when `cortex
    check`'s join graph reaches its table from tickets without a tie; a tie is refused naming
    the two paths check names, anything else as out of reach."""
    model, _ = load_and_check(FIXTURES / fixture)
    reachable = RuleContext(model).reachable("tickets")
    ties = _ties(fixture)
    assert ("crm_accounts" in ties) == fixture.startswith("broken")
    for table in model.tables:
        for dim in table.dimensions:
            query = SemanticQuery(
                metrics=("ticket_volume",), dimensions=(f"{table.name}.{dim.name}",)
            )
            if table.name in ties:
                first, second = ties[table.name]
                with pytest.raises(QueryError, match=re.escape(f"{first} and {second}")):
                    compile_query(query, model, as_of=AS_OF)
            elif table.name in reachable:
                compile_query(query, model, as_of=AS_OF)
            else:
                with pytest.raises(QueryError, match="can't be used with"):
                    compile_query(query, model, as_of=AS_OF)


def test_a_metric_filter_through_a_one_to_one_relationship_checks_and_compiles() -> None:
    """`customer_tickets` filters tickets by their CRM account's stage, reached through the
    one-to-one walked backwards: `cortex check` accepts it, and the compiler joins it."""
    model, issues = load_and_check(FIXTURES / "valid" / "one_to_one.yml")
    assert issues == []
    compiled = compile_query(SemanticQuery(metrics=("customer_tickets",)), model, as_of=AS_OF)
    assert "crm_accounts.lifecycle_stage = 'customer'" in compiled.sql


def test_a_one_to_one_relationship_walked_backwards_keeps_the_rows_without_a_match() -> None:
    """`required` promises each CRM account its merchant account, not each merchant account a
    CRM account: walked backwards the join is LEFT, so Bolt's ticket (Bolt has no CRM account)
    counts, under an empty stage, instead of vanishing from the total."""
    model, _ = load_and_check(FIXTURES / "valid" / "one_to_one.yml")
    query = SemanticQuery(metrics=("ticket_volume",), dimensions=("lifecycle_stage",))
    con = duckdb.connect()
    con.execute(
        """
        CREATE TABLE accounts (account_id INT, segment VARCHAR);
        INSERT INTO accounts VALUES (1, 'SMB'), (2, 'SMB');
        CREATE TABLE crm_accounts (crm_account_id INT, account_id INT, lifecycle_stage VARCHAR);
        INSERT INTO crm_accounts VALUES (10, 1, 'customer');
        CREATE TABLE tickets (ticket_id INT, account_id INT, channel VARCHAR, created_at DATE);
        INSERT INTO tickets VALUES (100, 1, 'email', '2026-03-01'), (101, 2, 'chat', '2026-03-02');
        """
    )
    rows = con.execute(compile_query(query, model, as_of=AS_OF).sql).fetchall()
    assert sorted(rows, key=str) == [("customer", 1), (None, 1)]
