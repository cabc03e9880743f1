"""A brief as HTML (one jinja2 template, autoescaped) and as PDF (that HTML through WeasyPrint).

Charts are the answers' charts (`cortex.answers.chart.chart_spec`), drawn small without their
titles (the tile names the metric), rendered to PNG offline by vl-convert and embedded as data
URIs, so the HTML is one self-contained file and the PDF holds each chart as an image.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cortex.answers.chart import chart_spec, render_png
from cortex.answers.formatting import format_value, provenance_points
from cortex.answers.wording import day_text
from semantic_layer.model import SemanticModel
from skills.brief.findings import Finding, top_fits
from skills.brief.gather import BriefData, Tile

__all__ = ["brief_html", "brief_pdf", "chart_uri", "finding_text"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_CHART_WIDTH = 190
_CHART_HEIGHT = 70


def _untitled(node: Any) -> None:
    """Drop the chart's titles in place: the tile around it names the metric and the months."""
    if isinstance(node, dict):
        node.pop("title", None)
        for value in node.values():
            _untitled(value)
        encoding = node.get("encoding")
        for key in ("x", "y"):
            channel = encoding.get(key) if isinstance(encoding, dict) else None
            if isinstance(channel, dict):
                channel["title"] = None
                if isinstance(channel.get("axis"), dict):
                    channel["axis"]["title"] = None
    elif isinstance(node, list):
        for value in node:
            _untitled(value)


def chart_uri(tile: Tile, model: SemanticModel) -> str | None:
    """The tile's monthly trend as a small PNG data URI, or None when there is nothing to draw."""
    if tile.trend is None or tile.trend_query is None:
        return None
    spec = chart_spec(tile.trend_query, tile.trend, model)
    if spec is None:
        return None
    _untitled(spec)
    spec["width"], spec["height"] = _CHART_WIDTH, _CHART_HEIGHT
    config = spec.setdefault("config", {})
    config["axis"] = {"labelFontSize": 9, "tickCount": 4}
    config["view"] = {"stroke": None}
    png = render_png(spec, scale=2.0)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _count(value: float) -> str:
    return format_value(round(value), "number") if value >= 10 else f"{value:.1f}"


def finding_text(finding: Finding, *, gap: bool) -> str:
    """A finding in one sentence, sized per month in the rate's own units."""
    rate = format_value(finding.rate, "percent")
    company = (
        format_value(finding.company_rate, "percent") if finding.company_rate is not None else "–"
    )
    head = (
        f"{_count(finding.monthly_volume)} {finding.volume_label} a month with "
        f"{finding.dimension_label} {finding.value}: {finding.rate_label} {rate} here"
    )
    if gap:
        return f"{head} ({company} company-wide)."
    gain = (
        f"; at the company's rate, about {_count(finding.monthly_gain)} more "
        f"{finding.gain_label} a month"
        if finding.monthly_gain
        else ""
    )
    return f"{head} vs {company} company-wide{gain}."


def brief_html(data: BriefData, model: SemanticModel, *, for_print: bool = False) -> str:
    """The brief as one self-contained HTML page (the stylesheet inlined, charts embedded)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    template = environment.get_template("brief.html.j2")
    areas = [
        (figures, [(tile, chart_uri(tile, model)) for tile in figures.tiles])
        for figures in data.areas
    ]
    return template.render(
        data=data,
        entity=data.entity,
        as_of=day_text(data.computed[0].compiled.provenance.as_of) if data.computed else "",
        areas=areas,
        points=provenance_points,
        one_line=lambda sql: " ".join(sql.split()),
        gaps=[finding_text(f, gap=True) for f in data.gaps],
        fits=[finding_text(f, gap=False) for f in top_fits(data.fits)],
        css=(TEMPLATES / "brief.css").read_text(encoding="utf-8"),
        for_print=for_print,
    )


def brief_pdf(html: str, path: Path) -> Path:
    """`html` printed to a PDF at `path` by WeasyPrint (no browser)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy: loaded when needed

    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(path)
    return path
