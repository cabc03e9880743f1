"""The demo's OKR targets: metrics of the semantic layer, this quarter, set from the data."""

from __future__ import annotations

from datetime import date, timedelta

import yaml

from cortex.demo import DemoSummary
from tests.cortex.demo.conftest import ROOT, Con, add_months, arr_on, rows


def test_okrs_measure_metrics_of_the_semantic_layer_for_the_current_quarter(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    model = yaml.safe_load((ROOT / "metrics.yml").read_text(encoding="utf-8"))
    metric_names = {metric["name"] for metric in model["metrics"]}
    as_of = demo_summary.as_of
    quarter = f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"
    okrs = rows(demo_con, "SELECT okr_id, metric, period, segment FROM okr_targets ORDER BY okr_id")
    assert [okr_id for okr_id, *_ in okrs] == [f"OKR-{n}" for n in range(1, len(okrs) + 1)]
    assert {metric for _, metric, _, _ in okrs} <= metric_names
    assert {period for _, _, period, _ in okrs} == {quarter}
    segments = {segment for *_, segment in okrs}
    assert None in segments and segments - {None} <= {"SMB", "Mid-Market", "Enterprise"}
    assert len(segments) > 1


def test_okr_1_is_an_arr_target_close_to_but_above_the_run_rate(
    demo_con: Con, demo_summary: DemoSummary
) -> None:
    metric, segment, target = rows(
        demo_con, "SELECT metric, segment, target_value FROM okr_targets WHERE okr_id = 'OKR-1'"
    )[0]
    assert (metric, segment) == ("arr", None)
    as_of = demo_summary.as_of
    quarter_end = add_months(date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), 3)
    now, before = arr_on(demo_con, as_of), arr_on(demo_con, as_of - timedelta(days=90))
    run_rate_end = now + (now - before) / 90 * (quarter_end - as_of).days
    assert run_rate_end < target <= run_rate_end * 1.03
