"""What every conversion shares: the list of what did not map, the results, and the writers.

An import builds a plain metrics.yml document; `write_metrics` dumps it, loads it back with the
semantic layer's loader (the same check as `cortex check`) and only then puts it at its place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cortex.errors import UserError
from semantic_layer.errors import Issue
from semantic_layer.loader import load_and_check
from semantic_layer.model import Location

#: The key under which Cortex's own fields travel in a format's extension fields.
CORTEX_KEY = "cortex"


@dataclass(frozen=True)
class Unmapped:
    """One construct that did not convert: where it is, what it is and why."""

    file: str
    line: int
    what: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.what}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "what": self.what, "reason": self.reason}


@dataclass
class Findings:
    """The list an import or export adds to while it converts."""

    unmapped: list[Unmapped] = field(default_factory=list)

    def add(self, file: str, line: int, what: str, reason: str) -> None:
        self.unmapped.append(Unmapped(file, line, what, reason))

    def at(self, location: Location, what: str, reason: str) -> None:
        """A construct of metrics.yml (an export) that did not convert."""
        self.add(location.file, location.line, what, reason)


@dataclass(frozen=True)
class Imported:
    """A metrics.yml document built from another format, and what did not map."""

    document: dict[str, Any]
    unmapped: tuple[Unmapped, ...] = ()

    @property
    def text(self) -> str:
        return dump_yaml(self.document)


@dataclass(frozen=True)
class Exported:
    """The files of an export (relative path -> text) and what did not map."""

    files: dict[str, str]
    unmapped: tuple[Unmapped, ...] = ()


class InterchangeError(UserError):
    """A conversion cannot be done: the message says why, `issues` lists each problem found
    (file:line) in what was read or built."""

    def __init__(self, message: str, issues: Iterable[Issue] = ()) -> None:
        self.issues = tuple(issues)
        self.summary = message
        super().__init__("\n".join([message, *(str(i) for i in self.issues)]))

    def with_hint(self, hint: str | None) -> InterchangeError:
        """This error with the hint a user is shown under it."""
        self.hint = hint
        return self


def governed(document: dict[str, Any], *, owner: str | None, source: str) -> dict[str, Any]:
    """Every metric with an owner (its own, else `owner`) and a description (its own, else
    one saying it came from `source` without one): what metrics.yml requires of a metric."""
    for metric in document.get("metrics", []):
        if not metric.get("owner") and owner:
            metric["owner"] = owner
        if not str(metric.get("description") or "").strip():
            metric["description"] = (
                f"{metric.get('label', metric['name'])}, imported from {source} "
                "without a description."
            )
    return document


def dump_yaml(document: Mapping[str, Any]) -> str:
    """YAML in the order the document was built, readable (no aliases, long lines kept)."""

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(
        dict(document),
        Dumper=_NoAliases,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def write_metrics(imported: Imported, out: Path, *, force: bool = False) -> list[Issue]:
    """Write the imported model to `out` once the loader accepts it; its warnings are returned.

    Refuses to overwrite `out` unless `force`; raises InterchangeError with the loader's errors
    (nothing is written then).
    """
    if out.exists() and not force:
        raise InterchangeError(f"{out} already exists; pass --force to overwrite it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    draft = out.with_name(f".{out.name}.importing")
    draft.write_text(imported.text, encoding="utf-8")
    try:
        _, issues = load_and_check(draft)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    errors = [i for i in issues if i.level == "error"]
    if errors:
        draft.unlink(missing_ok=True)
        raise InterchangeError("The imported model does not load; nothing was written.", errors)
    os.replace(draft, out)
    return [_renamed(i, draft.name, out.name) for i in issues]


def _renamed(issue: Issue, draft: str, final: str) -> Issue:
    return Issue(
        issue.level,
        issue.file.replace(draft, final),
        issue.line,
        issue.path,
        issue.message,
        issue.hint,
    )


def write_exported(exported: Exported, out: Path, *, force: bool = False) -> list[Path]:
    """Write an export's files: one file at `out`, or several under the folder `out`."""
    single = len(exported.files) == 1 and "" in exported.files
    targets = [out] if single else [out / name for name in exported.files]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise InterchangeError(f"{existing[0]} already exists; pass --force to overwrite it.")
    for target, text in zip(targets, exported.files.values(), strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return targets


def extras(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The fields of a model object that differ from their defaults, as plain JSON data."""
    dumped: dict[str, Any] = obj.model_dump(
        include=set(fields), exclude_defaults=True, mode="json", by_alias=True
    )
    return dumped
