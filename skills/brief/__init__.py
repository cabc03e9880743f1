"""`brief.pdf`: the full picture of one entity (a merchant on the demo) as a PDF or HTML brief.

The brief is driven by the model alone: the entity is a value of a table's `name_dimension`
(`entity`); its sections are the areas whose metrics that table filters, their breakdowns and
rates (`outline`); every number is a governed query run as the requester (`gather`); coverage
gaps and product fit are read off the rates (`findings`); one template renders it as HTML,
WeasyPrint prints that to PDF (`render`). The file goes to the output folder as
`brief-<slug>.pdf` (or `.html`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from cortex.knowledge.values import build_value_index
from skills.base import Skill, SkillContext, SkillInput, SkillResult
from skills.brief.entity import resolve_entity
from skills.brief.findings import top_fits
from skills.brief.gather import BriefData, gather
from skills.brief.outline import outline
from skills.brief.render import brief_html, brief_pdf, finding_text

__all__ = ["BriefInput", "BriefSkill", "slug"]

DEFAULT_PERIOD = "last 12 months"


class BriefInput(SkillInput):
    """Whose brief, over which period, as which file."""

    name: str = Field(
        min_length=1,
        description="The name of the one the brief is about, as people write it "
        "(e.g. a merchant's name); case and small typos are forgiven.",
    )
    period: str | None = Field(
        default=None,
        description="The period the figures cover, e.g. 'last 12 months', 'this quarter', "
        "'2026'. Defaults to the last 12 months; trends always show the last 12 months.",
    )
    format: Literal["pdf", "html"] = Field(
        default="pdf", description="'pdf' (the default) or 'html' for the same brief as a page."
    )


def slug(text: str) -> str:
    """A file-name-safe form of a name: `Mint Bridge Co.` -> `mint-bridge-co`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brief"


def _summary(data: BriefData) -> str:
    entity = data.entity
    metrics = sum(len(figures.tiles) for figures in data.areas)
    first = (
        f"Brief on {entity.label} {entity.value}: {metrics} metrics in {len(data.areas)} "
        f"areas, {data.period}."
    )
    fits = top_fits(data.fits)
    if fits:
        second = "Top product fit: " + finding_text(fits[0], gap=False)
    elif data.gaps:
        second = f"{len(data.gaps)} coverage gaps; no rate is well below the company's."
    else:
        second = "No coverage gap or product-fit suggestion in the data."
    return f"{first}\n{second}"


#: What people say before a name: an article and a common noun for who it is.
_BEFORE_A_NAME = re.compile(
    r"^(?:(?:the|our|a|an)\s+)?(?:(?:merchant|account|customer|client|company|brand)s?\s+)?",
    re.IGNORECASE,
)


class BriefSkill(Skill[BriefInput]):
    """Writes the brief of one entity: its profile, each area's metrics with a monthly chart
    and breakdowns, coverage gaps, product-fit suggestions, and how each number was computed."""

    name = "brief.pdf"
    description = (
        "Write a PDF brief (or HTML) with the full picture of one merchant or other named "
        "entity: profile, every metric it filters with a 12-month trend chart, breakdowns, "
        "coverage gaps and product-fit suggestions against company-wide rates."
    )
    input_model = BriefInput
    writes_outside = False
    #: "brief on Dawn Thread Living", "the full picture of merchant X", "account brief for X"
    requests = (
        r"\bbrief(?:ing)? (?:on|for|about) (?P<subject>.+)",
        r"\bfull picture (?:of|on|for) (?P<subject>.+)",
    )

    def request_input(self, subject: str | None) -> dict[str, object]:
        """The name asked about, without the words people put before a name ("merchant X")."""
        name = _BEFORE_A_NAME.sub("", subject or "").strip(" '\"")
        return {"name": name} if name else {}

    def run(self, context: SkillContext, given: BriefInput) -> SkillResult:
        """Resolve the name, gather the figures, render the file; raises SkillError."""
        workspace = context.workspace
        index = build_value_index(workspace.model, workspace.warehouse)
        entity = resolve_entity(given.name, workspace.model, index)
        areas = outline(workspace.model, entity.table, index)
        data = gather(context, entity, areas, given.period or DEFAULT_PERIOD)
        html = brief_html(data, workspace.model, for_print=given.format == "pdf")
        path = context.output_dir / f"brief-{slug(entity.value)}.{given.format}"
        if given.format == "pdf":
            brief_pdf(html, path)
        else:
            path.write_text(html, encoding="utf-8")
        fits = top_fits(data.fits)
        return SkillResult(
            text=_summary(data),
            files=(path,),
            details={
                "entity": {"table": entity.table.name, "name": entity.value},
                "period": data.period,
                "areas": [figures.area.title for figures in data.areas],
                "metrics": [t.metric.name for figures in data.areas for t in figures.tiles],
                "coverage_gaps": len(data.gaps),
                "product_fits": [
                    {
                        "rate": f.rate_label,
                        "dimension": f.dimension_label,
                        "value": f.value,
                        "rate_here": f.rate,
                        "rate_company": f.company_rate,
                        "monthly_gain": f.monthly_gain,
                    }
                    for f in fits
                ],
                "queries": len(data.computed),
                "left_out": data.left_out,
                "format": given.format,
            },
        )
