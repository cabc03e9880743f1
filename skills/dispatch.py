"""A skill asked for in a question, carried through: what every surface does with an `Action`.

The agent recognises a request ("save this to Notion", "how are we doing on OKR-1?") and
answers with an `Action`; `follow_through` runs it through `run_skill` with the answers it acts
on (those given, else the conversation's latest answer computed again as the asker may see it)
and turns what came of it into the answer to show:

    done, with numbers    the skill's answer (okr.status), its action marked done
    done                  what the skill says, with its link or files
    awaiting confirmation the question to confirm (a Slack "Confirm" button, `--yes`)
    refused / failed      a refusal or an error answer: the answer acted on is kept
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cortex.agent import Agent, QueryPolicy
from cortex.answer import Action, Answer, AnswerStatus
from cortex.stores.audit import AuditLog
from skills.base import Requester, SkillContext
from skills.registry import SkillRegistry
from skills.runner import SkillRun, run_skill

__all__ = ["follow_through"]

_STATUS_OF: dict[str, AnswerStatus] = {
    "done": "action",
    "awaiting confirmation": "action",
    "refused": "denied",
    "failed": "error",
}


def follow_through(
    answer: Answer,
    registry: SkillRegistry,
    agent: Agent,
    requester: Requester,
    *,
    policy: QueryPolicy | None = None,
    audit: AuditLog | None = None,
    confirmed: bool = False,
    answers: Sequence[Answer] | None = None,
) -> Answer:
    """`answer` itself unless it asks a skill to act; else what came of running that skill."""
    action = answer.action
    if answer.status != "action" or action is None or action.outcome != "requested":
        return answer
    if answers is None:
        latest = agent.recall_answer(answer.conversation_id, policy=policy)
        answers = (latest,) if latest.status == "answer" else ()
    context = SkillContext(
        workspace=agent.workspace,
        requester=requester,
        policy=policy,
        answers=tuple(answers),
        agent=agent,
    )
    run = run_skill(registry, action.skill, action.input, context, confirmed=confirmed, audit=audit)
    return carried(answer, run)


def carried(answer: Answer, run: SkillRun) -> Answer:
    """`answer` (an `Action`) once `run` has come of it."""
    result = run.result
    asked = answer.action.input if answer.action is not None else {}
    done = Action(
        run.skill,
        dict(run.input if run.input is not None else asked),
        outcome=run.outcome,
        link=result.link if result is not None else None,
        files=tuple(str(path) for path in result.files) if result is not None else (),
    )
    if result is not None and result.answer is not None:
        return replace(
            result.answer,
            question=answer.question,
            conversation_id=answer.conversation_id,
            action=done,
            usage=answer.usage,
        )
    return replace(
        answer,
        status=_STATUS_OF[run.outcome],
        text=run.message,
        trace_id=run.trace_id,
        action=done,
    )
