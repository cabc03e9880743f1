"""Read `metrics.yml` (and the files it includes) into a `SemanticModel`.

Every problem is reported as an `Issue` at `file:line`, and all of them are collected in one
pass: YAML syntax errors, unknown keys (rejected before pydantic, with the accepted keys and a
"Did you mean"), pydantic errors mapped back to the offending key, broken includes and duplicate
names. `load_model` raises `DefinitionError` when any of them is an error; `check_file` returns
them together with the findings of `rules.RULES` (what `cortex check` prints).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from semantic_layer.errors import DefinitionError, Issue, did_you_mean, suggest
from semantic_layer.model import (
    Dimension,
    Location,
    Measure,
    Metric,
    NamedFilter,
    Objectives,
    QuerySpec,
    Relationship,
    SemanticModel,
    Snapshot,
    Table,
    VerifiedQuery,
)
from semantic_layer.model_cache import cached_model
from semantic_layer.rules import check_model
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

__all__ = ["check_file", "load_model"]

#: The only format version this loader reads.
VERSION = 1


def load_model(path: str | Path) -> SemanticModel:
    """Load `path` and the files it includes; raise `DefinitionError` listing every error.

    A model loaded before from files with the same content comes from the cache
    (`model_cache`); warnings are not reported here either way (`check_file` reports them).
    """
    return cached_model(Path(path), _load_checked)


def _load_checked(path: Path) -> tuple[SemanticModel, list[Path]]:
    """The model of `path` and the files it was read from; raises on any error."""
    loader = _Loader()
    model = loader.load(path)
    issues = sorted(loader.issues, key=_issue_order)
    if any(issue.level == "error" for issue in issues):
        raise DefinitionError(issues)
    return model, sorted(loader.files_read)


def check_file(
    path: str | Path, *, warehouse_columns: Mapping[str, Collection[str]] | None = None
) -> list[Issue]:
    """Every issue in `path`: the loader's, then the rules' over whatever could be loaded.

    The rules also run when loading found errors, on the objects that did load, so one run
    reports everything; references to objects that failed to load are not reported again.
    `warehouse_columns` maps each warehouse table to its column names (enables column checks).
    """
    return load_and_check(path, warehouse_columns=warehouse_columns)[1]


def load_and_check(
    path: str | Path, *, warehouse_columns: Mapping[str, Collection[str]] | None = None
) -> tuple[SemanticModel, list[Issue]]:
    """What `path` declares (the objects that loaded) and every issue, as `check_file`."""
    loader = _Loader()
    model = loader.load(Path(path))
    found = check_model(
        model, warehouse_columns=warehouse_columns, unloaded=frozenset(loader.unloaded)
    )
    return model, sorted([*loader.issues, *found], key=_issue_order)


def _issue_order(issue: Issue) -> tuple[str, int]:
    return issue.file, issue.line


# --- what each mapping may hold -----------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """The keys a mapping accepts, and which of them hold nested model objects."""

    model: type[BaseModel]
    kind: str
    #: key -> (spec of the nested object, whether the key holds a list of them)
    children: Mapping[str, tuple[_Spec, bool]] = field(default_factory=dict)

    @property
    def accepted(self) -> list[str]:
        fields = self.model.model_fields
        return sorted(info.alias or name for name, info in fields.items() if name != "location")


_DIMENSION = _Spec(Dimension, "dimension")
_MEASURE = _Spec(Measure, "measure", {"snapshot": (_Spec(Snapshot, "snapshot"), False)})
_TABLE = _Spec(Table, "table", {"dimensions": (_DIMENSION, True), "measures": (_MEASURE, True)})
_RELATIONSHIP = _Spec(Relationship, "relationship")
_METRIC = _Spec(Metric, "metric")
_FILTER = _Spec(NamedFilter, "filter")
_VERIFIED_QUERY = _Spec(
    VerifiedQuery, "verified query", {"query": (_Spec(QuerySpec, "query"), False)}
)

#: Top-level key -> the spec of the objects its list holds.
_SECTIONS: dict[str, _Spec] = {
    "tables": _TABLE,
    "relationships": _RELATIONSHIP,
    "metrics": _METRIC,
    "filters": _FILTER,
    "verified_queries": _VERIFIED_QUERY,
}
#: Settings of the whole model, read from the root file: key -> what it accepts.
_SETTINGS = {"fiscal_year_start_month": "a month number from 1 to 12 (4 for April)"}
_OBJECTIVES = _Spec(Objectives, "objectives")
#: Declarations of the whole model, one mapping each, read from the root file: key -> spec.
_DECLARATIONS: dict[str, _Spec] = {"objectives": _OBJECTIVES}
_TOP_LEVEL_KEYS = sorted(["version", "include", *_SETTINGS, *_DECLARATIONS, *_SECTIONS])


def _label(spec: _Spec, raw: LineMap, index: int, parent: str) -> str:
    """How an issue names the object: `table 'tickets' dimension 'channel'`."""
    prefix = f"{parent} " if parent else ""
    if spec.model in (Snapshot, QuerySpec, Objectives):
        return f"{prefix}{spec.kind}"
    if spec.model is Relationship:
        source, target, name = raw.get("from"), raw.get("to"), raw.get("name")
        if isinstance(name, str):
            return f"{prefix}relationship '{name}'"
        if isinstance(source, str) and isinstance(target, str):
            return f"{prefix}relationship '{source} -> {target}'"
    name = raw.get("question" if spec.model is VerifiedQuery else "name")
    if isinstance(name, str):
        return f"{prefix}{spec.kind} '{name}'"
    return f"{prefix}{spec.kind} #{index + 1}"


# --- the loader ---------------------------------------------------------------------------------


@dataclass
class _Declared:
    """Where a name was first declared, for duplicate-name errors."""

    label: str
    file: str
    line: int


class _Loader:
    """One load: the files read so far, the issues found and the names that failed to load."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        #: names of objects that failed to load; the rules do not report references to them
        self.unloaded: set[str] = set()
        self._read: set[Path] = set()
        self._items: dict[str, list[tuple[LineMap, str]]] = {key: [] for key in _SECTIONS}
        self._settings: dict[str, object] = {}
        #: the raw mapping of each declaration that loaded, for checking the names it gives
        self._declared: dict[str, tuple[LineMap, str]] = {}

    @property
    def files_read(self) -> set[Path]:
        """Every file this load read (resolved): the root and the includes."""
        return set(self._read)

    def load(self, path: Path) -> SemanticModel:
        root = display_path(path)
        if not path.is_file():
            self._error(root, 0, "file", "not found.", _sibling_hint(path))
        else:
            self._read_file(path, (), is_root=True)
        built: dict[str, list[BaseModel]] = {}
        for section, spec in _SECTIONS.items():
            declared: dict[str, _Declared] = {}
            built[section] = []
            for index, (raw, file) in enumerate(self._items[section]):
                label = _label(spec, raw, index, "")
                self._check_duplicate(declared, raw, file, label, spec.kind)
                obj = self._build(spec, raw, file, label)
                if obj is not None:
                    built[section].append(obj)
        self._check_measures_unique()
        model = SemanticModel.model_validate(
            {"location": Location(file=root, line=1), **self._settings, **built}
        )
        if model.objectives is not None:
            self._check_objectives(model, *self._declared["objectives"])
        return model

    # files and includes

    def _read_file(self, path: Path, stack: tuple[Path, ...], *, is_root: bool) -> None:
        resolved = path.resolve()
        self._read.add(resolved)
        file = display_path(path)
        text = read_text(path, file)
        if isinstance(text, Issue):
            self.issues.append(text)
            return
        try:
            data = yaml.load(text, Loader=LineLoader)
        except yaml.YAMLError as error:
            self.issues.append(syntax_issue(file, error))
            return
        if data is None:
            data = LineMap(1)
        if not isinstance(data, LineMap):
            self._error(file, 1, "top level", "the file must be a mapping (version, tables, ...).")
            return
        self._report_duplicate_keys(data, file, "top level")
        for key, line in data.key_lines.items():
            if key not in _TOP_LEVEL_KEYS:
                self._unknown_key(file, line, "top level", str(key), _TOP_LEVEL_KEYS)
        self._check_version(data, file, is_root=is_root)
        self._read_settings(data, file, is_root=is_root)
        self._read_declarations(data, file, is_root=is_root)
        for section in _SECTIONS:
            self._collect(data, section, file)
        for target, line in self._includes(data, path, file):
            chain = (*stack, resolved)
            if target.resolve() in chain:
                start = chain.index(target.resolve())
                cycle = " -> ".join(display_path(p) for p in (*chain[start:], target))
                self._error(
                    file,
                    line,
                    "include",
                    f"the includes form a cycle: {cycle}.",
                    "Remove one of these includes.",
                )
            elif target.resolve() not in self._read:
                self._read_file(target, chain, is_root=False)

    def _read_settings(self, data: LineMap, file: str, *, is_root: bool) -> None:
        """The model's settings (`fiscal_year_start_month`), from the root file only."""
        for key, accepted in _SETTINGS.items():
            if key not in data:
                continue
            line = data.key_lines[key]
            if not is_root:
                self._error(
                    file, line, "top level", f"'{key}' is a setting of the root file.",
                    "Move it to the metrics.yml that includes this file.",
                )  # fmt: skip
                continue
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                self._error(
                    file, line, "top level", f"{key} {short_repr(value)} is not {accepted}.",
                )  # fmt: skip
                continue
            self._settings[key] = value

    def _read_declarations(self, data: LineMap, file: str, *, is_root: bool) -> None:
        """The model's one-mapping declarations (`objectives`), from the root file only."""
        for key, spec in _DECLARATIONS.items():
            if key not in data or data[key] is None:
                continue
            line, value = data.key_lines[key], data[key]
            if not is_root:
                self._error(
                    file, line, "top level", f"'{key}' is a declaration of the root file.",
                    "Move it to the metrics.yml that includes this file.",
                )  # fmt: skip
                continue
            if not isinstance(value, LineMap):
                self._not_a_mapping(file, line, key, value)
                continue
            built = self._build(spec, value, file, spec.kind)
            if built is not None:
                self._settings[key] = built
                self._declared[key] = (value, file)

    def _check_version(self, data: LineMap, file: str, *, is_root: bool) -> None:
        if "version" not in data:
            if is_root:
                self._error(
                    file,
                    data.line,
                    "top level",
                    "missing key 'version'.",
                    f"Add `version: {VERSION}` at the top of the file.",
                )
            return
        version = data["version"]
        if isinstance(version, bool) or version != VERSION:
            self._error(
                file,
                data.key_lines["version"],
                "top level",
                f"unsupported version {short_repr(version)}.",
                f"This Cortex reads `version: {VERSION}`.",
            )

    def _includes(self, data: LineMap, path: Path, file: str) -> list[tuple[Path, int]]:
        """The included files that exist, with the line that includes each."""
        if "include" not in data or data["include"] is None:
            return []
        entries = data["include"]
        line = data.key_lines["include"]
        if not isinstance(entries, LineSeq):
            self._error(
                file,
                line,
                "include",
                "must be a list of file paths.",
                "Write `include: [tables.yml]`.",
            )
            return []
        found: list[tuple[Path, int]] = []
        for entry, item_line in zip(entries, entries.item_lines, strict=True):
            if not isinstance(entry, str) or not entry.strip():
                self._error(file, item_line, "include", f"{short_repr(entry)} is not a file path.")
                continue
            target = path.parent / entry
            if target.is_file():
                found.append((target, item_line))
            else:
                self._error(
                    file,
                    item_line,
                    "include",
                    f"file '{entry}' not found.",
                    _sibling_hint(target, relative_to=path.parent),
                )
        return found

    def _collect(self, data: LineMap, section: str, file: str) -> None:
        """Queue the mappings of a top-level list such as `tables`."""
        value = data.get(section)
        if value is None:
            return
        line = data.key_lines[section]
        spec = _SECTIONS[section]
        if not isinstance(value, LineSeq):
            self._error(file, line, "top level", f"'{section}' must be a list of {spec.kind}s.")
            return
        for item, item_line in zip(value, value.item_lines, strict=True):
            if isinstance(item, LineMap):
                self._items[section].append((item, file))
            else:
                self._not_a_mapping(file, item_line, f"{spec.kind} in '{section}'", item)

    # objects

    def _build(self, spec: _Spec, raw: LineMap, file: str, label: str) -> BaseModel | None:
        """Validate one mapping (its nested objects first); None, with issues, when it fails."""
        self._report_duplicate_keys(raw, file, label)
        data: dict[str, object] = {"location": Location(file=file, line=raw.line)}
        accepted = spec.accepted
        suppressed: set[str] = set()  # missing keys an unknown key probably meant
        nested_failed = False
        for key, value in raw.items():
            name = str(key)
            if name not in accepted:
                meant = self._unknown_key(file, raw.key_lines[key], label, name, accepted)
                suppressed.update(c for c in meant if c not in raw)
                continue
            child = spec.children.get(name)
            if child is None:
                data[name] = plain_data(value)
            elif child[1]:
                data[name] = self._build_list(child[0], raw, name, file, label)
            elif value is not None:
                nested = None
                if isinstance(value, LineMap):
                    nested = self._build(child[0], value, file, _label(child[0], value, 0, label))
                else:
                    self._not_a_mapping(file, raw.key_lines[key], f"{label} {name}", value)
                if nested is None:
                    nested_failed = True
                    suppressed.add(name)
                else:
                    data[name] = nested
        try:
            obj = spec.model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                issue = self._validation_issue(detail, raw, file, label, suppressed)
                if issue is not None:
                    self.issues.append(issue)
            obj = None
        if obj is None or nested_failed:
            self._mark_unloaded(raw)
            return None
        return obj

    def _build_list(
        self, spec: _Spec, parent: LineMap, key: str, file: str, parent_label: str
    ) -> list[BaseModel]:
        value = parent[key]
        if value is None:
            return []
        if not isinstance(value, LineSeq):
            self._error(
                file,
                parent.key_lines[key],
                parent_label,
                f"'{key}' must be a list of {spec.kind}s, not {short_repr(value)}.",
            )
            return []
        declared: dict[str, _Declared] = {}
        built: list[BaseModel] = []
        for index, (item, line) in enumerate(zip(value, value.item_lines, strict=True)):
            if not isinstance(item, LineMap):
                self._not_a_mapping(file, line, f"{parent_label}: {spec.kind} in '{key}'", item)
                continue
            label = _label(spec, item, index, parent_label)
            self._check_duplicate(declared, item, file, label, spec.kind, scope=parent_label)
            obj = self._build(spec, item, file, label)
            if obj is not None:
                built.append(obj)
        return built

    def _validation_issue(
        self, detail: ErrorDetails, raw: LineMap, file: str, label: str, suppressed: set[str]
    ) -> Issue | None:
        """A pydantic error as an Issue at the line of the offending key."""
        loc, kind, text = detail["loc"], detail["type"], detail["msg"]
        text = text.removeprefix("Value error, ")
        if not loc:  # a model_validator: the object as a whole
            return Issue("error", file, raw.line, label, f"{text}.")
        key = str(loc[0])
        if kind == "missing":
            if key in suppressed:
                return None
            return Issue("error", file, raw.line, label, f"missing required key '{key}'.")
        line, value = raw.key_lines.get(loc[0], raw.line), raw.get(loc[0])
        where = key
        for part in loc[1:]:
            if part == "[key]":  # pydantic's marker after a mapping key that is not valid
                continue
            if isinstance(value, LineMap) and part in value:
                key = next(k for k in value if k == part)  # as written: `true`, not 1
                where += f".{key}"
                line, value = value.key_lines[key], value[key]
                continue
            where += f"[{part}]" if isinstance(part, int) else f".{part}"
            if isinstance(value, LineSeq) and isinstance(part, int) and part < len(value):
                line, value = value.item_lines[part], value[part]
        given = detail.get("input")
        if kind == "literal_error":
            expected = re.findall(r"'([^']*)'", str(detail.get("ctx", {}).get("expected", "")))
            hint = f"Expected one of: {', '.join(expected)}.{did_you_mean(str(given), expected)}"
            return Issue("error", file, line, label, f"invalid {where} {short_repr(given)}.", hint)
        hint = ""
        if kind == "string_type" and not isinstance(given, dict | list):
            hint = "Put the value in quotes if it is meant as text."
        message = f"'{where}': {text[:1].lower()}{text[1:]}, not {short_repr(given)}."
        return Issue("error", file, line, label, message, hint)

    # names

    def _check_duplicate(
        self,
        declared: dict[str, _Declared],
        raw: LineMap,
        file: str,
        label: str,
        kind: str,
        *,
        scope: str = "",
    ) -> None:
        name = raw.get("name")
        if not isinstance(name, str):
            return
        first = declared.get(name)
        if first is None:
            declared[name] = _Declared(label, file, raw.line)
            return
        where = f" in {scope}" if scope else ""
        self._error(
            file,
            raw.line,
            label,
            f"duplicate {kind} name '{name}'{where}; first declared at {first.file}:{first.line}.",
            "Rename or remove one of them.",
        )

    def _check_measures_unique(self) -> None:
        """A measure name is used by one table only (metrics refer to measures by name)."""
        declared: dict[str, _Declared] = {}
        for table_index, (table, file) in enumerate(self._items["tables"]):
            table_label = _label(_TABLE, table, table_index, "")
            measures = table.get("measures")
            if not isinstance(measures, LineSeq):
                continue
            seen_here: set[str] = set()
            for index, measure in enumerate(measures):
                if not isinstance(measure, LineMap) or not isinstance(measure.get("name"), str):
                    continue
                name: str = measure["name"]
                first = declared.get(name)
                if first is not None and name not in seen_here:
                    self._error(
                        file,
                        measure.line,
                        _label(_MEASURE, measure, index, table_label),
                        f"measure name '{name}' is already used by {first.label} "
                        f"({first.file}:{first.line}).",
                        "Measure names must be unique across tables; rename one of them.",
                    )
                seen_here.add(name)
                declared.setdefault(name, _Declared(table_label, file, measure.line))

    def _check_objectives(self, model: SemanticModel, raw: LineMap, file: str) -> None:
        """The names `objectives` gives exist: its table, that table's dimensions, a metric
        over the table as the target, and a dimension for segment values to filter."""
        declared = model.objectives
        if declared is None or declared.table in self.unloaded:
            return
        table = model.table(declared.table)
        if table is None:
            tables = [t.name for t in model.tables]
            self._error(
                file, raw.key_lines["table"], "objectives",
                f"table '{declared.table}' is not declared.",
                did_you_mean(declared.table, tables).strip()
                or f"Name one of: {', '.join(tables)}.",
            )  # fmt: skip
            return
        own = [d.name for d in table.dimensions]
        for key, name in declared.dimensions.items():
            if name not in own and name not in self.unloaded:
                self._error(
                    file, raw.key_lines[key], "objectives",
                    f"{key} '{name}' is not a dimension of table '{table.name}'.",
                    did_you_mean(name, own).strip() or f"Name one of: {', '.join(own)}.",
                )  # fmt: skip
        over_table = [
            m.name for m in model.metrics
            if m.measure is not None and any(x.name == m.measure for x in table.measures)
        ]  # fmt: skip
        if declared.target not in over_table and declared.target not in self.unloaded:
            self._error(
                file, raw.key_lines["target"], "objectives",
                f"target '{declared.target}' is not a metric over table '{table.name}'.",
                did_you_mean(declared.target, over_table).strip()
                or "Name a metric whose measure is on this table (the target value).",
            )  # fmt: skip
        segmented = declared.segment_dimension
        dimensions = sorted({d.name for t in model.tables for d in t.dimensions})
        if segmented is not None and segmented not in dimensions and segmented not in self.unloaded:
            self._error(
                file, raw.key_lines["segment_dimension"], "objectives",
                f"segment_dimension '{segmented}' is not a declared dimension.",
                did_you_mean(segmented, dimensions).strip(),
            )  # fmt: skip

    def _mark_unloaded(self, raw: LineMap) -> None:
        """Remember the names an object that failed to load (and its nested objects) declared."""
        for key in ("name", "question"):
            if isinstance(raw.get(key), str):
                self.unloaded.add(raw[key])
        for value in raw.values():
            items = value if isinstance(value, LineSeq) else [value]
            for item in items:
                if isinstance(item, LineMap) and isinstance(item.get("name"), str):
                    self.unloaded.add(item["name"])

    # issues

    def _error(self, file: str, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", file, line, path, message, hint))

    def _unknown_key(
        self, file: str, line: int, path: str, key: str, accepted: list[str]
    ) -> list[str]:
        """Report an unknown key; return the accepted keys it was probably meant to be."""
        hint = f"Accepted: {', '.join(accepted)}.{did_you_mean(key, accepted)}"
        self._error(file, line, path, f"unknown key '{key}'.", hint)
        return suggest(key, accepted)

    def _not_a_mapping(self, file: str, line: int, what: str, value: object) -> None:
        self._error(file, line, what, f"expected a mapping of keys, not {short_repr(value)}.")

    def _report_duplicate_keys(self, raw: LineMap, file: str, label: str) -> None:
        for key, line, first in raw.duplicates:
            self._error(
                file,
                line,
                label,
                f"key '{key}' is given twice (first on line {first}).",
                "Keep one of them.",
            )


def _sibling_hint(target: Path, relative_to: Path | None = None) -> str:
    """A "Did you mean" over the YAML files next to a missing file."""
    folder = target.parent
    if not folder.is_dir():
        return ""
    names = [p.name for p in folder.iterdir() if p.suffix in (".yml", ".yaml")]
    found = suggest(target.name, names)
    if not found:
        return ""
    prefix = ""
    if relative_to is not None:
        prefix = os.path.relpath(folder, relative_to)
        prefix = "" if prefix == "." else prefix + "/"
    return "Did you mean " + " or ".join(f"'{prefix}{name}'" for name in found) + "?"
