"""The metrics.yml loader: every problem at `file:line`, with the fix, all found in one pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from semantic_layer.errors import DefinitionError, Issue
from semantic_layer.loader import check_file, load_and_check, load_model
from semantic_layer.model import Location, SemanticModel
from semantic_layer.yaml_lines import NotUTF8, utf8_text

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]

#: The demo warehouse of shared/DEMO_WAREHOUSE.md, plus the `subscriptions` columns metrics.yml
#: also needs (change_type, arr_change, end_reason).
DEMO_COLUMNS: dict[str, list[str]] = {
    "accounts": [
        "account_id", "account_name", "segment", "gmv_tier", "vertical", "region", "platform",
        "owner_name", "signed_up_at", "churned_at", "ai_agent_enabled_at",
    ],
    "subscriptions": [
        "subscription_id", "account_id", "plan", "arr", "started_on", "ended_on",
        "change_type", "arr_change", "end_reason",
    ],
    "tickets": [
        "ticket_id", "account_id", "channel", "intent", "created_at", "first_response_at",
        "resolved_at", "handled_by", "handed_over", "csat_score", "message_count",
    ],
    "conversions": [
        "conversion_id", "ticket_id", "account_id", "ordered_at", "order_value", "influenced_by",
    ],
    "opportunities": [
        "opportunity_id", "account_id", "opportunity_name", "segment", "type", "source", "stage",
        "amount", "owner_name", "created_on", "close_date",
    ],
    "okr_targets": ["okr_id", "objective", "metric", "period", "segment", "target_value"],
}  # fmt: skip

#: The warehouse the fixture models describe.
FIXTURE_COLUMNS: dict[str, list[str]] = {
    "accounts": ["account_id", "segment", "region", "signed_up_at", "churned_at"],
    "tickets": ["ticket_id", "account_id", "channel", "handled_by", "created_at", "resolved_at"],
    "conversions": ["conversion_id", "ticket_id", "account_id", "influenced_by"],
}


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the fixtures folder, so that issues name files as `broken/unknown_key.yml`."""
    monkeypatch.chdir(FIXTURES)


def messages(issues: list[Issue]) -> list[str]:
    return [str(issue) for issue in issues]


def load_errors(path: str | Path) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        load_model(path)
    return messages(list(raised.value.issues))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# --- the shipped model --------------------------------------------------------------------------


def test_the_shipped_metrics_yml_loads_and_checks_without_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    model = load_model("metrics.yml")
    names = {t.name for t in model.tables}
    assert names >= {"accounts", "subscriptions", "tickets", "arr_movements"}
    assert model.metric("arr") is not None
    assert check_file("metrics.yml", warehouse_columns=DEMO_COLUMNS) == []


def test_the_shipped_metrics_yml_checks_without_errors_without_the_warehouse() -> None:
    issues = check_file(REPO / "metrics.yml")
    assert [issue for issue in issues if issue.level == "error"] == []


# --- the five broken fixtures, one defect each ----------------------------------------------------


def test_an_unknown_key_names_the_key_the_accepted_keys_and_the_likely_one() -> None:
    assert load_errors("broken/unknown_key.yml") == [
        "broken/unknown_key.yml:32: error: table 'tickets' measure 'resolved_tickets': "
        "unknown key 'agg'. Accepted: aggregation, description, expr, filter, name, percentile, "
        "snapshot, time_dimension. Did you mean 'aggregation'?"
    ]


def test_an_unknown_key_does_not_also_report_the_key_it_was_meant_to_be_as_missing() -> None:
    # `agg` stands for `aggregation`: no "missing required key 'aggregation'", and the metric
    # on the measure that failed to load is not reported as referring to a missing measure.
    assert len(check_file("broken/unknown_key.yml")) == 1


def test_a_misspelt_metric_reference_suggests_the_metric() -> None:
    assert messages(check_file("broken/misspelt_metric.yml")) == [
        "broken/misspelt_metric.yml:70: error: metric 'tickets_per_customer': "
        "numerator 'ticket_volum' is not a metric. Did you mean 'ticket_volume'?"
    ]


