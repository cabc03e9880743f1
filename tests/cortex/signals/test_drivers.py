"""Drivers on the demo warehouse: the split agrees with hand-written SQL, a ratio's parts sum
to its change, and a change that cannot be split is said to be so; as the `drivers.explain`
skill too."""

from __future__ import annotations

import pytest

from cortex.signals.drivers import explain_change
from cortex.signals.summary import summarize
from cortex.workspace import Workspace
from semantic_layer.query import Filter, SemanticQuery
from skills.base import Requester, SkillContext
from skills.drivers import DriversExplain, DriversInput

_ARR_BY_SEGMENT = """
    SELECT a.segment, SUM(s.arr) AS arr
    FROM subscriptions s JOIN accounts a ON a.account_id = s.account_id
    WHERE s.started_on <= DATE '{day}' AND (s.ended_on IS NULL OR s.ended_on > DATE '{day}')
    GROUP BY a.segment
"""


def _arr_on(workspace: Workspace, day: str) -> dict[str, float]:
    """The reference: hand-written SQL on the workspace's own warehouse."""
    frame = workspace.warehouse.run(_ARR_BY_SEGMENT.format(day=day)).frame
    return {str(segment): float(arr) for segment, arr in frame.itertuples(index=False)}


def test_arr_quarter_over_quarter_by_segment_agrees_with_hand_written_sql(
    workspace: Workspace,
) -> None:
    query = SemanticQuery(metrics=("arr",), time_range="2026-Q3", compare="previous_period")
    drivers = explain_change(query, workspace.model, workspace.query)
    end_q3, end_q2 = _arr_on(workspace, "2026-09-30"), _arr_on(workspace, "2026-06-30")
    assert drivers.kind == "additive"
    assert drivers.change == pytest.approx(sum(end_q3.values()) - sum(end_q2.values()))
    by_segment = next(d for d in drivers.dimensions if d.dimension.endswith("segment"))
    assert {p.value: p.contribution for p in by_segment.parts} == pytest.approx(
        {s: end_q3.get(s, 0.0) - end_q2.get(s, 0.0) for s in end_q3.keys() | end_q2.keys()}
    )
    for found in drivers.dimensions:  # every dimension's split adds up to the change
        assert sum(p.contribution for p in found.parts) == pytest.approx(drivers.change)
    ranks = [d.concentration for d in drivers.dimensions]
    assert ranks == sorted(ranks, reverse=True)


def test_a_ratio_splits_into_rate_mix_and_interaction_that_sum_to_its_change(
    workspace: Workspace,
) -> None:
    query = SemanticQuery(metrics=("ai_automation_rate",), time_range="last month")
    drivers = explain_change(query, workspace.model, workspace.query)
    assert drivers.kind == "ratio" and drivers.change is not None
    by_channel = next(d for d in drivers.dimensions if d.dimension == "channel")
    assert sum(p.contribution for p in by_channel.parts) == pytest.approx(drivers.change)
    for part in by_channel.parts:
        assert part.rate is not None and part.mix is not None and part.interaction is not None
        assert part.rate + part.mix + part.interaction == pytest.approx(part.contribution)
    # the metric's own filter fixes who handled the ticket: no breakdown by it
    assert "handled_by" not in {d.dimension for d in drivers.dimensions}


def test_a_median_is_not_split_and_the_answer_says_why(workspace: Workspace) -> None:
    query = SemanticQuery(metrics=("first_response_time",), time_range="last month")
    drivers = explain_change(query, workspace.model, workspace.query)
    assert drivers.kind == "none" and not drivers.dimensions
    assert drivers.unsplit is not None and "median" in drivers.unsplit
    assert drivers.change is not None  # the change itself is still stated


def test_the_drivers_skill_explains_a_change_as_the_requester_may_see_it(
    workspace: Workspace,
) -> None:
    context = SkillContext(workspace=workspace, requester=Requester(user_id="ada"))
    given = DriversInput(metric="ticket_volume", time_range="last month")
    result = DriversExplain().run(context, given)
    details = result.details
    assert result.answer is not None and result.answer.drivers is not None
    items = details["drivers"]
    assert isinstance(items, list) and items
    assert sum(i["contribution"] for i in items) == pytest.approx(details["change"])
    assert "Ticket volume" in result.text


def test_a_count_is_said_whole_in_the_summary(workspace: Workspace) -> None:
    few = Filter(field="account_owner", op="=", values=("Lucas Meyer",))  # a few hundred
    query = SemanticQuery(metrics=("ticket_volume",), filters=(few,), time_range="last month")
    drivers = explain_change(query, workspace.model, workspace.query)
    assert drivers.before is not None and drivers.before < 1000
    text = summarize(drivers, workspace.model)
    assert f" {int(drivers.before)}" in text
    assert ".00" not in text
