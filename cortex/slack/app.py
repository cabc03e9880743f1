"""Cortex in Slack: a slack-bolt app that answers in threads, as the person who asked.

    @Cortex what's our ARR by segment?     (a mention in a channel: the answer in its thread)
    a direct message to Cortex              (the answer in the DM; the DM is the conversation)
    a reply in a thread Cortex answered in  (a follow-up, no mention needed)
    /cortex ARR by segment                  (the question is posted, the answer in its thread)

Bolt acknowledges every request at once and the work runs after the acknowledgement, so Slack's
3-second window is always met. For each question: who is asking (`SlackDirectory`), what they
may see (`AccessPolicy.grant_for`; an unmapped user is refused and nothing else happens), a
"working on it" placeholder, the agent's answer under the asker's policy, the placeholder
replaced by the answer, the chart uploaded into the thread, and an audit record. A retried
event (same event id) is claimed in the `EventLedger` once and answered once. A failure
anywhere becomes a short apology with a trace id in the thread; the trace goes to the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from ..access import AccessPolicy, LiveAccess
from ..agent import Agent, Answer
from ..audit import AuditEntry, AuditLog
from ..errors import AccessDenied, InternalError
from .blocks import (
    ACTION_ASK,
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_SHOW_SQL,
    SlackMessage,
    answer_message,
    escape,
    placeholder_message,
    sql_message,
    text_message,
)
from .identity import SlackDirectory
from .ledger import EventLedger
from .show_sql import SqlWithheld, sql_to_show

__all__ = [
    "FEEDBACK_VIEW",
    "MODEL_WORKERS",
    "OFFLINE_WORKERS",
    "CortexSlack",
    "plain_question",
    "slack_client",
]

FEEDBACK_VIEW: Final = "cortex_feedback_comment"
#: Questions answered at once (more wait in the queue). Offline planning is CPU work under
#: the GIL: on 2 cores, 4 threads answer a burst of 20 as fast as 16 and keep Slack's acks
#: 3-4x quicker (bench/bench_slack.py). Claude planning mostly waits on the network: use more.
OFFLINE_WORKERS: Final = 4
MODEL_WORKERS: Final = 16

_log = logging.getLogger("cortex.slack")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<(?:[^|>]*\|)?([^>]*)>")


def plain_question(text: str) -> str:
    """The question as typed: mentions removed, links to their labels, entities decoded."""
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def slack_client(token: str, base_url: str) -> WebClient:
    """A Web API client for `base_url` that waits and retries when Slack rate-limits it."""
    client = WebClient(token=token, base_url=base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


@dataclass(frozen=True)
class _Where:
    """Where a question was asked and where its answer goes."""

    channel: str
    thread_ts: str | None  # None: answer at the top of a DM
    conversation_id: str


class CortexSlack:
    """The bolt app and everything its listeners use."""

    def __init__(
        self,
        *,
        agent: Agent,
        access: AccessPolicy | LiveAccess,
        audit: AuditLog,
        ledger: EventLedger,
        client: WebClient,
        signing_secret: str,
        draw_charts: bool = True,
        workers: int = OFFLINE_WORKERS,
    ) -> None:
        self.agent = agent
        self.access = access
        self.audit = audit
        self.ledger = ledger
        self.client = client
        self.directory = SlackDirectory(client)
        #: checks a request's signature before bolt parses it (HTTP mode; see server.py)
        self.signature_verifier = SignatureVerifier(signing_secret)
        self.draw_charts = draw_charts
        self.app = App(
            client=client,
            signing_secret=signing_secret,
            process_before_response=False,
            # bolt's pool only acknowledges and hands over, so a click or a slash command is
            # acknowledged in time even while every answering thread is busy
            listener_executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="cortex-ack"),
            logger=logging.getLogger("cortex.slack.bolt"),
        )
        self._work = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cortex")
        self._register()

    # ----------------------------------------------------------------------- listeners

    def _register(self) -> None:
        app = self.app
        app.event("app_mention")(self._on_mention)
        app.event("message")(self._on_message)
        app.command("/cortex")(self._on_command)
        app.action(ACTION_FEEDBACK_UP)(self._on_feedback_up)
        app.action(ACTION_FEEDBACK_DOWN)(self._on_feedback_down)
        app.action(ACTION_SHOW_SQL)(self._on_show_sql)
        app.action(re.compile(rf"^{ACTION_ASK}_\d+$"))(self._on_suggestion)
        app.view(FEEDBACK_VIEW)(self._on_feedback_comment)

    def _on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if not self.ledger.claim(str(body.get("event_id") or event.get("event_ts"))):
            return  # a retry of an event already taken on
        thread = str(event.get("thread_ts") or event["ts"])
        channel = str(event["channel"])
        self._answer_later(
            plain_question(str(event.get("text", ""))),
            user_id=str(event["user"]),
            where=_Where(channel, thread, f"slack:{channel}:{thread}"),
        )

    def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype") or "user" not in event:
            return  # edits, joins and bots (Cortex itself included) are not questions
        text = str(event.get("text", ""))
        if event.get("channel_type") != "im" and self._mentions_me(body, text):
            return  # the app_mention event of the same message answers it (never sent in DMs)
        channel = str(event["channel"])
        thread = event.get("thread_ts")
        if event.get("channel_type") == "im":
            where = (
                _Where(channel, str(thread), f"slack:{channel}:{thread}")
                if thread
                else _Where(channel, None, f"slack:{channel}")
            )
        elif thread and self.agent.conversations.exists(f"slack:{channel}:{thread}"):
            where = _Where(channel, str(thread), f"slack:{channel}:{thread}")  # a follow-up
        else:
            return  # channel chatter Cortex was not asked about
        if not self.ledger.claim(str(body.get("event_id") or event.get("ts"))):
            return
        self._answer_later(plain_question(text), user_id=str(event["user"]), where=where)

    def _on_command(self, ack: Ack, command: dict[str, Any], respond: Callable[..., Any]) -> None:
        question = plain_question(str(command.get("text", "")))
        if not question:
            ack("Ask me a question about the business, e.g. `/cortex what's our ARR by segment?`")
            return
        ack()
        channel, user = str(command["channel_id"]), str(command["user_id"])
        try:
            root = self.client.chat_postMessage(
                channel=channel,
                text=f"<@{user}> asked: {escape(question)}",
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            _log.warning("cannot post in %s: %s", channel, error.response.get("error"))
            respond(
                text="I can't post in this channel. Invite me with `/invite @Cortex`, "
                "or ask me in a direct message.",
                response_type="ephemeral",
            )
            return
        thread = str(root["ts"])
        self._answer_later(
            question, user_id=user, where=_Where(channel, thread, f"slack:{channel}:{thread}")
        )

    def _on_suggestion(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        where = self._where_of_action(body)
        if where is not None:  # the person who clicked asks, with their own permissions
            self._answer_later(str(action["value"]), user_id=str(body["user"]["id"]), where=where)

    def _on_feedback_up(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._feedback(body, action, "up")

    def _on_feedback_down(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        if self._feedback(body, action, "down") and body.get("trigger_id"):
            self.client.views_open(
                trigger_id=body["trigger_id"], view=_comment_view(str(action["value"]))
            )

    def _on_feedback_comment(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        state = view.get("state", {}).get("values", {})
        comment = state.get("comment", {}).get("text", {}).get("value") or None
        record = _record_id(str(view.get("private_metadata", "")))
        if record is not None and comment:
            self.audit.record_feedback(record, "down", comment=comment, by=str(body["user"]["id"]))

    def _on_show_sql(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The answer's SQL, to the clicker alone, when their access covers it (show_sql.py)."""
        ack()
        where = self._where_of_action(body)
        if where is None:
            return
        clicker = str(body["user"]["id"])
        record = _record_id(str(action.get("value", "")))
        try:
            sql = sql_to_show(
                self.audit.get(record) if record is not None else None,
                clicker=self.directory.principal(clicker, self.access.group_ids),
                access=self.access,
                channel=where.channel,
                conversation_id=where.conversation_id,
            )
            message = sql_message(sql)
        except SqlWithheld as withheld:
            _log.info("the SQL of record %s withheld from %s: %s", record, clicker, withheld)
            message = text_message(withheld.sentence, emoji=":lock:")
        self.client.chat_postEphemeral(
            channel=where.channel,
            user=clicker,
            thread_ts=where.thread_ts,
            **message.as_kwargs(),
        )

    # ----------------------------------------------------------------------- the work

    def _answer_later(self, question: str, *, user_id: str, where: _Where) -> None:
        """Queue `question` on the answering pool and return (the listener can ack)."""
        self._work.submit(self.answer, question, user_id=user_id, where=where)

    def answer(self, question: str, *, user_id: str, where: _Where) -> None:
        """Answer `question` for `user_id` at `where`; nothing escapes but a message in Slack."""
        placeholder: str | None = None
        audited = False
        try:
            principal = self.directory.principal(user_id, self.access.group_ids)
            try:
                grant = self.access.grant_for(principal)
            except AccessDenied as denied:
                audited = True  # the refusal is recorded before it is posted
                self.audit.record_denial(
                    question,
                    source="slack",
                    user_id=user_id,
                    user_name=principal.name,
                    channel=where.channel,
                    thread=where.conversation_id,
                    reason=denied.message,
                )
                self._post(where, text_message(denied.user_message, emoji=":lock:"))
                return
            placeholder = self._post(where, placeholder_message(question))
            answer = self.agent.ask(question, where.conversation_id, policy=grant)
            record = self.audit.record_answer(
                answer,
                source="slack",
                user_id=user_id,
                user_name=principal.name,
                channel=where.channel,
            )
            audited = True
            self.client.chat_update(
                channel=where.channel,
                ts=placeholder,
                **answer_message(answer, record_id=str(record)).as_kwargs(),
            )
            if answer.status == "answer":
                self._upload_chart(answer, where)
        except Exception:  # noqa: BLE001 - the asker gets an apology with a trace id
            internal = InternalError("answering in Slack failed")
            _log.exception("trace %s: question %r from %s", internal.trace_id, question, user_id)
            self._apologise(where, placeholder, internal)
            if not audited:
                self._audit_failure(question, user_id, where, internal.trace_id)

    def _audit_failure(self, question: str, user_id: str, where: _Where, trace_id: str) -> None:
        """Record a question that failed before its answer was recorded (a Slack or lookup
        failure): the audit trail misses no question."""
        try:
            self.audit.record(
                AuditEntry(
                    source="slack",
                    user_id=user_id,
                    channel=where.channel,
                    thread=where.conversation_id,
                    question=question,
                    outcome="failed",
                    trace_id=trace_id,
                )
            )
        except Exception:  # noqa: BLE001 - the audit store itself is failing; the log has it
            _log.exception("trace %s: could not audit the failure", trace_id)

    def _post(self, where: _Where, message: SlackMessage) -> str:
        reply = self.client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.as_kwargs(),
        )
        return str(reply["ts"])

    def _upload_chart(self, answer: Answer, where: _Where) -> None:
        if not self.draw_charts or answer.compiled is None or answer.result is None:
            return
        from ..chart import chart_spec, render_png  # altair loads slowly: only when drawing

        spec = chart_spec(answer.compiled, answer.result.frame)
        if spec is None:
            return
        title = ", ".join(m.label for m in answer.compiled.provenance.metrics)
        try:
            self.client.files_upload_v2(
                channel=where.channel,
                thread_ts=where.thread_ts,
                content=render_png(spec),
                filename="cortex-chart.png",
                title=title,
                alt_txt=f"Chart of {title}",
            )
        except Exception:  # noqa: BLE001 - the answer is posted already; the chart is extra
            _log.exception("could not upload the chart of %r", answer.question)

    def _apologise(self, where: _Where, placeholder: str | None, error: InternalError) -> None:
        message = text_message(error.user_message, emoji=":warning:")
        try:
            if placeholder is not None:
                self.client.chat_update(
                    channel=where.channel, ts=placeholder, **message.as_kwargs()
                )
            else:
                self._post(where, message)
        except Exception:  # noqa: BLE001 - Slack itself is failing; the log has the trace
            _log.exception("trace %s: could not post the apology", error.trace_id)

    # ----------------------------------------------------------------------- helpers

    def _feedback(self, body: dict[str, Any], action: dict[str, Any], vote: str) -> bool:
        """Record the asker's vote; anyone else is told only the asker rates an answer."""
        record = _record_id(str(action.get("value", "")))
        entry = self.audit.get(record) if record is not None else None
        if record is None or entry is None:
            return False
        clicker = str(body["user"]["id"])
        if clicker != entry.user_id:
            where = self._where_of_action(body)
            if where is not None:
                self.client.chat_postEphemeral(
                    channel=where.channel,
                    user=clicker,
                    thread_ts=where.thread_ts,
                    **text_message(
                        "Only the person who asked can rate this answer. Ask it yourself to "
                        "rate yours."
                    ).as_kwargs(),
                )
            return False
        self.audit.record_feedback(record, vote, by=clicker)
        return True

    def _where_of_action(self, body: dict[str, Any]) -> _Where | None:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        message = body.get("message") or {}
        if str(channel).startswith("D") and not message.get("thread_ts"):
            return _Where(str(channel), None, f"slack:{channel}")  # the DM's own conversation
        thread = message.get("thread_ts") or message.get("ts")
        if not channel or not thread:
            return None
        return _Where(str(channel), str(thread), f"slack:{channel}:{thread}")

    def _mentions_me(self, body: dict[str, Any], text: str) -> bool:
        bots = {
            str(a.get("user_id"))
            for a in body.get("authorizations") or []
            if a.get("is_bot") and a.get("user_id")
        }
        return any(f"<@{bot}" in text for bot in bots)


def _record_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _comment_view(record_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "private_metadata": record_id,
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": "Tell the analysts (optional)"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
    }
