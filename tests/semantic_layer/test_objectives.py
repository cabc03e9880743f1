"""metrics.yml's `objectives`: where the company's OKRs live, every name it gives checked by the
loader at its own line, with a "Did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from semantic_layer.loader import load_model
from semantic_layer.model import Objectives
from tests.semantic_layer.test_loader import REPO, model_errors

#: A model with a table of objectives and a metric measured on another table.
MODEL = """
    version: 1
    objectives:
      table: goals
      id: goal_id
      objective: wording
      metric: goal_metric
      period: goal_period
      segment: goal_segment
      segment_dimension: segment
      target: goal_target
    tables:
      - name: goals
        primary_key: goal_id
        dimensions:
          - {name: goal_id}
          - {name: wording}
          - {name: goal_metric}
          - {name: goal_period}
          - {name: goal_segment}
        measures:
          - {name: target_value, aggregation: sum}
      - name: accounts
        primary_key: account_id
        dimensions:
          - {name: segment}
        measures:
          - {name: customers, aggregation: count}
    metrics:
      - {name: goal_target, label: Target, measure: target_value}
      - {name: customers, label: Customers, measure: customers}
    """


def test_the_shipped_model_declares_where_its_okrs_live() -> None:
    declared = load_model(REPO / "metrics.yml").objectives
    assert declared is not None
    assert (
        declared.model_dump()
        == Objectives(
            table="okr_targets",
            id="okr_id",
            objective="objective",
            metric="okr_metric",
            period="okr_period",
            segment="okr_segment",
            segment_dimension="segment",
            target="okr_target",
        ).model_dump()
    )


def test_a_correct_declaration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metrics.yml").write_text(MODEL.replace("\n    ", "\n").lstrip("\n"))
    declared = load_model("metrics.yml").objectives
    assert declared is not None
    assert declared.dimensions == {
        "id": "goal_id",
        "objective": "wording",
        "metric": "goal_metric",
        "period": "goal_period",
        "segment": "goal_segment",
    }


def test_each_wrong_name_is_reported_at_its_line_with_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        MODEL.replace("id: goal_id", "id: goal_idd")
        .replace("target: goal_target", "target: customers")
        .replace("segment_dimension: segment", "segment_dimension: segmnt")
    )
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:4: error: objectives: id 'goal_idd' is not a dimension of table 'goals'. "
        "Did you mean 'goal_id' or 'goal_period' or 'goal_metric'?",
        "metrics.yml:9: error: objectives: segment_dimension 'segmnt' is not a declared "
        "dimension. Did you mean 'segment' or 'goal_segment'?",
        "metrics.yml:10: error: objectives: target 'customers' is not a metric over table "
        "'goals'. Name a metric whose measure is on this table (the target value).",
    ]


def test_an_unknown_table_or_key_is_reported_with_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert model_errors(tmp_path, monkeypatch, MODEL.replace("table: goals", "table: gols")) == [
        "metrics.yml:3: error: objectives: table 'gols' is not declared. Did you mean 'goals'?"
    ]
    assert model_errors(tmp_path, monkeypatch, MODEL.replace("period:", "periods:")) == [
        "metrics.yml:7: error: objectives: unknown key 'periods'. Accepted: direction, id, "
        "metric, objective, period, segment, segment_dimension, table, target. "
        "Did you mean 'period'?"
    ]


def test_a_segment_needs_the_dimension_it_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = MODEL.replace("      segment_dimension: segment\n", "")
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:3: error: objectives: give `segment` (the column of a row's segment) and "
        "`segment_dimension` (the dimension it filters) together."
    ]


def test_objectives_are_declared_in_the_root_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "goals.yml").write_text("objectives: {table: goals}\n")
    text = "version: 1\ninclude: [goals.yml]\n"
    assert model_errors(tmp_path, monkeypatch, text) == [
        "goals.yml:1: error: top level: 'objectives' is a declaration of the root file. "
        "Move it to the metrics.yml that includes this file."
    ]