def test_a_missing_column_suggests_the_warehouse_column() -> None:
    issues = check_file("broken/missing_column.yml", warehouse_columns=FIXTURE_COLUMNS)
    assert messages(issues) == [
        "broken/missing_column.yml:31: error: table 'tickets' measure 'resolved_tickets': "
        "filter refers to column 'resolved_on', which is not in warehouse table 'tickets'. "
        "Did you mean 'resolved_at'?"
    ]


def test_columns_are_only_checked_when_the_warehouse_columns_are_given() -> None:
    assert check_file("broken/missing_column.yml") == []


def test_a_join_cycle_is_reported_as_the_cycle() -> None:
    assert messages(check_file("broken/join_cycle.yml")) == [
        "broken/join_cycle.yml:43: error: relationship 'accounts -> conversions': "
        "the joins form a cycle: tickets -> accounts -> conversions -> tickets. "
        "Relationships go from the many side to the one side; remove or reverse one of them."
    ]


def test_two_join_paths_through_a_one_to_one_are_an_error_at_a_relationship() -> None:
    # one_to_one is walked both ways, so tickets -> accounts -> crm_accounts ties with
    # tickets -> crm_contacts -> crm_accounts; reported at the later relationship on the paths.
    model, issues = load_and_check("broken/one_to_one_tie.yml")
    assert messages(issues) == [
        "broken/one_to_one_tie.yml:37: error: relationship 'tickets -> crm_contacts': tables "
        "'tickets' and 'crm_accounts' are joined by two paths: tickets -> accounts -> "
        "crm_accounts and tickets -> crm_contacts -> crm_accounts (one_to_one 'crm_accounts -> "
        "accounts' is walked both ways). The join would be ambiguous; keep one path (remove a "
        "relationship, declare the table again under another name for the second path, or make "
        "'crm_accounts -> accounts' many_to_one so that it is walked one way only)."
    ]
    assert model.relationships[3].location.line == 37


def test_bad_indentation_points_at_the_line() -> None:
    assert load_errors("broken/bad_indentation.yml") == [
        "broken/bad_indentation.yml:27: error: YAML: bad indentation: the line does not line up "
        "with the block on line 24. Check the indentation around line 27."
    ]


def test_check_file_reports_every_defect_of_every_file_in_one_run() -> None:
    issues = check_file("broken/all_at_once/metrics.yml", warehouse_columns=FIXTURE_COLUMNS)
    assert messages(issues) == [
        "broken/all_at_once/filters.yml:5: error: YAML: bad indentation: the line does not line "
        "up with the block on line 3. Check the indentation around line 5.",
        "broken/all_at_once/joins.yml:11: error: relationship 'accounts -> conversions': "
        "the joins form a cycle: tickets -> accounts -> conversions -> tickets. "
        "Relationships go from the many side to the one side; remove or reverse one of them.",
        "broken/all_at_once/metrics.yml:27: error: metric 'tickets_per_customer': "
        "numerator 'ticket_volum' is not a metric. Did you mean 'ticket_volume'?",
        "broken/all_at_once/tables.yml:13: error: table 'accounts' measure 'active_customers': "
        "snapshot valid_to refers to column 'churned_on', which is not in warehouse table "
        "'accounts'. Did you mean 'churned_at'?",
        "broken/all_at_once/tables.yml:26: error: table 'tickets' measure 'resolved_tickets': "
        "unknown key 'agg'. Accepted: aggregation, description, expr, filter, name, percentile, "
        "snapshot, time_dimension. Did you mean 'aggregation'?",
    ]


def test_load_model_raises_one_definition_error_listing_every_loader_error() -> None:
    with pytest.raises(DefinitionError) as raised:
        load_model("broken/all_at_once/metrics.yml")
    text = str(raised.value)
    assert text.splitlines()[0] == "2 error(s) in the semantic model"
    assert "filters.yml:5: error: YAML" in text
    assert "tables.yml:26: error: table 'tickets' measure 'resolved_tickets'" in text


