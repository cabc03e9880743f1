"""One MCP tool call, carried out as the person calling and recorded in the audit trail.

`CortexTools.call(user_id, tool, arguments)` does, in order: the caller's `Grant` (as the
Slack app gets it: `People.grant`; a user with no role is refused), the arguments checked
against the tool's input model (every problem named by field, with the names the caller may
use), the work, under the caller's access (their row filters go into every query before it
compiles), and one audit record (source `mcp`, the tool's name, the caller, a summary of the
arguments, the outcome and, for `query_metrics` and `ask`, the semantic query and the SQL that
ran). Whatever happens the client gets a `Reply`, never an exception:

    refused (no role, a metric or table their roles do not grant)  error, the refusal's words
    arguments that do not fit, a query the layer refuses           error, what to fix, with
                                                                    "did you mean" from the model
    an unexpected failure                                           error, an apology and a
                                                                    trace id (the traceback goes
                                                                    to the log under that id)

Conversations are kept apart per caller: the id a client sees is the one it passes back, and
Cortex stores it under the caller's id, so nobody follows up on someone else's conversation.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from connectors.warehouse import QueryResult, WarehouseError
from cortex.access.grants import Grant
from cortex.access.seen import MetricSeen, metrics_seen, tables_seen
from cortex.agent import Agent
from cortex.answer import Answer
from cortex.answers.formatting import json_value
from cortex.answers.narrative import narrate
from cortex.errors import AccessDenied, InternalError, UserError
from cortex.mcp_server.identity import People
from cortex.mcp_server.rendering import (
    answer_json,
    answer_text,
    result_json,
    result_text,
)
from cortex.mcp_server.tools import (
    INPUTS,
    AskInput,
    DescribeMetricInput,
    DimensionValuesInput,
    ExplainChangeInput,
    ListMetricsInput,
    RunSkillInput,
    SearchContextInput,
    listable_dimensions,
)
from cortex.signals.drivers import explain_change
from cortex.signals.payload import drivers_payload
from cortex.signals.summary import summarize
from cortex.stores.audit import AuditEntry, AuditLog, Outcome, entry_for
from cortex.workspace import QueryOutcome
from semantic_layer.compile import CompiledQuery, compile_query
from semantic_layer.errors import SemanticLayerError, UnknownNameError, did_you_mean
from semantic_layer.model import METRIC_TIME, Metric
from semantic_layer.query import OrderBy, SemanticQuery, validate_query
from skills.base import Requester, Skill, SkillContext
from skills.dispatch import follow_through
from skills.registry import SkillRegistry
from skills.runner import input_problems, run_skill

__all__ = [
    "ARGUMENTS_CHARS",
    "CATALOG_URI",
    "CONTEXT_URI",
    "READ_RESOURCE",
    "CortexTools",
    "Offer",
    "Reply",
    "Resource",
]

_log = logging.getLogger("cortex.mcp")
#: A call's arguments are kept in the audit trail up to this many characters.
ARGUMENTS_CHARS: Final = 400
#: The resources: the metric catalog as the caller sees it, and each context document.
CATALOG_URI: Final = "cortex://catalog"
CONTEXT_URI: Final = "cortex://context/"
#: How a resource read is named in the audit trail (it is no tool a client can call).
READ_RESOURCE: Final = "resources/read"


@dataclass(frozen=True)
class Offer:
    """What one caller is offered: the metrics they may query, the dimensions whose values
    they may list, the skills they may run."""

    metrics: tuple[Metric, ...]
    dimensions: tuple[str, ...]
    skills: tuple[Skill[Any], ...]


@dataclass(frozen=True)
class Resource:
    """A resource a caller may read."""

    uri: str
    name: str
    title: str
    description: str


@dataclass(frozen=True)
class Reply:
    """What a call gives the client (`text`, `data` as structured content, `error`) and what
    the audit trail records of it."""

    text: str
    data: Mapping[str, Any] | None = None
    error: bool = False
    outcome: Outcome = "answered"
    #: an `ask`: the audit record is the answer's (`entry_for`), as in Slack
    answer: Answer | None = None
    #: a query run: the plan as asked, and what ran
    query: SemanticQuery | None = None
    compiled: CompiledQuery | None = None
    result: QueryResult | None = None
    conversation: str | None = None
    trace_id: str | None = None


class _Unfit(UserError):
    """A call's arguments do not fit its tool; the message says what to change."""


