"""Errors of the semantic layer, and the one `suggest()` every "Did you mean" comes from.

This is the bottom layer: it imports nothing from the package.

    SemanticLayerError            base; every message says what, where, why and how to fix
    ├── DefinitionError           metrics.yml is broken; carries every Issue found
    └── QueryError                a semantic query cannot be answered as asked
        └── UnknownNameError      a metric, dimension or filter name is not in the model
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

IssueLevel = Literal["error", "warning"]


def suggest(name: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """The candidates closest to `name`, best first (case-insensitive)."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    lowered = name.lower()
    if lowered in by_lower:
        return [by_lower[lowered]]
    close = difflib.get_close_matches(lowered, list(by_lower), n=limit, cutoff=0.6)
    prefixed = [
        c for c in by_lower if len(lowered) >= 3 and c.startswith(lowered) and c not in close
    ]
    return [by_lower[c] for c in (close + prefixed)[:limit]]


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """ " Did you mean 'x'?" (or "" when nothing is close)."""
    found = suggest(name, candidates)
    if not found:
        return ""
    return " Did you mean " + " or ".join(f"'{c}'" for c in found) + "?"


@dataclass(frozen=True)
class Issue:
    """One problem found in metrics.yml, with where it is and how to fix it."""

    level: IssueLevel
    file: str
    line: int
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.level}: {self.path}: {self.message}"
        return f"{text}{' ' + self.hint if self.hint else ''}"


class SemanticLayerError(Exception):
    """Base of every error the semantic layer raises for a user to read."""


class DefinitionError(SemanticLayerError):
    """metrics.yml (or a file it includes) is broken; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.level == "error"]
        head = f"{len(errors)} error(s) in the semantic model"
        super().__init__("\n".join([head, *(str(i) for i in self.issues)]))


class QueryError(SemanticLayerError, ValueError):
    """A semantic query cannot be compiled as asked; the message says how to fix it.

    `message` says what is wrong and `hint`, when given, what to do; `str()` is both, on one
    line, for a reader that shows one text (a planner's tool result, an error answer).
    """

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(f"{message} {hint}" if hint else message)
        self.message = message
        self.hint = hint


class UnknownNameError(QueryError, KeyError):
    """A name in a query is not in the model; `suggestions` holds the closest names (`hint`,
    what else the message says)."""

    def __init__(self, kind: str, name: str, candidates: Iterable[str], hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.hint = hint
        self.suggestions = suggest(name, candidates)
        message = f"Unknown {kind} '{name}'."
        if self.suggestions:
            message += did_you_mean(name, self.suggestions)
        if hint:
            message += f" {hint}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message
