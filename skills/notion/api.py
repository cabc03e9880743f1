"""Notion, reached through the official client, every call retried the way skills.outside says.

`NotionApi.from_settings(settings, options)` checks the token is set (else a ConfigurationError
naming NOTION_TOKEN) and opens a `notion_client.Client` with its own retries turned off (so
Retry-After, backoff and the final message are ours, in skills.outside) and a short timeout.
Each method is one Notion call (or a paginated series of them) and returns Notion's JSON.
A failure of the client becomes an `OutsideFailure` (`failure_of`): the HTTP status and the
Retry-After header of an error response, or no status for a timeout or a refused connection.
The client logs to the "cortex.skills.notion" logger, never to standard output; neither its
messages nor ours hold the token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, TypeVar

import httpx
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from cortex.settings import Settings
from skills.base import ConfigurationError
from skills.outside import OutsideFailure, call_outside, retry_after_seconds

__all__ = ["NotionApi", "NotionOptions", "failure_of", "notion_id"]

SERVICE: Final = "Notion"
TOKEN_SETTING: Final = "NOTION_TOKEN"
#: Notion's limit of children in one request.
MAX_CHILDREN: Final = 100

_log = logging.getLogger("cortex.skills.notion")
T = TypeVar("T")
JSON = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class NotionOptions:
    """How Notion is called: the client's timeout, the tries and the first backoff wait, and
    how to wait (tests pass a short timeout; `sleep` is `time.sleep` but for a test's clock)."""

    timeout_seconds: float = 20.0
    attempts: int = 4
    first_wait: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep)


def notion_id(value: str) -> str:
    """A page or database id as given in a setting: a bare id, or the id in a Notion URL."""
    from notion_client.helpers import extract_notion_id

    return extract_notion_id(value) or value.strip()


def failure_of(error: Exception) -> OutsideFailure | None:
    """What a notion-client (or httpx) exception means as an `OutsideFailure`, else None."""
    if isinstance(error, HTTPResponseError):
        wait = retry_after_seconds(error.headers.get("retry-after"))
        return OutsideFailure(SERVICE, error.status, str(error), retry_after=wait)
    if isinstance(error, RequestTimeoutError | httpx.TimeoutException):
        return OutsideFailure(SERVICE, None, "the request timed out")
    if isinstance(error, httpx.TransportError):
        return OutsideFailure(SERVICE, None, f"could not connect ({type(error).__name__})")
    return None


def _json(value: object) -> JSON:
    if not isinstance(value, dict):
        raise OutsideFailure(SERVICE, 502, "Notion answered something that is not JSON")
    return value


