"""Check a read `SkillSpec` against the semantic model, the other skills and its templates.

Every problem is an `Issue` at `file:line`, with a "Did you mean" where a name is close to one
that exists: a metric, dimension, named filter or input a query names that does not exist; a
template that does not parse (the template's line mapped to the file's), or reads a name that
is neither an input nor a query; a narrative asking a query for a metric or dimension it does
not return; an `output` naming no skill, or an input that skill refuses. Each query is also
built with sample inputs and compiled by the semantic layer, so a query the layer would refuse
when the skill runs is reported when it is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from jinja2 import nodes
from pydantic import ValidationError

from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.errors import Issue, SemanticLayerError, did_you_mean
from semantic_layer.model import SemanticModel
from semantic_layer.query import OrderBy, parse_where
from skills.authored.inputs import sample_inputs
from skills.authored.results import VIEW_ATTRIBUTES, VIEW_METRIC_METHODS
from skills.authored.spec import THREAD, QueryTemplate, SkillSpec
from skills.authored.templates import calls, has_template, names_used, parse
from skills.registry import SkillRegistry
from skills.runner import input_problems

__all__ = ["check_skill"]

_METRIC_TIME = "metric_time"


def check_skill(
    spec: SkillSpec, model: SemanticModel, registry: SkillRegistry, *, as_of: date
) -> list[Issue]:
    """Every problem of `spec` against `model` and the skills of `registry` (its outputs)."""
    checker = _Checker(spec, model)
    checker.inputs()
    compiled = {q.id: c for q in spec.queries if (c := checker.query(q, as_of)) is not None}
    checker.narrative(compiled)
    checker.output(registry)
    return checker.issues


def _dimensions(model: SemanticModel) -> list[str]:
    names = [d.name for t in model.tables for d in t.dimensions]
    return [
        _METRIC_TIME,
        *names,
        *(f"{t.name}.{d.name}" for t in model.tables for d in t.dimensions),
    ]


class _Checker:
    def __init__(self, spec: SkillSpec, model: SemanticModel) -> None:
        self.spec = spec
        self.model = model
        self.issues: list[Issue] = []
        self.input_names = [i.name for i in spec.inputs]
        self.samples = sample_inputs(spec.inputs)

    def error(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", self.spec.file, line, path, message, hint))

    def unknown(self, line: int, path: str, kind: str, name: str, known: Iterable[str]) -> None:
        names = list(known)
        hints = {
            "name": f"A template here reads: {', '.join(sorted(names))}.",
            "input": f"Inputs: {', '.join(names) or '(none declared)'}.",
        }
        hint = hints.get(kind, "See `cortex metrics` for the metrics and dimensions.")
        self.error(line, path, f"unknown {kind} '{name}'.{did_you_mean(name, names)}", hint)

    def dimension_known(self, name: str) -> bool:
        base = name.partition(":")[0].strip()
        return base == _METRIC_TIME or self.model.dimension(base) is not None

    def inputs(self) -> None:
        for spec in self.spec.inputs:
            if spec.dimension is not None and not self.dimension_known(spec.dimension):
                path = f"inputs.{spec.name}.dimension"
                self.unknown(spec.line, path, "dimension", spec.dimension, _dimensions(self.model))

    def template(
        self, text: str, line: int, path: str, known: Iterable[str]
    ) -> nodes.Template | None:
        """The template `text` (starting on `line`) when it parses; each name it reads that
        is not in `known` is reported."""
        tree = parse(text)
        if isinstance(tree, tuple):
            inner, message = tree
            message = message.rstrip(".")
            self.error(line + inner - 1, path, f"the template does not parse: {message}.")
            return None
        allowed = set(known)
        for name, inner in names_used(tree).items():
            if name not in allowed:
                self.unknown(line + inner - 1, path, "name", name, allowed)
        return tree

    def query(self, query: QueryTemplate, as_of: date) -> CompiledQuery | None:
        """Check `query`'s names and templates, then compile it with the sample inputs."""
        before = len(self.issues)
        path = f"queries.{query.id}"
        known = {
            "metrics": ("metric", [m.name for m in self.model.metrics]),
            "named_filters": ("named filter", [f.name for f in self.model.filters]),
        }
        for key, value in query.fields.items():
            for item, line in zip(_listed(value), _lines(query, key), strict=False):
                if not isinstance(item, str) or not has_template(item):
                    self.name(key, item, line, f"{path}.{key}", known)
                else:
                    self.template(item, line, f"{path}.{key}", [*self.input_names, "as_of"])
        for spec in query.filters:
            if not self.dimension_known(spec.field):
                self.unknown(
                    spec.line, f"{path}.filters", "dimension", spec.field, _dimensions(self.model)
                )
            if spec.input is not None and spec.input not in self.input_names:
                self.unknown(spec.line, f"{path}.filters", "input", spec.input, self.input_names)
        for text, line in query.where:
            try:
                parse_where(text)
            except SemanticLayerError as error:
                self.error(line, f"{path}.where", str(error))
        if len(self.issues) > before:
            return None
        try:
            built = query.build({**self.samples, "as_of": as_of})
            return compile_query(built, self.model, as_of=as_of)
        except SemanticLayerError as error:
            self.error(query.line, path, f"the semantic layer refuses this query: {error}")
        except ValueError as error:  # a filter value that does not fit its operator
            self.error(query.line, path, f"the query is not valid: {error}")
        return None

    def name(
        self,
        key: str,
        item: object,
        line: int,
        path: str,
        known: Mapping[str, tuple[str, list[str]]],
    ) -> None:
        text = str(item)
        if key in known:
            kind, names = known[key]
            if text not in names:
                self.unknown(line, path, kind, text, names)
        elif key == "dimensions" and not self.dimension_known(text):
            self.unknown(line, path, "dimension", text, _dimensions(self.model))
        elif key == "order_by":
            OrderBy.parse(text)  # its column is checked by compiling

    def narrative(self, compiled: Mapping[str, CompiledQuery]) -> None:
        spec = self.spec
        queries = [q.id for q in spec.queries]
        known = [*self.input_names, *queries, "as_of", "skill"]
        tree = self.template(spec.narrative, spec.narrative_line, "narrative", known)
        if tree is None:
            return
        first = spec.narrative_line - 1
        for node in tree.find_all(nodes.Getattr):
            on_query = isinstance(node.node, nodes.Name) and node.node.name in queries
            if on_query and node.attr not in VIEW_ATTRIBUTES:
                self.error(
                    first + node.lineno,
                    "narrative",
                    f"a query has no '{node.attr}'.{did_you_mean(node.attr, VIEW_ATTRIBUTES)}",
                    f"A query gives: {', '.join(sorted(VIEW_ATTRIBUTES))}.",
                )
        for call in calls(tree):
            result = compiled.get(call.target)
            if result is None or call.method not in VIEW_METRIC_METHODS:
                continue
            metrics = [c.name for c in result.columns if c.kind == "metric"]
            dimensions = [c.name for c in result.columns if c.kind == "dimension"]
            if call.first is not None and call.first not in metrics:
                self.error(
                    first + call.line,
                    "narrative",
                    f"the query '{call.target}' has no metric '{call.first}'."
                    f"{did_you_mean(call.first, metrics)}",
                    f"It returns: {', '.join(metrics)}.",
                )
            for keyword in call.keywords:
                if keyword not in dimensions and call.method != "top":
                    self.error(
                        first + call.line,
                        "narrative",
                        f"the query '{call.target}' has no dimension '{keyword}'."
                        f"{did_you_mean(keyword, dimensions)}",
                    )

    def output(self, registry: SkillRegistry) -> None:
        output = self.spec.output
        if output.is_thread:
            if output.input:
                self.error(output.line, "output", "`thread` takes no input.")
            return
        if output.skill not in registry.names:
            self.error(
                output.line,
                "output",
                f"there is no skill '{output.skill}' to send the result to."
                f"{did_you_mean(output.skill, [THREAD, *registry.names])}",
                f"Use `thread` or one of: {', '.join(registry.names) or '(no skill yet)'}.",
            )
            return
        skill = registry.get(output.skill)
        known = [*self.input_names, "as_of", "skill", "narrative"]
        before = len(self.issues)
        for text in _strings(output.input):
            self.template(text, output.line, "output.input", known)
        if len(self.issues) > before:
            return
        values = {**self.samples, "as_of": date(2000, 1, 1), "skill": self.spec.name}
        try:
            given = output.build_input({**values, "narrative": "(the narrative)"})
            skill.input_model.model_validate(given)
        except ValidationError as error:
            self.error(
                output.line,
                "output.input",
                f"{skill.name} refuses this input: {input_problems(error)}.",
                f"See `cortex skill list --json` for the input {skill.name} takes.",
            )


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _lines(query: QueryTemplate, key: str) -> list[int]:
    lines = list(query.item_lines.get(key, ()))
    return lines or [query.field_lines.get(key, query.line)] * len(_listed(query.fields[key]))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if has_template(value) else []
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []
