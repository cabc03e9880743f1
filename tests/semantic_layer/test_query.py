"""Filters are parsed into structured predicates; values stay values, never SQL."""

from __future__ import annotations

from datetime import date

import pytest

from semantic_layer.compile import compile_query
from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.model import SemanticModel
from semantic_layer.query import Filter, OrderBy, SemanticQuery, parse_where, validate_query

AS_OF = date(2026, 11, 24)


def test_a_where_clause_becomes_one_filter_per_predicate() -> None:
    filters = parse_where(
        "segment = 'Enterprise' AND channel IN ('email', 'chat') AND csat_score >= 4 "
        "AND intent NOT IN ('other') AND message_count BETWEEN 2 AND 5 "
        "AND churned_at IS NULL AND first_response_at IS NOT NULL AND is_presale = TRUE "
        "AND created_at < DATE '2026-01-01' AND accounts.region != 'APAC' AND -1 < arr"
    )
    assert filters == (
        Filter(field="segment", op="=", values=("Enterprise",)),
        Filter(field="channel", op="in", values=("email", "chat")),
        Filter(field="csat_score", op=">=", values=(4,)),
        Filter(field="intent", op="not in", values=("other",)),
        Filter(field="message_count", op="between", values=(2, 5)),
        Filter(field="churned_at", op="is null"),
        Filter(field="first_response_at", op="is not null"),
        Filter(field="is_presale", op="=", values=(True,)),
        Filter(field="created_at", op="<", values=(date(2026, 1, 1),)),
        Filter(field="accounts.region", op="!=", values=("APAC",)),
        Filter(field="arr", op=">", values=(-1,)),
    )


@pytest.mark.parametrize(
    "text",
    [
        "segment = 'A' OR segment = 'B'",
        "lower(segment) = 'smb'",
        "segment IN (SELECT segment FROM accounts)",
        "segment = region",
        "1 = 1",
        "segment = 'A'; DROP TABLE accounts",
        "segment =",
    ],
)
def test_anything_but_a_dimension_against_values_is_refused(text: str) -> None:
    with pytest.raises(QueryError, match="dimension"):
        parse_where(text)


def test_order_by_reads_minus_and_desc() -> None:
    assert OrderBy.parse("-arr") == OrderBy(field="arr", descending=True)
    assert OrderBy.parse("arr desc") == OrderBy(field="arr", descending=True)
    assert OrderBy.parse("segment") == OrderBy(field="segment", descending=False)


def test_a_hostile_value_is_a_quoted_literal_in_the_sql(demo_model: SemanticModel) -> None:
    hostile = "x'; DROP TABLE accounts; --"
    query = SemanticQuery(
        metrics=("ticket_volume",), filters=(Filter(field="segment", op="=", values=(hostile,)),)
    )
    sql = compile_query(query, demo_model, as_of=AS_OF).sql
    assert "'x''; DROP TABLE accounts; --'" in sql
    assert sql.count(";") == hostile.count(";")  # only inside the literal


def test_an_unknown_metric_suggests_the_closest(demo_model: SemanticModel) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'ticket_volume'") as caught:
        compile_query(SemanticQuery(metrics=("ticket_volum",)), demo_model, as_of=AS_OF)
    assert caught.value.suggestions[0] == "ticket_volume"


