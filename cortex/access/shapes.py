"""The shapes every section of access.yml shares, checked as one read of the file goes.

`ShapeChecks` collects the read's issues, each at `file:line`, and checks keys, mappings,
texts and lists of roles; `AccessReader` (in `sections`) builds on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from semantic_layer.errors import Issue, did_you_mean, suggest
from semantic_layer.yaml_lines import LineMap, LineSeq, short_repr


class ShapeChecks:
    """The issues of one read of a file, and the checks of the shapes its sections share."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def error(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", self.file, line, path, message, hint))

    def warning(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("warning", self.file, line, path, message, hint))

    # -- shapes

    def keys(self, raw: LineMap, accepted: Sequence[str], label: str) -> None:
        """Report keys given twice and keys not in `accepted`."""
        for twice, line, first in raw.duplicates:
            self.error(line, label, f"key '{twice}' is given twice (first on line {first}).")
        for key, line in raw.key_lines.items():
            name = str(key)
            if name not in accepted:
                hint = f"Accepted: {', '.join(accepted)}.{did_you_mean(name, accepted)}"
                if " " in name:  # `{description: a, b}` reads `b` as a key
                    hint += " Put a text holding a comma in quotes."
                self.error(line, label, f"unknown key '{name}'.", hint)

    def section(self, data: LineMap, key: str, what: str) -> LineMap | None:
        """The mapping under a top-level key (None when absent or not a mapping)."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, LineMap):
            self.error(
                data.key_lines[key], key, f"must be a mapping of {what}, not {short_repr(value)}."
            )
            return None
        self.keys(value, [str(k) for k in value], key)  # keys given twice
        return value

    def entry(self, section: LineMap, key: object, label: str, accepted: Sequence[str]) -> LineMap:
        """The mapping of one entry (empty when it is empty or not a mapping)."""
        value = section[key]
        line = section.key_lines[key]
        if value is None:
            return LineMap(line)
        if not isinstance(value, LineMap):
            self.error(line, label, f"expected a mapping of keys, not {short_repr(value)}.")
            return LineMap(line)
        self.keys(value, accepted, label)
        return value

    def text(self, raw: LineMap, key: str, label: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(raw.key_lines[key], label, f"'{key}' must be text, not {short_repr(value)}.")
            return None
        return value.strip()

    def role_list(
        self, raw: LineMap, key: str, label: str, roles: Mapping[str, str]
    ) -> frozenset[str] | None:
        """The roles listed under `key` (None when missing or not a list; errors reported)."""
        if key not in raw or raw[key] is None:
            if not any(str(k) != key and suggest(str(k), [key]) for k in raw):  # not misspelt
                self.error(
                    raw.line, label, f"missing required key '{key}'.", f"Add `{key}: [analyst]`."
                )
            return None
        value, line = raw[key], raw.key_lines[key]
        if not isinstance(value, LineSeq):
            self.error(
                line,
                label,
                f"'{key}' must be a list of roles, not {short_repr(value)}.",
                f"Write `{key}: [{value if isinstance(value, str) else 'analyst'}]`.",
            )
            return None
        found: set[str] = set()
        for item, item_line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str):
                self.error(item_line, label, f"{short_repr(item)} is not a role name.")
            elif item not in roles:
                hint = f"Declare it under `roles:`, or use one of: {', '.join(roles) or 'none'}."
                self.error(
                    item_line, label, f"unknown role '{item}'.", hint + did_you_mean(item, roles)
                )
            else:
                found.add(item)
        return frozenset(found)
