"""The agent: a question in, a governed and explained answer out.

    question -> planner -> semantic query -> compiler -> warehouse -> narrative -> Answer

A question asking why a metric moved ("why did ticket volume go up last month?", "what drove
the drop in CSAT this quarter?", a bare "why?" after an answer) is answered with the change's
drivers (`cortex.signals`): every query of the split compiled and run as the asker may.

A question that asks Cortex to act ("save this to Notion", "how are we doing on OKR-1?") is
recognised by the skills' request readers, handed in by the surface, before any planning; its
answer is an `Action` for the surface to run (`skills.dispatch`), with the confirmation a skill
that writes outside Cortex needs.

Every dependency is passed in. A failure inside the pipeline becomes an `error` answer, never an
exception that reaches the person asking: what went wrong and what to do when it is expected (a
query the layer refuses, Claude unreachable), else an apology with a trace id (the trace goes to
the log).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from connectors.warehouse import WarehouseError
from cortex.answer import Action, Answer
from cortex.answers.narrative import narrate
from cortex.errors import AccessDenied, InternalError, UserError
from cortex.knowledge import Caveat, ContextLibrary, ValueIndex
from cortex.planning.definitions import governed_definition
from cortex.planning.guards import (
    bare_cause,
    cause_asked,
    change_to_explain,
    definition_given,
    plain_request,
    refers_back,
    unhonoured,
)
from cortex.planning.phrase import phrase_query
from cortex.planning.plans import (
    Clarify,
    Closeable,
    OutOfScope,
    Plan,
    Planner,
    QueryPlan,
    RequestReader,
    SkillRequest,
    Usage,
    same_query,
)
from cortex.planning.replies import accepted
from cortex.signals.drivers import explain_change
from cortex.signals.summary import summarize
from cortex.stores.conversations import ConversationStore
from cortex.workspace import QueryOutcome, Workspace
from semantic_layer.compile import CompiledQuery, compile_query, metrics_used
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

_log = logging.getLogger("cortex.agent")
#: Statuses of a turn that gave no answer a follow-up could build on.
_UNANSWERED = frozenset({"clarification", "denied", "error"})


def _breakdowns(
    model: SemanticModel, query: SemanticQuery, values: ValueIndex | None, limit: int = 2
) -> list[str]:
    """Dimensions to break `query` down by, not already used: the categorical dimensions of
    its metrics' tables, those with few values first (the value index holds them; a list
    of thousands of accounts explains nothing), then those analysts chose in verified
    queries of its metrics."""
    used = {d.partition(":")[0] for d in query.dimensions} | {f.field for f in query.filters}
    found: list[tuple[bool, str]] = []
    for metric in metrics_used(model, query.metrics):
        measured = model.measure(metric.measure or "")
        if measured is not None:
            table = measured[0]
            found += [
                (values is None or bool(values.values(d.name, table.name)), d.name)
                for d in table.dimensions
                if d.type == "categorical"
            ]
    for verified in model.verified_queries:
        if set(verified.query.metrics) & set(query.metrics):
            found += [(False, d) for d in verified.query.dimensions if ":" not in d]
    ranked = [name for few, name in found if few] + [name for few, name in found if not few]
    return [d for d in dict.fromkeys(ranked) if d not in used][:limit]


def _total(*usages: Usage | None) -> Usage | None:
    """What several planner calls cost together (None when none of them reported a cost)."""
    spent = [u for u in usages if u is not None]
    if not spent:
        return None
    return Usage(
        sum(u.input_tokens for u in spent),
        sum(u.output_tokens for u in spent),
        sum(u.cost_usd for u in spent),
    )


#: Told each step of answering as it starts ("Reading your question…"), for a surface that
#: shows progress (Slack's status line and streamed steps); it must not raise.
Progress = Callable[[str], None]


def _quiet(step: str) -> None:
    """The progress of a surface that shows none."""


class QueryPolicy(Protocol):
    """What one person may see: a query in, the query they may run out (or `AccessDenied`).

    It runs on the planned query before it is compiled, so a row filter it adds is part of the
    SQL and of the provenance.
    """

    def apply(self, query: SemanticQuery) -> SemanticQuery: ...


class Agent:
    """Answers questions from one workspace with one planner, remembering conversations."""

    def __init__(
        self,
        workspace: Workspace,
        planner: Planner,
        conversations: ConversationStore,
        context: ContextLibrary | None = None,
        values: ValueIndex | None = None,
        requests: Sequence[RequestReader] = (),
    ) -> None:
        self.workspace = workspace
        self.planner = planner
        self.conversations = conversations
        self.context = context
        self.values = values
        self.requests = tuple(requests)

    def close(self) -> None:
        """Release what the agent holds: the warehouse connection and the planner's client."""
        self.workspace.close()
        if isinstance(self.planner, Closeable):
            self.planner.close()

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        *,
        policy: QueryPolicy | None = None,
        progress: Progress | None = None,
    ) -> Answer:
        """Answer `question`, as a follow-up when `conversation_id` names a conversation.

        `policy` restricts what the asker may see (None: everything, as for a local analyst).
        `progress` is told each step as it starts: reading the question, the metrics chosen,
        compiling, running.
        """
        conversation = conversation_id or uuid.uuid4().hex[:12]
        started = time.perf_counter()
        try:
            answer = self._answer(question, conversation, policy, progress or _quiet)
        except (SemanticLayerError, WarehouseError) as error:
            answer = Answer("error", str(error), question, conversation)
        except UserError as error:  # an expected outside failure (Claude unreachable): no trace
            answer = Answer("error", error.user_message, question, conversation)
        except Exception:  # the person asking gets an apology and a trace id, never a trace
            internal = InternalError("Cortex hit an unexpected problem.")
            _log.exception("trace %s: question %r", internal.trace_id, question)
            answer = Answer(
                "error", internal.user_message, question, conversation, trace_id=internal.trace_id
            )
        total = (time.perf_counter() - started) * 1000
        self.conversations.append(
            conversation, question, answer.status, answer.query, answer.suggestions
        )
        return replace(answer, timings_ms={**answer.timings_ms, "total": total})

    def recall_answer(self, conversation_id: str, *, policy: QueryPolicy | None = None) -> Answer:
        """The conversation's latest answer, computed again as the asker may see it (what
        "save this to Notion" acts on), or a question back when nothing was answered yet."""
        recall = self.conversations.recall(conversation_id)
        if not recall.history or recall.last_answered is None:
            return Answer(
                "clarification",
                "There is no answer in this conversation yet: ask a question first, then ask "
                "me to act on it.",
                "",
                conversation_id,
                reason="no earlier answer",
            )
        return self.answer_again(
            recall.last_answered, recall.history[-1], conversation_id, policy=policy
        )

    def answer_again(
        self,
        question: str,
        query: SemanticQuery,
        conversation_id: str,
        *,
        policy: QueryPolicy | None = None,
    ) -> Answer:
        """The answer to `question`, planned before as `query`, computed again now as the
        asker may see it (a button under an earlier answer acts on it); nothing is recorded."""
        plan = QueryPlan(query, 1.0)
        try:
            return self._run(question, conversation_id, plan, policy, time.perf_counter())
        except (SemanticLayerError, WarehouseError) as error:
            return Answer("error", str(error), question, conversation_id)

    def _requested(self, question: str, conversation: str) -> Answer | None:
        """An `Action` when `question` asks a skill to act, else None."""
        for reader in self.requests:
            wanted = reader.read_request(question)
            if wanted is not None:
                action = Action(reader.name, dict(wanted))
                return Answer(
                    "action", f"Running {reader.name}.", question, conversation, action=action
                )
        return None

    def _answer(
        self, question: str, conversation: str, policy: QueryPolicy | None, progress: Progress
    ) -> Answer:
        requested = self._requested(question, conversation)
        if requested is not None:
            return requested
        progress("Reading your question…")
        recall = self.conversations.recall(conversation)
        history = recall.history
        # "yes", "the second one": the reading Cortex offered when it asked back, which stands
        # on its own (it is only offered when it plans back to its query without history)
        chosen = accepted(question, recall.last_suggestions)
        meant = chosen or question
        started = time.perf_counter()
        plan = self.planner.plan(meant, history)
        if recall.last_status in _UNANSWERED and chosen is None:
            plan = self._after_unanswered(question, plan, planned_alone=not history)
        changed = self._change_asked(meant, plan, history)
        if changed is not None:
            query, usage, verified = changed
            return self._explain(question, conversation, query, policy, usage, verified, started)
        plan = self._honoured(meant, plan, history)
        planned = time.perf_counter()
        if isinstance(plan, Clarify):
            return Answer(
                "clarification",
                plan.question,
                question,
                conversation,
                suggestions=plan.suggestions,
                usage=plan.usage,
                reason=plan.reason,
            )
        if isinstance(plan, OutOfScope):
            return Answer("out_of_scope", plan.reply, question, conversation, usage=plan.usage)
        if isinstance(plan, SkillRequest):
            action = Action(plan.skill, dict(plan.input))
            text = f"Running {plan.skill}."
            return Answer("action", text, question, conversation, usage=plan.usage, action=action)
        progress(f"Metrics chosen: {self._in_words(plan.query)}")
        return self._run(question, conversation, plan, policy, started, planned, chosen, progress)

    def _in_words(self, query: SemanticQuery) -> str:
        """The query as the person would say it, or at least its metrics' labels."""
        model = self.workspace.model
        phrased = phrase_query(query, model)
        if phrased is not None:
            return phrased
        labels = [(m.label if (m := model.metric(name)) else name) for name in query.metrics]
        return ", ".join(labels)

    def _run(
        self,
        question: str,
        conversation: str,
        plan: QueryPlan,
        policy: QueryPolicy | None,
        started: float,
        planned: float | None = None,
        chosen: str | None = None,
        progress: Progress = _quiet,
    ) -> Answer:
        """The answer of a planned query: the asker's policy applied, compiled, run, narrated."""
        planned = time.perf_counter() if planned is None else planned
        try:
            allowed = plan.query if policy is None else policy.apply(plan.query)
        except AccessDenied as denied:
            # The planned query stays unrecorded: a follow-up must not build on a refusal.
            return Answer("denied", denied.user_message, question, conversation, usage=plan.usage)
        progress("Compiling the governed query…")
        try:
            outcome = self.workspace.query(allowed, progress=progress)
        except (SemanticLayerError, WarehouseError) as error:  # what planning cost still counts
            return Answer("error", str(error), question, conversation, usage=plan.usage)
        answered = time.perf_counter()
        result = outcome.result
        assert result is not None  # the workspace runs its own dialect
        readings = ((question, chosen),) if chosen is not None else ()
        compiled = _with_readings(outcome.compiled, (*readings, *plan.read_as))
        text = narrate(compiled, result.frame, self.workspace.model)
        used = [m.name for m in compiled.provenance.metrics]
        return Answer(
            "answer",
            text,
            question,
            conversation,
            plan.query,
            compiled,
            result,
            trust="verified" if plan.verified else "generated",
            caveats=self.caveats(used),
            usage=plan.usage,
            timings_ms={
                "plan": (planned - started) * 1000,
                "query": (answered - planned) * 1000,
            },
        )

    def _change_asked(
        self, question: str, plan: Plan, history: Sequence[SemanticQuery]
    ) -> tuple[SemanticQuery, Usage | None, bool] | None:
        """(the query whose change `question` asks the cause of, what planning cost, whether
        it is a verified query) when it asks why a metric moved over a period, else None:
        the question's own query, read without its cause words when the planner could not
        read it whole; for a bare "why?", the conversation's last query."""
        if not cause_asked(question) or isinstance(plan, OutOfScope | SkillRequest):
            return None
        read: Plan = plan
        if not isinstance(plan, QueryPlan):
            read = self.planner.plan(plain_request(question), history)
        if isinstance(read, QueryPlan) and change_to_explain(read.query):
            usage = _total(plan.usage, read.usage) if read is not plan else plan.usage
            return read.query, usage, bool(read.verified)
        if history and bare_cause(question) and change_to_explain(history[-1]):
            return history[-1], _total(plan.usage, read.usage), False
        return None

    def _explain(
        self,
        question: str,
        conversation: str,
        query: SemanticQuery,
        policy: QueryPolicy | None,
        usage: Usage | None,
        verified: bool,
        started: float,
    ) -> Answer:
        """Why `query`'s metric moved: its drivers, said in two sentences, with the top
        dimension's values beside the period before as the table (or the total when no
        dimension splits it)."""
        planned = time.perf_counter()

        def run(wanted: SemanticQuery) -> QueryOutcome:
            return self.workspace.query(wanted if policy is None else policy.apply(wanted))

        try:
            drivers = explain_change(query, self.workspace.model, run)
        except AccessDenied as denied:
            return Answer("denied", denied.user_message, question, conversation, usage=usage)
        top = drivers.top
        shown = query.model_copy(
            update={
                "dimensions": (top.dimension,) if top is not None else (),
                "compare": drivers.comparison,
                "order_by": (),
                "limit": None,
            }
        )
        outcome = run(shown)
        answered = time.perf_counter()
        assert outcome.result is not None  # the workspace runs its own dialect
        return Answer(
            "answer",
            summarize(drivers, self.workspace.model),
            question,
            conversation,
            shown,
            outcome.compiled,
            outcome.result,
            trust="verified" if verified else "generated",
            caveats=self.caveats(query.metrics),
            usage=usage,
            timings_ms={
                "plan": (planned - started) * 1000,
                "query": (answered - planned) * 1000,
            },
            drivers=drivers,
        )

    def _after_unanswered(self, question: str, plan: Plan, *, planned_alone: bool) -> Plan:
        """`plan` for a question asked right after one that got no answer (a question back, a
        refusal, an error), when it stands on its own. A follow-up that builds on the last
        *answer* ("how does that compare with the quarter before?") may mean the question
        that went unanswered, so Cortex asks, offering the query it would run in words that
        stand alone. So does one that speaks of "them" when nothing was answered yet.
        `planned_alone` says `plan` was planned without history (there was no answer)."""
        if not isinstance(plan, QueryPlan):
            return plan
        alone = plan if planned_alone else self.planner.plan(question, ())
        usage = plan.usage if planned_alone else _total(plan.usage, alone.usage)
        if (
            isinstance(alone, QueryPlan)
            and same_query(alone.query, plan.query)
            and not refers_back(question)  # "now rank them by revenue": them, unanswered
        ):
            return replace(plan, usage=usage)
        words = phrase_query(plan.query, self.workspace.model)
        offered: tuple[str, ...] = ()
        if words is not None:
            again = self.planner.plan(words, ())
            usage = _total(usage, again.usage)
            if isinstance(again, QueryPlan) and same_query(again.query, plan.query):
                offered = (words,)
        meant = f" Did you mean: {words}?" if words is not None else ""
        return Clarify(
            "Your previous question got no answer, so I'm not sure what this one builds on."
            f"{meant} Or ask it in full.",
            offered,
            usage=usage,
            reason="no earlier answer",
        )

    def _honoured(self, question: str, plan: Plan, history: Sequence[SemanticQuery] = ()) -> Plan:
        """`plan`, or a question back when the question asks for a cause or defines its own
        term, which no semantic query honours (`cortex.planning.guards`). What Cortex offers instead
        is read from the rest of the question when the planner could not read it whole."""
        if isinstance(plan, OutOfScope):
            return plan
        if not (cause_asked(question) or definition_given(question)):
            return plan
        read = (
            plan
            if isinstance(plan, QueryPlan)
            else self.planner.plan(plain_request(question), history)
        )
        query = read.query if isinstance(read, QueryPlan) else None
        definition = definition_given(question)
        if definition is not None and isinstance(read, QueryPlan) and not cause_asked(question):
            term, meaning = definition  # "AI automation rate, meaning AI-resolved over resolved"
            governed = governed_definition(meaning, self.planner, self.workspace.model)
            if governed is not None:
                said = (f"{term}, meaning {meaning}", f"{governed.label} ({governed.name})")
                matched = read.query.model_copy(update={"metrics": (governed.name,)})
                return replace(read, query=matched, read_as=(*read.read_as, said))
        offers = self._offers(query) if query is not None else ()
        if query is None and isinstance(plan, Clarify):
            offers = plan.suggestions
        found = unhonoured(question, query, self.workspace.model, offers)
        if found is None:
            return plan
        usage = _total(plan.usage, read.usage) if read is not plan else plan.usage
        return Clarify(found.question, found.suggestions, usage=usage, reason="cause or definition")

    def _offers(self, query: SemanticQuery) -> tuple[str, ...]:
        """Questions Cortex can answer about `query`'s metrics instead: compared with the
        period before and broken down by a dimension, each worded so that it plans back to
        that very query."""
        model, as_of = self.workspace.model, self.workspace.settings.as_of
        base = query
        if query.time_range is not None and query.compare is None:
            base = query.model_copy(update={"compare": "previous_period"})
        candidates = [base] + [
            base.model_copy(update={"dimensions": (*base.dimensions, dimension)})
            for dimension in _breakdowns(model, query, self.values)
        ]
        offered: list[str] = []
        for candidate in candidates:
            try:
                compile_query(candidate, model, as_of=as_of)
            except SemanticLayerError:
                continue
            words = phrase_query(candidate, model)
            again = self.planner.plan(words, ()) if words is not None else None
            if isinstance(again, QueryPlan) and same_query(again.query, candidate):
                offered.append(str(words))
            if len(offered) == 3:
                break
        return tuple(offered)

    def caveats(self, metrics: Sequence[str], limit: int = 2) -> tuple[Caveat, ...]:
        """What the business context says about these metrics: the first block of the
        sections that are caveats for them, one a document."""
        if self.context is None:
            return ()
        found: dict[object, Caveat] = {}
        for passage in self.context.caveats_for(metrics):
            if passage.path not in found:
                found[passage.path] = Caveat.of(passage)
        return tuple(found.values())[:limit]


def _with_readings(compiled: CompiledQuery, read_as: Sequence[tuple[str, str]]) -> CompiledQuery:
    """`compiled` with a first note saying which words of the question were read as others."""
    if not read_as:
        return compiled
    said = ", ".join(f"'{written}' as '{read}'" for written, read in read_as)
    notes = (f"Read {said}.", *compiled.provenance.notes)
    return replace(compiled, provenance=replace(compiled.provenance, notes=notes))
