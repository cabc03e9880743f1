"""The templates of a YAML skill: one sandboxed jinja2 environment, and what a template names.

A template is compiled in a `SandboxedEnvironment` (no attribute starting with `_`, no unsafe
call) with `StrictUndefined`, so a name that is not given fails instead of rendering as "".
`parse` turns a syntax error into (line inside the template, message); `names_used` lists the
variables a template reads that it does not set itself, each with its first line, so the loader
can say `file:line: unknown name 'segmnt'. Did you mean 'segment'?`; `calls` lists the
`query.method('metric', dimension=...)` calls whose metric and dimensions the loader checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["ENVIRONMENT", "Call", "calls", "has_template", "names_used", "parse"]

#: The environment every YAML skill template is compiled and rendered in.
ENVIRONMENT: Final = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)


def has_template(text: str) -> bool:
    """Whether `text` holds template syntax (`{{ }}`, `{% %}`)."""
    return "{{" in text or "{%" in text


def parse(source: str) -> nodes.Template | tuple[int, str]:
    """The template's syntax tree, or (its 1-based line, the message) when it does not parse."""
    try:
        return ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        return (error.lineno or 1, error.message or "the template does not parse")


def names_used(tree: nodes.Template) -> dict[str, int]:
    """The variables `tree` reads without setting them, each with the line it is first read."""
    undeclared = meta.find_undeclared_variables(tree)
    lines: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.name in undeclared and node.ctx == "load":
            lines.setdefault(node.name, node.lineno)
    return lines


@dataclass(frozen=True)
class Call:
    """`target.method(first, key=...)` in a template: `first` when it is a string constant."""

    target: str
    method: str
    first: str | None
    keywords: tuple[str, ...]
    line: int


def calls(tree: nodes.Template) -> list[Call]:
    """Every call of a method on a plain variable (`week.value('csat', channel='email')`)."""
    found = []
    for node in tree.find_all(nodes.Call):
        called = node.node
        if not (isinstance(called, nodes.Getattr) and isinstance(called.node, nodes.Name)):
            continue
        first = node.args[0] if node.args else None
        constant = first.value if isinstance(first, nodes.Const) else None
        found.append(
            Call(
                called.node.name,
                called.attr,
                constant if isinstance(constant, str) else None,
                tuple(keyword.key for keyword in node.kwargs),
                node.lineno,
            )
        )
    return found
