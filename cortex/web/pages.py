"""The site's pages: ask and follow up, an answer, the catalog, and for analysts the audit trail
and the thumbs-down queue.

Every page first signs the person in (`SignIn`: the proxy's e-mail header, mapped to an
access.yml user); every post carries the person's form token (`FormGuard`). A question is
answered by the agent exactly as in Slack: with the asker's grant as the query policy (roles
and row policies), in a conversation kept by the agent's conversation store, and recorded in
the audit trail with source `web`; the browser is then sent to the answer's page
(post/redirect/get, so a reload asks nothing twice). Feedback is the asker's alone, recorded
on the answer's audit record as Slack's is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from cortex.agent import Agent
from cortex.answer import Answer, AnswerStatus
from cortex.errors import AccessDenied
from cortex.stores.audit import OUTCOMES, VOTES, AuditLog, AuditRecord, Outcome
from cortex.web.answer_view import view_of
from cortex.web.assets import VEGA_PATH, VegaBundle
from cortex.web.catalog_view import catalog_for
from cortex.web.forms import FormGuard
from cortex.web.signin import SignIn, SignInRefused, Visitor
from cortex.web.templates import render
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

__all__ = ["MAX_QUESTION_CHARS", "WebSite"]

#: A question (or a comment) longer than this is refused: no one types more.
MAX_QUESTION_CHARS: Final = 2000
#: Answers kept in memory for their page (older ones are computed again from the audit trail).
_REMEMBERED: Final = 256
#: Records the audit page lists at most.
_AUDIT_ROWS: Final = 200
_STATUS_OF: Final[dict[Outcome, AnswerStatus]] = {
    "answered": "answer",
    "clarified": "clarification",
    "declined": "out_of_scope",
    "denied": "denied",
    "failed": "error",
    "acted": "action",
}

Handler = Callable[[Request, Visitor], Awaitable[Response]]


class WebSite:
    """The pages of Cortex's internal site, over one agent, access policy and audit trail."""

    def __init__(
        self,
        agent: Agent,
        signin: SignIn,
        audit: AuditLog,
        *,
        guard: FormGuard | None = None,
        vega: VegaBundle | None = None,
    ) -> None:
        self.agent = agent
        self.signin = signin
        self.audit = audit
        self.guard = guard or FormGuard()
        self.vega = vega or VegaBundle()
        #: answers as given, by audit record, with the query as it ran (the asker's row
        #: filters in it): shown again only to a person whose access still covers it
        self._answers: OrderedDict[int, tuple[Answer, SemanticQuery | None]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model(self) -> SemanticModel:
        """The loaded semantic model the agent answers from."""
        return self.agent.workspace.model

    def routes(self) -> list[Route]:
        """The site's routes (the static files are mounted beside them)."""
        return [
            Route("/", self._home, methods=["GET"]),
            Route("/ask", self._signed_in(self._ask_page), methods=["GET"]),
            Route("/ask", self._signed_in(self._ask), methods=["POST"]),
            Route("/answers/{record:int}", self._signed_in(self._answer_page), methods=["GET"]),
            Route(
                "/answers/{record:int}/feedback",
                self._signed_in(self._feedback),
                methods=["POST"],
            ),
            Route("/catalog", self._signed_in(self._catalog), methods=["GET"]),
            Route("/audit", self._signed_in(self._analysts(self._audit)), methods=["GET"]),
            Route("/feedback", self._signed_in(self._analysts(self._queue)), methods=["GET"]),
            Route(VEGA_PATH, self._vega, methods=["GET"]),
            Route("/healthz", self._health, methods=["GET"]),
        ]

    # ------------------------------------------------------------------ sign-in and rendering

    def _signed_in(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            try:
                visitor = self.signin.visitor(request.headers)
            except SignInRefused as refused:
                return self.message_page(refused.status, refused.title, refused.message)
            return await handler(request, visitor)

        return page

    def _analysts(self, handler: Handler) -> Handler:
        async def page(request: Request, visitor: Visitor) -> Response:
            if not visitor.reads_audit:
                return self.message_page(
                    403,
                    "For analysts only",
                    "The audit trail holds everyone's questions, so only the roles access.yml "
                    "lists under `audit: requires` may read it; your roles are "
                    f"{', '.join(sorted(visitor.grant.roles))}.",
                    visitor,
                )
            return await handler(request, visitor)

        return page

    def _page(
        self, template: str, visitor: Visitor, status: int = 200, **context: Any
    ) -> HTMLResponse:
        html = render(
            template,
            visitor=visitor,
            token=self.guard.token_for(visitor.email),
            dev_sign_in=self.signin.dev_user is not None,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def message_page(
        self,
        status: int,
        title: str,
        message: str,
        visitor: Visitor | None = None,
        trace_id: str | None = None,
    ) -> HTMLResponse:
        """A page that only says something: a refusal, an error (with its trace id)."""
        html = render(
            "message.html",
            visitor=visitor,
            token=self.guard.token_for(visitor.email) if visitor is not None else "",
            dev_sign_in=self.signin.dev_user is not None,
            status=status,
            title=title,
            message=message,
            trace_id=trace_id,
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    async def _form(self, request: Request, visitor: Visitor) -> FormData | None:
        """The posted form, or None when it lacks the person's token or comes from elsewhere."""
        form = await request.form()
        token = form.get("token")
        if not isinstance(token, str) or not self.guard.accepts(
            visitor.email, token, request.headers
        ):
            return None
        return form

    def _expired(self, visitor: Visitor) -> HTMLResponse:
        return self.message_page(
            403,
            "Please reload the page",
            "This form did not come from a page of Cortex's that is still current (it may "
            "have been open across a restart). Reload the page and send it again.",
            visitor,
        )

    # ------------------------------------------------------------------ asking

    async def _home(self, request: Request) -> Response:
        return RedirectResponse("/ask", status_code=303)

    async def _ask_page(self, request: Request, visitor: Visitor) -> Response:
        return self._ask_form(visitor)

    def _ask_form(
        self, visitor: Visitor, problem: str | None = None, status: int = 200
    ) -> Response:
        cards, _ = catalog_for(visitor.grant)
        visible = {card.metric.name for card in cards}
        examples = [
            v.question
            for v in sorted(self.model.verified_queries, key=lambda v: not v.onboarding)
            if set(v.query.metrics) <= visible
        ][:5]
        recent = self.audit.list(user=visitor.user_id, source="web", limit=10)
        return self._page(
            "ask.html", visitor, status, examples=examples, recent=recent, problem=problem
        )

    async def _ask(self, request: Request, visitor: Visitor) -> Response:
        form = await self._form(request, visitor)
        if form is None:
            return self._expired(visitor)
        question = " ".join(str(form.get("question") or "").split())
        if not question:
            return self._ask_form(visitor, "Type a question first.", 400)
        if len(question) > MAX_QUESTION_CHARS:
            return self._ask_form(
                visitor,
                f"That question is {len(question):,} characters long; ask it in at most "
                f"{MAX_QUESTION_CHARS:,}.",
                400,
            )
        conversation = self._own_conversation(visitor, str(form.get("conversation") or ""))
        answer = await run_in_threadpool(
            self.agent.ask, question, conversation, policy=visitor.grant
        )
        record = self.audit.record_answer(
            answer, source="web", user_id=visitor.user_id, user_name=visitor.name
        )
        if record is None:  # the trail could not be written: show it now, without feedback
            return self._answer_view(visitor, answer, None)
        with self._lock:
            self._answers[record] = (answer, _as_run(answer, visitor))
            while len(self._answers) > _REMEMBERED:
                self._answers.popitem(last=False)
        return RedirectResponse(f"/answers/{record}", status_code=303)

    def _own_conversation(self, visitor: Visitor, conversation: str) -> str | None:
        """`conversation` when this person asked in it on the site, else None (a new one):
        a follow-up never builds on someone else's conversation."""
        if not conversation:
            return None
        asked = self.audit.list(user=visitor.user_id, thread=conversation, source="web", limit=1)
        return conversation if asked else None

    async def _answer_page(self, request: Request, visitor: Visitor) -> Response:
        record_id = int(request.path_params["record"])
        record = self.audit.get(record_id)
        if record is None or record.source != "web" or record.user_id != visitor.user_id:
            raise HTTPException(404)  # someone else's answer is not theirs to see
        answer = await run_in_threadpool(self._answer_of, record, visitor)
        return self._answer_view(visitor, answer, record)

    def _answer_of(self, record: AuditRecord, visitor: Visitor) -> Answer:
        """The answer of `record`: as given, while it is remembered; else computed again
        from its plan under the person's access as of now (or its words, with no numbers)."""
        with self._lock:
            remembered, ran = self._answers.get(record.id, (None, None))
        if remembered is not None and (ran is None or visitor.grant.covers(ran)):
            return remembered  # as given, unless the person's access has narrowed since
        query = record.query
        if record.outcome == "answered" and query is not None and record.thread is not None:
            return self.agent.answer_again(
                record.question, query, record.thread, policy=visitor.grant
            )
        return Answer(
            _STATUS_OF[record.outcome], record.answer, record.question, record.thread or ""
        )

    def _answer_view(
        self, visitor: Visitor, answer: Answer, record: AuditRecord | None
    ) -> Response:
        earlier = [
            r
            for r in self.audit.list(
                user=visitor.user_id, thread=answer.conversation_id, source="web"
            )
            if record is not None and r.id < record.id
        ]
        return self._page(
            "answer.html",
            visitor,
            view=view_of(answer, record.id if record is not None else None, self.model),
            record=record,
            earlier=list(reversed(earlier)),
            vega_path=VEGA_PATH,
        )

    async def _feedback(self, request: Request, visitor: Visitor) -> Response:
        record_id = int(request.path_params["record"])
        form = await self._form(request, visitor)
        if form is None:
            return self._expired(visitor)
        record = self.audit.get(record_id)
        if record is None or record.source != "web" or record.user_id != visitor.user_id:
            return self.message_page(
                403,
                "Not yours to rate",
                "Only the person who asked can rate an answer. Ask it yourself to rate yours.",
                visitor,
            )
        vote = str(form.get("vote") or "")
        if vote not in VOTES:
            return self.message_page(400, "No vote", "Choose Right or Wrong.", visitor)
        comment = " ".join(str(form.get("comment") or "").split())[:MAX_QUESTION_CHARS]
        self.audit.record_feedback(record_id, vote, comment=comment or None, by=visitor.user_id)
        return RedirectResponse(f"/answers/{record_id}#feedback", status_code=303)

    # ------------------------------------------------------------------ the catalog

    async def _catalog(self, request: Request, visitor: Visitor) -> Response:
        cards, hidden = await run_in_threadpool(catalog_for, visitor.grant)
        return self._page("catalog.html", visitor, cards=cards, hidden=hidden)

    # ------------------------------------------------------------------ for analysts

    async def _audit(self, request: Request, visitor: Visitor) -> Response:
        params = request.query_params
        outcome = params.get("outcome") or None
        feedback = params.get("feedback") or None
        user = (params.get("user") or "").strip() or None
        records = self.audit.list(
            user=user,
            outcome=outcome if outcome in OUTCOMES else None,
            feedback=feedback if feedback in VOTES else None,
            limit=_AUDIT_ROWS,
        )
        return self._page(
            "audit.html",
            visitor,
            records=records,
            outcomes=OUTCOMES,
            votes=VOTES,
            chosen={"outcome": outcome or "", "feedback": feedback or "", "user": user or ""},
            limit=_AUDIT_ROWS,
        )

    async def _queue(self, request: Request, visitor: Visitor) -> Response:
        records = self.audit.list(feedback="down", limit=_AUDIT_ROWS)
        return self._page("feedback.html", visitor, records=records)

    # ------------------------------------------------------------------ files and health

    async def _vega(self, request: Request) -> Response:
        script, etag = await run_in_threadpool(self.vega.script)
        headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(script, media_type="text/javascript; charset=utf-8", headers=headers)

    async def _health(self, request: Request) -> Response:
        return PlainTextResponse("ok")


def _as_run(answer: Answer, visitor: Visitor) -> SemanticQuery | None:
    """The query `answer` ran for `visitor`, their row filters in it (None: no numbers)."""
    if answer.query is None or answer.result is None:
        return None
    try:
        return visitor.grant.apply(answer.query)
    except (AccessDenied, SemanticLayerError):
        return None
