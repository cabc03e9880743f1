"""Cortex in Slack: a slack-bolt app that answers in threads, as the person who asked.

    @Cortex what's our ARR by segment?     (a mention in a channel: the answer in its thread)
    a direct message to Cortex              (the answer in the DM; the DM is the conversation)
    a reply in a thread Cortex answered in  (a follow-up, no mention needed)
    /cortex ARR by segment                  (the question is posted, the answer in its thread)
    a question in an assistant thread       (Slack's AI side panel: each thread a conversation)

An assistant thread opens with a title and the onboarding questions the person may ask
(prompts.py); while a question is answered its status line says what Cortex is doing instead
of a placeholder, and with Claude planning the steps stream into the thread before the answer
(streaming.py), falling back to posting the answer whole.

Bolt acknowledges every request at once and the work runs after the acknowledgement, so Slack's
3-second window is always met. For each question: who is asking (`SlackDirectory`), what they
may see (`AccessPolicy.grant_for`; an unmapped user is refused and nothing else happens), a
"working on it" placeholder, the agent's answer under the asker's policy, the placeholder
replaced by the answer, the chart uploaded into the thread, and an audit record. Before an
answer with numbers goes into a channel, every member must be allowed to see it
(`disclosure.py`); otherwise the asker gets it privately and the channel a line without
numbers. The Home tab is published when opened (`home.py`). A retried
event (same event id) is claimed in the `EventLedger` and answered once. A failure anywhere
becomes a short apology with a trace id in the thread; the trace goes to the log.

**A process that dies mid-answer loses no question.** Each placeholder is kept in
`Placeholders` until it is replaced, and a process that starts serving calls
`resume_interrupted` first: it frees the claims its predecessor left unfinished, and finishes
every placeholder left waiting. It *finishes* them rather than retracting them, because that is
what the person who asked expects: they are looking at "Working on it…", the restart is ours,
not theirs, and the answer belongs where they are looking, without asking again. An answer
already recorded in the audit trail is posted as it was recorded (nothing is asked twice);
otherwise the question is answered again, as the person who asked, under their access as it is
now, into the same placeholder, so the thread holds one answer and the audit trail one record.
Only a placeholder with no recorded answer and older than `RESUME_WITHIN_SECONDS` is retracted
instead (replaced by a line saying the answer was interrupted and to ask again, and audited as
failed): after a long outage an answer appearing in an old thread would surprise more than
help, and "last month" may mean another month by then. (A recorded answer was computed when
asked, so it is posted whatever its age.)
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from slack_bolt import Ack, App, Assistant
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from cortex.access import AccessPolicy, LiveAccess, Principal
from cortex.access.grants import Grant
from cortex.access.seen import metrics_seen
from cortex.agent import Agent
from cortex.answer import Action, Answer
from cortex.errors import AccessDenied, InternalError
from cortex.knowledge.examples import example_question
from cortex.slack.blocks import (
    ACTION_ASK,
    ACTION_CANCEL,
    ACTION_CONFIRM,
    ACTION_FEEDBACK,
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_SHOW_SQL,
    ACTION_SKILL,
    SlackMessage,
    action_message,
    answer_message,
    confirmation_message,
    escape,
    feedback_vote,
    placeholder_message,
    rows_shown,
    sql_message,
    text_message,
)
from cortex.slack.digest_blocks import ACTION_DIGEST_OPEN
from cortex.slack.disclosure import ChannelAudience, Disclosure, note_message, post_privately
from cortex.slack.home import (
    ACTION_HOME_SUBSCRIBE,
    ACTION_HOME_UNSUBSCRIBE,
    DigestProvider,
    home_view,
)
from cortex.slack.identity import SlackDirectory
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Pending, Placeholders
from cortex.slack.prompts import onboarding_prompts
from cortex.slack.result_file import result_csv
from cortex.slack.show_sql import SqlWithheld, sql_to_show
from cortex.slack.streaming import StepStream
from cortex.stores.audit import AuditEntry, AuditLog
from semantic_layer.errors import SemanticLayerError
from skills.base import Requester
from skills.dispatch import follow_through
from skills.registry import SkillRegistry

__all__ = [
    "FEEDBACK_VIEW",
    "MODEL_WORKERS",
    "OFFLINE_WORKERS",
    "RESUME_WITHIN_SECONDS",
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
#: A placeholder left by a process that died is answered again up to this age, else retracted.
RESUME_WITHIN_SECONDS: Final = 15 * 60.0

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


@dataclass
class _Attempt:
    """How far answering one question got: what its failure must clean up."""

    placeholder: str | None = None  # the ts of the placeholder in Slack, once there is one
    audited: bool = False


@dataclass(frozen=True)
class _Where:
    """Where a question was asked and where its answer goes."""

    channel: str
    thread_ts: str | None  # None: answer at the top of a DM
    conversation_id: str
    #: an assistant thread (Slack's AI side panel): a status line instead of a placeholder
    assistant: bool = False


class CortexSlack:
    """The bolt app and everything its listeners use."""

    def __init__(
        self,
        *,
        agent: Agent,
        access: AccessPolicy | LiveAccess,
        audit: AuditLog,
        ledger: EventLedger,
        placeholders: Placeholders,
        client: WebClient,
        signing_secret: str,
        draw_charts: bool = True,
        workers: int = OFFLINE_WORKERS,
        skills: SkillRegistry | None = None,
        stream_answers: bool = False,
        digests: DigestProvider | None = None,
    ) -> None:
        self.agent = agent
        #: stream the steps of answers in assistant threads (worth it when planning is slow)
        self.stream_answers = stream_answers
        self.skills = skills
        #: the digests the App Home lists and (un)subscribes (None: "No digests yet")
        self.digests = digests
        self.access = access
        self.audit = audit
        self.ledger = ledger
        self.placeholders = placeholders
        self.client = client
        self.directory = SlackDirectory(client)
        #: who is in a channel, and whether all of them may see an answer (disclosure.py)
        self.audience = ChannelAudience(client, self.directory, access)
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
        app.action(ACTION_FEEDBACK)(self._on_feedback)
        app.action(ACTION_FEEDBACK_UP)(self._on_feedback_up)
        app.action(ACTION_FEEDBACK_DOWN)(self._on_feedback_down)
        app.action(ACTION_SHOW_SQL)(self._on_show_sql)
        app.action(re.compile(rf"^{ACTION_ASK}_\d+$"))(self._on_suggestion)
        app.action(re.compile(rf"^{ACTION_SKILL}_\d+$"))(self._on_skill)
        # a digest's "Open in a thread": its signal's question, answered in the digest's thread
        app.action(re.compile(rf"^{ACTION_DIGEST_OPEN}_\d+$"))(self._on_suggestion)
        app.action(ACTION_CONFIRM)(self._on_confirm)
        app.action(ACTION_CANCEL)(self._on_cancel)
        app.view(FEEDBACK_VIEW)(self._on_feedback_comment)
        assistant = Assistant(logger=logging.getLogger("cortex.slack.bolt"))
        assistant.thread_started(self._on_thread_started)
        assistant.thread_context_changed(self._on_thread_context_changed)
        assistant.user_message(self._on_thread_message)
        app.assistant(assistant)
        self._register_home()

    # ----------------------------------------------------------------------- assistant threads

    def _on_thread_started(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A new assistant thread: a title, and the onboarding questions this person may ask."""
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = str(thread.get("channel_id", "")), str(thread.get("thread_ts", ""))
        user_id = str(thread.get("user_id", ""))
        if not channel or not thread_ts or not self.ledger.claim(str(body.get("event_id"))):
            return
        try:
            self.client.assistant_threads_setTitle(
                channel_id=channel, thread_ts=thread_ts, title="New question"
            )
            principal = self.directory.principal(user_id, self.access.group_ids)
            try:
                grant = self.access.grant_for(principal)
            except AccessDenied:
                return  # no prompts to offer: their first question is refused with the reason
            prompts = onboarding_prompts(self.agent.workspace.model, grant)
            if prompts:
                self.client.assistant_threads_setSuggestedPrompts(
                    channel_id=channel,
                    thread_ts=thread_ts,
                    title="Questions you can ask",
                    prompts=prompts,
                )
        except SlackApiError as error:
            _log.warning("could not set up assistant thread: %s", error.response.get("error"))
        finally:
            self.ledger.done(str(body.get("event_id")))

    def _on_thread_context_changed(self) -> None:
        """The person moved to another channel beside the thread: nothing Cortex keeps (the
        answer's access is the asker's, wherever they look)."""

    def _on_thread_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A question in an assistant thread: its own conversation, answered like any other."""
        if event.get("bot_id") or "user" not in event:
            return
        channel, thread = str(event["channel"]), str(event["thread_ts"])
        key = str(body.get("event_id") or event.get("ts"))
        if not self.ledger.claim(key):
            return
        question = plain_question(str(event.get("text", "")))
        conversation = f"slack:{channel}:{thread}"
        if not self.agent.conversations.exists(conversation):
            self._set_thread_title(channel, thread, question)
        self._answer_later(
            question,
            user_id=str(event["user"]),
            where=_Where(channel, thread, conversation, assistant=True),
            key=key,
        )

    def _set_thread_title(self, channel: str, thread: str, question: str) -> None:
        title = question if len(question) <= 60 else question[:59] + "…"
        try:
            self.client.assistant_threads_setTitle(
                channel_id=channel, thread_ts=thread, title=title
            )
        except SlackApiError as error:
            _log.info("could not title the thread: %s", error.response.get("error"))

    def _set_status(self, where: _Where, status: str) -> bool:
        """The thread's status line ("Reading your question…"); whether Slack took it."""
        assert where.thread_ts is not None
        try:
            self.client.assistant_threads_setStatus(
                channel_id=where.channel, thread_ts=where.thread_ts, status=status
            )
        except SlackApiError as error:
            _log.info("no status in %s: %s", where.channel, error.response.get("error"))
            return False
        return True

    def _progress(
        self, where: _Where, user_id: str
    ) -> tuple[Callable[[str], None], StepStream | None]:
        """Where the steps of answering go: a stream (assistant thread, slow planning), the
        status line (assistant thread), or nowhere."""
        if not where.assistant or where.thread_ts is None:
            return (lambda step: None), None
        if self.stream_answers:
            stream = StepStream(
                self.client, channel=where.channel, thread_ts=where.thread_ts, user_id=user_id
            )
            return stream.step, stream

        def status(step: str) -> None:
            self._set_status(where, step)

        return status, None

    def _on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        key = str(body.get("event_id") or event.get("event_ts"))
        if not self.ledger.claim(key):
            return  # a redelivery of an event taken on already
        thread = str(event.get("thread_ts") or event["ts"])
        channel = str(event["channel"])
        self._answer_later(
            plain_question(str(event.get("text", ""))),
            user_id=str(event["user"]),
            where=_Where(channel, thread, f"slack:{channel}:{thread}"),
            key=key,
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
        key = str(body.get("event_id") or event.get("ts"))
        if not self.ledger.claim(key):
            return
        self._answer_later(plain_question(text), user_id=str(event["user"]), where=where, key=key)

    def _on_command(self, ack: Ack, command: dict[str, Any], respond: Callable[..., Any]) -> None:
        question = plain_question(str(command.get("text", "")))
        if not question:
            example = example_question(self.agent.workspace.model)
            ack(f"Ask me a question about the business, e.g. `/cortex {example}`")
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
            question,
            user_id=user,
            where=_Where(channel, thread, f"slack:{channel}:{thread}"),
            key=f"command:{channel}:{thread}",  # Slack never redelivers a command
        )

    def _on_suggestion(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        where = self._where_of_action(body)
        if where is not None:  # the person who clicked asks, with their own permissions
            self._answer_later(
                str(action["value"]),
                user_id=str(body["user"]["id"]),
                where=where,
                key=f"click:{uuid.uuid4().hex}",  # nor a click
            )

    def _on_feedback(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """👍 or 👎 of the `feedback_buttons` element: its value is `up:<record>` or
        `down:<record>`; 👎 asks for a comment, as the older buttons did."""
        ack()
        vote = feedback_vote(str(action.get("value", "")))
        if vote is None:
            return
        choice, record = vote
        recorded = self._feedback(body, {**action, "value": record}, choice)
        if recorded and choice == "down" and body.get("trigger_id"):
            self.client.views_open(trigger_id=body["trigger_id"], view=_comment_view(record))

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

    # ----------------------------------------------------------------------- the App Home

    def _register_home(self) -> None:
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.action(ACTION_HOME_SUBSCRIBE)(self._on_home_subscribe)
        self.app.action(ACTION_HOME_UNSUBSCRIBE)(self._on_home_unsubscribe)

    def _on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":  # not the Messages tab
            self._work.submit(self._guarded_home, str(event["user"]))

    def _on_home_subscribe(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._work.submit(self._guarded_home, str(body["user"]["id"]), str(action["value"]), True)

    def _on_home_unsubscribe(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._work.submit(self._guarded_home, str(body["user"]["id"]), str(action["value"]), False)

    def _guarded_home(self, user_id: str, digest: str | None = None, on: bool = True) -> None:
        """(Un)subscribe `digest` if given, then publish `user_id`'s Home; a failure is logged
        (the Home keeps its last version)."""
        try:
            if digest is not None and self.digests is not None:
                if on:
                    self.digests.subscribe(user_id, digest)
                else:
                    self.digests.unsubscribe(user_id, digest)
            self.publish_home(user_id)
        except Exception:  # noqa: BLE001 - nobody is waiting on an answer; the log has it
            _log.exception("could not publish the Home of %s", user_id)

    def publish_home(self, user_id: str) -> None:
        """Publish the App Home of `user_id` (home.py): the catalog as their roles see it,
        their recent questions, their digests."""
        principal = self.directory.principal(user_id, self.access.group_ids)
        try:
            seen = metrics_seen(self.access.grant_for(principal))
        except AccessDenied:
            seen = None
        recent = [r for r in self.audit.list(user=user_id, limit=20) if r.source == "slack"]
        digests = self.digests.digests_for(user_id) if self.digests is not None else None
        view = home_view(self.agent.workspace.model, seen, recent, digests)
        self.client.views_publish(user_id=user_id, view=view.to_dict())

    # ----------------------------------------------------------------------- the work

    def _answer_later(self, question: str, *, user_id: str, where: _Where, key: str) -> None:
        """Queue `question` on the answering pool and return (the listener can ack)."""
        self._work.submit(self.answer, question, user_id=user_id, where=where, key=key)

    def answer(self, question: str, *, user_id: str, where: _Where, key: str) -> None:
        """Answer `question` (claimed as `key`) for `user_id` at `where`, into the placeholder
        an interrupted attempt left under `key` if there is one; nothing escapes but a
        message in Slack."""
        attempt = _Attempt()
        try:
            pending = self.placeholders.get(key)
            attempt.placeholder = pending.placeholder_ts if pending is not None else None
            self._answer(question, user_id, where, key, pending, attempt)
        except Exception:  # noqa: BLE001 - the asker gets an apology with a trace id
            internal = InternalError("answering in Slack failed")
            _log.exception("trace %s: question %r from %s", internal.trace_id, question, user_id)
            if not attempt.audited:
                self._audit_failure(question, user_id, where, internal.trace_id)
            if self._apologise(where, attempt.placeholder, internal):
                self._forget(key)

    def _answer(
        self,
        question: str,
        user_id: str,
        where: _Where,
        key: str,
        pending: Pending | None,
        attempt: _Attempt,
    ) -> None:
        principal = self.directory.principal(user_id, self.access.group_ids)
        # An answer recorded before an interruption is posted as it was recorded, unless the
        # asker's access no longer covers it: then it is answered again, under access as of now.
        recorded = pending.message if pending is not None else None
        if pending is not None and recorded is not None and self._still_covers(principal, pending):
            attempt.audited = True
            self._replace(key, where, pending.placeholder_ts, recorded)
            return
        try:
            grant = self.access.grant_for(principal)
        except AccessDenied as denied:
            attempt.audited = True  # the refusal is recorded before it is posted
            self.audit.record_denial(
                question,
                source="slack",
                user_id=user_id,
                user_name=principal.name,
                channel=where.channel,
                thread=where.conversation_id,
                reason=denied.message,
            )
            self.ledger.done(key)
            refusal = text_message(denied.user_message, emoji=":lock:")
            self._show(key, where, attempt.placeholder, refusal)
            return
        if attempt.placeholder is None and not (
            where.assistant and self._set_status(where, "Reading your question…")
        ):
            attempt.placeholder = self._post(where, placeholder_message(question))
            self.placeholders.posted(
                Pending(
                    key,
                    where.channel,
                    where.thread_ts,
                    where.conversation_id,
                    attempt.placeholder,
                    question,
                    user_id,
                    posted_at=time.time(),
                )
            )
        progress, stream = (
            self._progress(where, user_id)
            if attempt.placeholder is None
            else (
                None,
                None,
            )
        )
        answer = self.agent.ask(question, where.conversation_id, policy=grant, progress=progress)
        if answer.status == "action" and self.skills is not None:
            requester = self._requester(user_id, principal, grant, where)
            answer = follow_through(
                answer, self.skills, self.agent, requester, policy=grant, audit=self.audit
            )
        disclosure = self.audience.decide(answer, grant, where.channel)
        record = self.audit.record_answer(
            answer,
            source="slack",
            user_id=user_id,
            user_name=principal.name,
            channel=where.channel,
            disclosure=disclosure.audit_text,
        )
        attempt.audited = True
        message = self._message(answer, record, asker=user_id)
        if not disclosure.public:
            message = self._answer_privately(message, disclosure, user_id, where)
        self.placeholders.answered(key, record, message)
        self.ledger.done(key)
        if stream is not None:
            if disclosure.public:
                self._finish_stream(stream, answer, where, message)
            elif stream.finish(message) is None:  # the note, never the numbers
                self._post(where, message)
            return
        self._show(key, where, attempt.placeholder, message)
        if not disclosure.public:
            return  # the chart, the CSV and a skill's files show what the asker alone may see
        if answer.status == "answer":
            self._upload_chart(answer, where)
            self._upload_result(answer, where)
        self._upload_files(answer, where)

    def _finish_stream(
        self, stream: StepStream, answer: Answer, where: _Where, message: SlackMessage
    ) -> None:
        """The last step (the chart, drawn before the answer shows), the answer into the
        stream (or posted, if Slack refused streaming), then the chart and any files."""
        chart = None
        if answer.status == "answer" and self._can_chart(answer):
            stream.step("Drawing the chart…")
            chart = self._draw_chart(answer)
        if stream.finish(message) is None:
            self._post(where, message)
        if chart is not None:
            self._upload_png(*chart, where, question=answer.question)
        self._upload_files(answer, where)

    def _answer_privately(
        self, message: SlackMessage, disclosure: Disclosure, user_id: str, where: _Where
    ) -> SlackMessage:
        """Send `message` to the asker alone; what the channel gets instead (no numbers).

        It is sent before the placeholder records the note, so a crash in between answers
        again rather than leave the asker without their numbers."""
        how = post_privately(
            self.client, message, channel=where.channel, thread_ts=where.thread_ts, user=user_id
        )
        _log.info("answer to %s in %s sent privately (%s)", user_id, where.channel, how)
        return note_message(disclosure)

    # ----------------------------------------------------------------------- skills

    def _message(self, answer: Answer, record: int | None, *, asker: str) -> SlackMessage:
        """The message of an answer: a confirmation to click when a skill waits for one."""
        action = answer.action
        if action is not None and action.outcome == "awaiting confirmation":
            value = {
                "s": action.skill,
                "i": dict(action.input),
                "u": asker,
                "c": answer.conversation_id,
            }
            return confirmation_message(answer.text, json.dumps(value), asker=asker)
        buttons = [(s.button, s.name) for s in self.skills or () if s.button is not None]
        return answer_message(
            answer, record_id=None if record is None else str(record), skills=buttons
        )

    def _requester(
        self, user_id: str, principal: Principal, grant: Grant, where: _Where
    ) -> Requester:
        """Who runs a skill from Slack, with a link back to the thread for what it writes."""
        link = None
        if where.thread_ts is not None:
            link = f"https://slack.com/archives/{where.channel}/p{where.thread_ts.replace('.', '')}"
        return Requester(
            user_id=user_id,
            user_name=principal.name,
            roles=grant.roles,
            source="slack",
            channel=where.channel,
            thread=where.conversation_id,
            thread_link=link,
        )

    def _on_skill(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._work.submit(self._guarded, self._skill_on_answer, body, action)

    def _on_confirm(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._work.submit(self._guarded, self._confirmed, body, action)

    def _on_cancel(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._work.submit(self._guarded, self._cancelled, body, action)

    def _guarded(
        self, work: Callable[[dict[str, Any], dict[str, Any]], None], *args: dict[str, Any]
    ) -> None:
        """Run a click's work; a failure is an apology with a trace id in the thread."""
        body = args[0]
        try:
            work(*args)
        except Exception:  # noqa: BLE001 - the clicker gets an apology with a trace id
            internal = InternalError("a skill click failed")
            _log.exception("trace %s: a skill click by %s", internal.trace_id, body.get("user"))
            where = self._where_of_action(body)
            if where is not None:
                self._apologise(where, None, internal)

    def _skill_on_answer(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A skill button under an answer: run it on that answer (after a confirmation when it
        writes outside Cortex). Only the person who asked may act on their answer."""
        where = self._where_of_action(body)
        skill, _, record_text = str(action.get("value", "")).partition("|")
        record = _record_id(record_text)
        entry = self.audit.get(record) if record is not None else None
        if where is None or entry is None or entry.query is None or self.skills is None:
            return
        clicker = str(body["user"]["id"])
        if clicker != entry.user_id:
            self._tell(
                where,
                clicker,
                "Only the person who asked can act on this answer. Ask "
                "it yourself to save or share yours.",
            )
            return
        principal = self.directory.principal(clicker, self.access.group_ids)
        grant = self.access.grant_for(principal)
        again = self.agent.answer_again(
            entry.question, entry.query, where.conversation_id, policy=grant
        )
        done = self._carry(Action(skill, {}), again, principal, grant, where, confirmed=False)
        shown = done.action
        if shown is not None and shown.outcome == "awaiting confirmation":
            value = {"s": skill, "i": dict(shown.input), "u": clicker, "r": record}
            self._post(where, confirmation_message(done.text, json.dumps(value), asker=clicker))
            return
        self._post(where, action_message(done))
        self._upload_files(done, where)

    def _confirmed(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Confirm clicked: by the person who asked, once; the skill runs and the message
        says what came of it (the answer above stays whatever happens)."""
        where = self._where_of_action(body)
        value = _confirmation(str(action.get("value", "")))
        message_ts = (body.get("message") or {}).get("ts")
        if where is None or value is None or message_ts is None or self.skills is None:
            return
        clicker, asker = str(body["user"]["id"]), str(value["u"])
        if clicker != asker:
            self._tell(where, clicker, f"Only <@{asker}>, who asked, can confirm this.")
            return
        if not self.ledger.claim(f"confirm:{where.channel}:{message_ts}"):
            return  # a second click, or a redelivery: it runs once
        working = text_message("Working on it…", emoji=":hourglass_flowing_sand:")
        self.client.chat_update(channel=where.channel, ts=message_ts, **working.as_kwargs())
        principal = self.directory.principal(clicker, self.access.group_ids)
        grant = self.access.grant_for(principal)
        record = value.get("r")
        entry = self.audit.get(int(record)) if isinstance(record, int) else None
        if entry is not None and entry.query is not None:
            acted_on = self.agent.answer_again(
                entry.question, entry.query, where.conversation_id, policy=grant
            )
        else:
            acted_on = self.agent.recall_answer(where.conversation_id, policy=grant)
        asked = Action(str(value["s"]), dict(value.get("i") or {}))
        done = self._carry(asked, acted_on, principal, grant, where, confirmed=True)
        self.client.chat_update(
            channel=where.channel, ts=message_ts, **action_message(done).as_kwargs()
        )
        self.ledger.done(f"confirm:{where.channel}:{message_ts}")
        self._upload_files(done, where)

    def _carry(
        self,
        action: Action,
        acted_on: Answer,
        principal: Principal,
        grant: Grant,
        where: _Where,
        *,
        confirmed: bool,
    ) -> Answer:
        """Run the skill of `action` on `acted_on` (an answer computed again for the clicker;
        none when it got no numbers) as the clicker, and what came of it."""
        assert self.skills is not None
        requested = Answer("action", "", acted_on.question, where.conversation_id, action=action)
        return follow_through(
            requested,
            self.skills,
            self.agent,
            self._requester(principal.user_id, principal, grant, where),
            policy=grant,
            audit=self.audit,
            confirmed=confirmed,
            answers=(acted_on,) if acted_on.status == "answer" else (),
        )

    def _cancelled(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        where = self._where_of_action(body)
        value = _confirmation(str(action.get("value", "")))
        message_ts = (body.get("message") or {}).get("ts")
        if where is None or value is None or message_ts is None:
            return
        clicker, asker = str(body["user"]["id"]), str(value["u"])
        if clicker != asker:
            self._tell(where, clicker, f"Only <@{asker}>, who asked, can cancel this.")
            return
        if not self.ledger.claim(f"confirm:{where.channel}:{message_ts}"):
            return
        cancelled = text_message("Cancelled: nothing was written.", emoji=":x:")
        self.client.chat_update(channel=where.channel, ts=message_ts, **cancelled.as_kwargs())
        self.ledger.done(f"confirm:{where.channel}:{message_ts}")

    def _tell(self, where: _Where, user: str, text: str) -> None:
        """A line only `user` sees, in the thread."""
        self.client.chat_postEphemeral(
            channel=where.channel,
            user=user,
            thread_ts=where.thread_ts,
            **text_message(text).as_kwargs(),
        )

    def _upload_files(self, answer: Answer, where: _Where) -> None:
        """The files a skill made (a report, a brief), into the thread."""
        if answer.action is None:
            return
        for path in answer.action.files:
            name = path.rsplit("/", 1)[-1]
            try:
                self.client.files_upload_v2(
                    channel=where.channel,
                    thread_ts=where.thread_ts,
                    file=path,
                    filename=name,
                    title=name,
                )
            except Exception:  # noqa: BLE001 - the message says it was made; the log has it
                _log.exception("could not upload %s", name)

    def resume_interrupted(self) -> int:
        """Take over what a process that died left unfinished (see the module docstring);
        returns how many placeholders were waiting. Call it before serving."""
        released = self.ledger.release_unfinished()
        waiting = self.placeholders.waiting()
        now = time.time()
        for pending in waiting:
            self.ledger.claim(pending.key)  # a redelivery from now on is dropped
            where = _Where(pending.channel, pending.thread_ts, pending.conversation_id)
            if pending.message is None and now - pending.posted_at > RESUME_WITHIN_SECONDS:
                self._work.submit(self._retract, pending, where)
            else:
                self._work.submit(
                    self.answer,
                    pending.question,
                    user_id=pending.user_id,
                    where=where,
                    key=pending.key,
                )
        if released or waiting:
            _log.info(
                "taking over after a restart: %d unfinished claim(s) freed, %d placeholder(s) "
                "to finish",
                released,
                len(waiting),
            )
        return len(waiting)

    def _still_covers(self, principal: Principal, pending: Pending) -> bool:
        """Whether `principal` may still run the plan of the answer recorded for `pending`."""
        record = self.audit.get(pending.record_id) if pending.record_id is not None else None
        try:
            grant = self.access.grant_for(principal)
            if record is not None and record.query is not None:
                grant.apply(record.query)
        except (AccessDenied, SemanticLayerError):
            return False
        return True

    def _retract(self, pending: Pending, where: _Where) -> None:
        """Replace a placeholder left too long with a line saying to ask again; audit it."""
        try:
            self.audit.record(
                AuditEntry(
                    source="slack",
                    user_id=pending.user_id,
                    channel=pending.channel,
                    thread=pending.conversation_id,
                    question=pending.question,
                    outcome="failed",
                    answer="Interrupted by a restart before it was answered; the asker was "
                    "told to ask again.",
                )
            )
            self.ledger.done(pending.key)
            quoted = pending.question[:200]
            self._show(
                pending.key,
                where,
                pending.placeholder_ts,
                text_message(
                    f"I was interrupted (Cortex restarted) before I could answer “{quoted}”. "
                    "Please ask again.",
                    emoji=":warning:",
                ),
            )
        except Exception:  # noqa: BLE001 - the next start tries again; the log has it
            _log.exception("could not retract the placeholder of %r", pending.question)

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

    def _replace(self, key: str, where: _Where, placeholder: str, message: SlackMessage) -> None:
        """Put `message` in place of the placeholder; nothing is left to finish then."""
        self.client.chat_update(channel=where.channel, ts=placeholder, **message.as_kwargs())
        self.placeholders.replaced(key)

    def _show(
        self, key: str, where: _Where, placeholder: str | None, message: SlackMessage
    ) -> None:
        """`message` in place of the placeholder if there is one, else posted in the thread."""
        if placeholder is not None:
            self._replace(key, where, placeholder, message)
        else:
            self._post(where, message)

    def _forget(self, key: str) -> None:
        """The question of `key` has its last word (an apology): no redelivery, no resuming."""
        try:
            self.ledger.done(key)
            self.placeholders.replaced(key)
        except Exception:  # noqa: BLE001 - the store is failing: a restart may try it again
            _log.exception("could not close the question %s", key)

    def _post(self, where: _Where, message: SlackMessage) -> str:
        reply = self.client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.as_kwargs(),
        )
        return str(reply["ts"])

    def _can_chart(self, answer: Answer) -> bool:
        return self.draw_charts and answer.compiled is not None and answer.result is not None

    def _draw_chart(self, answer: Answer) -> tuple[bytes, str] | None:
        """The chart of `answer` as PNG bytes and its title, or None when it has none."""
        if not self._can_chart(answer):
            return None
        assert answer.compiled is not None and answer.result is not None
        from cortex.answers.chart import (  # altair loads slowly: only when drawing
            chart_spec,
            render_png,
        )

        spec = chart_spec(answer.compiled, answer.result.frame, self.agent.workspace.model)
        if spec is None:
            return None
        title = ", ".join(m.label for m in answer.compiled.provenance.metrics)
        try:
            return render_png(spec), title
        except Exception:  # noqa: BLE001 - the answer stands without its chart
            _log.exception("could not draw the chart of %r", answer.question)
            return None

    def _upload_chart(self, answer: Answer, where: _Where) -> None:
        chart = self._draw_chart(answer)
        if chart is not None:
            self._upload_png(*chart, where, question=answer.question)

    def _upload_png(self, png: bytes, title: str, where: _Where, *, question: str) -> None:
        try:
            self.client.files_upload_v2(
                channel=where.channel,
                thread_ts=where.thread_ts,
                content=png,
                filename="cortex-chart.png",
                title=title,
                alt_txt=f"Chart of {title}",
            )
        except Exception:  # noqa: BLE001 - the answer is posted already; the chart is extra
            _log.exception("could not upload the chart of %r", question)

    def _upload_result(self, answer: Answer, where: _Where) -> None:
        """The whole result as a CSV file in the thread, when the answer's table is cut."""
        if answer.result is None or rows_shown(answer) >= answer.result.row_count:
            return
        found = result_csv(answer)
        if found is None:
            return
        name, content = found
        try:
            self.client.files_upload_v2(
                channel=where.channel,
                thread_ts=where.thread_ts,
                content=content,
                filename=name,
                title=f"The whole result ({answer.result.row_count:,} rows)",
            )
        except Exception:  # noqa: BLE001 - the answer is posted already; the file is extra
            _log.exception("could not upload the result of %r", answer.question)

    def _apologise(self, where: _Where, placeholder: str | None, error: InternalError) -> bool:
        """Post the apology (in place of the placeholder if there is one); whether it worked."""
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
            return False
        return True

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


def _confirmation(value: str) -> dict[str, Any] | None:
    """What a Confirm or Cancel button carries: the skill, its input, who asked, and the
    answer acted on (its audit record, or the conversation's latest answer)."""
    try:
        found = json.loads(value)
    except json.JSONDecodeError:
        return None
    if not isinstance(found, dict) or "s" not in found or "u" not in found:
        return None
    return found


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
