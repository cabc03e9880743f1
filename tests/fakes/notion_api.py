"""A fake Notion API on 127.0.0.1, port 0: an in-memory workspace, scripted failures, a journal.

    with FakeNotion(token="secret-token") as fake:
        parent = fake.add_page("Cortex answers")
        database, source = fake.add_database("Answers", title_property="Name")
        fake.fail(429, retry_after="1")       # the next request is rate-limited
        fake.delay(2.0)                        # the next one is held, then dropped (504)
        client = notion_client.Client(auth="secret-token", base_url=fake.url)
        ...
        fake.journal[0].body, fake.pages[page_id]["children"], fake.blocks_of(page_id)

It follows the API version notion-client 3 sends (`Notion-Version: 2025-09-03`): a database
holds data sources, whose schema and rows are read through `/v1/data_sources/{id}`. Served:

    POST   /v1/pages                      a page under a page or a data source, with children
    GET    /v1/pages/{id}                 PATCH /v1/pages/{id} (properties, archived, in_trash)
    GET    /v1/blocks/{id}/children       paginated (`page_size`, `start_cursor`)
    PATCH  /v1/blocks/{id}/children       append (at most 100 children, 2000 chars a text)
    DELETE /v1/blocks/{id}                archive a block
    GET    /v1/databases/{id}             GET /v1/data_sources/{id}
    POST   /v1/data_sources/{id}/query    paginated rows (pages) of a data source
    POST   /v1/file_uploads               POST /v1/file_uploads/{id}/send (multipart)

A request without `Authorization: Bearer <token>` gets 401 `unauthorized`; an unknown id 404
`object_not_found`; a body over Notion's limits 400 `validation_error`. Every request is
journalled (method, path, query, headers with the Authorization value replaced by
"<redacted>", parsed JSON body or a summary of the multipart form, monotonic time).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackFake

__all__ = ["FakeNotion", "JournalEntry", "paragraph", "rich"]

TOKEN = "secret-notion-token"
_SECRET_HEADERS = frozenset({"authorization"})
_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "restricted_resource",
    404: "object_not_found",
    409: "conflict_error",
    429: "rate_limited",
    500: "internal_server_error",
    503: "service_unavailable",
    504: "gateway_timeout",
}
_clock = itertools.count(1)


@dataclass(frozen=True)
class JournalEntry:
    """One request the fake received, secrets redacted; `at` is `time.monotonic()`."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    at: float


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: str | None = None
    delay: float = 0.0


class _Problem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def rich(text: str, **annotations: bool) -> dict[str, Any]:
    """A rich text item as Notion returns it (`bold=True`, `code=True` ... as annotations)."""
    marks = {m: annotations.get(m, False) for m in ("bold", "italic", "code", "strikethrough")}
    return {
        "type": "text",
        "text": {"content": text, "link": None},
        "annotations": {**marks, "underline": False, "color": "default"},
        "plain_text": text,
        "href": None,
    }


def paragraph(text: str) -> dict[str, Any]:
    """A paragraph block to seed a page with."""
    return {"type": "paragraph", "paragraph": {"rich_text": [rich(text)]}}


def _now() -> str:
    return f"2026-11-24T10:{next(_clock) % 60:02d}:00.000Z"


