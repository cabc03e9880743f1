"""The Notion skills, through the real notion-client against a fake Notion on 127.0.0.1.

`notion.write_page` turns answers into a page (narrative, table, chart, provenance, SQL, a
link back to the thread) under a parent page or in a database, and updates that same page when
run again; failures of Notion are retried or explained, never with the token. `notion.read`
(and `cortex context sync notion`) writes the pages of a database as context documents that
`load_context` reads, with their caveats and the metrics they apply to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from cortex.agent import Agent
from cortex.answer import Answer
from cortex.answers.wording import cell_text, shown_partials
from cortex.assembly import build_agent
from cortex.knowledge import Caveat, load_context
from cortex.settings import Settings, load_settings
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace
from skills.base import ConfigurationError, Requester, SkillContext, SkillError
from skills.builtin import skill_registry
from skills.notion import NotionOptions, NotionRead, NotionWritePage
from skills.notion.blocks import rich_text, table
from skills.notion.write_page import WritePageInput
from skills.runner import run_skill
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import ROOT, run
from tests.fakes.notion_api import TOKEN, FakeNotion, paragraph, rich

THREAD = "https://acme.slack.com/archives/C0123/p1732441000000100"
FAST = NotionOptions(timeout_seconds=0.4, attempts=3, first_wait=0.05)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture()
def fake() -> Iterator[FakeNotion]:
    with FakeNotion() as server:
        yield server


def _settings(demo_path: Path, tmp_path: Path, **notion: str) -> Settings:
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        **notion,
    }
    return load_settings(environ, cwd=tmp_path)


@pytest.fixture()
def parent(fake: FakeNotion) -> str:
    return fake.add_page("Cortex answers")


@pytest.fixture(scope="module")
def agent(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """An agent on the demo, shared by the module (each test points it at its own Notion)."""
    built = build_agent(Workspace.open(_settings(demo_path, tmp_path_factory.mktemp("agent"))))
    yield built
    built.close()


@pytest.fixture()
def settings(agent: Agent, fake: FakeNotion, parent: str, tmp_path: Path) -> Settings:
    """The agent's settings with the fake Notion, its parent page (as a URL) and a fresh ledger."""
    return replace(
        agent.workspace.settings,
        notion_token=SecretStr(TOKEN),
        notion_api_url=fake.url,
        notion_parent_page=f"https://www.notion.so/Cortex-answers-{parent.replace('-', '')}",
        audit_path=tmp_path / "data" / "audit.sqlite",
    )


def _context(agent: Agent, settings: Settings, *answers: Answer) -> SkillContext:
    workspace = Workspace(settings, agent.workspace.model, agent.workspace.warehouse)
    requester = Requester(
        user_id="U1", user_name="Ada", source="slack", channel="C0123", thread_link=THREAD
    )
    return SkillContext(workspace=workspace, requester=requester, answers=answers, agent=agent)


def _write(context: SkillContext, options: NotionOptions = FAST, **given: Any) -> Any:
    skill = NotionWritePage(context.settings, options)
    return skill.run(context, WritePageInput(**given))


