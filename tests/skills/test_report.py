"""report.html and report.pdf: a report of several answers written to one file, a section each
(question, narrative, chart, table, how it was computed); a question without numbers keeps its
section, which says why; everything escaped; nothing fetched; the PDF holds the same numbers.

How the page behaves in a browser (sorting, filters, the chart, offline) is in
test_report_browser.py."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cortex.agent import Agent
from cortex.assembly import build_agent
from cortex.workspace import Workspace
from skills.base import SkillContext
from skills.builtin import skill_registry
from skills.registry import SkillRegistry
from skills.report_render import slug
from skills.runner import SkillRun, run_skill
from tests.cortex.conftest import run

ROOT = Path(__file__).resolve().parents[2]
ARR = "What's our ARR by segment?"
TICKETS = "Monthly ticket volume over the last 6 months"


@pytest.fixture()
def agent(workspace: Workspace) -> Iterator[Agent]:
    """An agent on the demo workspace (closing it closes the workspace)."""
    built = build_agent(workspace)
    yield built
    built.close()


@pytest.fixture()
def asking(context: SkillContext, agent: Agent) -> SkillContext:
    """ada's context with an agent, so a skill can ask its questions the governed way."""
    return dataclasses.replace(context, agent=agent)


@pytest.fixture()
def registry(workspace: Workspace) -> SkillRegistry:
    return skill_registry(workspace.settings)


def _done(run: SkillRun) -> Path:
    assert run.outcome == "done", run.message
    assert run.result is not None
    (path,) = run.result.files
    return path


def test_both_report_skills_are_built_in_and_write_nothing_outside(
    registry: SkillRegistry,
) -> None:
    for name in ("report.html", "report.pdf"):
        skill = registry.get(name)
        assert not skill.writes_outside
        schema = skill.input_model.model_json_schema()
        assert set(schema["properties"]) == {"questions", "title"}


