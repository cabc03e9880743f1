"""A skill run, whatever the skill: its input checked, its roles, a confirmation before it writes
outside Cortex, failures told plainly, and every run in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from cortex.errors import UserError
from cortex.stores.audit import AuditLog
from skills.base import Requester, Skill, SkillContext, SkillError, SkillInput, SkillResult
from skills.ledger import WriteLedger, Written, request_key
from skills.outside import OutsideFailure, call_outside
from skills.registry import SkillRegistry
from skills.runner import run_skill


class Note(SkillInput):
    title: str
    times: int = 1


class WriteNote(Skill[Note]):
    name = "notes.write"
    description = "Writes a note somewhere outside Cortex."
    input_model = Note
    roles = frozenset({"analyst"})
    writes_outside = True

    def __init__(self) -> None:
        self.written: list[str] = []

    def run(self, context: SkillContext, given: Note) -> SkillResult:
        if given.title == "refused":
            raise SkillError("The notebook is full.", hint="Delete a note first.")
        if given.title == "crash":
            raise RuntimeError("secret internals")
        self.written.append(given.title)
        return SkillResult(text=f"Wrote {given.title}.", link=f"https://notes.test/{given.title}")

    def confirmation(self, given: Note) -> str:
        return f"Write the note {given.title!r}?"


@pytest.fixture()
def skill() -> WriteNote:
    return WriteNote()


@pytest.fixture()
def registry(skill: WriteNote) -> SkillRegistry:
    return SkillRegistry([skill])


@pytest.fixture()
def analyst(context: SkillContext) -> SkillContext:
    return replace(context, requester=Requester(user_id="ada", roles=frozenset({"analyst"})))


def test_a_skill_that_writes_outside_waits_for_confirmation_then_runs(
    registry: SkillRegistry, skill: WriteNote, analyst: SkillContext
) -> None:
    asked = run_skill(registry, "notes.write", {"title": "Q3"}, analyst)
    assert (asked.outcome, asked.confirmation) == ("awaiting confirmation", "Write the note 'Q3'?")
    assert skill.written == []
    done = run_skill(registry, "notes.write", {"title": "Q3"}, analyst, confirmed=True)
    assert done.outcome == "done"
    assert done.result is not None and done.result.link == "https://notes.test/Q3"
    assert skill.written == ["Q3"]


def test_an_input_that_does_not_fit_is_refused_field_by_field(
    registry: SkillRegistry, analyst: SkillContext
) -> None:
    run = run_skill(registry, "notes.write", {"times": "often", "colour": "red"}, analyst)
    assert run.outcome == "refused"
    assert "title: Field required" in run.message
    assert "times: Input should be a valid integer" in run.message
    assert "colour: Extra inputs are not permitted" in run.message


def test_a_requester_without_the_role_is_refused(
    registry: SkillRegistry, skill: WriteNote, context: SkillContext
) -> None:
    viewer = replace(context, requester=Requester(user_id="bo", roles=frozenset({"support"})))
    run = run_skill(registry, "notes.write", {"title": "Q3"}, viewer, confirmed=True)
    assert run.outcome == "refused"
    assert "needs one of the roles analyst" in run.message
    assert skill.written == []


def test_an_unknown_skill_is_named_with_a_did_you_mean(
    registry: SkillRegistry, analyst: SkillContext
) -> None:
    run = run_skill(registry, "notes.wrte", {}, analyst)
    assert run.outcome == "refused"
    assert "There is no skill 'notes.wrte'. Did you mean 'notes.write'?" in run.message


def test_failures_are_told_plainly_and_a_crash_gets_a_trace_id_not_a_traceback(
    registry: SkillRegistry, analyst: SkillContext
) -> None:
    refused = run_skill(registry, "notes.write", {"title": "refused"}, analyst, confirmed=True)
    assert (refused.outcome, refused.message) == (
        "failed",
        "The notebook is full.\nDelete a note first.",
    )
    crashed = run_skill(registry, "notes.write", {"title": "crash"}, analyst, confirmed=True)
    assert crashed.outcome == "failed"
    assert crashed.trace_id is not None and crashed.trace_id in crashed.message
    assert "secret internals" not in crashed.message


def test_every_run_is_in_the_audit_trail_with_its_input_outcome_and_link(
    registry: SkillRegistry, analyst: SkillContext, tmp_path: Path
) -> None:
    audit = AuditLog(tmp_path / "audit.sqlite")
    run_skill(registry, "notes.write", {"title": "Q3"}, analyst, audit=audit)
    run_skill(registry, "notes.write", {"title": "Q3"}, analyst, confirmed=True, audit=audit)
    newest, oldest = audit.skill_runs()
    assert (oldest.skill, oldest.outcome, oldest.link) == (
        "notes.write",
        "awaiting confirmation",
        None,
    )
    assert (newest.outcome, newest.link) == ("done", "https://notes.test/Q3")
    assert newest.input == '{"title": "Q3"}'
    assert newest.user_id == "ada"


def test_the_registry_offers_each_skill_as_a_tool_with_its_input_schema(
    registry: SkillRegistry,
) -> None:
    (tool,) = registry.tools()
    assert tool["name"] == "notes_write"  # tool names take no dots
    assert tool["input_schema"]["required"] == ["title"]
    assert registry.get("notes_write").name == "notes.write"


def test_two_skills_with_one_name_are_an_error(skill: WriteNote) -> None:
    with pytest.raises(ValueError, match="two skills are named 'notes.write'"):
        SkillRegistry([skill, WriteNote()])


# --------------------------------------------------------------------------- outside calls


def failing(*failures: OutsideFailure, then: str = "ok") -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return then

    return calls, call


def test_a_refused_token_is_a_configuration_error_naming_the_setting_at_once() -> None:
    calls, call = failing(OutsideFailure("Notion", 401, "API token is invalid."))
    with pytest.raises(UserError) as caught:
        call_outside(call, service="Notion", setting="NOTION_TOKEN", sleep=lambda _: None)
    assert len(calls) == 1
    assert "Notion refused Cortex's credentials (HTTP 401)" in caught.value.user_message
    assert "Check NOTION_TOKEN" in caught.value.user_message


def test_rate_limits_wait_what_retry_after_says_and_server_errors_back_off() -> None:
    waits: list[float] = []
    calls, call = failing(
        OutsideFailure("Linear", 429, "slow down", retry_after=7.0),
        OutsideFailure("Linear", 502, "bad gateway"),
        OutsideFailure("Linear", None, "timed out"),
    )
    assert (
        call_outside(call, service="Linear", setting="LINEAR_API_KEY", sleep=waits.append) == "ok"
    )
    assert waits == [7.0, 1.0, 2.0]


def test_a_final_failure_says_nothing_was_written_and_the_answer_is_kept() -> None:
    calls, call = failing(*(OutsideFailure("Linear", 503, "down") for _ in range(9)))
    with pytest.raises(SkillError) as caught:
        call_outside(call, service="Linear", setting="LINEAR_API_KEY", sleep=lambda _: None)
    assert len(calls) == 4
    assert caught.value.user_message == (
        "Linear answered HTTP 503 after 4 tries, so nothing was written there.\n"
        "The answer is kept; try again in a few minutes."
    )


def test_a_request_the_service_rejects_is_not_retried() -> None:
    calls, call = failing(OutsideFailure("Linear", 400, "teamId is not a valid UUID"))
    with pytest.raises(SkillError, match="teamId is not a valid UUID"):
        call_outside(call, service="Linear", setting="LINEAR_API_KEY", sleep=lambda _: None)
    assert len(calls) == 1


# --------------------------------------------------------------------------- the ledger


def test_the_ledger_remembers_what_was_written_for_a_request(tmp_path: Path) -> None:
    ledger = WriteLedger(tmp_path / "skills.sqlite")
    key = request_key("notion.write_page", "What's our ARR?", "c1", "2026-11-24")
    assert key == request_key("notion.write_page", "What's our ARR?", "c1", "2026-11-24")
    assert ledger.find("notion.write_page", key) is None
    ledger.remember("notion.write_page", key, "page-1", "https://notion.test/page-1")
    again = WriteLedger(tmp_path / "skills.sqlite")  # another process, the same file
    assert again.find("notion.write_page", key) == Written("page-1", "https://notion.test/page-1")
    assert again.find("linear.create_issue", key) is None