def _refused(error: AccessDenied) -> Reply:
    return Reply(error.user_message, error=True, outcome="denied")


class CortexTools:
    """The tools of the MCP server, over one agent, one access policy and one audit trail."""

    def __init__(
        self,
        *,
        agent: Agent,
        people: People,
        audit: AuditLog,
        skills: SkillRegistry,
    ) -> None:
        self.agent = agent
        self.people = people
        self.audit = audit
        self.skills = skills
        self.model = agent.workspace.model
        #: each tool's work, by name: (caller, their grant, the arguments) -> Reply
        self.handlers: dict[str, Callable[[str, Grant, Mapping[str, Any]], Reply]] = {
            "query_metrics": self._query_metrics,
            "list_metrics": self._list_metrics,
            "describe_metric": self._describe_metric,
            "list_dimension_values": self._dimension_values,
            "ask": self._ask,
            "explain_change": self._explain_change,
            "search_context": self._search_context,
            "list_skills": self._list_skills,
            "run_skill": self._run_skill,
            READ_RESOURCE: self._read_resource,
        }

    # ------------------------------------------------------------------ the call

    def call(self, user_id: str, tool: str, arguments: Mapping[str, Any] | None) -> Reply:
        """Call `tool` with `arguments` as `user_id`; never raises. Every call is audited."""
        started = time.perf_counter()
        given = dict(arguments or {})
        try:
            reply = self._call(user_id, tool, given)
        except Exception:  # noqa: BLE001 - the caller gets an apology with a trace id
            internal = InternalError(f"the MCP tool {tool} failed")
            _log.exception("trace %s: MCP tool %s called by %s", internal.trace_id, tool, user_id)
            reply = Reply(
                internal.user_message, error=True, outcome="failed", trace_id=internal.trace_id
            )
        self._record(user_id, tool, given, reply, (time.perf_counter() - started) * 1000)
        return reply

    def _call(self, user_id: str, tool: str, given: Mapping[str, Any]) -> Reply:
        handler = self.handlers.get(tool)
        if handler is None:
            known = ", ".join(self.handlers)
            return Reply(
                f"There is no tool {tool!r}.{did_you_mean(tool, self.handlers)} Tools: {known}.",
                error=True,
                outcome="failed",
            )
        try:
            grant = self.people.grant(user_id)
        except AccessDenied as denied:
            return _refused(denied)
        try:
            return handler(user_id, grant, given)
        except AccessDenied as denied:
            return _refused(denied)
        except UnknownNameError as error:
            return Reply(_unknown_name(error, grant), error=True, outcome="failed")
        except (_Unfit, SemanticLayerError) as error:
            return Reply(str(error), error=True, outcome="failed")
        except (UserError, WarehouseError) as error:
            text = error.user_message if isinstance(error, UserError) else str(error)
            return Reply(text, error=True, outcome="failed")

    def grant_of(self, user_id: str) -> Grant:
        """The grant of `user_id` now (AccessDenied when they have no role)."""
        return self.people.grant(user_id)

    def visible_skills(self, grant: Grant) -> list[Skill[Any]]:
        """The skills `grant`'s roles may run."""
        return [s for s in self.skills if s.roles is None or s.roles & grant.roles]

    def offer(self, user_id: str) -> Offer:
        """What `user_id` is offered now (nothing when they have no role)."""
        try:
            grant = self.people.grant(user_id)
        except AccessDenied:
            return Offer((), (), ())
        return Offer(
            tuple(s.metric for s in metrics_seen(grant) if s.visible),
            tuple(listable_dimensions(self.model, grant)),
            tuple(self.visible_skills(grant)),
        )

    def resources(self) -> list[Resource]:
        """The catalog, then every context document."""
        found = [
            Resource(
                CATALOG_URI,
                "catalog",
                "Metric catalog",
                "The governed metrics you may query, with definitions, owners and status.",
            )
        ]
        context = self.agent.context
        for document in context.documents if context is not None else ():
            found.append(
                Resource(
                    CONTEXT_URI + document.path.name,
                    document.path.stem,
                    document.title,
                    f"Business context: {document.title} (owner {document.owner or '-'}).",
                )
            )
        return found

    # ------------------------------------------------------------------ the audit trail

    def _record(
        self, user_id: str, tool: str, given: Mapping[str, Any], reply: Reply, latency: float
    ) -> None:
        name = self.people.name_of(user_id)
        shown = json.dumps(given, sort_keys=True, default=str, ensure_ascii=False)
        if len(shown) > ARGUMENTS_CHARS:
            shown = shown[: ARGUMENTS_CHARS - 1] + "…"
        if reply.answer is not None:
            entry = entry_for(reply.answer, source="mcp", user_id=user_id, user_name=name)
            entry = replace(entry, tool=tool, thread=reply.conversation or entry.thread)
        else:
            compiled, result = reply.compiled, reply.result
            entry = AuditEntry(
                source="mcp",
                tool=tool,
                user_id=user_id,
                user_name=name,
                thread=reply.conversation,
                question=f"{tool} {shown}",
                outcome=reply.outcome,
                answer=reply.text,
                plan=reply.query.model_dump_json() if reply.query is not None else None,
                sql=compiled.sql if compiled is not None else None,
                rows=len(result.frame) if result is not None else None,
                latency_ms=latency,
                trace_id=reply.trace_id,
                as_of=compiled.provenance.as_of if compiled is not None else None,
                cache=result.cache if result is not None else None,
            )
        self.audit.record(replace(entry, latency_ms=latency))

    # ------------------------------------------------------------------ checks

    @staticmethod
    def _input(model: type[BaseModel], tool: str, given: Mapping[str, Any]) -> Any:
        try:
            return model.model_validate(dict(given))
        except ValidationError as error:
            raise _Unfit(
                f"The arguments of {tool} do not fit: {input_problems(error)}.",
                hint="See the tool's input schema (tools/list).",
            ) from None

    def _visible_metric(self, grant: Grant, name: str) -> Metric:
        """The metric `name` when `grant` may see it; else what to fix, or the refusal."""
        metric = self.model.metric(name)
        seen = {s.metric.name: s for s in metrics_seen(grant)}
        if metric is None:
            visible = [n for n, s in seen.items() if s.visible]
            raise _Unfit(
                f"Unknown metric {name!r}.{did_you_mean(name, visible)}",
                hint="list_metrics lists the metrics you may use.",
            )
        found = seen.get(metric.name)
        if found is None or not found.visible:
            reason = found.reason if found is not None else ""
            raise AccessDenied(
                f"{metric.label} ({metric.name}) is not available to you. {reason}".strip()
            )
        return metric

    def _run(self, grant: Grant, query: SemanticQuery) -> QueryOutcome:
        """`query` as `grant` may run it: their row filters added before it compiles."""
        return self.agent.workspace.query(grant.apply(query))

    def _conversation(self, user_id: str, given: str | None) -> tuple[str, str]:
        """(the id the client sees, the id Cortex keeps it under: the caller's own)."""
        shown = given.strip() if given and given.strip() else uuid.uuid4().hex[:12]
        return shown, f"mcp:{user_id}:{shown}"

    # ------------------------------------------------------------------ the tools

    def _query_metrics(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        named = given.get("metrics")
        for name in named if isinstance(named, list) else ():
            if isinstance(name, str):  # a misspelling is matched to the metrics one may see
                self._visible_metric(grant, name)
        query = validate_query(given)
        allowed = grant.apply(query)
        outcome = self.agent.workspace.query(allowed)
        compiled, result = outcome.compiled, outcome.result
        assert result is not None  # the workspace runs its own dialect
        sentence = narrate(compiled, result.frame, self.model)
        caveats = self.agent.caveats(query.metrics)
        data = {"query": query.model_dump(mode="json"), **result_json(compiled, result)}
        data["caveats"] = [{"source": c.source, "text": c.markdown} for c in caveats]
        data["text"] = sentence
        return Reply(
            result_text(sentence, compiled, result, caveats),
            data,
            query=query,
            compiled=compiled,
            result=result,
        )

    def _list_metrics(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: ListMetricsInput = self._input(ListMetricsInput, "list_metrics", given)
        seen = metrics_seen(grant)
        visible = [s for s in seen if s.visible and _matches(s.metric, asked.search)]
        hidden = sum(not s.visible for s in seen)
        lines = [_metric_line(s) for s in visible] or ["No metric matches."]
        if hidden:
            lines.append(f"({hidden} more metrics are not available to you.)")
        data = {
            "metrics": [_metric_json(s) for s in visible],
            "not_available": hidden,
        }
        return Reply("\n".join(lines), data)

    def _describe_metric(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: DescribeMetricInput = self._input(DescribeMetricInput, "describe_metric", given)
        metric = self._visible_metric(grant, asked.metric)
        alone = grant.apply(SemanticQuery(metrics=(metric.name,)))
        as_of = self.agent.workspace.settings.as_of
        compiled = compile_query(alone, self.model, as_of=as_of)
        provenance = compiled.provenance.metrics[0]
        by = [d for d in listable_dimensions(self.model, grant) if self._groups(alone, d, as_of)]
        verified = [
            v.question for v in self.model.verified_queries if metric.name in v.query.metrics
        ]
        caveats = self.agent.caveats([metric.name], limit=5)
        rows = [str(f) for f in alone.filters]
        lines = [
            f"**{metric.label}** (`{metric.name}`), {metric.status}, owner {metric.owner or '-'}",
            metric.description,
            f"Definition: {provenance.definition}",
            f"Format: {metric.format}" + (f" ({metric.unit})" if metric.unit else ""),
            f"Tables: {', '.join(provenance.tables)}",
        ]
        if metric.synonyms:
            lines.append(f"Also called: {', '.join(metric.synonyms)}")
        lines.append("Group or filter by: " + (", ".join(by) if by else "no categorical dimension"))
        lines.append("Time: group by metric_time:<day|week|month|quarter|year>")
        lines.append(
            "Rows you see: " + ("only where " + " and ".join(rows) if rows else "every row")
        )
        if verified:
            lines.append("Verified questions: " + "; ".join(verified))
        for caveat in caveats:
            lines += [f"Caveat ({caveat.source}):", caveat.markdown]
        data = {
            **_metric_json(MetricSeen(metric, True, alone.filters)),
            "definition": provenance.definition,
            "tables": list(provenance.tables),
            "dimensions": by,
            "verified_questions": verified,
            "caveats": [{"source": c.source, "text": c.markdown} for c in caveats],
        }
        return Reply("\n".join(lines), data)

    def _groups(self, query: SemanticQuery, dimension: str, as_of: date) -> bool:
        """Whether `query`'s metric can be grouped by `dimension` (the joins reach it)."""
        try:
            compile_query(
                query.model_copy(update={"dimensions": (dimension,)}), self.model, as_of=as_of
            )
        except SemanticLayerError:
            return False
        return True

    def _dimension_values(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: DimensionValuesInput = self._input(
            DimensionValuesInput, "list_dimension_values", given
        )
        listable = listable_dimensions(self.model, grant)
        dimension = asked.dimension
        qualified = [d for d in listable if d.rpartition(".")[2] == dimension]
        if dimension not in listable and len(qualified) == 1:
            dimension = qualified[0]  # "segment" when one table the caller reads has it
        wanted = SemanticQuery(
            dimensions=(dimension,),
            order_by=(OrderBy(field=dimension.rpartition(".")[2]),),
            limit=None if asked.contains else asked.limit + 1,
        )
        try:
            outcome = self._run(grant, wanted)
        except SemanticLayerError as error:
            said = (
                _unknown_name(error, grant) if isinstance(error, UnknownNameError) else str(error)
            )
            close = "" if "Did you mean" in said else did_you_mean(dimension, listable)
            raise _Unfit(
                f"{said}{close}",
                hint="describe_metric names the dimensions a metric is grouped by.",
            ) from None
        assert outcome.result is not None
        values = [json_value(v) for v in outcome.result.frame.iloc[:, 0]]
        if asked.contains:
            needle = asked.contains.lower()
            values = [v for v in values if v is not None and needle in str(v).lower()]
        more = len(values) > asked.limit
        values = values[: asked.limit]
        lines = [f"{len(values)} values of {dimension}" + (" (more exist)" if more else "")]
        lines += [f"- {v}" for v in values]
        data = {"dimension": dimension, "values": values, "more": more}
        return Reply(
            "\n".join(lines),
            data,
            query=wanted,
            compiled=outcome.compiled,
            result=outcome.result,
        )

    def _ask(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: AskInput = self._input(AskInput, "ask", given)
        shown, kept = self._conversation(user_id, asked.conversation_id)
        answer = self.agent.ask(asked.question, kept, policy=grant)
        if answer.status == "action":
            answer = follow_through(
                answer,
                self.skills,
                self.agent,
                self._requester(user_id, grant, kept),
                policy=grant,
                audit=self.audit,
            )
        recorded = answer
        answer = replace(answer, conversation_id=shown)
        text = answer_text(answer)
        action = answer.action
        if action is not None and action.outcome == "awaiting confirmation":
            text += (
                f"\nNothing was written. Once the person agrees, call run_skill with skill "
                f"{action.skill!r}, confirm: true and conversation_id {shown!r}."
            )
        return Reply(
            text,
            answer_json(answer),
            error=answer.status in ("denied", "error"),
            answer=recorded,
            conversation=kept,
        )

    def _explain_change(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: ExplainChangeInput = self._input(ExplainChangeInput, "explain_change", given)
        metric = self._visible_metric(grant, asked.metric)
        query = SemanticQuery(
            metrics=(metric.name,),
            filters=asked.filters,
            time_range=asked.time_range,
            compare=asked.compare,
        )
        drivers = explain_change(query, self.model, lambda wanted: self._run(grant, wanted))
        text = summarize(drivers, self.model)
        data = {
            "text": text,
            **json.loads(json.dumps(drivers_payload(drivers), default=json_value)),
        }
        return Reply(text, data, query=query)

    def _search_context(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: SearchContextInput = self._input(SearchContextInput, "search_context", given)
        context = self.agent.context
        if context is None:
            return Reply("No business context documents are configured (CORTEX_CONTEXT).")
        hidden = _hidden_metrics(grant)
        found = [
            s
            for s in context.search(asked.query, asked.limit + 20)
            if not (hidden and context.only_about(s.passage, hidden))
        ][: asked.limit]
        if not found:
            return Reply(f"No business context passage matches {asked.query!r}.", {"passages": []})
        passages = [
            {
                "document": s.passage.path.name,
                "title": s.passage.title,
                "heading": s.passage.heading,
                "text": s.passage.text,
                "score": round(s.score, 3),
            }
            for s in found
        ]
        text = "\n\n".join(
            f"**{p['title']} › {p['heading']}** ({p['document']})\n{p['text']}" for p in passages
        )
        return Reply(text, {"passages": passages})

    def _list_skills(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        self._input(INPUTS["list_skills"], "list_skills", given)
        skills = self.visible_skills(grant)
        lines = [
            f"- **{s.name}**{' (writes outside Cortex: needs confirm)' if s.writes_outside else ''}"
            f": {' '.join(s.description.split())}"
            for s in skills
        ] or ["No skill is open to you."]
        data = {
            "skills": [
                {
                    "name": s.name,
                    "description": " ".join(s.description.split()),
                    "writes_outside": s.writes_outside,
                    "input_schema": s.input_schema(),
                }
                for s in skills
            ]
        }
        return Reply("\n".join(lines), data)

    def _run_skill(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        asked: RunSkillInput = self._input(RunSkillInput, "run_skill", given)
        kept = self._conversation(user_id, asked.conversation_id)[1]
        answers: tuple[Answer, ...] = ()
        if asked.conversation_id:
            latest = self.agent.recall_answer(kept, policy=grant)
            answers = (latest,) if latest.status == "answer" else ()
        context = SkillContext(
            workspace=self.agent.workspace,
            requester=self._requester(user_id, grant, kept),
            policy=grant,
            answers=answers,
            agent=self.agent,
        )
        run = run_skill(
            self.skills,
            asked.skill,
            asked.input,
            context,
            confirmed=asked.confirm,
            audit=self.audit,
        )
        result = run.result
        data: dict[str, Any] = {"skill": run.skill, "outcome": run.outcome, "input": run.input}
        if run.outcome == "awaiting confirmation":
            text = (
                f"Not run: {run.skill} writes outside Cortex, and nothing was written. It would: "
                f"{run.confirmation} Ask the person; once they agree, call run_skill again with "
                "the same input and confirm: true."
            )
            return Reply(text, data, outcome="acted", conversation=kept)
        if run.outcome in ("refused", "failed"):
            outcome: Outcome = "denied" if run.outcome == "refused" else "failed"
            return Reply(run.message, data, error=True, outcome=outcome, trace_id=run.trace_id)
        assert result is not None
        data.update(
            link=result.link,
            files=[str(p) for p in result.files],
            details=json.loads(json.dumps(dict(result.details), default=json_value)),
        )
        text = run.message + (f"\nLink: {result.link}" if result.link else "")
        text += "".join(f"\nFile: {p}" for p in result.files)
        return Reply(text, data, outcome="acted", conversation=kept)

    def _read_resource(self, user_id: str, grant: Grant, given: Mapping[str, Any]) -> Reply:
        uri = str(given.get("uri", ""))
        if uri == CATALOG_URI:
            return self._list_metrics(user_id, grant, {})
        context = self.agent.context
        documents = {d.path.name: d for d in (context.documents if context is not None else ())}
        name = uri.removeprefix(CONTEXT_URI)
        document = documents.get(name) if uri.startswith(CONTEXT_URI) else None
        if document is None:
            known = [CATALOG_URI, *(CONTEXT_URI + n for n in documents)]
            raise _Unfit(f"There is no resource {uri!r}.{did_you_mean(uri, known)}")
        hidden = _hidden_metrics(grant)
        shown = [p for p in document.passages if not (context and context.only_about(p, hidden))]
        left_out = len(document.passages) - len(shown)
        if not left_out:
            return Reply(document.path.read_text(encoding="utf-8"))
        if not shown:
            raise _Unfit(f"{document.title!r} is about metrics you may not see.")
        text = "\n\n".join(
            p.text if p.heading == p.title else f"## {p.heading}\n\n{p.text}" for p in shown
        )
        note = f"({left_out} section(s) about metrics you may not see left out.)"
        return Reply(f"# {document.title}\n\n{text}\n\n{note}")

    def _requester(self, user_id: str, grant: Grant, conversation: str) -> Requester:
        return Requester(
            user_id=user_id,
            user_name=self.people.name_of(user_id),
            roles=grant.roles,
            source="mcp",
            thread=conversation,
        )


def _matches(metric: Metric, search: str | None) -> bool:
    if not search:
        return True
    word = search.lower()
    said = " ".join((metric.name, metric.label, metric.description, *metric.synonyms)).lower()
    return word in said


def _metric_line(seen: MetricSeen) -> str:
    metric = seen.metric
    rows = f" Rows you see: only where {' and '.join(map(str, seen.rows))}." if seen.rows else ""
    return (
        f"- **{metric.label}** (`{metric.name}`, {metric.status}, {metric.format}, owner "
        f"{metric.owner or '-'}): {' '.join(metric.description.split())}{rows}"
    )


def _metric_json(seen: MetricSeen) -> dict[str, Any]:
    metric = seen.metric
    return {
        "name": metric.name,
        "label": metric.label,
        "description": " ".join(metric.description.split()),
        "format": metric.format,
        "unit": metric.unit,
        "owner": metric.owner,
        "status": metric.status,
        "synonyms": list(metric.synonyms),
        "rows": [str(f) for f in seen.rows],
    }


def _hidden_metrics(grant: Grant) -> set[str]:
    """The metrics `grant`'s person may not see: context about them only is not theirs."""
    return {s.metric.name.lower() for s in metrics_seen(grant) if not s.visible}


def _unknown_name(error: UnknownNameError, grant: Grant) -> str:
    """The error without a "did you mean" naming a metric, table or dimension the caller may
    not use (the model's suggestions come from all of them)."""
    allowed: set[str] | None = None
    if error.kind == "metric":
        allowed = {s.metric.name for s in metrics_seen(grant) if s.visible}
    elif error.kind in ("dimension", "table"):
        tables = tables_seen(grant)
        allowed = {METRIC_TIME} | {t.name for t in tables}
        allowed |= {d.name for t in tables for d in t.dimensions}
        allowed |= {f"{t.name}.{d.name}" for t in tables for d in t.dimensions}
    if allowed is None:
        return str(error)
    close = [s for s in error.suggestions if s in allowed]
    text = f"Unknown {error.kind} '{error.name}'."
    if close:
        text += did_you_mean(error.name, close)
    return f"{text} {error.hint}" if error.hint else text
