"""The demo's accounts: consistent with themselves, and the mix and AI adoption they show."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import Con, history_start, rows, scalar

# ============================================================================================
# Consistency
# ============================================================================================


def test_account_names_are_unique_and_look_like_brands(demo_con: Con) -> None:
    total, distinct, shortest = rows(
        demo_con,
        "SELECT count(*), count(DISTINCT account_name), min(length(account_name)) FROM accounts",
    )[0]
    assert distinct == total
    assert shortest >= 5
    assert scalar(demo_con, "SELECT count(DISTINCT owner_name) FROM accounts") >= 5


def test_accounts_churn_after_signing_up(demo_con: Con) -> None:
    assert scalar(demo_con, "SELECT count(*) FROM accounts WHERE churned_at <= signed_up_at") == 0
    assert scalar(demo_con, "SELECT count(churned_at) FROM accounts") > 0


def test_ai_agent_is_enabled_between_sign_up_and_churn_or_as_of(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    end = demo_summary.as_of + timedelta(days=1)
    outside = scalar(
        demo_con,
        "SELECT count(*) FROM accounts WHERE ai_agent_enabled_at IS NOT NULL AND ("
        " ai_agent_enabled_at <= signed_up_at"
        " OR ai_agent_enabled_at >= coalesce(churned_at, ?::TIMESTAMP))",
        end,
    )
    assert outside == 0


# ============================================================================================
# What the data must show
# ============================================================================================


def test_segment_mix_is_about_70_24_6(demo_con: Con) -> None:
    share = dict(
        rows(demo_con, "SELECT segment, count(*) / sum(count(*)) OVER () FROM accounts GROUP BY 1")
    )
    assert share["SMB"] == pytest.approx(0.70, abs=0.07)
    assert share["Mid-Market"] == pytest.approx(0.24, abs=0.06)
    assert 0.02 <= share["Enterprise"] <= 0.11


def test_gmv_tier_rises_with_segment(demo_con: Con) -> None:
    big = dict(
        rows(
            demo_con,
            "SELECT segment, avg((gmv_tier IN ('$5M-$20M', '$20M+'))::INTEGER) FROM accounts "
            "GROUP BY 1",
        )
    )
    assert big["SMB"] < 0.2 < big["Mid-Market"] < big["Enterprise"]
    assert (
        scalar(
            demo_con,
            "SELECT count(*) FROM accounts WHERE segment = 'Enterprise' AND gmv_tier = '<$1M'",
        )
        == 0
    )


def test_ai_adoption_grows_from_about_1_in_20_to_1_in_5(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    def adoption(day: date) -> float:
        end = day + timedelta(days=1)
        active, enabled = rows(
            demo_con,
            "SELECT count(*) FILTER (WHERE signed_up_at < ?), "
            "count(*) FILTER (WHERE ai_agent_enabled_at < ?) FROM accounts "
            "WHERE churned_at IS NULL OR churned_at >= ?",
            end,
            end,
            end,
        )[0]
        return float(enabled) / float(active)

    assert 0.02 <= adoption(history_start(demo_summary.as_of)) <= 0.10
    assert 0.14 <= adoption(demo_summary.as_of) <= 0.27
