"""Skills analysts write in YAML: the two the demo ships load and run with the numbers SQL gives,
a broken file is reported at file:line with a fix, inputs are a real checked model, the result
can go to another skill, and the CLI lists and checks them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cortex.answer import Answer
from cortex.workspace import Workspace
from semantic_layer.errors import Issue
from semantic_layer.query import Filter, SemanticQuery
from semantic_layer.yaml_lines import display_path
from skills.authored import YamlSkill, load_yaml_skills
from skills.base import Skill, SkillContext, SkillInput, SkillResult
from skills.registry import SkillRegistry
from skills.runner import run_skill
from tests.cortex.conftest import ROOT, run

SHIPPED = ROOT / "skills"


class Page(SkillInput):
    title: str
    body: str = ""


class CapturePage(Skill[Page]):
    """A stand-in for a skill that writes outside Cortex: it keeps what it was given."""

    name = "capture.page"
    description = "Keeps the answers and the input it is given."
    input_model = Page
    writes_outside = True

    def __init__(self) -> None:
        self.received: list[tuple[tuple[Answer, ...], Page]] = []

    def run(self, context: SkillContext, given: Page) -> SkillResult:
        self.received.append((context.answers, given))
        return SkillResult(text=f"Page {given.title!r} written.", link="https://pages.test/1")

    def confirmation(self, given: Page) -> str:
        return f"Write the page {given.title!r}?"


def _shipped(workspace: Workspace, builtin: SkillRegistry | None = None) -> SkillRegistry:
    skills, issues = load_yaml_skills(
        SHIPPED, workspace.model, builtin or SkillRegistry([]), as_of=workspace.settings.as_of
    )
    assert issues == []
    return SkillRegistry(skills)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(issues: list[Issue]) -> list[str]:
    return [str(issue) for issue in issues]


# -- the two the demo ships -------------------------------------------------------------------


def test_the_demo_ships_a_weekly_support_review_and_a_segment_deep_dive(
    workspace: Workspace,
) -> None:
    registry = _shipped(workspace)
    assert set(registry.names) == {"support.weekly_review", "segment.deep_dive"}
    assert all(isinstance(skill, YamlSkill) for skill in registry)


def test_the_weekly_review_counts_last_weeks_tickets_as_sql_does(
    workspace: Workspace, context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (tickets,) = demo_con.execute(
        "SELECT count(*) FROM tickets "
        "WHERE created_at >= DATE '2026-11-16' AND created_at < DATE '2026-11-23'"
    ).fetchone() or (None,)
    (before,) = demo_con.execute(
        "SELECT count(*) FROM tickets "
        "WHERE created_at >= DATE '2026-11-09' AND created_at < DATE '2026-11-16'"
    ).fetchone() or (None,)

    done = run_skill(_shipped(workspace), "support.weekly_review", {}, context)

    assert done.outcome == "done", done.message
    assert done.result is not None and done.result.answer is not None
    answer = done.result.answer
    assert answer.result is not None
    assert int(answer.result.frame["ticket_volume"].iloc[0]) == tickets
    assert int(answer.result.frame["ticket_volume__previous"].iloc[0]) == before
    assert answer.text == done.result.text  # the skill's answer carries the narrative
    assert f"- Tickets: {tickets:,}, up " in answer.text or f"- Tickets: {tickets:,}, down " in (
        answer.text
    )
    assert "in the week of 16 Nov 2026" in answer.text
    assert "By channel:\n- email:" in answer.text
    assert "Most written about: where_is_my_order" in answer.text
    assert [q["id"] for q in done.result.details["queries"]] == ["week", "by_channel", "by_intent"]


def test_a_value_input_is_matched_to_the_dimensions_spelling_and_filters_every_query(
    workspace: Workspace, context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (chat,) = demo_con.execute(
        "SELECT count(*) FROM tickets WHERE channel = 'chat' "
        "AND created_at >= DATE '2026-11-16' AND created_at < DATE '2026-11-23'"
    ).fetchone() or (None,)

    done = run_skill(
        _shipped(workspace), "support.weekly_review", {"channel": "CHAT", "top": 2}, context
    )

    assert done.outcome == "done", done.message
    assert done.result is not None and done.result.answer is not None
    text = done.result.text
    assert ", chat only" in text
    assert f"- Tickets: {chat:,}" in text
    assert "By channel:\n- chat:" in text and "- email:" not in text
    assert text.rstrip().endswith(").") and text.count(" automated)") == 2  # top 2 intents


def test_the_segment_deep_dive_counts_the_segments_tickets_as_sql_does(
    workspace: Workspace, context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (tickets,) = demo_con.execute(
        "SELECT count(*) FROM tickets t JOIN accounts a USING (account_id) "
        "WHERE a.segment = 'Enterprise' "
        "AND t.created_at >= DATE '2026-07-01' AND t.created_at < DATE '2026-10-01'"
    ).fetchone() or (None,)

    done = run_skill(_shipped(workspace), "segment.deep_dive", {"segment": "enterprise"}, context)

    assert done.outcome == "done", done.message
    assert done.result is not None
    text = done.result.text
    assert text.startswith("Enterprise in Q3 2026:")
    assert f"- Support: {tickets:,} tickets" in text
    assert "By region: North America $" in text
    assert done.result.answer is not None and done.result.answer.query is not None
    assert done.result.answer.query.filters == (
        Filter(field="accounts.segment", op="=", values=("Enterprise",)),
    )


def test_a_value_the_dimension_does_not_hold_is_refused_with_a_did_you_mean(
    workspace: Workspace, context: SkillContext
) -> None:
    failed = run_skill(_shipped(workspace), "segment.deep_dive", {"segment": "enterprize"}, context)

    assert failed.outcome == "failed"
    assert "'enterprize' is not a value of accounts.segment. Did you mean 'Enterprise'?" in (
        failed.message
    )
    assert "Values: Enterprise, Mid-Market, SMB." in failed.message


def test_the_requesters_row_policy_applies_to_every_query(
    workspace: Workspace, context: SkillContext, demo_con: duckdb.DuckDBPyConnection
) -> None:
    class EmailOnly:
        def apply(self, query: SemanticQuery) -> SemanticQuery:
            kept = Filter(field="channel", op="=", values=("email",))
            return query.model_copy(update={"filters": (*query.filters, kept)})

    (email,) = demo_con.execute(
        "SELECT count(*) FROM tickets WHERE channel = 'email' "
        "AND created_at >= DATE '2026-11-16' AND created_at < DATE '2026-11-23'"
    ).fetchone() or (None,)

    done = run_skill(
        _shipped(workspace), "support.weekly_review", {}, replace(context, policy=EmailOnly())
    )

    assert done.outcome == "done", done.message
    assert done.result is not None
    assert f"- Tickets: {email:,}" in done.result.text
    assert "- chat:" not in done.result.text


# -- inputs -------------------------------------------------------------------------------------


def test_the_inputs_are_a_model_whose_json_schema_the_planners_see(workspace: Workspace) -> None:
    registry = _shipped(workspace)
    tools = {tool["name"]: tool for tool in registry.tools()}

    schema = tools["segment_deep_dive"]["input_schema"]
    assert schema["required"] == ["segment"]
    assert schema["properties"]["period"]["enum"][:2] == ["last quarter", "this quarter"]
    assert schema["properties"]["period"]["default"] == "last quarter"
    assert "A value of accounts.segment" in schema["properties"]["segment"]["description"]
    review = tools["support_weekly_review"]["input_schema"]
    assert review["properties"]["top"]["maximum"] == 10
    assert "required" not in review
    assert review["additionalProperties"] is False


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"top": "many"}, "top: Input should be a valid integer"),
        ({"top": 11}, "top: Input should be less than or equal to 10"),
        ({"chanel": "chat"}, "chanel: Extra inputs are not permitted"),
    ],
)
def test_an_input_of_the_wrong_type_or_unknown_is_refused_before_anything_runs(
    workspace: Workspace, context: SkillContext, given: dict[str, object], said: str
) -> None:
    refused = run_skill(_shipped(workspace), "support.weekly_review", given, context)

    assert refused.outcome == "refused"
    assert said in refused.message


def test_a_missing_required_input_is_refused(workspace: Workspace, context: SkillContext) -> None:
    refused = run_skill(_shipped(workspace), "segment.deep_dive", {}, context)

    assert refused.outcome == "refused"
    assert "segment: Field required" in refused.message


# -- a broken file ------------------------------------------------------------------------------

BROKEN = """\
name: support.broken
descripton: A skill with a problem on nearly every line.
inputs:
  weeks: {type: integr, default: 1}
  channel: {type: value, dimension: chanel, required: false}
