"""`notion.read`: the pages of a Notion database become business context documents.

Every page of CORTEX_NOTION_CONTEXT_DATABASE (queried page after page of Notion's answers) is
written to the context folder (CORTEX_CONTEXT) as Markdown (`skills.notion.markdown`), named
from its title (`fiscal-calendar.md`). The file carries `source: notion:<page id>` in its front
matter: a later sync finds it by that and overwrites it, even when the title has changed; a
hand-written file of the same name is never overwritten (the page's file takes its id instead).
Pages deleted in Notion leave their files in place, to be removed by hand.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, ClassVar, Final

import yaml

from cortex.settings import Settings
from semantic_layer.model import SemanticModel
from skills.base import ConfigurationError, Skill, SkillContext, SkillInput, SkillResult
from skills.notion.api import NotionApi, NotionOptions, notion_id
from skills.notion.markdown import ContextPage, context_page, to_markdown

__all__ = ["NotionRead", "ReadInput"]

#: How deep nested blocks are read (a list item's items, a callout's paragraphs, table rows).
_MAX_DEPTH: Final = 3


class ReadInput(SkillInput):
    """notion.read takes no input: the database is the one configured."""


class NotionRead(Skill[ReadInput]):
    """Pull the pages of the Notion context database into the business context."""

    name: ClassVar[str] = "notion.read"
    description: ClassVar[str] = (
        "Read the pages of the Notion context database into Cortex's business context "
        "(definitions, caveats) as Markdown files; a page synced before is overwritten."
    )
    input_model: ClassVar[type[SkillInput]] = ReadInput

    def __init__(self, options: NotionOptions | None = None) -> None:
        self._options = options or NotionOptions()

    def run(self, context: SkillContext, given: ReadInput) -> SkillResult:
        """Write one context file per page; the result lists them."""
        settings = context.settings
        database = _database(settings)
        folder = settings.context_dir
        folder.mkdir(parents=True, exist_ok=True)
        names = _metric_names(context.workspace.model)
        known = _synced_files(folder)
        written: list[Path] = []
        with NotionApi.from_settings(settings, self._options) as api:
            source = api.data_source(database)
            for row in api.rows(str(source["id"])):
                page = context_page(row, names)
                blocks = _tree(api, page.page_id, 1)
                path = known.get(page.source) or _free_path(folder, page, written)
                path.write_text(to_markdown(page, blocks), encoding="utf-8")
                written.append(path)
        listed = ", ".join(p.name for p in written) or "none"
        return SkillResult(
            text=f"Synced {len(written)} Notion page(s) into {folder}: {listed}.",
            files=tuple(written),
            details={"files": [str(p) for p in written], "database": database},
        )


def _database(settings: Settings) -> str:
    if not settings.notion_context_database:
        raise ConfigurationError(
            "Cortex does not know which Notion database holds the business context.",
            hint="Set CORTEX_NOTION_CONTEXT_DATABASE (cortex.toml key notion_context_database) "
            "to a database shared with Cortex's integration.",
        )
    return notion_id(settings.notion_context_database)


def _metric_names(model: SemanticModel) -> dict[str, str]:
    """A lower-cased metric name, label or synonym -> the metric's name."""
    names: dict[str, str] = {}
    for metric in model.metrics:
        for phrase in (metric.name, metric.label, *metric.synonyms):
            if phrase:
                names.setdefault(phrase.lower(), metric.name)
    return names


def _tree(api: NotionApi, block_id: str, depth: int) -> list[dict[str, Any]]:
    """The blocks under `block_id`, with their children nested (up to _MAX_DEPTH)."""
    blocks = api.children(block_id)
    if depth < _MAX_DEPTH:
        for block in blocks:
            if block.get("has_children") and block.get("type") != "child_page":
                block["children"] = _tree(api, str(block["id"]), depth + 1)
    return blocks


def _synced_files(folder: Path) -> dict[str, Path]:
    """The files of `folder` a sync wrote, by their front matter's `source`."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        source = _source_of(path)
        if source is not None:
            found.setdefault(source, path)
    return found


def _source_of(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None
    source = meta.get("source") if isinstance(meta, dict) else None
    return source if isinstance(source, str) else None


def slug(title: str) -> str:
    """A file name's stem from a title: `Fiscal calendar (FY)` -> `fiscal-calendar-fy`."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80].strip("-") or "page"


def _free_path(folder: Path, page: ContextPage, taken: list[Path]) -> Path:
    """`<slug>.md`, or `<slug>-<id>.md` when another file (hand-written, or another page
    of this sync) has that name."""
    path = folder / f"{slug(page.title)}.md"
    if path.exists() or path in taken:
        path = folder / f"{slug(page.title)}-{page.page_id.replace('-', '')[:8]}.md"
    return path
