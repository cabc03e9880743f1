"""Read a dbt project's semantic layer YAML with line numbers, and validate it with
dbt-semantic-interfaces (its JSON schemas, then its semantic manifest rules).

dbt's own YAML (`semantic_models:`, `metrics:`, `saved_queries:` lists, `model: ref('x')`) is
turned into the documents dbt-semantic-interfaces reads (`node_relation`); every problem it
finds is reported at the file:line of the object it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cortex.interchange.common import InterchangeError
from semantic_layer.errors import Issue
from semantic_layer.yaml_lines import (
    LineLoader,
    LineMap,
    LineSeq,
    display_path,
    plain_data,
    read_text,
)

_REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$""")
_SKIPPED_FOLDERS = {"target", "dbt_packages", "dbt_modules", "logs", "node_modules"}
PROJECT_FILE = "dbt_project.yml"


@dataclass(frozen=True)
class Found:
    """One object of the project as written, with where it was written."""

    raw: LineMap
    file: str

    @property
    def line(self) -> int:
        return self.raw.line


@dataclass
class DbtProject:
    """The semantic layer objects of a dbt project, as written, and its `vars`."""

    semantic_models: list[Found] = field(default_factory=list)
    metrics: list[Found] = field(default_factory=list)
    saved_queries: list[Found] = field(default_factory=list)
    project_vars: dict[str, Any] = field(default_factory=dict)
    project_file: str = ""


def read_project(path: Path) -> DbtProject:
    """Every semantic model, metric and saved query under `path` (a folder or one YAML file)."""
    if not path.exists():
        raise InterchangeError(f"{path} not found; give a dbt project folder or a YAML file.")
    files = [path] if path.is_file() else sorted(_yaml_files(path))
    project = DbtProject()
    issues: list[Issue] = []
    for file in files:
        shown = display_path(file)
        text = read_text(file, shown)
        if isinstance(text, Issue):
            issues.append(text)
            continue
        try:
            data = yaml.load(text, Loader=LineLoader)
        except yaml.YAMLError as error:
            issues.append(
                Issue(
                    "error",
                    shown,
                    getattr(getattr(error, "problem_mark", None), "line", -1) + 1,
                    "YAML",
                    str(error).splitlines()[0],
                )
            )
            continue
        if not isinstance(data, LineMap):
            continue
        if file.name == PROJECT_FILE:
            project.project_file = shown
            found_vars = data.get("vars")
            project.project_vars = plain_data(found_vars) if isinstance(found_vars, dict) else {}  # type: ignore[assignment]
        for key, bucket in (
            ("semantic_models", project.semantic_models),
            ("metrics", project.metrics),
            ("saved_queries", project.saved_queries),
        ):
            items = data.get(key)
            if isinstance(items, LineSeq):
                bucket.extend(Found(item, shown) for item in items if isinstance(item, LineMap))
    if issues:
        raise InterchangeError("The dbt project cannot be read.", issues)
    if not project.semantic_models and not project.metrics:
        raise InterchangeError(
            f"No semantic_models or metrics found under {path}; give the dbt project folder "
            "(or a YAML file) that declares them."
        )
    return project


def _yaml_files(folder: Path) -> list[Path]:
    found = []
    for file in folder.rglob("*"):
        parts = file.relative_to(folder).parts
        if any(p.startswith(".") or p in _SKIPPED_FOLDERS for p in parts[:-1]):
            continue
        if file.is_file() and file.suffix in (".yml", ".yaml") and not file.name.startswith("."):
            found.append(file)
    return found


# --- the documents dbt-semantic-interfaces reads ------------------------------------------------


def relation_of(raw: LineMap) -> tuple[str, str] | None:
    """(schema, table) a semantic model reads: `model: ref('x')` or a `node_relation`."""
    relation = raw.get("node_relation")
    if isinstance(relation, dict) and isinstance(relation.get("alias"), str):
        return str(relation.get("schema_name") or ""), relation["alias"]
    model = raw.get("model")
    match = _REF.match(model) if isinstance(model, str) else None
    if match is None:
        return None
    return "", match.group(2) or match.group(1)


def _dsi_semantic_model(raw: LineMap) -> dict[str, Any]:
    document: dict[str, Any] = plain_data(raw)  # type: ignore[assignment]
    relation = relation_of(raw)
    document.pop("model", None)
    if relation is not None:
        document["node_relation"] = {"alias": relation[1], "schema_name": relation[0]}
    return document