class NotionApi:
    """The Notion calls the skills make; close it (or use `with`) to release the connection."""

    def __init__(self, client: Client, options: NotionOptions) -> None:
        self._client = client
        self._options = options

    @classmethod
    def from_settings(cls, settings: Settings, options: NotionOptions | None = None) -> NotionApi:
        """A client for the workspace's Notion; ConfigurationError when NOTION_TOKEN is unset."""
        if settings.notion_token is None or not settings.notion_token.get_secret_value():
            raise ConfigurationError(
                "Cortex has no Notion token (NOTION_TOKEN is not set), so it cannot reach Notion.",
                hint="Set NOTION_TOKEN (or notion_token in cortex.toml) to an integration's "
                "token, and share the pages Cortex uses with that integration.",
            )
        options = options or NotionOptions()
        client = Client(
            auth=settings.notion_token.get_secret_value(),
            base_url=settings.notion_api_url.rstrip("/"),
            timeout_ms=int(options.timeout_seconds * 1000),
            retry=False,  # retries are ours (skills.outside), so Retry-After and backoff are tested
            logger=_log,
            log_level=logging.WARNING,
        )
        return cls(client, options)

    def __enter__(self) -> NotionApi:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the client's connections."""
        self._client.close()

    def call(self, request: Callable[[Client], object]) -> JSON:
        """One Notion call, retried as skills.outside says; Notion's JSON answer."""
        return self._outside(lambda: _json(self._translated(request)))

    def _translated(self, request: Callable[[Client], T]) -> T:
        try:
            return request(self._client)
        except Exception as error:
            failure = failure_of(error)
            if failure is None:
                raise
            raise failure from None

    def _outside(self, call: Callable[[], T]) -> T:
        options = self._options
        return call_outside(
            call,
            service=SERVICE,
            setting=TOKEN_SETTING,
            attempts=options.attempts,
            first_wait=options.first_wait,
            sleep=options.sleep,
        )

    # ------------------------------------------------------------------ pages and blocks

    def create_page(
        self, parent: Mapping[str, Any], properties: Mapping[str, Any], children: Sequence[JSON]
    ) -> JSON:
        """A new page under `parent` with its first (at most 100) `children`."""
        return self.call(
            lambda c: c.pages.create(
                parent=dict(parent), properties=dict(properties), children=list(children)
            )
        )

    def live_page(self, page_id: str) -> JSON | None:
        """The page `page_id`, or None when it is gone (deleted, in the trash, not shared)."""

        def retrieve() -> JSON | None:
            try:
                page = _json(self._translated(lambda c: c.pages.retrieve(page_id)))
            except OutsideFailure as failure:
                if failure.status == 404:
                    return None
                raise
            return None if page.get("in_trash") or page.get("archived") else page

        return self._outside(retrieve)

    def update_page(self, page_id: str, properties: Mapping[str, Any]) -> JSON:
        """Set the page's `properties` (such as its title)."""
        return self.call(lambda c: c.pages.update(page_id, properties=dict(properties)))

    def children(self, block_id: str) -> list[JSON]:
        """Every child block of a page or block, page after page of Notion's answers."""
        return list(
            self._paginated(lambda cursor: lambda c: c.blocks.children.list(block_id, **cursor))
        )

    def append(self, block_id: str, children: Sequence[JSON]) -> None:
        """Append `children` to a page or block, 100 a request (Notion's limit)."""
        for start in range(0, len(children), MAX_CHILDREN):
            self.call(_appending(block_id, list(children[start : start + MAX_CHILDREN])))

    def delete_block(self, block_id: str) -> None:
        """Move a block to the trash."""
        self.call(lambda c: c.blocks.delete(block_id))

    # ------------------------------------------------------------------ databases

    def data_source(self, database_id: str) -> JSON:
        """The (first) data source of a database: its id and its properties' schema."""
        database = self.call(lambda c: c.databases.retrieve(database_id))
        sources = database.get("data_sources") or []
        if not sources:
            raise OutsideFailure(SERVICE, 400, f"the database {database_id} has no data source")
        source_id = str(sources[0]["id"])
        return self.call(lambda c: c.data_sources.retrieve(source_id))

    def rows(self, data_source_id: str) -> Iterator[JSON]:
        """Every page of a data source, page after page of Notion's answers."""
        return self._paginated(
            lambda cursor: lambda c: c.data_sources.query(data_source_id, **cursor)
        )

    # ------------------------------------------------------------------ files

    def upload(self, filename: str, content: bytes, content_type: str) -> str:
        """Upload a small file (single part); the file upload's id, for a block to use."""
        created = self.call(
            lambda c: c.file_uploads.create(
                mode="single_part", filename=filename, content_type=content_type
            )
        )
        upload_id = str(created["id"])
        self.call(lambda c: c.file_uploads.send(upload_id, file=(filename, content, content_type)))
        return upload_id

    def _paginated(
        self, request: Callable[[dict[str, str]], Callable[[Client], object]]
    ) -> Iterator[JSON]:
        cursor: dict[str, str] = {}
        while True:
            answer = self.call(request(cursor))
            yield from answer.get("results", [])
            if not answer.get("has_more") or not answer.get("next_cursor"):
                return
            cursor = {"start_cursor": str(answer["next_cursor"])}


def _appending(block_id: str, chunk: list[JSON]) -> Callable[[Client], object]:
    """The call appending `chunk` to `block_id` (bound now, not when the loop has moved on)."""
    return lambda c: c.blocks.children.append(block_id, children=chunk)