# --- locations ----------------------------------------------------------------------------------


def test_every_object_remembers_where_its_mapping_starts() -> None:
    model = load_model("valid/base.yml")
    accounts, tickets = model.tables
    active = accounts.measures[1]
    verified = model.verified_queries[0]

    def at(line: int) -> Location:
        return Location(file="valid/base.yml", line=line)

    assert model.location == at(1)
    assert accounts.location == at(5)
    assert accounts.dimensions[2].location == at(11)
    assert active.location == at(16)
    assert active.snapshot is not None and active.snapshot.location == at(18)
    assert tickets.measures[1].location == at(31)
    assert model.relationships[0].location == at(36)
    assert model.metrics[0].location == at(39)
    assert model.filters[0].location == at(86)
    assert verified.location == at(91)
    assert verified.query.location == at(93)


def test_a_file_outside_the_working_directory_is_named_by_its_absolute_path(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "metrics.yml", "version: 1\nmetric: []\n")
    assert load_errors(path) == [
        f"{path}:2: error: top level: unknown key 'metric'. Accepted: filters, "
        "fiscal_year_start_month, include, metrics, objectives, relationships, tables, "
        "verified_queries, version. Did you mean 'metrics'?"
    ]


# --- includes -----------------------------------------------------------------------------------


def test_includes_are_relative_to_the_including_file_nested_and_concatenated() -> None:
    model = load_model("valid/includes/metrics.yml")
    assert [t.name for t in model.tables] == ["tickets", "accounts"]
    assert [m.name for m in model.metrics] == ["ticket_volume", "customers"]
    assert model.tables[1].location == Location(file="valid/includes/parts/accounts.yml", line=2)
    assert model.metrics[0].location == Location(file="valid/includes/metrics.yml", line=12)
    assert check_file("valid/includes/metrics.yml", warehouse_columns=FIXTURE_COLUMNS) == []


def test_an_include_cycle_is_an_error_at_the_include() -> None:
    assert load_errors("broken/include_cycle/metrics.yml") == [
        "broken/include_cycle/tables.yml:2: error: include: the includes form a cycle: "
        "broken/include_cycle/metrics.yml -> broken/include_cycle/tables.yml -> "
        "broken/include_cycle/metrics.yml. Remove one of these includes."
    ]


def test_a_missing_include_is_an_error_with_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "parts/tables.yml", "tables: []\n")
    write(tmp_path, "metrics.yml", "version: 1\ninclude: [parts/table.yml]\n")
    assert load_errors("metrics.yml") == [
        "metrics.yml:2: error: include: file 'parts/table.yml' not found. "
        "Did you mean 'parts/tables.yml'?"
    ]


def test_a_missing_root_file_is_an_error() -> None:
    assert load_errors("nowhere/metrics.yml") == ["nowhere/metrics.yml: error: file: not found."]


# --- the top level ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tables: []\n",
            "metrics.yml:1: error: top level: missing key 'version'. "
            "Add `version: 1` at the top of the file.",
        ),
        (
            "version: 2\n",
            "metrics.yml:1: error: top level: unsupported version 2. "
            "This Cortex reads `version: 1`.",
        ),
        (
            "version: 1\ntables: accounts\n",
            "metrics.yml:2: error: top level: 'tables' must be a list of tables.",
        ),
        (
            "version: 1\nmetrics:\n  - arr\n",
            "metrics.yml:3: error: metric in 'metrics': expected a mapping of keys, not 'arr'.",
        ),
        (
            "- version: 1\n",
            "metrics.yml:1: error: top level: the file must be a mapping (version, tables, ...).",
        ),
    ],
)
def test_the_top_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "metrics.yml", text)
    assert load_errors("metrics.yml") == [expected]


# --- values pydantic rejects, at the line of the key -------------------------------------------