queries:
  - id: week
    metrics: [ticket_volume, csat_scor]
    dimensions: [chanel]
    time_range: last week
    filters:
      - {field: channel, input: channl}
narrative: |
  Tickets: {{ week.value('ticket_volume') }}
  {% for row in week.rows %}
  {{ row.channel }}
output: report.htm
"""


def test_a_broken_file_reports_every_problem_at_its_line_with_a_fix(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _write(tmp_path, "broken.yml", BROKEN)
    file = display_path(path)

    skills, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([CapturePage()]))

    assert skills == []
    problems = _problems(issues)
    expected = [
        f"{file}:1: error: skill: 'description' is missing.",
        f"{file}:2: error: skill: unknown key 'descripton'. Did you mean 'description'?",
        f"{file}:4: error: inputs.weeks.type: unknown type 'integr'. Did you mean 'integer'?",
        f"{file}:5: error: inputs.channel.dimension: unknown dimension 'chanel'. "
        "Did you mean 'channel'?",
        f"{file}:8: error: queries.week.metrics: unknown metric 'csat_scor'. Did you mean",
        f"{file}:9: error: queries.week.dimensions: unknown dimension 'chanel'.",
        f"{file}:12: error: queries.week.filters: unknown input 'channl'. Did you mean 'channel'?",
        f"{file}:16: error: narrative: the template does not parse: Unexpected end of template.",
        f"{file}:17: error: output: there is no skill 'report.htm' to send the result to.",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)


def test_the_narrative_is_checked_against_what_each_query_returns(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "review.yml",
        """\
