"""YAML with line numbers: what every Cortex file reader reports `file:line` with.

`yaml.load(text, Loader=LineLoader)` builds `LineMap`s and `LineSeq`s, plain dicts and lists
that also remember the 1-based line of themselves, of each key and of each item (and keys given
twice). `plain_data` turns them back into plain containers; `syntax_issue` turns a YAML error
into an `Issue` with a hint; `display_path` and `short_repr` show a file and a value in messages.
`read_text` reads a file as UTF-8, reporting a byte that is not at its line (`utf8_text` does the
decoding for readers of other formats). Used by the metrics.yml loader and the access.yml reader.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from semantic_layer.errors import Issue

__all__ = [
    "LineLoader",
    "LineMap",
    "LineSeq",
    "UTF8_HINT",
    "NotUTF8",
    "display_path",
    "plain_data",
    "read_text",
    "short_repr",
    "syntax_issue",
    "utf8_text",
]

#: The fix for a file that is not UTF-8 text.
UTF8_HINT = "Save the file as UTF-8."


class LineMap(dict[Any, Any]):
    """A YAML mapping that remembers its 1-based line and the line of each of its keys."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Hashable, int] = {}
        #: (key, line, line of the first occurrence) for every key given twice
        self.duplicates: list[tuple[str, int, int]] = []


class LineSeq(list[Any]):
    """A YAML sequence that remembers its 1-based line and the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


#: Whether PyYAML was built with libyaml, whose parser is about ten times faster.
LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
try:
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _FastLoader  # type: ignore[assignment]


class _PureLineLoader(yaml.SafeLoader):
    """The pure-Python parser with the same constructors: what explains a syntax error."""


class LineLoader(_FastLoader):
    """A SafeLoader whose mappings and sequences record the line of every mapping, key and item.

    It parses with libyaml (`CSafeLoader`) when PyYAML has it; a file it cannot parse is parsed
    again by the pure-Python parser, so that a syntax error is reported with that parser's
    messages and marks, which `syntax_issue` turns into a hint (an error is rare; speed is not
    needed then).
    """

    def __init__(self, stream: str) -> None:
        self._text = stream
        super().__init__(stream)

    def get_single_data(self) -> Any:
        try:
            return super().get_single_data()
        except yaml.YAMLError:
            if not LIBYAML:
                raise
            pure = _PureLineLoader(self._text)
            try:
                return pure.get_single_data()
            finally:
                pure.dispose()


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    result = LineMap(node.start_mark.line + 1)
    written: dict[Hashable, int] = {}  # keys written here (not merged in with `<<:`)
    for key_node, _ in node.value:
        if key_node.tag != "tag:yaml.org,2002:merge":
            key = _construct_key(loader, node, key_node)
            line = key_node.start_mark.line + 1
            if key in written:
                result.duplicates.append((str(key), line, written[key]))
            written[key] = line
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _construct_key(loader, node, key_node)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_key(loader: yaml.SafeLoader, node: yaml.Node, key_node: yaml.Node) -> Hashable:
    key = loader.construct_object(key_node, deep=True)
    if not isinstance(key, Hashable):
        raise yaml.constructor.ConstructorError(
            "while constructing a mapping",
            node.start_mark,
            "found an unhashable key",
            key_node.start_mark,
        )
    return key


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineSeq:
    result = LineSeq(node.start_mark.line + 1)
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.item_lines.append(item.start_mark.line + 1)
    return result


for _loader in (LineLoader, _PureLineLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def plain_data(value: object) -> object:
    """`value` with every `LineMap`/`LineSeq` as a plain dict/list (what pydantic reads)."""
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_data(item) for item in value]
    return value


def syntax_issue(file: str, error: yaml.YAMLError) -> Issue:
    """A YAML syntax error as an Issue at the line of its mark, with a hint on how to fix it."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return Issue("error", file, 0, "YAML", f"cannot read the file: {error}.")
    line = error.problem_mark.line + 1
    problem = (error.problem or "invalid YAML").rstrip(".")
    context_line = error.context_mark.line + 1 if error.context_mark is not None else line
    if "'\\t'" in problem:
        return Issue(
            "error",
            file,
            line,
            "YAML",
            "a tab character is used for indentation.",
            f"Indent with spaces, not tabs (line {line}).",
        )
    if error.context == "while scanning a quoted scalar":
        return Issue(
            "error",
            file,
            context_line,
            "YAML",
            "a quoted string is never closed.",
            f"Close the quote opened on line {context_line}.",
        )
    if problem.startswith("expected <block end>"):
        message = (
            f"bad indentation: the line does not line up with the block on line {context_line}."
        )
    elif problem == "mapping values are not allowed here":
        message = "unexpected ':' (a key indented deeper than the one above, or an unquoted ': ')."
    else:
        context = f" ({error.context} on line {context_line})" if error.context else ""
        message = f"{problem}{context}."
    return Issue("error", file, line, "YAML", message, f"Check the indentation around line {line}.")


def display_path(path: Path) -> str:
    """The file as given relative to the working directory when possible, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class NotUTF8(ValueError):
    """Bytes that are not UTF-8 text; `line` and `column` (1-based) place the first bad byte."""

    def __init__(self, line: int, column: int, byte: int) -> None:
        self.line, self.column, self.byte = line, column, byte
        self.reason = f"byte 0x{byte:02x} at column {column} is not UTF-8 text."
        super().__init__(f"line {line}: {self.reason}")


def utf8_text(raw: bytes) -> str:
    """`raw` decoded as UTF-8; raises NotUTF8 at the line of the first byte that is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        column = len(raw[line_start : error.start].decode("utf-8", "replace")) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        raise NotUTF8(line, column, raw[error.start]) from None


def read_text(path: Path, file: str) -> str | Issue:
    """The text of `path` (shown as `file`), or the Issue saying why it cannot be read: the
    line of a byte that is not UTF-8, with the fix."""
    try:
        return utf8_text(path.read_bytes())
    except OSError as error:
        return Issue("error", file, 0, "file", f"cannot be read: {error}.")
    except NotUTF8 as error:
        return Issue("error", file, error.line, "file", error.reason, UTF8_HINT)