def test_an_unknown_dimension_suggests_the_closest(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("arr",), dimensions=("segmnt",))
    with pytest.raises(UnknownNameError, match="Did you mean 'segment'"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_a_grain_on_a_categorical_dimension_is_refused(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("arr",), dimensions=("segment:month",))
    with pytest.raises(QueryError, match="not a time dimension"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_an_unknown_grain_suggests_one(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("arr",), dimensions=("metric_time:mnth",))
    with pytest.raises(UnknownNameError, match="Did you mean 'month'"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_a_time_range_on_a_metric_without_a_time_axis_is_refused(
    demo_model: SemanticModel,
) -> None:
    query = SemanticQuery(metrics=("okr_target",), time_range="this quarter")
    with pytest.raises(QueryError, match="no time dimension"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_a_comparison_of_a_flow_metric_needs_a_range(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("ticket_volume",), compare="previous_year")
    with pytest.raises(QueryError, match="needs a time range"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_an_unknown_dialect_suggests_one(demo_model: SemanticModel) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'postgres'"):
        compile_query(SemanticQuery(metrics=("arr",)), demo_model, as_of=AS_OF, dialect="postgre")


def test_ordering_by_a_column_not_asked_for_is_refused(demo_model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("arr",), order_by=(OrderBy(field="segment"),))
    with pytest.raises(UnknownNameError, match="order by"):
        compile_query(query, demo_model, as_of=AS_OF)


def test_provenance_names_definitions_owners_filters_range_and_joins(
    demo_model: SemanticModel,
) -> None:
    query = SemanticQuery(
        metrics=("ai_automation_rate",),
        dimensions=("segment",),
        filters=parse_where("channel = 'chat'"),
        time_range="last 3 months",
    )
    provenance = compile_query(query, demo_model, as_of=AS_OF).provenance
    assert [m.name for m in provenance.metrics] == [
        "ai_automation_rate",
        "ai_resolved_tickets",
        "resolved_tickets",
    ]
    assert provenance.metrics[0].owner == "support-ops@cortex-demo.com"
    assert provenance.metrics[0].definition.startswith("ai_resolved_tickets / resolved_tickets")
    assert provenance.filters == ("channel = 'chat'",)
    assert provenance.time_range == "last 3 months (2026-09-01 to 2026-11-24)"
    assert provenance.joins == (
        "tickets -> accounts (many-to-one) on tickets.account_id = accounts.account_id",
    )
    assert provenance.source_tables == ("tickets", "accounts")
    assert "/* tickets:" in provenance.sql


@pytest.mark.parametrize("dialect", ["postgres", "snowflake", "bigquery", "spark", "trino"])
def test_every_verified_query_compiles_for_every_dialect(
    demo_model: SemanticModel, dialect: str
) -> None:
    import sqlglot

    for verified in demo_model.verified_queries:
        sql = compile_query(
            SemanticQuery.from_spec(verified.query), demo_model, as_of=AS_OF, dialect=dialect
        ).sql
        assert sqlglot.parse_one(sql, read=dialect) is not None


def test_a_table_defined_by_sql_reports_the_warehouse_tables_it_reads(
    demo_model: SemanticModel,
) -> None:
    compiled = compile_query(SemanticQuery(metrics=("net_new_arr",)), demo_model, as_of=AS_OF)
    assert compiled.source_tables == ("subscriptions",)
    assert "arr_movements" not in compiled.freshness_columns


@pytest.mark.parametrize(
    "item",
    [
        Filter(field="segment", op="=", values=("Enterprise",)),
        Filter(field="account_name", op="in", values=("O'Neil & Co", "Acme")),
        Filter(field="handed_over", op="=", values=(True,)),
        Filter(field="csat_score", op=">=", values=(4,)),
        Filter(field="metric_time", op="between", values=(date(2026, 1, 1), date(2026, 3, 31))),
        Filter(field="churned_at", op="is null"),
        Filter(field="channel", op="not in", values=("sms",)),
    ],
)
def test_where_text_reads_back_into_the_same_filter(item: Filter) -> None:
    assert parse_where(item.where_text()) == (item,)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("op", "values", "message"),
    [
        ("=", (), "the '=' filter on 'segment' takes one value, not 0"),
        ("!=", ("a", "b"), "the '!=' filter on 'segment' takes one value, not 2"),
        (
            "between",
            (1,),
            "the 'between' filter on 'segment' takes two values (low and high), not 1",
        ),
        (
            "between",
            (1, 2, 3),
            "the 'between' filter on 'segment' takes two values (low and high), not 3",
        ),
        ("in", (), "the 'in' filter on 'segment' takes at least one value, not 0"),
        ("is null", ("x",), "the 'is null' filter on 'segment' takes no value, not 1"),
    ],
)
def test_a_filter_refuses_a_number_of_values_its_operator_cannot_use(
    op: str, values: tuple[object, ...], message: str
) -> None:
    raw = {"metrics": ["arr"], "filters": [{"field": "segment", "op": op, "values": values}]}
    with pytest.raises(QueryError) as raised:
        validate_query(raw)
    assert str(raised.value) == f"The query is not valid: filters.0: {message}."


@pytest.mark.parametrize("limit", [0, -1, 2**63, 10**30])
def test_a_limit_is_a_row_count_sql_can_hold(limit: int) -> None:
    with pytest.raises(QueryError) as raised:
        validate_query({"metrics": ["arr"], "limit": limit})
    assert str(raised.value) == (
        f"The query is not valid: limit: must be a whole number from 1 to {2**63 - 1}, not {limit}."
    )
    assert validate_query({"metrics": ["arr"], "limit": 2**63 - 1}).limit == 2**63 - 1


def test_every_problem_of_a_query_is_named_in_one_sentence() -> None:
    with pytest.raises(QueryError) as raised:
        validate_query({"metrics": [None], "limit": 0, "sql": "SELECT 1"})
    assert str(raised.value) == (
        "The query is not valid: metrics.0: Input should be a valid string; "
        f"limit: must be a whole number from 1 to {2**63 - 1}, not 0; "
        "sql: Extra inputs are not permitted."
    )
    with pytest.raises(QueryError) as raised:
        validate_query({"metrics": []})
    assert str(raised.value) == (
        "The query is not valid: input: name at least one metric, or dimensions to list the "
        "values of (a listing)."
    )