def test_a_report_of_two_questions_has_a_section_each_in_one_self_contained_file(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    run = run_skill(registry, "report.html", {"questions": [ARR, TICKETS]}, asking)
    path = _done(run)
    assert path.parent == asking.output_dir
    assert re.fullmatch(r"whats-our-arr-by-segment-and-1-more-[0-9a-f]{10}\.html", path.name)
    page = path.read_text(encoding="utf-8")
    assert page.count('<section class="report-section"') == 2
    assert "What&#39;s our ARR by segment?" in page and TICKETS in page
    # the narrative, the table as Cortex writes it, the chart's spec, how it was computed
    assert "Enterprise is highest at $6.1M" in page
    assert 'data-value="6092810.0">$6,092,810</td>' in page
    assert page.count('<script type="application/json" class="chart-spec">') == 2
    assert "sum(arr) over subscriptions" in page and "Verified query" in page
    assert '<details class="sql"><summary>SQL</summary>' in page
    assert '<select class="filter" data-filter="0" data-charted>' in page
    assert '<option value="Mid-Market">Mid-Market</option>' in page
    # nothing to fetch: no script, style, font or image from anywhere
    markup = re.sub(r"(?s)(<script[^>]*>).*?</script>", r"\1</script>", page)
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=|<link\b|@import|@font-face", markup)
    assert "window.vegaEmbed" in page
    details = run.result.details if run.result else {}
    assert [s["rows"] for s in details["sections"]] == [3, 6]  # type: ignore[index]


def test_the_same_report_of_the_same_data_is_the_same_file(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    first = _done(run_skill(registry, "report.html", {"questions": [ARR], "title": "ARR"}, asking))
    again = _done(run_skill(registry, "report.html", {"questions": [ARR], "title": "ARR"}, asking))
    assert first == again and first.name.startswith("arr-")


def test_a_question_without_numbers_keeps_its_section_which_says_why(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    run = run_skill(registry, "report.html", {"questions": ["What's the weather?", ARR]}, asking)
    page = _done(run).read_text(encoding="utf-8")
    assert "No numbers for “What's the weather?”: I answer questions about" in run.message
    assert '<p class="problem" role="note"><strong>No numbers for this question.' in page
    assert "$6,092,810" in page


def test_when_no_question_gets_numbers_there_is_no_report_and_each_reason_is_told(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    run = run_skill(registry, "report.html", {"questions": ["What's the weather?"]}, asking)
    assert run.outcome == "failed"
    assert run.message.startswith("No question got numbers, so there is no report.")
    assert "“What's the weather?”: I answer questions about" in run.message
    assert list(asking.output_dir.iterdir()) == []


def test_with_nothing_to_report_it_says_what_to_give(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    run = run_skill(registry, "report.html", {}, asking)
    assert run.outcome == "failed"
    assert "nothing to report" in run.message and '{"questions": [' in run.message


def test_a_blank_question_or_an_unknown_field_is_refused_by_name(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    blank = run_skill(registry, "report.html", {"questions": [ARR, "  "]}, asking)
    assert blank.outcome == "refused"
    assert "questions: Value error, a question is empty" in blank.message
    extra = run_skill(registry, "report.html", {"question": ARR}, asking)
    assert (
        extra.outcome == "refused" and "question: Extra inputs are not permitted" in extra.message
    )


def test_the_answers_acted_on_come_first_and_everything_is_escaped(
    registry: SkillRegistry, asking: SkillContext
) -> None:
    answer = asking.ask(ARR)
    assert answer.result is not None
    hostile = "</script><script>alert('x')</script>"
    frame = answer.result.frame.replace({"Mid-Market": hostile})
    acted_on = dataclasses.replace(
        answer,
        question=f"<b>{ARR}</b>",
        text=f"{answer.text} <img src=x onerror=alert(1)>",
        result=dataclasses.replace(answer.result, frame=frame),
    )
    run = run_skill(
        registry,
        "report.html",
        {"questions": [TICKETS], "title": "<i>Q4</i> & more"},
        dataclasses.replace(asking, answers=(acted_on,)),
    )
    page = _done(run).read_text(encoding="utf-8")
    assert "<title>&lt;i&gt;Q4&lt;/i&gt; &amp; more</title>" in page
    questions = re.findall(r'<h2 class="question"><span class="number">\d</span> (.*?)</h2>', page)
    assert questions == ["&lt;b&gt;What&#39;s our ARR by segment?&lt;/b&gt;", TICKETS]
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert hostile not in page and "<script>alert" not in page
    escaped = "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    assert f'<option value="{escaped}">{escaped}</option>' in page  # the filter's choice
    assert f'data-filter-0="{escaped}"' in page  # the row it keeps
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(\\u0027x\\u0027)" in page  # chart


def test_the_pdf_holds_the_same_sections_and_numbers_with_static_charts(
    registry: SkillRegistry, asking: SkillContext, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) are not installed")
    run = run_skill(registry, "report.pdf", {"questions": [ARR, TICKETS]}, asking)
    path = _done(run)
    assert path.suffix == ".pdf" and path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for shown in ("$6,092,810", "$1,427,050", "$327,790", "1,516", "2,002", "1,868"):
        assert shown in text
    assert "How this was computed" in text and "All" not in text.split()  # no filters
    assert "ARR by segment" in text  # the chart, drawn as SVG, keeps its text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 10_000


def test_a_file_name_is_a_plain_slug_of_the_title() -> None:
    assert slug("What's our ARR — by région?") == "whats-our-arr-by-region"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("¿?") == "report"
    assert len(slug("word " * 40)) <= 60


def test_the_report_code_names_nothing_of_the_demo() -> None:
    files = [
        ROOT / "skills" / "report.py",
        ROOT / "skills" / "report_sections.py",
        ROOT / "skills" / "report_render.py",
        *(ROOT / "skills" / "templates").glob("report*"),
    ]
    demo_words = re.compile(r"\b(arr|segment|tickets?|enterprise|okr_targets|channel)\b", re.I)
    for path in files:
        assert not demo_words.findall(path.read_text(encoding="utf-8")), path.name


def test_cortex_skill_run_writes_the_report_and_says_where(cortex: CliRunner) -> None:
    given = json.dumps({"questions": [ARR], "title": "ARR today"})
    code, out, err = run(cortex, "skill", "run", "report.html", "--input", given, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["outcome"] == "done" and shown["details"]["title"] == "ARR today"
    (path,) = shown["files"]
    assert Path(path).name.startswith("arr-today-") and Path(path).is_file()
