"""Listings: a query with dimensions and no metric returns each combination of their values once,
read from the one table that reaches them all, with filters, order, a time range and a limit.

Expected rows are worked out by hand from the tiny company (tests/semantic_layer/conftest.py).
"""

from __future__ import annotations

import duckdb
import pytest

from semantic_layer.compile import compile_query
from semantic_layer.errors import QueryError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery, parse_where, validate_query
from tests.semantic_layer.conftest import TINY_AS_OF


def listing(
    con: duckdb.DuckDBPyConnection, model: SemanticModel, **fields: object
) -> list[tuple[object, ...]]:
    query = SemanticQuery.model_validate({"metrics": (), **fields})
    return con.execute(compile_query(query, model, as_of=TINY_AS_OF).sql).fetchall()


def test_a_listing_gives_each_combination_once_in_the_order_asked(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    rows = listing(tiny_con, demo_model, dimensions=("account_owner", "region"))
    assert rows == [("Ana", "EMEA"), ("Ben", "APAC"), ("Ben", "LATAM")]


def test_filters_pick_the_rows_of_a_listing_and_the_limit_cuts_it(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    rows = listing(
        tiny_con,
        demo_model,
        dimensions=("account_name", "account_owner"),
        filters=parse_where("segment = 'SMB'"),
    )
    assert rows == [("Bolt", "Ben"), ("Cora", "Ana")]
    rows = listing(
        tiny_con,
        demo_model,
        dimensions=("account_name",),
        order_by=[{"field": "account_name", "descending": True}],
        limit=2,
    )
    assert rows == [("Dune",), ("Cora",)]


def test_a_listing_across_a_relationship_reads_the_table_that_reaches_both(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    # Channels each merchant was contacted on: tickets reach accounts, not the other way.
    rows = listing(tiny_con, demo_model, dimensions=("account_name", "channel"))
    handwritten = tiny_con.execute(
        "SELECT DISTINCT a.account_name, t.channel FROM tickets t "
        "JOIN accounts a USING (account_id) ORDER BY 1, 2"
    ).fetchall()
    assert rows == handwritten


def test_a_time_range_keeps_the_rows_of_the_tables_own_time_axis(
    tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel
) -> None:
    # Accounts signed up in Q1 2026: Cora (5 Jan) and Dune (20 Mar).
    rows = listing(tiny_con, demo_model, dimensions=("account_name",), time_range="2026-Q1")
    assert rows == [("Cora",), ("Dune",)]


def test_a_listing_compiles_without_a_measure_and_says_where_it_reads(
    demo_model: SemanticModel,
) -> None:
    query = SemanticQuery(dimensions=("account_name",), filters=parse_where("region = 'EMEA'"))
    compiled = compile_query(query, demo_model, as_of=TINY_AS_OF)
    assert compiled.provenance.metrics == ()
    assert compiled.provenance.source_tables == ("accounts",)
    assert [c.kind for c in compiled.columns] == ["dimension"]
    assert "SUM(" not in compiled.sql and "COUNT(" not in compiled.sql


def test_a_dimension_two_tables_share_is_a_question_of_which_table(
    demo_model: SemanticModel,
) -> None:
    with pytest.raises(
        QueryError, match=r"'subscriptions' or 'arr_movements'.*'subscriptions\.plan'"
    ):
        compile_query(SemanticQuery(dimensions=("plan",)), demo_model, as_of=TINY_AS_OF)
    compiled = compile_query(
        SemanticQuery(dimensions=("subscriptions.plan",)), demo_model, as_of=TINY_AS_OF
    )
    assert compiled.provenance.source_tables == ("subscriptions",)


def test_a_listing_no_table_can_read_whole_is_refused(demo_model: SemanticModel) -> None:
    # Tickets and deals reach accounts, but neither reaches the other.
    query = SemanticQuery(dimensions=("channel", "opportunity_name"))
    with pytest.raises(QueryError, match="No table reaches all of channel, opportunity_name"):
        compile_query(query, demo_model, as_of=TINY_AS_OF)


def test_a_listing_needs_a_dimension_besides_time(demo_model: SemanticModel) -> None:
    with pytest.raises(QueryError, match="name at least one dimension other than metric_time"):
        compile_query(
            SemanticQuery(dimensions=("metric_time:month",)), demo_model, as_of=TINY_AS_OF
        )


def test_a_query_names_a_metric_or_dimensions_and_a_listing_compares_nothing() -> None:
    with pytest.raises(QueryError, match="name at least one metric, or dimensions"):
        validate_query({"metrics": []})
    with pytest.raises(QueryError, match="a listing has no numbers to compare"):
        validate_query({"dimensions": ["segment"], "compare": "previous_period"})
