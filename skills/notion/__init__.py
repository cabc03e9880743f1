"""The Notion skills: answers written to a page, and a database read into the business context.

skills.notion.api         Notion through notion-client, every call retried as skills.outside
skills.notion.blocks      Notion blocks within Notion's limits (100 children, 2000 chars)
skills.notion.page        an answer as blocks: narrative, table, chart, provenance, SQL
skills.notion.write_page  `notion.write_page`: the page written, or updated when run again
skills.notion.markdown    a Notion page as a context document (front matter, caveats)
skills.notion.read        `notion.read`: the context database synced into context/
"""

from __future__ import annotations

from skills.notion.api import NotionOptions
from skills.notion.read import NotionRead
from skills.notion.write_page import NotionWritePage

__all__ = ["NotionOptions", "NotionRead", "NotionWritePage"]
