"""`report.html` and `report.pdf`: one report of several answers, written to a file.

The sections are the answers acted on (`context.answers`, oldest first), then the answers to
`questions`, each asked through the governed pipeline as the requester (`context.ask`). Each
section shows the question, the narrative, the chart, the table and how it was computed; a
question that got no numbers keeps its section, which says why, and the run says which.

- `report.html` writes one self-contained page: interactive charts, sortable tables, filters;
  it opens from the file with no network (nothing to fetch, all script inlined).
- `report.pdf` writes the same sections as a PDF (static charts, no filters), for the
  analysts' skills whose output is a document.

Both write `<title as a slug>-<short hash>.html|pdf` under the output folder; the same report
of the same data is the same file. Neither writes outside Cortex.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from cortex.answer import Answer
from skills.base import Skill, SkillContext, SkillError, SkillInput, SkillResult
from skills.report_render import Report, render_html, render_pdf, slug
from skills.report_sections import Section, report_section

__all__ = ["MAX_QUESTIONS", "ReportHtml", "ReportInput", "ReportPdf", "build_report"]

MAX_QUESTIONS = 12


class ReportInput(SkillInput):
    """What a report is made of: questions to ask (and/or the answers acted on) and a title."""

    questions: list[str] = Field(
        default=[],
        max_length=MAX_QUESTIONS,
        description="Questions to answer, one section each, after the answers acted on.",
    )
    title: str | None = Field(
        default=None,
        max_length=200,
        description="The report's title; by default its first question.",
    )

    @field_validator("questions")
    @classmethod
    def _questions_said(cls, questions: list[str]) -> list[str]:
        stripped = [question.strip() for question in questions]
        if any(not question for question in stripped):
            raise ValueError("a question is empty: write each question, or leave it out")
        return stripped

    @field_validator("title")
    @classmethod
    def _title_said(cls, title: str | None) -> str | None:
        return (title.strip() or None) if title is not None else None


def _title(given: ReportInput, sections: tuple[Section, ...]) -> str:
    if given.title:
        return given.title
    first = sections[0].question
    more = len(sections) - 1
    return first if more == 0 else f"{first} (and {more} more)"


def _answers(context: SkillContext, given: ReportInput) -> list[Answer]:
    if not context.answers and not given.questions:
        raise SkillError(
            "There is nothing to report: no question was given and no answer is being acted on.",
            hint='Give questions, as {"questions": ["<a question>", ...]}, or run it on an answer.',
        )
    return [*context.answers, *(context.ask(question) for question in given.questions)]


def build_report(context: SkillContext, given: ReportInput) -> Report:
    """The report of `given`: a section per answer; a `SkillError` when none has numbers."""
    model = context.workspace.model
    sections = tuple(report_section(answer, model) for answer in _answers(context, given))
    if not any(section.has_numbers for section in sections):
        reasons = " ".join(f"“{s.question}”: {s.problem}" for s in sections)
        raise SkillError(
            f"No question got numbers, so there is no report. {reasons}",
            hint="Rephrase the questions (`cortex metrics` lists what Cortex knows).",
        )
    requester = context.requester
    return Report(
        title=_title(given, sections),
        sections=sections,
        as_of=context.settings.as_of,
        prepared_for=requester.user_name or requester.user_id,
    )


def _write(folder: Path, report: Report, suffix: str, content: bytes, key: bytes) -> Path:
    """Write `content` as `<slug>-<short hash of key>.<suffix>` under `folder`."""
    path = folder / f"{slug(report.title)}-{hashlib.sha256(key).hexdigest()[:10]}.{suffix}"
    path.write_bytes(content)
    return path


def _summary(report: Report, path: Path, kind: str) -> SkillResult:
    missing = [s for s in report.sections if not s.has_numbers]
    shown = len(report.sections) - len(missing)
    text = (
        f"Wrote the {kind} “{report.title}” ({shown} of {len(report.sections)} sections with "
        f"numbers): {path.name}."
    )
    for section in missing:
        text += f"\nNo numbers for “{section.question}”: {section.problem}"
    details = {
        "path": str(path),
        "title": report.title,
        "sections": [
            {
                "question": s.question,
                "rows": len(s.rows),
                "chart": s.chart is not None,
                "filters": [f.label for f in s.filters],
                "problem": s.problem,
            }
            for s in report.sections
        ],
    }
    return SkillResult(text=text, files=(path,), details=details)


class _ReportSkill(Skill[ReportInput]):
    """What both report skills share: the input, the sections, the file; not the format."""

    input_model = ReportInput
    writes_outside: ClassVar[bool] = False
    kind: ClassVar[str]
    suffix: ClassVar[str]

    def request_input(self, subject: str | None) -> dict[str, object]:
        """A report of the answer in the thread ("this"), or of the question asked about."""
        if subject is None or subject.lower() in ("this", "that", "it", "these", "them"):
            return {}
        return {"questions": [subject]}

    def run(self, context: SkillContext, given: ReportInput) -> SkillResult:
        report = build_report(context, given)
        content, key = self.render(report)
        path = _write(context.output_dir, report, self.suffix, content, key)
        return _summary(report, path, self.kind)

    @abstractmethod
    def render(self, report: Report) -> tuple[bytes, bytes]:
        """The file's content, and the bytes that name it (the same report, the same name)."""


class ReportHtml(_ReportSkill):
    """A self-contained HTML report: interactive charts, sortable tables and filters, offline."""

    name = "report.html"
    description = (
        "Write a self-contained HTML report of one or several questions (and the answers acted "
        "on): a section each with the narrative, an interactive chart, a sortable table the "
        "reader can filter, and how the numbers were computed. Opens offline from the file."
    )
    kind = "report"
    suffix = "html"
    button = "HTML report"
    #: "make a report of revenue by region", "give me an interactive report on churn"
    requests = (
        r"\b(?:make|build|create|generate|give|prepare|send|write|draw up)\b(?: me| us)?"
        r" (?:a |an |the )?(?:html |interactive |short |quick )?report\b"
        r"(?: (?:of|on|for|about|with|showing) (?P<subject>.+))?",
    )

    def render(self, report: Report) -> tuple[bytes, bytes]:
        page = render_html(report).encode("utf-8")
        return page, page


class ReportPdf(_ReportSkill):
    """The same report as a PDF: static charts, no filters."""

    name = "report.pdf"
    description = (
        "Write the report of one or several questions (and the answers acted on) as a PDF: a "
        "section each with the narrative, the chart, the table and how the numbers were computed."
    )
    kind = "PDF report"
    #: "make a PDF report of revenue by region", "send me the report as a PDF"
    requests = (
        r"\b(?:make|build|create|generate|give|prepare|send|write|draw up)\b(?: me| us)?"
        r" (?:a |an |the )?pdf report\b(?: (?:of|on|for|about|with|showing) (?P<subject>.+))?",
        r"\breport\b(?: (?:of|on|for|about) (?P<subject>.+?))? as (?:a )?pdf\b",
    )
    suffix = "pdf"

    def render(self, report: Report) -> tuple[bytes, bytes]:
        """The PDF, named by the page it is printed from: the PDF itself holds the time it was
        made, so the same report would otherwise never be the same file."""
        pdf, page = render_pdf(report)
        return pdf, page.encode("utf-8")