name: support.review
description: The week.
queries:
  - id: week
    metrics: [ticket_volume]
    dimensions: [channel]
    time_range: last week
narrative: |
  Tickets: {{ week.value('ticket_volum', channel='email') }}
  By intent: {{ week.value('ticket_volume', intent='refund') }}
  {{ weak.text }} {{ week.periods }}
""",
    )
    file = display_path(path)

    skills, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([]))

    assert skills == []
    problems = _problems(issues)
    assert any(
        p.startswith(f"{file}:11: error: narrative: unknown name 'weak'. Did you mean 'week'?")
        for p in problems
    )
    assert any(
        p.startswith(f"{file}:11: error: narrative: a query has no 'periods'.") for p in problems
    )
    assert (
        f"{file}:9: error: narrative: the query 'week' has no metric 'ticket_volum'. "
        "Did you mean 'ticket_volume'? It returns: ticket_volume." in problems
    )
    assert any(
        p.startswith(f"{file}:10: error: narrative: the query 'week' has no dimension 'intent'.")
        for p in problems
    )


def test_a_query_the_semantic_layer_refuses_is_reported_when_the_file_is_loaded(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "range.yml",
        """\
name: support.range
description: A period the layer does not know.
inputs:
  period: {type: string, default: last fortnight}
queries:
  - id: week
    metrics: [ticket_volume]
    time_range: "{{ period }}"
narrative: "{{ week.value('ticket_volume') }}"
""",
    )

    _, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([]))

    assert len(issues) == 1
    assert str(issues[0]).startswith(
        f"{display_path(path)}:6: error: queries.week: the semantic layer refuses this query: "
        "'last fortnight' is not a time range I know."
    )


def test_two_skills_with_one_name_and_a_built_in_name_are_errors_of_the_later_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    body = "description: d\nqueries: [{id: q, metrics: [ticket_volume]}]\nnarrative: x\n"
    _write(tmp_path, "a.yml", "name: team.review\n" + body)
    second = _write(tmp_path, "b.yml", "name: team.review\n" + body)
    third = _write(tmp_path, "c.yml", "name: capture.page\n" + body)

    skills, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([CapturePage()]))

    assert [skill.name for skill in skills] == ["team.review"]
    assert _problems(issues) == [
        f"{display_path(second)}:1: error: skill.name: 'team.review' is already the name of the "
        f"skill of {display_path(tmp_path / 'a.yml')}:1. Give this skill another name.",
        f"{display_path(third)}:1: error: skill.name: 'capture.page' is already the name of a "
        "built-in skill. Give this skill another name.",
    ]


# -- where the result goes ----------------------------------------------------------------------

DELEGATING = """\
name: segment.page
description: A segment's numbers, written as a page.
inputs:
  segment: {type: value, dimension: accounts.segment}
queries:
  - id: overview
    metrics: [arr, active_customers]
    time_range: last quarter
    filters: [{field: accounts.segment, input: segment}]
  - id: by_region
    metrics: [arr]
    dimensions: [region]
    time_range: last quarter
    filters: [{field: accounts.segment, input: segment}]
