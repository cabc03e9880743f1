"""Fixtures for the semantic-layer tests: the shipped model and a tiny hand-checked company."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

ROOT = Path(__file__).resolve().parents[2]
TINY_AS_OF = date(2026, 3, 31)

# Four merchants, six contract periods, six tickets, three conversions, four deals. Every
# number the soundness tests expect was worked out by hand from these rows.
TINY_COMPANY = """
CREATE TABLE accounts (
    account_id BIGINT PRIMARY KEY, account_name VARCHAR, segment VARCHAR, gmv_tier VARCHAR,
    vertical VARCHAR, region VARCHAR, platform VARCHAR, owner_name VARCHAR,
    signed_up_at TIMESTAMP, churned_at TIMESTAMP, ai_agent_enabled_at TIMESTAMP);
INSERT INTO accounts VALUES
 (1, 'Acme', 'Enterprise', '$20M+', 'Apparel & Accessories', 'EMEA', 'Shopify', 'Ana',
  '2025-01-10 09:00', NULL, '2026-01-15 12:00'),
 (2, 'Bolt', 'SMB', '<$1M', 'Pets', 'APAC', 'Magento', 'Ben',
  '2025-06-01 09:00', '2026-02-10 17:00', NULL),
 (3, 'Cora', 'SMB', '<$1M', 'Pets', 'EMEA', 'Shopify', 'Ana',
  '2026-01-05 09:00', NULL, '2026-02-01 08:00'),
 (4, 'Dune', 'Mid-Market', '$1M-$5M', 'Electronics', 'LATAM', 'BigCommerce', 'Ben',
  '2026-03-20 09:00', NULL, NULL);

CREATE TABLE subscriptions (
    subscription_id BIGINT PRIMARY KEY, account_id BIGINT, plan VARCHAR, arr DECIMAL(12,2),
    started_on DATE, ended_on DATE, change_type VARCHAR, arr_change DECIMAL(12,2),
    end_reason VARCHAR);
INSERT INTO subscriptions VALUES
 (1, 1, 'Enterprise', 100000, '2025-01-10', '2026-01-10', 'new', 100000, 'change'),
 (2, 1, 'Enterprise', 120000, '2026-01-10', NULL, 'expansion', 20000, NULL),
 (3, 2, 'Basic', 10000, '2025-06-01', '2026-02-10', 'new', 10000, 'churn'),
 (4, 3, 'Pro', 5000, '2026-01-05', '2026-03-05', 'new', 5000, 'change'),
 (5, 3, 'Basic', 4000, '2026-03-05', NULL, 'contraction', -1000, NULL),
 (6, 4, 'Advanced', 8000, '2026-03-20', NULL, 'new', 8000, NULL);

CREATE TABLE tickets (
    ticket_id BIGINT PRIMARY KEY, account_id BIGINT, channel VARCHAR, intent VARCHAR,
    created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP,
    handled_by VARCHAR, handed_over BOOLEAN, csat_score SMALLINT, message_count INTEGER);
INSERT INTO tickets VALUES
 (1, 1, 'email', 'where_is_my_order', '2026-01-05 10:00', '2026-01-05 12:00',
  '2026-01-05 15:00', 'human', FALSE, 5, 3),
 (2, 1, 'chat', 'product_question', '2026-01-20 09:00', '2026-01-20 09:01',
  '2026-01-20 09:30', 'ai', FALSE, 4, 4),
 (3, 1, 'chat', 'product_question', '2026-02-03 09:00', '2026-02-03 09:00:30',
  '2026-02-03 09:10', 'ai', FALSE, 3, 2),
 (4, 2, 'email', 'damaged_item', '2026-02-05 08:00', '2026-02-05 14:00',
  '2026-02-06 08:00', 'human', TRUE, 2, 6),
 (5, 3, 'sms', 'discount_request', '2026-03-10 10:00', NULL, NULL, 'human', FALSE, NULL, 1),
 (6, 3, 'email', 'product_question', '2026-03-15 10:00', '2026-03-15 11:00',
  '2026-03-15 12:00', 'human', FALSE, 3, 3);

CREATE TABLE conversions (
    conversion_id BIGINT PRIMARY KEY, ticket_id BIGINT, account_id BIGINT,
    ordered_at TIMESTAMP, order_value DECIMAL(12,2), influenced_by VARCHAR);
INSERT INTO conversions VALUES
 (1, 2, 1, '2026-01-20 10:00', 200, 'ai'),
 (2, 2, 1, '2026-01-21 10:00', 50, 'ai'),
 (3, 6, 3, '2026-03-15 12:30', 80, 'human');

CREATE TABLE opportunities (
    opportunity_id BIGINT PRIMARY KEY, account_id BIGINT, opportunity_name VARCHAR,
    segment VARCHAR, type VARCHAR, source VARCHAR, stage VARCHAR, amount DECIMAL(12,2),
    owner_name VARCHAR, created_on DATE, close_date DATE);
INSERT INTO opportunities VALUES
 (1, 1, 'Acme expansion', 'Enterprise', 'Expansion', 'Outbound', 'Closed Won', 50000,
  'Rita', '2025-11-01', '2026-02-01'),
 (2, NULL, 'Zed new logo', 'Mid-Market', 'New Business', 'Inbound', 'Closed Lost', 30000,
  'Sam', '2025-12-01', '2026-02-15'),
 (3, NULL, 'Yak new logo', 'SMB', 'New Business', 'Inbound', 'Proposal', 40000,
  'Sam', '2026-02-01', '2026-04-30'),
 (4, 3, 'Cora new logo', 'SMB', 'New Business', 'Partner', 'Closed Won', 10000,
  'Rita', '2025-12-15', '2026-03-01');

CREATE TABLE okr_targets (
    okr_id VARCHAR, objective VARCHAR, metric VARCHAR, period VARCHAR, segment VARCHAR,
    target_value DOUBLE);
INSERT INTO okr_targets VALUES
 ('OKR-1', 'Grow ARR to $140k by the end of Q1', 'arr', '2026-Q1', NULL, 140000);
"""

Run = Callable[..., pd.DataFrame]


@pytest.fixture(scope="session")
def demo_model() -> SemanticModel:
    """The shipped metrics.yml."""
    return load_model(ROOT / "metrics.yml")


@pytest.fixture()
def tiny_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB holding the tiny company."""
    con = duckdb.connect()
    con.execute(TINY_COMPANY)
    yield con
    con.close()


@pytest.fixture()
def tiny(tiny_con: duckdb.DuckDBPyConnection, demo_model: SemanticModel) -> Run:
    """Compile a semantic query against the shipped model and run it on the tiny company."""

    def run(*metrics: str, **fields: object) -> pd.DataFrame:
        query = SemanticQuery.model_validate({"metrics": metrics, **fields})
        compiled = compile_query(query, demo_model, as_of=TINY_AS_OF)
        return tiny_con.execute(compiled.sql).df()

    return run
