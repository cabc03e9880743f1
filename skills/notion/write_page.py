"""`notion.write_page`: answers become a Notion page; the same answers again update that page.

The answers are the context's (the one under a button, the conversation's last), or the
questions given, asked through the governed pipeline as the requester may see them. The page
goes under CORTEX_NOTION_PARENT_PAGE, or into CORTEX_NOTION_PARENT_DATABASE (its title property
is read from the database's schema). Its content is `skills.notion.page`'s; the chart is
uploaded with Notion's File Upload API and shown as an image block.

The ledger (`skills.ledger`) keys a page by its answers' questions and conversations (or by
the questions given) and the as-of day: a second run finds the page and updates it (the title
set again, the old blocks moved to the trash, the new ones appended), never a second page. A
page deleted in Notion since is written afresh.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from pydantic import Field

from cortex.answer import Answer
from cortex.settings import Settings
from skills.base import ConfigurationError, Skill, SkillContext, SkillError, SkillInput, SkillResult
from skills.ledger import WriteLedger, request_key
from skills.notion.api import MAX_CHILDREN, NotionApi, NotionOptions, notion_id
from skills.notion.blocks import rich_text
from skills.notion.page import answer_blocks, chart_png, footer_blocks, has_numbers, page_title

__all__ = ["NotionWritePage", "WritePageInput"]

Block = dict[str, Any]
_PARENT_SETTINGS: Final = (
    "CORTEX_NOTION_PARENT_PAGE (cortex.toml key notion_parent_page) or "
    "CORTEX_NOTION_PARENT_DATABASE (notion_parent_database)"
)


class WritePageInput(SkillInput):
    """What to write: a title (else the question), and questions to ask (else the answers
    Cortex gave in the conversation)."""

    title: str | None = Field(default=None, max_length=2000, description="The page's title.")
    questions: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Questions to answer on the page; none: the answers already given.",
    )


#: A request about the answer itself ("save this to Notion"), not a question to answer.
_THIS = frozenset({"this", "that", "it", "these", "the answer", "this answer", "them"})


class NotionWritePage(Skill[WritePageInput]):
    """Write answers to a Notion page (or update the page written for them before)."""

    name: ClassVar[str] = "notion.write_page"
    description: ClassVar[str] = (
        "Save answers to Notion: a page with the narrative, the table, the chart, how the "
        "numbers were computed and the SQL, under the configured parent page or database. "
        "Writing the same answers again updates that page."
    )
    input_model: ClassVar[type[SkillInput]] = WritePageInput
    writes_outside: ClassVar[bool] = True
    button: ClassVar[str | None] = "Save to Notion"
    #: "save this to Notion", "put revenue by region in Notion", "export it as a Notion page"
    requests: ClassVar[tuple[str, ...]] = (
        r"\b(?:save|put|write|add|send|export|copy|post|share|turn)\b(?: (?P<subject>.+?))?"
        r" (?:to|in|into|on|as) (?:a )?notion\b",
    )

    def request_input(self, subject: str | None) -> dict[str, Any]:
        """The answer in the thread ("this"), or a question to answer on the page."""
        if subject is None or subject.lower() in _THIS:
            return {}
        return {"questions": [subject]}

    def __init__(self, settings: Settings, options: NotionOptions | None = None) -> None:
        self._settings = settings
        self._options = options or NotionOptions()

    def confirmation(self, given: WritePageInput) -> str:
        """Which page Cortex will write, and where."""
        what = f"the Notion page {given.title!r}" if given.title else "a Notion page"
        settings = self._settings
        if settings.notion_parent_page:
            where = f"under the page {settings.notion_parent_page}"
        elif settings.notion_parent_database:
            where = f"in the database {settings.notion_parent_database}"
        else:
            where = "(no parent page is configured yet)"
        return f"Write {what} {where}, or update the page written for these answers before?"

    def run(self, context: SkillContext, given: WritePageInput) -> SkillResult:
        """Write (or update) the page; its link is the result's."""
        settings = context.settings
        parent = _parent(settings)
        answers = _answers(context, given)
        shown = [a for a in answers if has_numbers(a)]
        if not shown:
            raise SkillError(
                f"There are no numbers to write to Notion: {answers[-1].text}",
                hint="Ask a question Cortex answers with numbers first, then save it.",
            )
        title = page_title(given.title, shown)
        ledger = WriteLedger.for_settings(settings)
        key = _request(given, shown, settings)
        with NotionApi.from_settings(settings, self._options) as api:
            blocks = self._blocks(api, context, shown)
            written = ledger.find(self.name, key)
            page = api.live_page(written.external_id) if written is not None else None
            if page is not None:
                _replace(api, page["id"], _title_property(page), title, blocks)
                verb = "Updated"
            else:
                page = _create(api, parent, title, blocks)
                verb = "Wrote"
        link = str(page.get("url") or "") or None
        ledger.remember(self.name, key, str(page["id"]), link)
        return SkillResult(
            text=f"{verb} the Notion page “{title}”.",
            link=link,
            details={"page_id": page["id"], "updated": verb == "Updated", "blocks": len(blocks)},
        )

    def _blocks(self, api: NotionApi, context: SkillContext, answers: list[Answer]) -> list[Block]:
        blocks: list[Block] = []
        for answer in answers:
            png = chart_png(answer, context.workspace.model)
            upload = api.upload("chart.png", png, "image/png") if png is not None else None
            blocks += answer_blocks(answer, chart_upload=upload)
        return blocks + footer_blocks(context.requester)


