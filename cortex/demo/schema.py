"""The demo warehouse's tables: their names in build order and their DDL."""

from __future__ import annotations

__all__ = ["SCHEMA", "TABLES"]

TABLES = ("accounts", "subscriptions", "tickets", "conversions", "opportunities", "okr_targets")

SCHEMA = """
CREATE TABLE accounts (
    account_id BIGINT PRIMARY KEY,
    account_name VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    gmv_tier VARCHAR NOT NULL,
    vertical VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    owner_name VARCHAR NOT NULL,
    signed_up_at TIMESTAMP NOT NULL,
    churned_at TIMESTAMP,
    ai_agent_enabled_at TIMESTAMP
);
CREATE TABLE subscriptions (
    subscription_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    plan VARCHAR NOT NULL,
    arr DECIMAL(12,2) NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    change_type VARCHAR NOT NULL,
    arr_change DECIMAL(12,2) NOT NULL,
    end_reason VARCHAR
);
CREATE TABLE tickets (
    ticket_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    channel VARCHAR NOT NULL,
    intent VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    handled_by VARCHAR NOT NULL,
    handed_over BOOLEAN NOT NULL,
    csat_score SMALLINT,
    message_count INTEGER NOT NULL
);
CREATE TABLE conversions (
    conversion_id BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    ordered_at TIMESTAMP NOT NULL,
    order_value DECIMAL(12,2) NOT NULL,
    influenced_by VARCHAR NOT NULL
);
CREATE TABLE opportunities (
    opportunity_id BIGINT PRIMARY KEY,
    account_id BIGINT,
    opportunity_name VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    owner_name VARCHAR NOT NULL,
    created_on DATE NOT NULL,
    close_date DATE NOT NULL
);
CREATE TABLE okr_targets (
    okr_id VARCHAR PRIMARY KEY,
    objective VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    segment VARCHAR,
    target_value DOUBLE NOT NULL
);
"""
