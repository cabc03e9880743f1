"""A report laid out from one autoescaping template: as an HTML page that works from a file with
no network, or as a PDF.

- `render_html(report)`: every section's chart is embedded with vega-embed, and vega, vega-lite
  and vega-embed themselves are inlined (`vl_convert.javascript_bundle`), so the page opens
  offline, from a Slack download or an e-mail; its own script sorts the tables and applies the
  reader's filters to the rows and the chart.
- `render_pdf(report)`: the same sections through WeasyPrint, each chart a static SVG drawn by
  vl-convert and embedded as a data URI; no script, no filters; nothing is fetched.

Every value reaches the page through jinja2's autoescaping; specs go in as JSON that cannot close
their `<script>` (`|tojson`).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import vl_convert
from markupsafe import Markup

from cortex.answers.chart import ChartError
from skills.report_sections import CHART_PICK, Section

__all__ = ["Report", "render_html", "render_pdf", "slug"]

_TEMPLATES = Path(__file__).parent / "templates"
#: The font the PDF's charts are drawn and measured in: vl-convert lays the labels out with it
#: and WeasyPrint draws them with it, so they fit (with "sans-serif" the two pick different
#: fonts and long labels run into the axis title). DejaVu is fontconfig's own default.
_PDF_CHART_FONT = "DejaVu Sans"


@dataclass(frozen=True)
class Report:
    """What a report holds: its title, its sections in order, the as-of day and for whom."""

    title: str
    sections: tuple[Section, ...]
    as_of: date
    prepared_for: str


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _vl_version() -> str | None:
    """The Vega-Lite version altair writes specs for, when vl-convert bundles it."""
    found = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    if found is None:
        return None
    version = f"{found[1]}.{found[2]}"
    return version if version in vl_convert.get_vegalite_versions() else None


@cache
def vega_script() -> str:
    """vega, vega-lite and vega-embed as one script that sets `window.vegaEmbed` (bundled once
    per process: it takes vl-convert a second or two). `</script` cannot appear in it: were it
    ever there, it is written `<\\/script`, the same text to JavaScript."""
    bundle = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;", _vl_version())
    return re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)


def _svg_uri(spec: dict[str, Any]) -> str:
    """A chart as a static SVG data URI, drawn offline; no external data is fetched."""
    fonted = {**spec, "config": {**spec.get("config", {}), "font": _PDF_CHART_FONT}}
    try:
        svg = vl_convert.vegalite_to_svg(fonted, vl_version=_vl_version(), allowed_base_urls=[])
    except Exception as exc:  # vl-convert raises plain ValueErrors, and panics as others
        raise ChartError(f"Could not draw a report chart as SVG: {exc}") from exc
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(report: Report) -> str:
    """`report` as one self-contained HTML page: interactive charts, sortable tables, filters."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        interactive=True,
        images={},
        pick=CHART_PICK,
        vega=Markup(vega_script()),
    )


def render_pdf(report: Report) -> tuple[bytes, str]:
    """`report` as PDF bytes, and the page they were printed from: the same sections, static
    SVG charts, no script or filters."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no types
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    images = {
        index: _svg_uri(section.chart)
        for index, section in enumerate(report.sections)
        if section.chart is not None
    }
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(report=report, interactive=False, images=images, pick=CHART_PICK, vega="")
    )
    offline = URLFetcher(allowed_protocols={"data"})  # the charts' data URIs, nothing else
    pdf: bytes = HTML(string=page, url_fetcher=offline).write_pdf()
    return pdf, page


def slug(text: str, *, longest: int = 60) -> str:
    """`text` as a file name's stem: ASCII letters and digits joined by dashes, at most
    `longest` characters, apostrophes dropped (`what's` -> `whats`); `report` when nothing
    is left."""
    text = re.sub(r"['’]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    stem = "-".join(words)[:longest].strip("-")
    return stem or "report"
