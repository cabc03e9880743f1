"""The demo's tables as a whole: columns, keys, vocabularies, references, the as-of day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import Con, rows, scalar

SCHEMA = {
    "accounts": [
        ("account_id", "BIGINT"),
        ("account_name", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("gmv_tier", "VARCHAR"),
        ("vertical", "VARCHAR"),
        ("region", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("owner_name", "VARCHAR"),
        ("signed_up_at", "TIMESTAMP"),
        ("churned_at", "TIMESTAMP"),
        ("ai_agent_enabled_at", "TIMESTAMP"),
    ],
    "subscriptions": [
        ("subscription_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("plan", "VARCHAR"),
        ("arr", "DECIMAL(12,2)"),
        ("started_on", "DATE"),
        ("ended_on", "DATE"),
        ("change_type", "VARCHAR"),
        ("arr_change", "DECIMAL(12,2)"),
        ("end_reason", "VARCHAR"),
    ],
    "tickets": [
        ("ticket_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("channel", "VARCHAR"),
        ("intent", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("first_response_at", "TIMESTAMP"),
        ("resolved_at", "TIMESTAMP"),
        ("handled_by", "VARCHAR"),
        ("handed_over", "BOOLEAN"),
        ("csat_score", "SMALLINT"),
        ("message_count", "INTEGER"),
    ],
    "conversions": [
        ("conversion_id", "BIGINT"),
        ("ticket_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("ordered_at", "TIMESTAMP"),
        ("order_value", "DECIMAL(12,2)"),
        ("influenced_by", "VARCHAR"),
    ],
    "opportunities": [
        ("opportunity_id", "BIGINT"),
        ("account_id", "BIGINT"),
        ("opportunity_name", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("type", "VARCHAR"),
        ("source", "VARCHAR"),
        ("stage", "VARCHAR"),
        ("amount", "DECIMAL(12,2)"),
        ("owner_name", "VARCHAR"),
        ("created_on", "DATE"),
        ("close_date", "DATE"),
    ],
    "okr_targets": [
        ("okr_id", "VARCHAR"),
        ("objective", "VARCHAR"),
        ("metric", "VARCHAR"),
        ("period", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("target_value", "DOUBLE"),
    ],
}


VOCABULARIES: dict[tuple[str, str], set[str | None]] = {
    ("accounts", "segment"): {"SMB", "Mid-Market", "Enterprise"},
    ("accounts", "gmv_tier"): {"<$1M", "$1M-$5M", "$5M-$20M", "$20M+"},
    ("accounts", "vertical"): {
        "Apparel & Accessories",
        "Food & Beverage",
        "Health & Beauty",
        "Home & Garden",
        "Sporting Goods",
        "Electronics",
        "Pets",
    },
    ("accounts", "region"): {"North America", "EMEA", "APAC", "LATAM"},
    ("accounts", "platform"): {"Shopify", "BigCommerce", "Magento"},
    ("subscriptions", "plan"): {"Starter", "Basic", "Pro", "Advanced", "Enterprise"},
    ("subscriptions", "change_type"): {"new", "expansion", "contraction", "renewal"},
    ("subscriptions", "end_reason"): {"churn", "change", None},
    ("tickets", "channel"): {"email", "chat", "sms", "social", "voice"},
    ("tickets", "intent"): {
        "where_is_my_order",
        "return_request",
        "product_question",
        "order_change",
        "shipping_issue",
        "discount_request",
        "damaged_item",
        "subscription_management",
        "other",
    },
    ("tickets", "handled_by"): {"ai", "human"},
    ("conversions", "influenced_by"): {"ai", "human"},
    ("opportunities", "segment"): {"SMB", "Mid-Market", "Enterprise"},
    ("opportunities", "type"): {"New Business", "Expansion"},
    ("opportunities", "source"): {"Inbound", "Outbound", "Partner"},
    ("opportunities", "stage"): {
        "Prospecting",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Closed Won",
        "Closed Lost",
    },
}


PRIMARY_KEYS = {
    "accounts": "account_id",
    "subscriptions": "subscription_id",
    "tickets": "ticket_id",
    "conversions": "conversion_id",
    "opportunities": "opportunity_id",
    "okr_targets": "okr_id",
}


def test_tables_and_column_types_are_exactly_the_documented_ones(demo_con: Con) -> None:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows(
        demo_con,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position",
    ):
        found.setdefault(table, []).append((column, data_type))
    assert found == SCHEMA


@pytest.mark.parametrize(("table", "key"), sorted(PRIMARY_KEYS.items()))
def test_primary_keys_are_unique_and_never_null(demo_con: Con, table: str, key: str) -> None:
    total, distinct, nulls = rows(
        demo_con, f"SELECT count(*), count(DISTINCT {key}), count(*) - count({key}) FROM {table}"
    )[0]
    assert total > 0
    assert (distinct, nulls) == (total, 0)


@pytest.mark.parametrize(("table", "column"), sorted(VOCABULARIES))
def test_categorical_columns_use_the_documented_values(
    demo_con: Con, table: str, column: str
) -> None:
    values = {v for (v,) in rows(demo_con, f"SELECT DISTINCT {column} FROM {table}")}
    assert values <= VOCABULARIES[(table, column)]


def test_every_foreign_key_points_at_an_existing_row(demo_con: Con) -> None:
    orphans = scalar(
        demo_con,
        """
        SELECT (SELECT count(*) FROM subscriptions WHERE account_id NOT IN
                    (SELECT account_id FROM accounts))
             + (SELECT count(*) FROM tickets WHERE account_id NOT IN
                    (SELECT account_id FROM accounts))
             + (SELECT count(*) FROM conversions WHERE ticket_id NOT IN
                    (SELECT ticket_id FROM tickets))
             + (SELECT count(*) FROM opportunities WHERE account_id IS NOT NULL
                    AND account_id NOT IN (SELECT account_id FROM accounts))
        """,
    )
    assert orphans == 0


def test_nothing_happens_after_the_as_of_day(demo_con: Con, demo_summary: DemoSummary) -> None:
    end = datetime.combine(demo_summary.as_of + timedelta(days=1), datetime.min.time())
    latest = rows(
        demo_con,
        """
        SELECT greatest(
            (SELECT max(greatest(signed_up_at, churned_at, ai_agent_enabled_at)) FROM accounts),
            (SELECT max(greatest(created_at, first_response_at, resolved_at)) FROM tickets),
            (SELECT max(ordered_at) FROM conversions))
        """,
    )[0][0]
    assert latest < end
    as_of = demo_summary.as_of
    assert (
        scalar(demo_con, "SELECT max(greatest(started_on, ended_on)) FROM subscriptions") <= as_of
    )
    assert scalar(demo_con, "SELECT count(*) FROM opportunities WHERE created_on > ?", as_of) == 0
