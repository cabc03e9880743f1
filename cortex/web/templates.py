"""The site's pages, rendered on the server from jinja2 templates that escape every value."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import jinja2

__all__ = ["render"]

_TEMPLATES: Final = Path(__file__).resolve().parent / "templates"

_ENVIRONMENT: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,  # every value is escaped: questions, answers and names are text, never HTML
    undefined=jinja2.StrictUndefined,  # a value a template expects and lacks is a bug, not ""
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    """The HTML of `template` with `context`."""
    return _ENVIRONMENT.get_template(template).render(**context)
