"""Money is written in the metric's own currency (its `unit`, an ISO 4217 code): a company
reporting in pounds never reads its revenue in dollars, in the table, the sentence or the
chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cortex.answers.chart import chart_spec, render_png
from cortex.answers.formatting import currency_symbol, format_value
from cortex.answers.wording import compact_value
from semantic_layer.compile import compile_query
from semantic_layer.loader import load_model
from semantic_layer.query import SemanticQuery

ROOT = Path(__file__).resolve().parents[3]
FREIGHT = ROOT / "tests" / "companies" / "freight" / "metrics.yml"


@pytest.mark.parametrize(
    ("unit", "symbol"),
    [(None, "$"), ("USD", "$"), ("GBP", "£"), ("gbp", "£"), ("EUR", "€"), ("CHF", "CHF ")],
)
def test_the_symbol_comes_from_the_unit_and_an_unknown_code_is_written_out(
    unit: str | None, symbol: str
) -> None:
    assert currency_symbol(unit) == symbol


def test_table_cells_and_sentences_write_pounds_for_a_gbp_metric() -> None:
    assert format_value(101768, "currency", "GBP") == "£101,768"
    assert format_value(-12.5, "currency", "GBP") == "-£12.50"
    assert compact_value(23_512.0, "currency", "GBP") == "£23.5K"
    assert compact_value(18_200_000.0, "currency", None) == "$18.2M"


def test_a_chart_of_a_gbp_metric_sets_the_pound_as_its_currency() -> None:
    model = load_model(FREIGHT)
    query = SemanticQuery(metrics=("freight_revenue",), dimensions=("depot_name",))
    compiled = compile_query(query, model, as_of=pd.Timestamp("2026-11-24").date())
    frame = pd.DataFrame(
        {"depot_name": ["Daventry Hub", "Leeds Depot"], "freight_revenue": [60732.0, 43426.0]}
    )
    spec = chart_spec(compiled, frame, model)
    assert spec is not None
    assert spec["config"]["locale"]["number"]["currency"] == ["£", ""]
    assert render_png(spec)[:8] == b"\x89PNG\r\n\x1a\n"  # the renderer takes the locale
