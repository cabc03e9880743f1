"""The skills as Claude sees them: each a tool with its description and input schema, a call
to one a request to act that the agent hands to the surface; through the real `anthropic`
client against the fake Messages API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anthropic
import jsonschema
import pytest

from cortex.knowledge import build_catalog
from cortex.planning.claude import ClaudePlanner
from cortex.planning.plans import SkillRequest
from cortex.settings import load_settings
from semantic_layer.loader import load_model
from skills.builtin import skill_registry
from tests.conftest import DEMO_AS_OF
from tests.cortex.conftest import ROOT
from tests.fakes.anthropic_api import FakeAnthropic, tool_use


@pytest.fixture()
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def planner(fake: FakeAnthropic, tmp_path: Path) -> ClaudePlanner:
    model = load_model(ROOT / "metrics.yml")
    skills = skill_registry(load_settings({}, cwd=ROOT)).readers()
    client = anthropic.Anthropic(base_url=fake.url, api_key="test-key", max_retries=0)
    return ClaudePlanner(
        model,
        build_catalog(model),
        as_of=DEMO_AS_OF,
        client=client,
        model_name="claude-haiku-4-5",
        max_tokens=1024,
        skills=skills,
    )


def test_every_skill_is_a_tool_with_a_valid_schema_and_the_prompt_says_when_to_act(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.reply(tool_use("skill_okr_status", {"okr": "OKR-1"}))
    plan = planner(fake, tmp_path).plan("how's our first objective looking?")
    assert plan == SkillRequest("okr.status", {"okr": "OKR-1"}, plan.usage)

    body = fake.journal[0].body
    tools = {tool["name"]: tool for tool in body["tools"]}
    assert {
        "skill_notion_write_page",
        "skill_linear_create_issue",
        "skill_report_html",
        "skill_brief_pdf",
        "skill_okr_status",
        "skill_support_weekly_review",
    } <= set(tools)
    for name, tool in tools.items():
        jsonschema.Draft202012Validator.check_schema(tool["input_schema"])
        assert "$defs" not in tool["input_schema"], name
    assert "call that skill's tool" in body["system"]


def test_a_skill_call_becomes_a_request_the_skill_checks_later(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.reply(tool_use("skill_brief_pdf", {"name": "dawn thread living"}))
    plan = planner(fake, tmp_path).plan("everything we know about Dawn Thread Living please")
    assert isinstance(plan, SkillRequest)
    assert (plan.skill, dict(plan.input)) == ("brief.pdf", {"name": "dawn thread living"})