narrative: "{{ segment }}: ARR {{ overview.value('arr') }} {{ overview.period }}."
output:
  skill: capture.page
  input: {title: "{{ segment }} review", body: "{{ narrative }}"}
"""


def test_the_result_goes_to_another_skill_with_the_answers_after_confirming(
    workspace: Workspace, context: SkillContext, tmp_path: Path
) -> None:
    page = CapturePage()
    _write(tmp_path, "page.yml", DELEGATING)
    skills, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([page]))
    assert issues == []
    registry = SkillRegistry([page, *skills])
    assert registry.get("segment.page").writes_outside

    asked = run_skill(registry, "segment.page", {"segment": "SMB"}, context)
    assert asked.outcome == "awaiting confirmation"
    assert asked.confirmation == (
        "segment.page runs its 2 queries, then: Write the page 'SMB review'?"
    )
    assert page.received == []

    done = run_skill(registry, "segment.page", {"segment": "SMB"}, context, confirmed=True)

    assert done.outcome == "done", done.message
    ((answers, given),) = page.received
    assert given.title == "SMB review"
    assert given.body.startswith("SMB: ARR $") and given.body.endswith("in Q3 2026.")
    assert [a.query.metrics for a in answers if a.query is not None] == [
        ("arr", "active_customers"),
        ("arr",),
        ("arr", "active_customers"),
    ]
    assert answers[-1].text == given.body  # the skill's own answer, last
    assert answers[0].text != given.body  # each query's answer as Cortex narrates it
    assert done.result is not None and done.result.link == "https://pages.test/1"
    assert done.result.text.endswith("Page 'SMB review' written.")
    assert done.result.details["output"] == "capture.page"


def test_an_input_the_other_skill_refuses_is_reported_at_the_output(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _write(tmp_path, "page.yml", DELEGATING.replace("title:", "heading:"))

    _, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([CapturePage()]))

    problems = _problems(issues)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{display_path(path)}:17: error: output.input: capture.page refuses this input: "
    )
    assert "title: Field required" in problems[0]
    assert "heading: Extra inputs are not permitted" in problems[0]


# -- the command line ---------------------------------------------------------------------------


def test_cortex_skill_list_shows_the_yaml_skills(cortex: CliRunner) -> None:
    code, stdout, stderr = run(cortex, "skill", "list", "--json")

    assert code == 0, stderr
    listed = {skill["name"]: skill for skill in json.loads(stdout)["skills"]}
    assert {"support.weekly_review", "segment.deep_dive"} <= set(listed)
    assert listed["segment.deep_dive"]["input_schema"]["required"] == ["segment"]


def test_cortex_skill_list_leaves_a_broken_file_out_and_says_why(
    cortex: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "skills"
    _write(folder, "broken.yml", BROKEN)
    cortex.env["CORTEX_SKILLS"] = str(folder)

    code, stdout, stderr = run(cortex, "skill", "list")

    assert code == 0
    assert "support.broken" not in stdout
    assert "broken.yml:2: error: skill: unknown key 'descripton'." in stderr


def test_cortex_check_reports_a_broken_skill_file(cortex: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "skills"
    _write(folder, "broken.yml", BROKEN)
    cortex.env["CORTEX_SKILLS"] = str(folder)

    code, _, stderr = run(cortex, "check", "--no-warehouse")

    assert code == 1
    assert "broken.yml:8: error: queries.week.metrics: unknown metric 'csat_scor'." in stderr
    assert "error(s)" in stderr


def test_cortex_check_checks_the_shipped_skills(cortex: CliRunner) -> None:
    code, stdout, stderr = run(cortex, "check", "--no-warehouse")

    assert code == 0, stderr
    assert "2 YAML skill(s) checked" in stdout


def test_cortex_skill_run_runs_a_yaml_skill(cortex: CliRunner) -> None:
    code, stdout, stderr = run(
        cortex, "skill", "run", "segment.deep_dive", "--input", '{"segment": "smb"}', "--json"
    )

    assert code == 0, stderr
    shown = json.loads(stdout)
    assert shown["outcome"] == "done"
    assert shown["message"].startswith("SMB in Q3 2026:")
    assert shown["answer"]["text"] == shown["message"]
    assert shown["details"]["output"] == "thread"


def test_the_example_in_the_skills_readme_loads(workspace: Workspace, tmp_path: Path) -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    _write(tmp_path, "example.yml", example)

    skills, issues = load_yaml_skills(tmp_path, workspace.model, SkillRegistry([]))

    assert issues == []
    assert [skill.name for skill in skills] == ["support.weekly_review"]