def _children(entry_body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(entry_body["children"])


def _text(block: dict[str, Any]) -> str:
    kind = block["type"]
    return "".join(t["text"]["content"] for t in block[kind]["rich_text"])


def _uploads(fake: FakeNotion) -> list[Any]:
    return [e for e in fake.journal if e.method == "POST" and e.path == "/v1/file_uploads"]


def _no_token_anywhere(fake: FakeNotion, *texts: str) -> None:
    assert TOKEN not in repr(fake.journal)
    for entry in fake.journal:
        assert entry.headers["authorization"] == "<redacted>"
    for text in texts:
        assert TOKEN not in text


# --------------------------------------------------------------------------- notion.write_page


def test_an_answer_becomes_a_page_with_its_narrative_table_chart_provenance_sql_and_thread(
    agent: Agent, settings: Settings, fake: FakeNotion, parent: str
) -> None:
    answer = agent.ask("ARR by plan")
    result = _write(_context(agent, settings, answer))

    (created,) = fake.requests("POST", "/v1/pages")
    body = created.body
    assert body["parent"] == {"type": "page_id", "page_id": parent}
    assert body["properties"]["title"]["title"][0]["text"]["content"] == "ARR by plan"
    blocks = _children(body)
    kinds = [b["type"] for b in blocks]
    assert kinds[:3] == ["heading_2", "paragraph", "table"]
    assert _text(blocks[0]) == "ARR by plan"
    assert _text(blocks[1]) == answer.text  # the narrative, as Cortex said it

    # the table: a header, then the answer's rows formatted as the terminal shows them
    rows = [
        ["".join(t["text"]["content"] for t in cell) for cell in row["table_row"]["cells"]]
        for row in blocks[2]["table"]["children"]
    ]
    assert answer.compiled is not None and answer.result is not None
    frame = answer.result.frame
    assert rows[0] == ["Plan", "ARR"]
    assert [r[0] for r in rows[1:]] == list(frame["plan"])
    assert rows[1][0] == "Enterprise" and rows[1][1].startswith("$")
    partials = shown_partials(answer.compiled, frame)
    arr = answer.compiled.columns[1]
    assert [r[1] for r in rows[1:]] == [
        cell_text(arr, r, partials) for r in frame.to_dict("records")
    ]

    # the chart: uploaded as a PNG through the File Upload API, shown as an image block
    (upload,) = _uploads(fake)
    assert upload.body == {
        "mode": "single_part",
        "filename": "chart.png",
        "content_type": "image/png",
    }
    (sent,) = [e for e in fake.journal if e.path.endswith("/send")]
    assert sent.body["file"]["png"] and sent.body["file"]["size"] > 1000
    upload_id = sent.path.split("/")[3]
    (picture,) = [b for b in blocks if b["type"] == "image"]
    assert picture["image"] == {"type": "file_upload", "file_upload": {"id": upload_id}}

    # how it was computed: the metric's definition, the freshness, the trust, then the SQL
    points = [_text(b) for b in blocks if b["type"] == "bulleted_list_item"]
    assert any(p.startswith("ARR (arr, ") for p in points)
    assert any(p.startswith("As of 2026-11-24; data as of ") for p in points)
    assert any(p.startswith("Trust: generated") for p in points)
    (sql,) = [b for b in blocks if b["type"] == "code"]
    assert sql["code"]["language"] == "sql" and _text(sql) == answer.compiled.sql

    # the way back to the thread, and the link to the page
    footer = blocks[-1]["paragraph"]["rich_text"]
    assert footer[0]["text"]["content"] == "Written by Cortex for Ada."
    assert footer[-1]["text"]["link"] == {"url": THREAD}
    page_id = next(k for k, p in fake.pages.items() if p["parent"].get("page_id") == parent)
    assert result.link == f"https://www.notion.so/{page_id.replace('-', '')}"
    assert len(fake.blocks_of(page_id)) == len(blocks)
    assert created.headers["notion-version"] == "2025-09-03"
    _no_token_anywhere(fake, result.text)


def test_a_database_parent_gets_the_page_as_a_row_titled_in_its_title_property(
    agent: Agent,
    settings: Settings,
    fake: FakeNotion,
) -> None:
    database, source = fake.add_database("Answers", title_property="Question")
    in_database = replace(settings, notion_parent_page=None, notion_parent_database=database)
    answer = agent.ask("what is ARR")

    _write(_context(agent, in_database, answer), title="ARR today")

    assert [e.path for e in fake.journal[:2]] == [
        f"/v1/databases/{database}",
        f"/v1/data_sources/{source}",
    ]
    (created,) = fake.requests("POST", "/v1/pages")
    assert created.body["parent"] == {"type": "data_source_id", "data_source_id": source}
    title = created.body["properties"]["Question"]["title"]
    assert title[0]["text"]["content"] == "ARR today"
    assert not _uploads(fake)  # a single number has no chart


def test_the_same_answer_twice_updates_the_one_page_it_wrote(
    agent: Agent, settings: Settings, fake: FakeNotion, parent: str
) -> None:
    answer = agent.ask("ticket volume by month this year")
    first = _write(_context(agent, settings, answer))
    written = len(_children(fake.requests("POST", "/v1/pages")[0].body))

    second = _write(_context(agent, settings, answer), title="Tickets in 2026")

    assert len(fake.requests("POST", "/v1/pages")) == 1  # never a second page
    assert second.link == first.link and second.text.startswith("Updated")
    page_id = str(second.details["page_id"])
    (renamed,) = fake.requests("PATCH", f"/v1/pages/{page_id}")
    assert renamed.body["properties"]["title"]["title"][0]["text"]["content"] == "Tickets in 2026"
    assert len(fake.requests("DELETE", "/v1/blocks/")) == written  # the old blocks, trashed
    (appended,) = fake.requests("PATCH", f"/v1/blocks/{page_id}/children")
    assert len(appended.body["children"]) == written
    pages = [p for p in fake.pages.values() if p["parent"].get("page_id") == parent]
    assert len(pages) == 1 and len(pages[0]["children"]) == written


def test_a_page_deleted_in_notion_is_written_afresh(
    agent: Agent, settings: Settings, fake: FakeNotion, parent: str
) -> None:
    answer = agent.ask("what is ARR")
    first = _write(_context(agent, settings, answer))
    fake.objects[str(first.details["page_id"])]["in_trash"] = True

    second = _write(_context(agent, settings, answer))

    assert len(fake.requests("POST", "/v1/pages")) == 2
    assert second.link != first.link and second.text.startswith("Wrote")


def test_questions_given_are_asked_and_many_blocks_are_sent_100_at_a_time(
    agent: Agent, settings: Settings, fake: FakeNotion
) -> None:
    answer = agent.ask("what is ARR")
    noted = replace(answer, caveats=tuple(Caveat(f"Note {i}", "x" * 2500) for i in range(120)))
    _write(_context(agent, settings, noted))
    (created,) = fake.requests("POST", "/v1/pages")
    page_id = fake.requests("PATCH", "/v1/blocks/")[0].path.split("/")[3]
    assert len(created.body["children"]) == 100
    callouts = [b for b in fake.blocks_of(page_id) if b["type"] == "callout"]
    assert len(callouts) == 120
    assert [len(t["text"]["content"]) for t in callouts[0]["callout"]["rich_text"]] == [
        2000,
        508,
    ]  # 'Note 0: ' and 2500 x

    result = _write(
        _context(agent, settings), questions=["ARR by plan", "ticket volume by month this year"]
    )
    body = fake.requests("POST", "/v1/pages")[-1].body
    headings = [_text(b) for b in body["children"] if b["type"] == "heading_2"]
    assert headings == ["ARR by plan", "ticket volume by month this year"]
    assert body["properties"]["title"]["title"][0]["text"]["content"] == (
        "ARR by plan · ticket volume by month this year"
    )
    assert len(_uploads(fake)) == 2 and result.link

    again = _write(
        _context(agent, settings), questions=["ARR by plan", "ticket volume by month this year"]
    )
    assert again.link == result.link and again.text.startswith("Updated")  # asked anew, one page


def test_text_and_tables_are_cut_to_notions_limits() -> None:
    assert [len(t["text"]["content"]) for t in rich_text("y" * 4500)] == [2000, 2000, 500]
    made = table(["n"], [[str(i)] for i in range(150)])
    assert len(made["table"]["children"]) == 100  # the header and 99 rows


def test_nothing_to_write_or_nowhere_to_write_is_said_plainly(
    agent: Agent, settings: Settings
) -> None:
    with pytest.raises(SkillError) as nothing:
        _write(_context(agent, settings))
    assert nothing.value.user_message == (
        "There is no answer to write to Notion yet.\n"
        "Ask a question first, or give the questions to answer on the page."
    )
    no_token = replace(settings, notion_token=None)
    with pytest.raises(ConfigurationError, match="NOTION_TOKEN"):
        _write(_context(agent, no_token, agent.ask("what is ARR")))
    no_parent = replace(settings, notion_parent_page=None)
    with pytest.raises(ConfigurationError) as raised:
        _write(_context(agent, no_parent, agent.ask("what is ARR")))
    assert "CORTEX_NOTION_PARENT_PAGE" in raised.value.user_message
    assert "notion_parent_page" in raised.value.user_message


def test_the_confirmation_names_the_page_and_its_parent(
    agent: Agent, settings: Settings, parent: str
) -> None:
    skill = NotionWritePage(settings)
    asked = skill.confirmation(WritePageInput(title="ARR by plan"))
    assert "'ARR by plan'" in asked and parent.replace("-", "") in asked


def test_a_refused_token_is_a_configuration_error_naming_notion_token_and_nothing_is_written(
    agent: Agent, settings: Settings, fake: FakeNotion, parent: str
) -> None:
    wrong = replace(settings, notion_token=SecretStr("wrong-token-123"))
    context = _context(agent, wrong, agent.ask("ARR by plan"))
    registry = skill_registry(wrong)

    done = run_skill(registry, "notion.write_page", {}, context, confirmed=True)

    assert done.outcome == "failed"
    assert "refused Cortex's credentials (HTTP 401)" in done.message
    assert "NOTION_TOKEN" in done.message and "wrong-token-123" not in done.message
    assert len(fake.journal) == 1  # no retry: a refused token stays refused
    assert list(fake.pages) == [parent]
    assert "wrong-token-123" not in repr(fake.journal)


def test_a_rate_limit_is_waited_out_as_retry_after_says(
    agent: Agent, settings: Settings, fake: FakeNotion
) -> None:
    answer = agent.ask("what is ARR")
    fake.fail(429, retry_after="1")

    result = _write(_context(agent, settings, answer))

    first, second = fake.journal[:2]
    assert first.path == second.path == "/v1/pages"
    assert second.at - first.at >= 0.95  # Retry-After: 1, not the 0.05 s backoff
    assert result.text.startswith("Wrote")


def test_a_server_error_is_tried_again(agent: Agent, settings: Settings, fake: FakeNotion) -> None:
    fake.fail(500)
    result = _write(_context(agent, settings, agent.ask("what is ARR")))
    assert [e.path for e in fake.journal] == ["/v1/pages", "/v1/pages"]
    assert result.link is not None and len(fake.pages) == 2


def test_a_timeout_is_tried_again_and_one_that_lasts_is_told_plainly(
    agent: Agent, settings: Settings, fake: FakeNotion
) -> None:
    answer = agent.ask("what is ARR")
    fake.delay(1.0)
    result = _write(_context(agent, settings, answer))
    assert len(fake.requests("POST", "/v1/pages")) == 2 and result.link is not None

    fake.delay(1.0, times=3)
    other = replace(answer, conversation_id="another conversation")
    with pytest.raises(SkillError) as raised:
        _write(_context(agent, settings, other))
    assert raised.value.user_message == (
        "Notion did not answer after 3 tries, so nothing was written there.\n"
        "The answer is kept; try again in a few minutes."
    )
    _no_token_anywhere(fake, raised.value.user_message)


# --------------------------------------------------------------------------- notion.read


def _context_database(fake: FakeNotion) -> tuple[str, str]:
    database, source = fake.add_database(
        "Business context",
        properties={"Owner": "email", "Applies to": "multi_select", "Tags": "multi_select"},
    )
    return database, source


def _row(fake: FakeNotion, source: str, title: str, applies: list[str], blocks: list[Any]) -> str:
    properties = {
        "Name": {"type": "title", "title": [rich(title)]},
        "Owner": {"type": "email", "email": "finance@example.com"},
        "Applies to": {"type": "multi_select", "multi_select": [{"name": n} for n in applies]},
        "Tags": {"type": "multi_select", "multi_select": [{"name": "finance"}]},
    }
    parent = {"type": "data_source_id", "data_source_id": source}
    return fake.add_page(title, parent=parent, properties=properties, blocks=blocks)


def _heading(text: str, level: int = 2) -> dict[str, Any]:
    kind = f"heading_{level}"
    return {"type": kind, kind: {"rich_text": [rich(text)]}}


def _bullet(text: str, *children: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"rich_text": [rich(text)]}
    if children:
        item["children"] = list(children)
    return {"type": "bulleted_list_item", "bulleted_list_item": item}


def _callout(text: str) -> dict[str, Any]:
    return {"type": "callout", "callout": {"rich_text": [rich(text)], "icon": None}}


@pytest.fixture()
def synced(
    demo_path: Path, tmp_path: Path, fake: FakeNotion
) -> Iterator[tuple[SkillContext, str, str]]:
    """A context whose settings name the fake's context database (3 pages, 2 per answer)."""
    fake.page_size = 2
    database, source = _context_database(fake)
    arr_page = _row(
        fake,
        source,
        "ARR rules",
        ["ARR", "new arr"],
        [
            paragraph("How finance counts recurring revenue."),
            _heading("What counts"),
            _bullet("Subscriptions active on the day", _bullet("including upgrades")),
            paragraph("Nothing else."),
            _heading("Backdated contracts"),
            _callout("ARR for the last 3 days can still move: contracts are backdated."),
            _heading("Definitions", 1),
            {
                "type": "paragraph",
                "paragraph": {"rich_text": [rich("Plan", bold=True), rich(" is the tier.")]},
            },
            _callout("Enterprise discounts are not in ARR."),
        ],
    )
    _row(fake, source, "Fiscal calendar", [], [paragraph("The fiscal year starts in February.")])
    _row(
        fake, source, "Support hours", ["ticket_volume"], [_heading("Hours"), paragraph("9 to 5.")]
    )
    settings = _settings(
        demo_path,
        tmp_path,
        NOTION_TOKEN=TOKEN,
        NOTION_API_URL=fake.url,
        CORTEX_NOTION_CONTEXT_DATABASE=database.replace("-", ""),
        CORTEX_CONTEXT=str(tmp_path / "context"),
    )
    with Workspace.open(settings) as workspace:
        yield (
            SkillContext(workspace=workspace, requester=Requester(user_id="ada")),
            source,
            arr_page,
        )


def test_the_context_database_becomes_documents_load_context_reads_with_caveats(
    synced: tuple[SkillContext, str, str], fake: FakeNotion
) -> None:
    context, source, arr_page = synced
    result = NotionRead(FAST).run(context, NotionRead.input_model())  # type: ignore[arg-type]

    folder = context.settings.context_dir
    assert sorted(p.name for p in result.files) == [
        "arr-rules.md",
        "fiscal-calendar.md",
        "support-hours.md",
    ]
    queries = fake.requests("POST", f"/v1/data_sources/{source}/query")
    assert [q.body for q in queries] == [{}, {"start_cursor": "2"}]  # paginated
    pages_of_children = fake.requests("GET", f"/v1/blocks/{arr_page}/children")
    assert [q.query.get("start_cursor") for q in pages_of_children] == [None, "2", "4", "6", "8"]

    library = load_context(folder, model=context.workspace.model)
    documents = {d.title: d for d in library.documents}
    arr = documents["ARR rules"]
    assert arr.applies_to == ("arr", "new_arr") and arr.owner == "finance@example.com"
    assert arr.tags == ("finance",) and arr.source == f"notion:{arr_page}"
    assert [p.heading for p in arr.passages] == [
        "ARR rules",
        "What counts",
        "Backdated contracts",
        "Definitions",
        "Definitions (caveat)",
    ]
    assert "- Subscriptions active on the day\n  - including upgrades" in arr.passages[1].text
    assert "**Plan** is the tier." in arr.passages[3].text
    caveats = [p.heading for p in library.caveats_for(["arr"])]
    assert caveats[:2] == ["Backdated contracts", "Definitions (caveat)"]
    assert Caveat.of(library.caveats_for(["new_arr"])[0]).markdown.startswith("ARR for the last")
    assert documents["Fiscal calendar"].owner == "finance@example.com"


def test_a_second_sync_overwrites_the_same_files_and_never_a_hand_written_one(
    synced: tuple[SkillContext, str, str], fake: FakeNotion
) -> None:
    context, source, arr_page = synced
    folder = context.settings.context_dir
    folder.mkdir(parents=True)
    hand = folder / "fiscal-calendar.md"
    hand.write_text("---\ntitle: Fiscal calendar\nowner: cfo@example.com\n---\nBy hand.\n")
    first = NotionRead(FAST).run(context, NotionRead.input_model())  # type: ignore[arg-type]
    assert hand.read_text().endswith("By hand.\n")
    fake.objects[arr_page]["properties"]["Name"]["title"] = [rich("ARR, renamed")]

    second = NotionRead(FAST).run(context, NotionRead.input_model())  # type: ignore[arg-type]

    assert first.files == second.files  # the renamed page keeps its file
    assert "title: ARR, renamed" in (folder / "arr-rules.md").read_text()
    assert len(list(folder.glob("*.md"))) == 4
    assert len(load_context(folder).documents) == 4


def test_cortex_context_sync_notion_runs_the_skill_and_records_it(
    cortex: Any, fake: FakeNotion, tmp_path: Path
) -> None:
    database, source = _context_database(fake)
    _row(fake, source, "Support hours", ["ticket_volume"], [_heading("Hours"), paragraph("9-5.")])
    cortex.env.update(
        {
            "NOTION_TOKEN": TOKEN,
            "NOTION_API_URL": fake.url,
            "CORTEX_NOTION_CONTEXT_DATABASE": database,
        }
    )

    code, out, err = run(cortex, "context", "sync", "notion")

    assert code == 0, err
    written = tmp_path / "context" / "support-hours.md"
    assert "Synced 1 Notion page(s)" in out and f"Written: {written}" in out.replace("\n", "")
    assert load_context(tmp_path / "context").documents[0].applies_to == ("ticket_volume",)
    (entry,) = AuditLog(tmp_path / "data" / "audit.sqlite").skill_runs()
    assert entry.skill == "notion.read" and entry.outcome == "done"

    code, out, _ = run(cortex, "context", "sync", "notion", "--json")
    assert json.loads(out)["files"] == [str(written)]

    code, _, err = run(cortex, "context", "sync", "confluence")
    assert code == 1 and "Sources: notion" in err

    cortex.env["NOTION_TOKEN"] = "not-the-token-42"
    code, _, err = run(cortex, "context", "sync", "notion")
    assert code == 1 and "NOTION_TOKEN" in err and "not-the-token-42" not in err