def _parent(settings: Settings) -> dict[str, Any]:
    """The configured parent, as Notion's `parent` (a database is resolved when writing)."""
    if settings.notion_parent_page:
        return {"type": "page_id", "page_id": notion_id(settings.notion_parent_page)}
    if settings.notion_parent_database:
        return {"type": "database_id", "database_id": notion_id(settings.notion_parent_database)}
    raise ConfigurationError(
        "Cortex does not know where to write Notion pages.",
        hint=f"Set {_PARENT_SETTINGS} to a page or database shared with Cortex's integration.",
    )


def _answers(context: SkillContext, given: WritePageInput) -> list[Answer]:
    questions = [q.strip() for q in given.questions if q.strip()]
    if questions:
        return [context.ask(question) for question in questions]
    if not context.answers:
        raise SkillError(
            "There is no answer to write to Notion yet.",
            hint="Ask a question first, or give the questions to answer on the page.",
        )
    return list(context.answers)


def _request(given: WritePageInput, answers: list[Answer], settings: Settings) -> str:
    """The ledger's key: the questions given (each run asks them in a new conversation), else
    the answers' questions and conversations; with the as-of day either way."""
    day = settings.as_of.isoformat()
    if given.questions:
        return request_key("questions", [q.strip() for q in given.questions], day)
    return request_key([(a.question, a.conversation_id) for a in answers], day)


def _title_property(page: dict[str, Any]) -> str:
    """The name of a page's title property ("title" for a page under a page)."""
    for name, value in (page.get("properties") or {}).items():
        if isinstance(value, dict) and value.get("type") == "title":
            return str(name)
    return "title"


def _create(api: NotionApi, parent: dict[str, Any], title: str, blocks: list[Block]) -> Any:
    """A new page under `parent` holding `blocks` (the first 100 with the page, then more)."""
    title_name = "title"
    if parent["type"] == "database_id":
        source = api.data_source(parent["database_id"])
        parent = {"type": "data_source_id", "data_source_id": source["id"]}
        title_name = _title_property(source)
    properties = {title_name: {"title": rich_text(title)}}
    page = api.create_page(parent, properties, blocks[:MAX_CHILDREN])
    api.append(str(page["id"]), blocks[MAX_CHILDREN:])
    return page


def _replace(
    api: NotionApi, page_id: str, title_name: str, title: str, blocks: list[Block]
) -> None:
    """The page's title set again, its blocks replaced by `blocks`."""
    api.update_page(page_id, {title_name: {"title": rich_text(title)}})
    for block in api.children(page_id):
        api.delete_block(str(block["id"]))
    api.append(page_id, blocks)