def model_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "metrics.yml", text)
    return load_errors("metrics.yml")


def test_a_bad_literal_value_suggests_the_accepted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            measures:
              - name: tickets
                aggregation: summ
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:7: error: table 'tickets' measure 'tickets': invalid aggregation 'summ'. "
        "Expected one of: sum, count, count_distinct, avg, min, max, median, percentile. "
        "Did you mean 'sum'?"
    ]


def test_the_model_validators_report_at_the_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            table: raw_tickets
            sql: SELECT * FROM raw_tickets
            primary_key: ticket_id
        metrics:
          - name: rate
            label: Rate
            type: ratio
            numerator: a
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:3: error: table 'tickets': give either `table` or `sql`, not both.",
        "metrics.yml:8: error: metric 'rate': a ratio metric needs denominator.",
    ]


def test_wrong_types_point_at_the_key_or_the_list_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        metrics:
          - name: arr
            label: ARR
            measure: arr
            synonyms:
              - revenue
              - 2026
        verified_queries:
          - question: What is ARR?
            query: {metrics: [arr]}
            verified_at: 2026-11-01
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:8: error: metric 'arr': 'synonyms[1]': input should be a valid string, "
        "not 2026. Put the value in quotes if it is meant as text.",
        "metrics.yml:12: error: verified query 'What is ARR?': 'verified_at': input should be a "
        "valid string, not datetime.date(2026, 11, 1). Put the value in quotes if it is meant "
        "as text.",
    ]