class FakeNotion(LoopbackFake):
    """The fake server; a context manager that starts it in a thread and closes it cleanly.

    `page_size` caps every paginated answer (Notion's is 100), so tests can see pagination.
    """

    def __init__(self, *, token: str = TOKEN, page_size: int = 100) -> None:
        self.token = token
        self.page_size = page_size
        self.journal: list[JournalEntry] = []
        self.objects: dict[str, dict[str, Any]] = {}  # pages, blocks, databases, data sources
        self.children: dict[str, list[str]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self._failures: deque[_Failure] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler_for(self))

    # ------------------------------------------------------------------ what tests use

    @property
    def url(self) -> str:
        """The base URL to give `notion_client.Client(base_url=...)`."""
        return self.origin

    @property
    def pages(self) -> dict[str, dict[str, Any]]:
        """Every page not in the trash, by id, each with its live `children` blocks."""
        with self._lock:
            return {
                key: {**copy.deepcopy(page), "children": self._tree(key)}
                for key, page in self.objects.items()
                if page["object"] == "page" and not page["in_trash"]
            }

    def blocks_of(self, parent: str) -> list[dict[str, Any]]:
        """The live blocks under `parent` (a page or a block), nested `children` included."""
        with self._lock:
            return self._tree(parent)

    def requests(self, method: str, path_prefix: str = "/v1/") -> list[JournalEntry]:
        """The journalled requests of `method` whose path starts with `path_prefix`."""
        return [e for e in self.journal if e.method == method and e.path.startswith(path_prefix)]

    def add_page(
        self,
        title: str,
        *,
        parent: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """Seed a page (under the workspace, a page or a data source); its id."""
        shown = dict(properties or {"title": {"type": "title", "title": [rich(title)]}})
        with self._lock:
            return self._create_page(
                dict(parent or {"type": "workspace", "workspace": True}), shown, list(blocks or [])
            )

    def add_database(
        self,
        title: str,
        *,
        title_property: str = "Name",
        properties: Mapping[str, str] | None = None,
    ) -> tuple[str, str]:
        """Seed a database with one data source: its title property and others by type
        (`{"Applies to": "multi_select"}`); returns (database id, data source id)."""
        database, source = str(uuid.uuid4()), str(uuid.uuid4())
        schema = {title_property: {"id": "title", "name": title_property, "type": "title"}}
        for name, kind in (properties or {}).items():
            schema[name] = {"id": name[:4].lower(), "name": name, "type": kind, kind: {}}
        with self._lock:
            self.objects[database] = {
                "object": "database",
                "id": database,
                "title": [rich(title)],
                "data_sources": [{"id": source, "name": title}],
                "in_trash": False,
            }
            self.objects[source] = {
                "object": "data_source",
                "id": source,
                "title": [rich(title)],
                "parent": {"type": "database_id", "database_id": database},
                "properties": schema,
                "in_trash": False,
            }
        return database, source

    def fail(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with a Notion-shaped error (e.g. 429, 500)."""
        with self._lock:
            self._failures.extend(_Failure(status, retry_after) for _ in range(times))

    def delay(self, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` requests `seconds`, then drop them: 504, nothing applied
        (the client has given up by then, as it would on a hung Notion)."""
        with self._lock:
            self._failures.extend(_Failure(504, delay=seconds) for _ in range(times))

    # ------------------------------------------------------------------ the store

    def _tree(self, parent: str) -> list[dict[str, Any]]:
        blocks = []
        for key in self.children.get(parent, []):
            block = copy.deepcopy(self.objects[key])
            if self.children.get(key):
                block["children"] = self._tree(key)
            blocks.append(block)
        return blocks

    def _create_page(
        self, parent: dict[str, Any], properties: dict[str, Any], children: list[dict[str, Any]]
    ) -> str:
        key = str(uuid.uuid4())
        properties = {name: _typed(value) for name, value in properties.items()}
        self.objects[key] = {
            "object": "page",
            "id": key,
            "created_time": _now(),
            "last_edited_time": _now(),
            "parent": parent,
            "properties": properties,
            "url": f"https://www.notion.so/{key.replace('-', '')}",
            "archived": False,
            "in_trash": False,
        }
        self.children[key] = []
        self._append(key, children)
        return key

    def _append(self, parent: str, children: list[dict[str, Any]]) -> list[dict[str, Any]]:
        made = []
        for given in children:
            block = {k: v for k, v in given.items() if k not in ("children", "object")}
            kind = block.get("type")
            if not isinstance(kind, str) or not isinstance(block.get(kind), dict):
                raise _Problem(400, f"body.children: a block needs `type` and its `{kind}` object")
            payload = dict(block[kind])
            nested = payload.pop("children", None) or given.get("children") or []
            key = str(uuid.uuid4())
            self.objects[key] = {
                "object": "block",
                "id": key,
                "parent": {"type": "block_id", "block_id": parent},
                **block,
                kind: payload,
                "has_children": bool(nested),
                "archived": False,
                "in_trash": False,
            }
            self.children.setdefault(parent, []).append(key)
            self.children[key] = []
            self._append(key, nested)
            made.append(copy.deepcopy(self.objects[key]))
        return made

    def _page_of(self, key: str) -> list[Any]:
        return [self.objects[k] for k in self.children.get(key, [])]

    def _get(self, key: str, *kinds: str) -> dict[str, Any]:
        found = self.objects.get(key)
        if found is None or found["object"] not in kinds or found.get("in_trash"):
            raise _Problem(404, f"Could not find {kinds[0]} with ID: {key}.")
        return found

    def _paginated(self, items: list[Any], query: Mapping[str, Any]) -> dict[str, Any]:
        size = min(int(query.get("page_size") or 100), self.page_size)
        start = int(query.get("start_cursor") or 0)
        shown = items[start : start + size]
        more = start + size < len(items)
        return {
            "object": "list",
            "results": copy.deepcopy(shown),
            "has_more": more,
            "next_cursor": str(start + size) if more else None,
        }

    # ------------------------------------------------------------------ the endpoints

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        """The answer to one request, or a `_Problem`."""
        parts = path.strip("/").split("/")[1:]  # after "v1"
        with self._lock:
            match method, parts:
                case "POST", ["pages"]:
                    _check_children(body.get("children", []))
                    parent = dict(body["parent"])
                    if parent.get("type") == "data_source_id":
                        self._get(parent["data_source_id"], "data_source")
                    elif parent.get("type") == "page_id":
                        self._get(parent["page_id"], "page")
                    else:
                        raise _Problem(400, "body.parent should be a page_id or data_source_id")
                    key = self._create_page(
                        parent, body.get("properties", {}), body.get("children", [])
                    )
                    return copy.deepcopy(self.objects[key])
                case "GET", ["pages", key]:
                    return copy.deepcopy(self._get(key, "page"))
                case "PATCH", ["pages", key]:
                    page = self._get(key, "page")
                    given = {k: _typed(v) for k, v in body.get("properties", {}).items()}
                    page["properties"] = {**page["properties"], **given}
                    for flag in ("archived", "in_trash"):
                        if flag in body:
                            page[flag] = bool(body[flag])
                    page["last_edited_time"] = _now()
                    return copy.deepcopy(page)
                case "GET", ["blocks", key, "children"]:
                    self._get(key, "page", "block")
                    return self._paginated(self._page_of(key), query)
                case "PATCH", ["blocks", key, "children"]:
                    self._get(key, "page", "block")
                    _check_children(body.get("children", []))
                    return {
                        "object": "list",
                        "results": self._append(key, body.get("children", [])),
                    }
                case "DELETE", ["blocks", key]:
                    block = self._get(key, "block", "page")
                    block["archived"] = block["in_trash"] = True
                    parent = block.get("parent", {}).get("block_id")
                    if parent in self.children:
                        self.children[parent].remove(key)
                    return copy.deepcopy(block)
                case "GET", ["databases", key]:
                    return copy.deepcopy(self._get(key, "database"))
                case "GET", ["data_sources", key]:
                    return copy.deepcopy(self._get(key, "data_source"))
                case "POST", ["data_sources", key, "query"]:
                    self._get(key, "data_source")
                    rows = [
                        page
                        for page in self.objects.values()
                        if page["object"] == "page"
                        and not page["in_trash"]
                        and page["parent"].get("data_source_id") == key
                    ]
                    return self._paginated(rows, body or {})
                case "POST", ["file_uploads"]:
                    key = str(uuid.uuid4())
                    self.uploads[key] = {
                        "object": "file_upload",
                        "id": key,
                        "status": "pending",
                        "filename": body.get("filename"),
                        "content_type": body.get("content_type"),
                        "upload_url": f"{self.url}/v1/file_uploads/{key}/send",
                    }
                    return dict(self.uploads[key])
                case "POST", ["file_uploads", key, "send"]:
                    upload = self.uploads.get(key)
                    if upload is None:
                        raise _Problem(404, f"Could not find file_upload with ID: {key}.")
                    sent = body.get("file") if isinstance(body, dict) else None
                    if not sent or not sent.get("size"):
                        raise _Problem(400, "body.file should be a file")
                    upload.update(status="uploaded", content_length=sent["size"])
                    return dict(upload)
        raise _Problem(400, f"Invalid request URL: {method} {path}")


def _typed(value: Any) -> Any:
    """A property value as Notion returns it: with its `type` (its one other key)."""
    if isinstance(value, dict) and "type" not in value:
        kinds = [k for k in value if k != "id"]
        return {"type": kinds[0], **value} if len(kinds) == 1 else value
    return value


def _check_children(children: list[dict[str, Any]]) -> None:
    """Notion's limits: at most 100 children a request, 2000 characters a text item."""
    if len(children) > 100:
        raise _Problem(400, f"body.children.length should be ≤ 100, instead was {len(children)}.")
    for block in children:
        payload = block.get(str(block.get("type")), {})
        texts = list(payload.get("rich_text", []))
        texts += [t for cell in payload.get("cells", []) for t in cell]
        for text in texts:
            content = text.get("text", {}).get("content", "")
            if len(content) > 2000:
                raise _Problem(400, f"text.content.length should be ≤ 2000, was {len(content)}.")
        _check_children(payload.get("children", []) + block.get("children", []))


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A summary of a multipart form: each field's filename, content type and size."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"content-type: {content_type}\r\n\r\n".encode() + raw
    )
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        form[str(name)] = {
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "size": len(data),
            "png": data.startswith(b"\x89PNG"),
        }
    return form


def _handler_for(fake: FakeNotion) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self._serve("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            content_type = self.headers.get("content-type") or ""
            body: Any
            if content_type.startswith("multipart/"):
                body = _multipart(content_type, raw)
            else:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            split = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            headers = {
                name.lower(): "<redacted>" if name.lower() in _SECRET_HEADERS else value
                for name, value in self.headers.items()
            }
            with fake._lock:
                fake.journal.append(
                    JournalEntry(method, split.path, query, headers, body, time.monotonic())
                )
                failure = fake._failures.popleft() if fake._failures else None
            if failure is not None:
                if failure.delay and fake._stopping.wait(failure.delay):
                    return  # the server is closing; the client has long given up
                self._error(
                    failure.status,
                    _CODES.get(failure.status, "internal_server_error"),
                    "Scripted failure.",
                    failure.retry_after,
                )
                return
            if self.headers.get("authorization") != f"Bearer {fake.token}":
                self._error(401, "unauthorized", "API token is invalid.")
                return
            try:
                answer = fake.handle(method, split.path, query, body or {})
            except _Problem as problem:
                self._error(problem.status, _CODES[problem.status], problem.message)
                return
            except (KeyError, TypeError, AttributeError) as wrong:
                self._error(400, "validation_error", f"The body does not fit: {wrong!r}")
                return
            self._send(200, answer)

        def _error(
            self, status: int, code: str, message: str, retry_after: str | None = None
        ) -> None:
            body = {"object": "error", "status": status, "code": code, "message": message}
            self._send(status, body, {"retry-after": retry_after} if retry_after else {})

        def _send(self, status: int, body: Any, headers: Mapping[str, str] = {}) -> None:  # noqa: B006
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client timed out and hung up

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the journal is the log."""

    return Handler


def running(**options: Any) -> Iterator[FakeNotion]:
    """A generator for a pytest fixture: `yield from running()`."""
    with FakeNotion(**options) as fake:
        yield fake
