"""Read one YAML skill file into a `SkillSpec`, reporting every problem of its shape.

Like the metrics.yml loader, it reads with the line-stamped loader and reports every problem
as an `Issue` at `file:line`: YAML syntax, unknown keys (with the accepted keys and a "Did you
mean"), missing keys, values of the wrong kind, bad names and input types. What the file names
(metrics, dimensions, other skills) and its templates are checked by `skills.authored.checks`.
`read_skill_file` returns what could be read even when the file has errors (so the checks can
report the rest too); None only when it is no YAML mapping at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final, get_args

import yaml

from semantic_layer.errors import Issue, did_you_mean
from semantic_layer.yaml_lines import (
    LineLoader,
    LineMap,
    LineSeq,
    display_path,
    plain_data,
    read_text,
    short_repr,
    syntax_issue,
)
from skills.authored.inputs import INPUT_TYPES, InputSpec, InputType, default_problem
from skills.authored.spec import THREAD, FilterSpec, OutputSpec, QueryTemplate, SkillSpec

__all__ = ["read_skill_file"]

_TOP: Final = ("name", "description", "roles", "inputs", "queries", "narrative", "output")
_REQUIRED: Final = ("name", "description", "queries", "narrative")
_INPUT: Final = (
    "type",
    "description",
    "default",
    "required",
    "minimum",
    "maximum",
    "choices",
    "dimension",
)
_QUERY: Final = (
    "id",
    "title",
    "metrics",
    "dimensions",
    "filters",
    "where",
    "named_filters",
    "time_range",
    "compare",
    "order_by",
    "limit",
)
_LISTS: Final = ("metrics", "dimensions", "named_filters", "order_by")
_FILTER: Final = ("field", "op", "value", "values", "input")
_OUTPUT: Final = ("skill", "input")
_SKILL_NAME: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Names every template may read besides the inputs (and, in the narrative, the queries).
RESERVED: Final = frozenset({"as_of", "skill", "narrative"})


def read_skill_file(path: Path) -> tuple[SkillSpec | None, list[Issue]]:
    """The skill `path` declares, as far as it could be read, and every problem found."""
    file = display_path(path)
    text = read_text(path, file)
    if isinstance(text, Issue):
        return None, [text]
    try:
        data = yaml.load(text, Loader=LineLoader)  # noqa: S506 - a SafeLoader with line numbers
    except yaml.YAMLError as error:
        return None, [syntax_issue(file, error)]
    reader = _Reader(file, text)
    if not isinstance(data, LineMap):
        reader.error(1, "skill", "the file must be a mapping of keys (name, description, ...).")
        return None, reader.issues
    return reader.skill(data), reader.issues


class _Reader:
    """The issues of one file, and how each part of it is read."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.issues: list[Issue] = []

    def error(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", self.file, line, path, message, hint))

    def duplicates(self, raw: LineMap, path: str) -> None:
        for key, line, first in raw.duplicates:
            self.error(line, path, f"'{key}' is given twice (first on line {first}).")

    def keys(self, raw: LineMap, accepted: tuple[str, ...], path: str) -> None:
        self.duplicates(raw, path)
        for key in raw:
            if key not in accepted:
                self.error(
                    raw.key_lines.get(key, raw.line),
                    path,
                    f"unknown key '{key}'.{did_you_mean(str(key), accepted)}",
                    f"Accepted keys: {', '.join(accepted)}.",
                )

    def text(self, raw: LineMap, key: str, path: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(
                raw.key_lines[key], f"{path}.{key}", f"must be text, not {short_repr(value)}."
            )
            return None
        return str(value)

    def skill(self, data: LineMap) -> SkillSpec:
        self.keys(data, _TOP, "skill")
        for key in _REQUIRED:
            if data.get(key) in (None, ""):
                self.error(data.line, "skill", f"'{key}' is missing.", _hint(key))
        name = self.text(data, "name", "skill") or ""
        if name and not _SKILL_NAME.fullmatch(name):
            self.error(
                data.key_lines["name"],
                "skill.name",
                f"'{name}' is not a skill name.",
                "Use lowercase words with _ and dots, e.g. support.weekly_review.",
            )
        description = self.text(data, "description", "skill") or ""
        inputs = self.inputs(data.get("inputs"), data.key_lines.get("inputs", data.line))
        queries = self.queries(data.get("queries"), data.key_lines.get("queries", data.line))
        names = [spec.name for spec in inputs] + [query.id for query in queries]
        for taken in sorted({n for n in names if names.count(n) > 1} | (set(names) & RESERVED)):
            self.error(
                data.line,
                "skill",
                f"'{taken}' names two things (inputs and query ids share one namespace, and "
                f"{', '.join(sorted(RESERVED))} are given to every template).",
                "Rename one of them.",
            )
        narrative = self.text(data, "narrative", "skill") or ""
        output = self.output(data.get("output", THREAD), data.key_lines.get("output", data.line))
        roles = self.roles(data.get("roles"), data.key_lines.get("roles", data.line))
        return SkillSpec(
            name=name,
            description=description.strip(),
            file=self.file,
            line=data.key_lines.get("name", data.line),
            inputs=tuple(inputs),
            queries=tuple(queries),
            narrative=narrative,
            narrative_line=self._content_line(data.key_lines.get("narrative", data.line)),
            output=output,
            roles=roles,
        )

    def _content_line(self, key_line: int) -> int:
        """The file line of a value's first line: the next one for a block scalar (`|`)."""
        after = self.lines[key_line - 1].split(":", 1)[-1].strip() if self.lines else ""
        return key_line + 1 if after[:1] in ("|", ">") else key_line

    def roles(self, raw: object, line: int) -> frozenset[str] | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(r, str) and r for r in raw):
            self.error(
                line, "skill.roles", "must be a list of role names.", "e.g. roles: [analyst]"
            )
            return None
        return frozenset(raw)

    def inputs(self, raw: object, line: int) -> list[InputSpec]:
        if raw is None:
            return []
        if not isinstance(raw, LineMap):
            self.error(line, "inputs", "must be a mapping of input names to their definitions.")
            return []
        self.duplicates(raw, "inputs")
        found = []
        for name, body in raw.items():
            at = raw.key_lines[name]
            path = f"inputs.{name}"
            if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
                self.error(at, path, f"'{name}' is not an input name.", "Use letters, digits, _.")
                continue
            if not isinstance(body, LineMap):
                self.error(at, path, "must be a mapping, e.g. {type: integer, default: 1}.")
                continue
            spec = self.input(name, body, path)
            if spec is not None:
                found.append(spec)
        return found

    def input(self, name: str, body: LineMap, path: str) -> InputSpec | None:
        self.keys(body, _INPUT, path)
        kind = body.get("type")
        kinds = get_args(InputType)
        if kind not in INPUT_TYPES:
            where = body.key_lines.get("type", body.line)
            shown = "no type" if kind is None else f"unknown type {short_repr(kind)}"
            self.error(
                where,
                f"{path}.type",
                f"{shown}.{did_you_mean(str(kind), kinds) if kind else ''}",
                f"Types: {', '.join(kinds)}.",
            )
            return None
        bounds = {}
        for key in ("minimum", "maximum"):
            value = body.get(key)
            if value is not None and (
                not isinstance(value, int | float) or isinstance(value, bool)
            ):
                self.error(body.key_lines[key], f"{path}.{key}", f"must be a number: {value!r}.")
            elif value is not None:
                bounds[key] = float(value)
        choices = body.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            self.error(body.key_lines["choices"], f"{path}.choices", "must be a list of text.")
            choices = []
        dimension = body.get("dimension")
        if kind == "value" and not isinstance(dimension, str):
            self.error(
                body.line,
                path,
                "a value input needs `dimension:`, the dimension it is a value of.",
                "e.g. {type: value, dimension: segment}",
            )
        required = body.get("required", True)
        if not isinstance(required, bool):
            self.error(body.key_lines["required"], f"{path}.required", "must be true or false.")
            required = True
        spec = InputSpec(
            name=name,
            type=kind,
            line=body.line,
            description=str(body.get("description") or ""),
            default=plain_data(body.get("default")),
            has_default="default" in body,
            required=required,
            minimum=bounds.get("minimum"),
            maximum=bounds.get("maximum"),
            choices=tuple(choices),
            dimension=dimension if isinstance(dimension, str) else None,
        )
        problem = default_problem(spec)
        if problem is not None:
            self.error(
                body.key_lines["default"],
                f"{path}.default",
                f"{short_repr(spec.default)} is not a {kind}: {problem}.",
            )
        return spec

    def queries(self, raw: object, line: int) -> list[QueryTemplate]:
        if raw is None:
            return []
        if not isinstance(raw, LineSeq) or not raw:
            self.error(line, "queries", "must be a list of queries, each with an id and metrics.")
            return []
        found = []
        for index, (body, at) in enumerate(zip(raw, raw.item_lines, strict=True)):
            if not isinstance(body, LineMap):
                self.error(at, f"queries[{index}]", "must be a mapping with id, metrics, ...")
                continue
            query = self.query(body, index)
            if query is not None:
                found.append(query)
        return found

    def query(self, body: LineMap, index: int) -> QueryTemplate | None:
        query_id = body.get("id")
        path = f"queries.{query_id}" if isinstance(query_id, str) else f"queries[{index}]"
        self.keys(body, _QUERY, path)
        if not isinstance(query_id, str) or not _IDENTIFIER.fullmatch(query_id):
            self.error(
                body.key_lines.get("id", body.line),
                f"{path}.id",
                "each query needs an id: letters, digits and _ (the narrative names it).",
            )
            return None
        fields: dict[str, Any] = {}
        items: dict[str, tuple[int, ...]] = {}
        for key in ("metrics", "dimensions", "named_filters", "order_by"):
            value = body.get(key)
            if value is None:
                continue
            listed = [value] if isinstance(value, str) else value
            if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
                self.error(body.key_lines[key], f"{path}.{key}", "must be a list of names.")
                continue
            fields[key] = list(listed)
            lines = listed.item_lines if isinstance(listed, LineSeq) else []
            items[key] = tuple(lines) or (body.key_lines[key],) * len(listed)
        for key in ("time_range", "compare", "limit"):
            if key in body and body[key] is not None:
                value = body[key]
                if isinstance(value, list | dict | bool):
                    self.error(body.key_lines[key], f"{path}.{key}", "must be a single value.")
                    continue
                fields[key] = value
        title = self.text(body, "title", path)
        return QueryTemplate(
            id=query_id,
            line=body.line,
            fields=fields,
            field_lines={key: body.key_lines[key] for key in body if key in _QUERY},
            item_lines=items,
            filters=tuple(self.filters(body.get("filters"), body, path)),
            where=tuple(self.where(body.get("where"), body, path)),
            title=title,
        )

    def filters(self, raw: object, body: LineMap, path: str) -> list[FilterSpec]:
        if raw is None:
            return []
        line = body.key_lines.get("filters", body.line)
        if not isinstance(raw, LineSeq):
            self.error(line, f"{path}.filters", "must be a list of {field, op, value}.")
            return []
        found = []
        for item, at in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, LineMap):
                self.error(
                    at, f"{path}.filters", "each filter is {field: ..., op: ..., value: ...}."
                )
                continue
            self.keys(item, _FILTER, f"{path}.filters")
            given = [key for key in ("value", "values", "input") if key in item]
            field_name = item.get("field")
            if not isinstance(field_name, str) or len(given) != 1:
                self.error(
                    at,
                    f"{path}.filters",
                    "a filter names a `field` and exactly one of `value`, `values` or `input`.",
                    "e.g. {field: segment, input: segment} or {field: channel, value: email}",
                )
                continue
            values = plain_data(item.get("values", [item.get("value")]))
            found.append(
                FilterSpec(
                    field=field_name,
                    op=str(item.get("op", "in" if "values" in item else "=")).lower(),
                    line=at,
                    values=tuple(values) if isinstance(values, list) else (values,),
                    input=str(item["input"]) if "input" in item else None,
                )
            )
        return found

    def where(self, raw: object, body: LineMap, path: str) -> list[tuple[str, int]]:
        if raw is None:
            return []
        listed = [raw] if isinstance(raw, str) else raw
        line = body.key_lines["where"]
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            self.error(line, f"{path}.where", "must be a list of conditions.")
            return []
        lines = listed.item_lines if isinstance(listed, LineSeq) else [line]
        found = []
        for text, at in zip(listed, lines, strict=True):
            if "{{" in text or "{%" in text:
                self.error(
                    at,
                    f"{path}.where",
                    "a `where` condition is fixed text and takes no template.",
                    "Give an input's value with a filter: {field: segment, input: segment}.",
                )
                continue
            found.append((text, at))
        return found

    def output(self, raw: object, line: int) -> OutputSpec:
        if isinstance(raw, str):
            return OutputSpec(raw, line)
        if isinstance(raw, LineMap):
            self.keys(raw, _OUTPUT, "output")
            skill = raw.get("skill")
            given = raw.get("input") or {}
            if isinstance(skill, str) and isinstance(given, dict):
                return OutputSpec(skill, raw.key_lines["skill"], plain_data(given))  # type: ignore[arg-type]
        self.error(
            line,
            "output",
            "must be `thread` or another skill: {skill: report.html, input: {...}}.",
        )
        return OutputSpec(THREAD, line)


def _hint(key: str) -> str:
    examples = {
        "name": "e.g. name: support.weekly_review",
        "description": "One sentence on what the skill does (planners read it).",
        "queries": "At least one query: - {id: week, metrics: [...], time_range: last week}",
        "narrative": "A template over the queries' results, e.g. narrative: |",
    }
    return examples[key]