def test_a_missing_required_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = """
        version: 1
        relationships:
          - {from: tickets, to: accounts}
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:3: error: relationship 'tickets -> accounts': missing required key 'keys'."
    ]


def test_location_and_field_names_behind_aliases_are_not_user_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        relationships:
          - from_table: tickets
            to: accounts
            keys: {account_id: account_id}
            location: here
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:3: error: relationship #1: unknown key 'from_table'. "
        "Accepted: from, keys, name, required, to, type.",
        "metrics.yml:3: error: relationship #1: missing required key 'from'.",
        "metrics.yml:6: error: relationship #1: unknown key 'location'. "
        "Accepted: from, keys, name, required, to, type.",
    ]


# --- YAML syntax --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\ntables:\n\t- name: accounts\n",
            "metrics.yml:3: error: YAML: a tab character is used for indentation. "
            "Indent with spaces, not tabs (line 3).",
        ),
        (
            "version: 1\nfilters:\n  - name: 'enterprise\n    where: x\n",
            "metrics.yml:3: error: YAML: a quoted string is never closed. "
            "Close the quote opened on line 3.",
        ),
        (
            "version: 1\ntables:\n  - name: accounts\n      primary_key: account_id\n",
            "metrics.yml:4: error: YAML: unexpected ':' (a key indented deeper than the one "
            "above, or an unquoted ': '). Check the indentation around line 4.",
        ),
    ],
)
def test_yaml_syntax_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "metrics.yml", text)
    assert load_errors("metrics.yml") == [expected]


# --- duplicate names ----------------------------------------------------------------------------


def test_duplicate_names_are_errors_at_the_second_naming_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            dimensions:
              - name: channel
              - name: channel
            measures:
              - name: tickets
                aggregation: count
          - name: tickets
            primary_key: id
          - name: accounts
            primary_key: account_id
            measures:
              - name: tickets
                aggregation: count
        metrics:
          - {name: arr, label: ARR, measure: tickets}
          - {name: arr, label: ARR, measure: tickets}
        filters:
          - {name: enterprise, where: "segment = 'Enterprise'"}
          - {name: enterprise, where: "segment = 'Enterprise'", name: smb}
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:7: error: table 'tickets' dimension 'channel': duplicate dimension name "
        "'channel' in table 'tickets'; first declared at metrics.yml:6. "
        "Rename or remove one of them.",
        "metrics.yml:11: error: table 'tickets': duplicate table name 'tickets'; "
        "first declared at metrics.yml:3. Rename or remove one of them.",
        "metrics.yml:16: error: table 'accounts' measure 'tickets': measure name 'tickets' is "
        "already used by table 'tickets' (metrics.yml:9). Measure names must be unique across "
        "tables; rename one of them.",
        "metrics.yml:20: error: metric 'arr': duplicate metric name 'arr'; first declared at "
        "metrics.yml:19. Rename or remove one of them.",
        "metrics.yml:23: error: filter 'smb': key 'name' is given twice (first on line 23). "
        "Keep one of them.",
    ]


def test_keys_merged_in_with_yaml_anchors_may_be_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = """
        version: 1
        tables:
          - {name: tickets, primary_key: ticket_id, measures: [{name: rows, aggregation: count}]}
        metrics:
          - &base {name: tickets, label: Tickets, owner: o, description: d, measure: rows}
          - <<: *base
            name: tickets_7d
            type: cumulative
            window: 7 days
        """
    model = load_model(write(tmp_path, "metrics.yml", text))
    assert [(m.name, m.label, m.location.line) for m in model.metrics] == [
        ("tickets", "Tickets", 5),
        ("tickets_7d", "Tickets", 6),
    ]


def test_a_valid_model_is_a_semantic_model() -> None:
    assert isinstance(load_model(FIXTURES / "valid" / "base.yml"), SemanticModel)


# --- value synonyms -----------------------------------------------------------------------------


def test_value_synonyms_map_a_value_to_the_words_people_use_for_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "metrics.yml",
        """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            dimensions:
              - name: handled_by
                value_synonyms:
                  ai: [bot, chatbot]
                  human: [live agent]
        """,
    )
    (dimension,) = load_model(path).tables[0].dimensions
    assert dimension.value_synonyms == {"ai": ("bot", "chatbot"), "human": ("live agent",)}


def test_bad_value_synonyms_are_errors_at_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            dimensions:
              - name: handed_over
                type: boolean
                value_synonyms: {"true": [escalated]}
              - name: handled_by
                value_synonyms:
                  ai: [bot, Live  Agent]
                  human: [live agent]
              - name: channel
                value_synonym: {email: [mail]}
              - name: intent
                value_synonyms: [refund]
              - name: is_presale
                value_synonyms:
                  true: [presale]
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:6: error: table 'tickets' dimension 'handed_over': "
        "`value_synonyms` is for categorical dimensions, not a boolean one; give the words "
        "people use for it as `synonyms`.",
        "metrics.yml:9: error: table 'tickets' dimension 'handled_by': value_synonyms: "
        "'live agent' would name both 'ai' and 'human'; a phrase names one value.",
        "metrics.yml:14: error: table 'tickets' dimension 'channel': unknown key "
        "'value_synonym'. Accepted: description, expr, label, name, synonyms, type, "
        "value_synonyms. Did you mean 'value_synonyms' or 'synonyms'?",
        "metrics.yml:16: error: table 'tickets' dimension 'intent': 'value_synonyms': input "
        "should be a valid dictionary, not ['refund'].",
        "metrics.yml:19: error: table 'tickets' dimension 'is_presale': 'value_synonyms.True': "
        "input should be a valid string, not True. Put the value in quotes if it is meant as "
        "text.",
    ]


def test_a_byte_that_is_not_utf8_is_placed_by_line_and_character_column() -> None:
    with pytest.raises(NotUTF8) as raised:
        utf8_text("version: 1\n# café ".encode() + b"\xff\n")
    assert (raised.value.line, raised.value.column, raised.value.byte) == (2, 8, 0xFF)
    assert str(raised.value) == "line 2: byte 0xff at column 8 is not UTF-8 text."


def test_a_metric_says_which_way_is_better_and_a_misspelt_direction_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            measures:
              - {name: tickets, aggregation: count}
        metrics:
          - {name: tickets, label: Tickets, measure: tickets, better: lowr}
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:8: error: metric 'tickets': invalid better 'lowr'. Expected one of: "
        "higher, lower. Did you mean 'lower'?"
    ]
    assert {m.name: m.better for m in load_model(REPO / "metrics.yml").metrics}["churned_arr"] == (
        "lower"
    )


def test_a_tables_count_metric_must_count_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            count_metric: tikets
            measures:
              - {name: tickets, aggregation: count}
              - {name: messages, aggregation: sum, expr: message_count}
          - name: calls
            primary_key: call_id
            count_metric: messages
        metrics:
          - {name: tickets, label: Tickets, measure: tickets}
          - {name: messages, label: Messages, measure: messages}
        """
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "metrics.yml", text)
    found = [m for m in messages(check_file("metrics.yml")) if "count_metric" in m]
    assert found == [
        "metrics.yml:3: error: table 'tickets': count_metric 'tikets' is not a metric. "
        "Did you mean 'tickets'?",
        "metrics.yml:9: error: table 'calls': count_metric 'messages' does not count the rows "
        "of 'calls'. Name a metric whose measure is a count on this table.",
    ]


def test_a_tables_name_dimension_must_be_one_of_its_categorical_dimensions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        tables:
          - name: accounts
            primary_key: account_id
            name_dimension: acount_name
            dimensions:
              - {name: account_name}
              - {name: signed_up_at, type: time}
          - name: deals
            primary_key: deal_id
            name_dimension: closed_at
            dimensions:
              - {name: deal_name}
              - {name: closed_at, type: time}
        metrics: []
        """
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "metrics.yml", text)
    found = [m for m in messages(check_file("metrics.yml")) if "name_dimension" in m]
    assert found == [
        "metrics.yml:3: error: table 'accounts': name_dimension 'acount_name' is not a "
        "categorical dimension of 'accounts'. Did you mean 'account_name'?",
        "metrics.yml:9: error: table 'deals': name_dimension 'closed_at' is not a categorical "
        "dimension of 'deals'. Name one of: deal_name.",
    ]


def test_the_financial_year_start_is_a_month_set_in_the_root_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        load_model(REPO / "tests" / "companies" / "freight" / "metrics.yml").fiscal_year_start_month
        == 4
    )
    assert load_model(REPO / "metrics.yml").fiscal_year_start_month == 1  # not set: January
    text = """
        version: 1
        fiscal_year_start_month: 13
        tables: []
        """
    assert model_errors(tmp_path, monkeypatch, text) == [
        "metrics.yml:2: error: top level: fiscal_year_start_month 13 is not a month number "
        "from 1 to 12 (4 for April)."
    ]


def test_a_verified_question_may_be_marked_for_onboarding_with_a_true_boolean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = """
        version: 1
        tables:
          - name: tickets
            primary_key: ticket_id
            measures:
              - {name: tickets, aggregation: count}
        metrics:
          - {name: ticket_volume, label: Tickets, measure: tickets}
        verified_queries:
          - question: How many tickets?
            query: {metrics: [ticket_volume]}
            onboarding: true
          - question: How many tickets, again?
            query: {metrics: [ticket_volume]}
        """
    model = load_model(write(tmp_path, "metrics.yml", text))
    assert [(v.question, v.onboarding) for v in model.verified_queries] == [
        ("How many tickets?", True),
        ("How many tickets, again?", False),
    ]


def test_onboarding_takes_a_boolean_not_a_word_in_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
        version: 1
        verified_queries:
          - question: What is ARR?
            query: {metrics: [arr]}
            onboarding: "yes"
        """
    errors = model_errors(tmp_path, monkeypatch, text)
    assert len(errors) == 1
    assert errors[0].startswith(
        "metrics.yml:5: error: verified query 'What is ARR?': 'onboarding': input should be a "
        "valid boolean"
    )


def test_the_shipped_model_marks_a_handful_of_onboarding_questions() -> None:
    model = load_model(REPO / "metrics.yml")
    onboarding = [v.question for v in model.verified_queries if v.onboarding]
    assert 4 <= len(onboarding) <= 6
