"""digests.yml is read like metrics.yml: the shipped file is clean, and every mistake is named
at file:line with a fix and, where a name is close, a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex.signals.digests import DigestsError, check_digests, load_digests
from cortex.signals.rules import default_rules
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel
from tests.cortex.conftest import run
from tests.cortex.signals.helpers import write_digests

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


def test_the_shipped_digests_load_clean_a_daily_and_a_weekly(model: SemanticModel) -> None:
    book, issues = check_digests(ROOT / "digests.yml", model, default_rules())
    assert issues == []
    assert [d.name for d in book.digests] == ["daily", "weekly"]
    daily = book.get("daily")
    assert {s.rule.kind for s in daily.signals} == {"anomaly", "pct_change"}
    assert daily.only_when_fired and daily.notify_owners


BROKEN = """\
version: 1
digests:
  - name: daily
    schedual: {cron: "0 8 * * *"}
    schedule: {cron: "61 8 * * *", timezone: Europe/Londn}
    audience: {channels: [C0DAILY]}
    signals:
      - metric: ticket_volum
        period: yesterday
        compare: previous_period
        rule: {type: pct_change, at_least: 10}
      - metric: csat
        period: yesterday
        compare: previous_period
        rule: {type: pct_chang, at_least: 10}
      - metric: arr
        dimensions: [segmnt]
        period: all time
        compare: previous_period
        rule: {type: threshold, above: 1, below: 2}
      - metric: ticket_volume
        period: all time
        compare: previous_period
        rule: {type: threshold, above: 10}
"""


def test_a_broken_file_names_each_mistake_at_its_line(model: SemanticModel, tmp_path: Path) -> None:
    path = write_digests(tmp_path, BROKEN)
    _, issues = check_digests(path, model, default_rules())
    said = "\n".join(str(issue) for issue in issues)
    at = {issue.line: str(issue) for issue in issues}
    assert "unknown key 'schedual'. Did you mean 'schedule'?" in at[4]
    assert "'61 8 * * *' is not a valid cron expression" in said
    assert (
        "digests.yml:5: error: daily.schedule.timezone: unknown timezone 'Europe/Londn'. "
        "Did you mean 'Europe/London'" in said
    )
    assert "digests.yml:5: error: daily.schedule.cron" in said
    assert "unknown metric 'ticket_volum'. Did you mean 'ticket_volume'" in at[8]
    assert "unknown rule 'pct_chang'. Did you mean 'pct_change'?" in at[15]
    assert "unknown dimension 'segmnt'. Did you mean 'segment'" in at[17]
    assert "give exactly one of 'above' or 'below'" in at[20]
    # a comparison the metric cannot make: nothing to compare "all time" with
    assert "cannot be computed: A comparison needs a time range" in at[21]
    assert len(issues) == 8


def test_loading_a_broken_file_raises_with_every_error(
    model: SemanticModel, tmp_path: Path
) -> None:
    path = write_digests(tmp_path, BROKEN)
    with pytest.raises(DigestsError) as raised:
        load_digests(path, model, default_rules())
    assert "error(s) in" in raised.value.message and "ticket_volum" in raised.value.message


def test_cortex_check_checks_digests_yml(cortex: object, tmp_path: Path) -> None:
    write_digests(tmp_path, BROKEN)
    runner = cortex
    runner.env["CORTEX_DIGESTS"] = str(tmp_path / "digests.yml")  # type: ignore[attr-defined]
    code, _, err = run(runner, "check", "--no-warehouse")  # type: ignore[arg-type]
    assert code == 1
    assert "digests.yml:8: error" in err and "Did you mean 'ticket_volume'" in err