def _dsi_metric(raw: LineMap) -> dict[str, Any]:
    """A metric with its inputs written as mappings (dbt also accepts a bare name)."""
    document: dict[str, Any] = plain_data(raw)  # type: ignore[assignment]
    params = document.get("type_params")
    if isinstance(params, dict):
        for key in ("numerator", "denominator", "measure"):
            if isinstance(params.get(key), str):
                params[key] = {"name": params[key]}
    return document


def _dsi_saved_query(raw: LineMap) -> dict[str, Any]:
    document: dict[str, Any] = plain_data(raw)  # type: ignore[assignment]
    document.pop("config", None)  # dbt's saved query config (meta, cache) is not in the manifest
    return document


def _located_error(found: Found, path: list[Any], message: str) -> Issue:
    """A schema error at the line of the deepest key of `path` found in the raw object."""
    line, value = found.line, found.raw
    for part in path:
        if isinstance(value, LineMap) and part in value:
            line, value = value.key_lines[part], value[part]
        elif isinstance(value, LineSeq) and isinstance(part, int) and part < len(value):
            line, value = value.item_lines[part], value[part]
        else:
            break
    name = found.raw.get("name", "?")
    return Issue("error", found.file, line, f"'{name}'", message.splitlines()[0])


def validate(project: DbtProject) -> None:
    """Raise InterchangeError, at file:line, for whatever dbt-semantic-interfaces rejects."""
    from dbt_semantic_interfaces.implementations.metadata import PydanticFileSlice, PydanticMetadata
    from dbt_semantic_interfaces.implementations.metric import PydanticMetric
    from dbt_semantic_interfaces.implementations.project_configuration import (
        PydanticProjectConfiguration,
    )
    from dbt_semantic_interfaces.implementations.saved_query import PydanticSavedQuery
    from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
    from dbt_semantic_interfaces.implementations.semantic_model import PydanticSemanticModel
    from dbt_semantic_interfaces.parsing.schemas import (
        metric_validator,
        saved_query_validator,
        semantic_model_validator,
    )
    from dbt_semantic_interfaces.transformations.semantic_manifest_transformer import (
        PydanticSemanticManifestTransformer,
    )
    from dbt_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )

    issues: list[Issue] = []
    built: dict[str, list[Any]] = {"semantic_models": [], "metrics": [], "saved_queries": []}
    kinds = (
        (
            "semantic_models",
            project.semantic_models,
            semantic_model_validator,
            _dsi_semantic_model,
            PydanticSemanticModel,
        ),
        ("metrics", project.metrics, metric_validator, _dsi_metric, PydanticMetric),
        (
            "saved_queries",
            project.saved_queries,
            saved_query_validator,
            _dsi_saved_query,
            PydanticSavedQuery,
        ),
    )
    where: dict[str, Found] = {}
    for key, items, schema, convert, cls in kinds:
        for found in items:
            document = convert(found.raw)
            errors = list(schema.iter_errors(document))
            for error in errors:
                issues.append(_located_error(found, list(error.absolute_path), error.message))
            if errors:
                continue
            metadata = PydanticMetadata(
                repo_file_path=found.file,
                file_slice=PydanticFileSlice(
                    filename=found.file,
                    content="",
                    start_line_number=found.line,
                    end_line_number=found.line,
                ),
            )
            try:
                built[key].append(cls.parse_obj({**document, "metadata": metadata}))
            except Exception as error:  # pydantic v1 errors of the library's own models
                issues.append(
                    Issue(
                        "error",
                        found.file,
                        found.line,
                        f"'{document.get('name')}'",
                        str(error).splitlines()[-1],
                    )
                )
            where[str(document.get("name"))] = found
    if issues:
        raise InterchangeError("dbt-semantic-interfaces rejects the project.", issues)
    manifest = PydanticSemanticManifest(
        semantic_models=built["semantic_models"],
        metrics=built["metrics"],
        saved_queries=built["saved_queries"],
        project_configuration=PydanticProjectConfiguration(
            time_spine_table_configurations=[], time_spines=[]
        ),
    )
    try:
        manifest = PydanticSemanticManifestTransformer.transform(manifest)
    except Exception as error:
        raise InterchangeError(
            f"dbt-semantic-interfaces cannot read the project: {error}"
        ) from None
    results = SemanticManifestValidator[PydanticSemanticManifest]().validate_semantic_manifest(
        manifest
    )
    for rejected in results.errors:
        file_context = getattr(rejected.context, "file_context", None)
        file = getattr(file_context, "file_name", None) or project.project_file or "dbt project"
        line = getattr(file_context, "line_number", None) or 0
        issues.append(Issue("error", file, line, "MetricFlow", rejected.message))
    if issues:
        raise InterchangeError("dbt-semantic-interfaces rejects the project.", issues)
