"""Planners turn a question into a semantic query, a clarifying question, or a polite no.

The `OfflinePlanner` is deterministic and needs no key: it matches metric and dimension names,
labels and synonyms, dimension values and their synonyms (through a value index), and the
time, grain, ranking and comparison phrases `phrasing` reads. It never answers with a
metric it did not find in the question, except the one ratio a rate question over a named
count means ("what share of merchants have AI on" is AI adoption): when it is unsure it asks,
naming the closest metrics.

How it reads what it found, in order: a value several dimensions hold keeps the dimensions the
metrics reach, then the one named beside it ("the Enterprise plan"), then the one a named
filter governs (`enterprise: segment = 'Enterprise'`), else it asks; a yes/no dimension named
without "by" is a condition ("escalated tickets"); a metric filtered exactly as a governed
filtered metric becomes that metric (tickets where handled_by = 'ai' is ai_handled_tickets),
and such a metric beside another value of its filter compares its base metric. A count named
only for the rows another metric is over, or for the things a ranking ranks, is not a second
metric (`counting`); rate and average words pick the ratio or sibling metric they mean
(`rates`); breakdowns are read by `grouping`.

Follow-ups build on the previous query: "now by channel", "only Enterprise", "and CSAT?",
"which regions was that from?" (a breakdown), "and what share of the closed ones did the
bot take?" (a rate in words replaces the count; "ones" stands for what the previous metric
counts).

What it did not read it does not ignore (`understanding`): a question whose significant
words nothing explains ("tickets that breached the SLA") gets a question back naming them and
the query it would run without them, offered as a suggestion when that wording plans back to
the same query. A request that is not about data (write a reply, book a room, when is the
all-hands) is declined, unless it names a metric.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from cortex.knowledge.examples import example_metrics, example_question, listed
from cortex.knowledge.values import ValueMatch
from cortex.knowledge.words import stem, text_words
from cortex.planning.offline.checks.asking import AsksBack
from cortex.planning.offline.checks.understanding import (
    about_the_world,
    non_data_request,
)
from cortex.planning.offline.conditions import ReadsConditions
from cortex.planning.offline.reading.columns import TIME, column_terms
from cortex.planning.offline.reading.durations import how_long
from cortex.planning.offline.reading.grouping import COLUMNS, grouped_dimensions
from cortex.planning.offline.reading.mentions import Mention, blank_mentions, find_mentions
from cortex.planning.offline.reading.phrasing import Phrasing, read_phrasing, whole_period
from cortex.planning.offline.reading.rates import aggregate_word
from cortex.planning.offline.rows import COUNTING, ReadsRows
from cortex.planning.offline.vocabulary import SUM_OF, said_in_ing
from cortex.planning.plans import Clarify, OutOfScope, Plan, QueryPlan
from cortex.planning.verified import exact_verified, verified_question
from semantic_layer.compile import compile_query
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import METRIC_TIME
from semantic_layer.query import Filter, OrderBy, SemanticQuery

_FOLLOW_UP = re.compile(
    r"^\s*(and|now|only|just|what about|how about|same|then|also|plus|but)\b", re.IGNORECASE
)


_NARROW = re.compile(r"^\s*(only|just)\b", re.IGNORECASE)


#: A request for a list of things rather than a number: "list the ...", "can you list every
#: ...", "give me a list of ...". The things named are the rows: each dimension it mentions is
#: a column ("with their owner"), and without a metric it is a listing.
_LIST = re.compile(
    r"^\W*(?:(?:hey|hi|please|pls|can you|could you|would you|cortex)\W+)*(?:list|enumerate)\b"
    r"|\ba list of\b",
    re.IGNORECASE,
)


_ALSO = re.compile(r"^\s*(and|also|plus)\b", re.IGNORECASE)


#: "that" or "it" standing for the previous answer: "what's that as a share of ...",
#: "show me it by month" (not "tickets that came in", where "that" starts a clause); "them",
#: "they" and "these" always do ("now rank them by revenue").
_BACK_REFERENCE = re.compile(
    r"\b(what'?s|what is|what was|show( me)?|plot|chart|break down|compare|how (is|was|did|has)"
    r"|put|give me) (that|it|those)\b|\b(that|it|those) (as an?|by|per|over|broken|split)\b"
    r"|\b(them|they|these)\b",
    re.IGNORECASE,
)


#: What a follow-up replaces: "by month instead of channel", "rather than by plan".
_INSTEAD_OF = re.compile(r"\b(instead of|rather than|in place of)\b[^,.;:!?]*", re.IGNORECASE)


def _replaced(text: str, mentions: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """(the mentions asked for, those named after "instead of": what is no longer wanted)."""
    clauses = [match.span() for match in _INSTEAD_OF.finditer(text)]
    replaced = [m for m in mentions if any(s <= m.start < e for s, e in clauses)]
    return [m for m in mentions if m not in replaced], replaced


#: A word joined to what follows it by "and", "or", "&" or a comma: "expansion and ".
_JOINED = re.compile(r"(?<![\w-])(?P<word>[a-z0-9]+)\s*(,\s*(and|or)?|&|\band\b|\bor\b)\s*$", re.I)


def _joined(filters: Sequence[Filter], more: Sequence[Filter]) -> list[Filter]:
    """`filters` with `more` added; two values of one dimension asked side by side ("CSAT of
    AI-handled versus human-handled tickets") become one `in` filter, which the planner then
    compares by grouping, rather than one value silently replacing the other."""
    joined = list(filters)
    for extra in more:
        same = next((i for i, f in enumerate(joined) if f.field == extra.field), None)
        if same is None:
            joined.append(extra)
            continue
        found = joined[same]
        if found.op in ("=", "in") and extra.op in ("=", "in"):
            values = tuple(dict.fromkeys((*found.values, *extra.values)))
            op = "=" if len(values) == 1 else "in"
            joined[same] = Filter(field=found.field, op=op, values=values)
    return joined


class OfflinePlanner(ReadsConditions, ReadsRows, AsksBack):
    """The deterministic planner: synonyms, values and phrases; clarifies when unsure."""

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        """A semantic query for `question`, or a clarifying question, or a polite no.

        The plan is badged verified only when it computes what a verified query computes
        (`planning.verified`); the verified question word for word uses its verified query.
        Typos clearly meant as a catalog word are read as it, and the plan says so
        (`reading.spelling`)."""
        exact = exact_verified(question, self.model)
        if exact is not None:
            return QueryPlan(SemanticQuery.from_spec(exact.query), 1.0, verified=exact.question)
        spelled, readings = self.speller.correct(question)
        read_as = [(r.written, r.read_as) for r in readings]
        asked = how_long(spelled)
        if asked is not None:  # "how long do agents take to resolve" is a time to resolve
            start, end = asked.span
            said = asked.as_time(subject=self._subject_says_more(asked.subject))
            spelled = f"{spelled[:start]}{said}{spelled[end:]}"
            read_as.append((question[start:end] if not readings else asked.act, said))
        results, said_so = self.other_results, self.result_words
        if results is not None and said_so is not None and (found := results.search(spelled)):
            read_as.append((found.group(), said_so))  # "turned into": what the names say
            spelled = results.sub(said_so, spelled)
        plan = self._plan(spelled, history, rephrase=True)
        if not isinstance(plan, QueryPlan):
            return plan
        plan = replace(plan, read_as=tuple(read_as)) if read_as else plan
        verified = verified_question(plan.query, self.model, self.as_of)
        return plan if verified is None else replace(plan, confidence=1.0, verified=verified)

    def _ahead(self, text: str, phrasing: Phrasing, mentions: Sequence[Mention]) -> Phrasing:
        """The current period as all its days when the question speaks of what is still to
        happen in it ("pipeline expected to close this quarter", "deals closing this
        month"): rows dated later in it count too."""
        later = phrasing.ahead or any(
            m.kind == "dimension" and said_in_ing(text, m) for m in mentions
        )
        whole = whole_period(phrasing.time_range, self.as_of) if phrasing.time_range else None
        return replace(phrasing, time_range=whole) if later and whole else phrasing

    def _subject_says_more(self, subject: str) -> bool:
        """Whether who does an act says more than what the metric is over: "human agents"
        or "damaged-item tickets" name values; "customers" only names rows (a count, a
        table's noun or the dimension naming its rows)."""
        if self.values is not None and self.values.find(subject):
            return True
        named = find_mentions(self.terms, subject, self.aliases, self.alias_scope)
        rows = {t.name_dimension for t in self.model.tables if t.name_dimension}
        return any(
            not (m.target in self.counts.counts or m.target in rows or m.words in self.table_nouns)
            for m in named
        )

    def _out_of_scope(self) -> str:
        """The polite no, with what the loaded model can answer and a question to try."""
        return (
            "I answer questions about the company's metrics, such as "
            f"{listed(example_metrics(self.model))}; I can't help with that. "
            f'Try: "{example_question(self.model)}"'
        )

    def _replan(self, words: str) -> Plan:
        """`words` planned on their own, offering no rephrasing in turn."""
        return self._plan(words, (), rephrase=False)

    def _plan(self, question: str, history: Sequence[SemanticQuery], *, rephrase: bool) -> Plan:
        previous = history[-1] if history else None
        earlier = previous.time_range if previous is not None else None
        fiscal = self.model.fiscal_year_start_month
        phrasing = read_phrasing(question, self.as_of, earlier, fiscal_start=fiscal)
        phrasing, ungrained = self._instead_grain(question, phrasing, earlier)
        rest = phrasing.remainder(question)
        mentions = self._reread(self._shared_nouns(rest, self._find(rest, previous)))
        mentions, replaced = _replaced(rest, mentions)
        phrasing = self._ahead(rest, phrasing, mentions)
        mentions, carried = self.counting.rows(rest, mentions)
        mentions, inside = self.counting.inside_values(rest, mentions)
        metrics = tuple(dict.fromkeys(m.target for m in mentions if m.kind == "metric"))
        if phrasing.top is not None or phrasing.ranking is not None:  # "which 5 merchants had
            metrics, mentions = self.counting.counted_rows(rest, metrics, mentions)  # the most"
        if not metrics and COUNTING.search(rest):  # "how many calls did we take?"
            metrics = self.counting.counted_values(rest)
        if not metrics and phrasing.top is not None:  # "top 5 contact reasons": by their count
            metrics = self._counted_by_default(mentions)
        if not metrics:  # "escalations per channel": the rows a yes/no dimension is true of
            metrics = self._counted_flag(rest, mentions)
        metrics, mentions, named_values = self.counting.metrics_as_values(rest, metrics, mentions)
        carried = [*carried, *named_values]
        grouped, mentioned = self._dimensions(rest, mentions)
        blanked = blank_mentions(rest, mentions, keep=inside)
        if phrasing.top is not None and not grouped and mentioned:
            grouped = mentioned[:1]  # "top 10 accounts": ranked by account
        if phrasing.ordered and metrics and not grouped and mentioned:
            grouped = mentioned[:1]  # "rank our plans by ARR, biggest first": by plan
        if phrasing.ranking is not None and (metrics or previous is not None):
            if not grouped and mentioned:
                grouped = mentioned[:1]  # "which channel has the lowest CSAT": by channel
            if grouped or phrasing.grain is not None:  # every row, the asked end first
                phrasing = phrasing.ranked()
        listing = _LIST.search(question) is not None
        if listing:  # "list the accounts in EMEA with their owner": a row per account
            dated = [f"{m.target}:day" for m in mentions if m.kind == TIME]
            row_names = [] if mentioned else self._names_of_rows(question)
            grouped = list(dict.fromkeys([*row_names, *mentioned, *grouped, *dated]))
        follow_up = previous is not None and (
            not metrics
            or phrasing.against_earlier  # "and against June?"
            or bool(_FOLLOW_UP.match(question) or _BACK_REFERENCE.search(question))
        )
        if follow_up and _NARROW.match(question):
            metrics = ()  # "only for the ones on chat": a narrower look, same metrics
        read = [*phrasing.spans, *(span for m in (*mentions, *replaced) for span in m.spans)]
        request = non_data_request(question)
        if request is not None and not self._names_a_metric(question, mentions, request[1]):
            return OutOfScope(self._out_of_scope())
        if not metrics and not follow_up and not (listing and grouped):
            if not mentions and about_the_world(question, self.known_words):
                return OutOfScope(self._out_of_scope())  # "who won the match yesterday"
            unknown = self._unexplained(question, read, blanked, applied=None)
            return self._not_understood(question, unknown)
        wanted = aggregate_word(blanked)
        if wanted is not None:  # "mean first response time": the average sibling of the median
            base = metrics or (previous.metrics if previous and follow_up else ())
            switched = tuple(self.rates.variant(m, wanted) for m in base)
            if switched != base:
                metrics = switched
        metrics = self._as_quantities(blanked, rest, metrics, wanted)
        metrics = self._event_of(blanked, metrics)  # "did we lose more merchants"
        before = previous.metrics if previous is not None and follow_up else ()
        named = metrics
        metrics, evidence = self.rates.as_ratio(metrics or before, rest, before)
        if not named and metrics == before:  # "and what share did the AI handle?" alone
            metrics = ()
        flags = [
            m
            for m in mentions
            if m.kind == "dimension"
            and m.target in self.booleans
            and m.target not in grouped
            and evidence.isdisjoint(m.words)
        ]
        in_scope = metrics or (previous.metrics if previous else ())
        filters, clarify, leaving_out = self._filters(
            blanked, in_scope, mentions, evidence, said=rest
        )
        read += leaving_out  # "not counting", "other than": they left values out
        if clarify is not None:
            return clarify
        filters = _joined(filters, carried)
        filters += self._flag_filters(rest, flags, filters, in_scope)
        if not follow_up:
            metrics, filters = self._widened(metrics, filters)
        for compared in (f for f in filters if f.op == "in" and f.field not in grouped):
            grouped.append(compared.field)  # "AI vs human": compare them side by side
        rest = blanked
        changes = (grouped, filters, phrasing.time_range, phrasing.grain, phrasing.top)
        if not metrics and not any(changes) and phrasing.compare is None:
            unknown = self._unexplained(question, read, blanked, applied=None)
            return self._not_understood(question, unknown)  # a follow-up that changes nothing
        event = self._unnamed_event(blanked, metrics or before)
        if event is not None:
            return event
        unmet = self.rates.unmet(rest, metrics or before)
        if unmet is not None:
            return Clarify(*unmet, reason="not computable")
        if follow_up and previous is not None:
            also = _ALSO.match(question) and "instead" not in text_words(question)
            also = also and metrics == named  # a rate asked in words replaces the count
            if metrics and also:  # "and CSAT?": show it beside what was shown
                metrics = tuple(dict.fromkeys((*previous.metrics, *metrics)))
            dropped = {m.target for m in replaced}  # "by month instead of channel"
            dropped |= {METRIC_TIME} if ungrained else set()
            narrowed = previous.model_copy(
                update={
                    "metrics": tuple(m for m in previous.metrics if m not in dropped)
                    or previous.metrics,
                    "dimensions": tuple(
                        d for d in previous.dimensions if d.partition(":")[0] not in dropped
                    ),
                }
            )
            query = self._follow_up(narrowed, metrics, grouped, filters, phrasing)
        else:
            query = self._query(metrics, grouped, filters, phrasing)
        if listing and not COUNTING.search(rest):
            counted = self._listed_count(mentions, query)
            if counted is not None:
                return counted
        query = self._governed_metric(query)
        query = self._period_as_value(query)
        worth = self._worth_of_a_count(rest, query)
        if isinstance(worth, Clarify):
            return worth
        query = worth
        totalled = self._total_of_a_count(rest, query)
        if totalled is not None:
            return totalled
        conflict = (
            self._mixed_metrics(query)
            or self._kept_and_left_out(query)
            or self._count_as_rows(rest, mentions, query)
            or self._in_progress(question, mentions, query)
            or self._changes_of_a_snapshot(rest, query)
        )
        if conflict is not None:
            return conflict
        try:
            compile_query(query, self.model, as_of=self.as_of)
        except SemanticLayerError as error:
            return Clarify(
                f"I can't answer that as asked: {error}", query.metrics[:3], reason="not computable"
            )
        unused = self._unused(question, blanked, mentions, query, filters, evidence)
        kept = [span for span in read if not any(span in m.spans for m in unused)]
        unknown = self._unexplained(question, kept, blanked, filters, evidence, unused, query)
        unknown += self._unaggregated(blanked, query)
        unknown += self._unheeded(
            question, phrasing, mentions, unused, filters, query, listing=listing
        )
        if unknown:
            grouped_instead = [self._grouped(query, m.target) for m in unused]
            replan = self._replan if rephrase else None
            return self._ask_about(unknown, query, grouped_instead, replan=replan)
        return QueryPlan(query, 0.9 if metrics else 0.7)

    def _as_quantities(
        self, text: str, rest: str, metrics: tuple[str, ...], wanted: str | None
    ) -> tuple[str, ...]:
        """Metrics read as the aggregate the question asks of a quantity
        (`quantities`): "the sum of the amounts of deals won" is the metric summing
        amount over won deals, "the sum of CSAT scores" the one summing the scores the
        average CSAT averages. `text` is the question without the names read, `rest` with
        them (a quantity's words may be a metric's too: "CSAT scores")."""
        words = [stem(w) for w in text_words(rest)]
        tables = frozenset().union(*(self.counts.tables.get(m, frozenset()) for m in metrics))
        aggregation = "avg" if wanted == "average" else "sum"
        for quantity in self.quantities.named(words, tables):
            metrics = tuple(
                self.quantities.variant(m, quantity.column, aggregation) or m for m in metrics
            )
        if SUM_OF.search(text):
            metrics = tuple(self._summed(m, words) for m in metrics)
        return tuple(dict.fromkeys(metrics))

    def _summed(self, name: str, words: Sequence[str]) -> str:
        """The metric adding up what metric `name` aggregates otherwise: the sibling summing
        its column, or the numerator of a ratio whose summed quantity the words name ("the
        sum of CSAT scores" of average CSAT)."""
        column = self.quantities.summed_column(name)
        if column is not None:
            return self.quantities.variant(name, column, "sum") or name
        metric = self.model.metric(name)
        numerator = metric.numerator if metric is not None and metric.type == "ratio" else None
        if numerator and self.quantities.aggregation(numerator) == "sum":
            summed = self.quantities.summed_column(numerator)
            named = {q.column for q in self.quantities.named(words, self.counts.tables[name])}
            if summed in named:
                return numerator
        return name

    def _instead_grain(
        self, question: str, phrasing: Phrasing, earlier: str | None
    ) -> tuple[Phrasing, bool]:
        """The phrasing with no grain read from an "instead of" clause ("by plan instead of by
        month"), and whether such a clause named a grain: the time axis is then dropped."""
        clauses = [match.span() for match in _INSTEAD_OF.finditer(question)]
        if not clauses:
            return phrasing, False
        chars = list(question)
        for start, end in clauses:
            chars[start:end] = " " * (end - start)
        fiscal = self.model.fiscal_year_start_month
        outside = read_phrasing("".join(chars), self.as_of, earlier, fiscal_start=fiscal)
        if outside.grain == phrasing.grain:
            return phrasing, False
        return replace(phrasing, grain=outside.grain), True

    def _shared_nouns(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "expansion and contraction ARR": a word joined by "and", "or" or a comma to a
        metric's name shares that name's trailing words when it makes another metric's name
        with them (expansion ARR), so both metrics are asked for."""
        found = list(mentions)
        for mention in mentions:
            if mention.kind != "metric" or not mention.exact or len(mention.words) < 2:
                continue
            tail, spans, start = mention.words[1:], mention.spans[1:], mention.start
            while match := _JOINED.search(text[:start]):
                span = match.span("word")
                target = self.metric_names.get((stem(match.group("word").lower()), *tail))
                if target is None:
                    break
                found = [m for m in found if all(e <= span[0] or s >= span[1] for s, e in m.spans)]
                found.append(
                    Mention(
                        "metric", target, (stem(match.group("word")), *tail), (span, *spans), False
                    )
                )
                start = span[0]
        return sorted(found, key=lambda m: m.start)

    def _reread(self, mentions: list[Mention]) -> list[Mention]:
        """A word that names a metric and a dimension, beside another metric, is the dimension:
        "our 10 biggest customers by ARR" ranks customers by ARR."""
        metrics = {m.target for m in mentions if m.kind == "metric"}
        reread = []
        for mention in mentions:
            dimension = self.dimension_words.get(mention.words)
            if mention.kind == "metric" and dimension is not None and len(metrics) > 1:
                metrics.discard(mention.target)
                mention = Mention(
                    "dimension", dimension, mention.words, mention.spans, mention.exact
                )
            reread.append(mention)
        return reread

    def _find(self, text: str, previous: SemanticQuery | None) -> list[Mention]:
        """The mentions of `text`; in a follow-up, "ones" stands for what the previous
        metric counts: "what share of resolved ones ..." after tickets is "resolved tickets"."""
        found = self._outside_values(text, self._names_in_phrases(text))
        found = self._without_qualifiers(text, found)
        if previous is None or "ones" not in text_words(text):
            return found
        nouns = [
            t.words[0]
            for t in self.metric_terms
            if t.target in previous.metrics and len(t.words) == 1
        ]
        for noun in sorted(nouns):
            again = find_mentions(self.terms, text, self.aliases, self.alias_scope, {"one": noun})
            longer = [m for m in again if noun in m.words and len(m.words) > 1]
            if longer and not any(noun in m.words for m in found):
                return again
        return found

    def _names_in_phrases(self, text: str) -> list[Mention]:
        """The names of `text`, none spread across "with their" ("the depots with their
        region" lists depots and their regions, not the depot region)."""
        cut = COLUMNS.search(text)
        if cut is None:
            return find_mentions(self.terms, text, self.aliases, self.alias_scope)
        head = text[: cut.start()].ljust(len(text))
        tail = text[cut.start() :].rjust(len(text))
        listed = find_mentions(self.terms, head, self.aliases, self.alias_scope)
        tables = {t for m in listed for t in self._tables_of(m)}
        if not tables and self.values is not None:  # "every subcontractor with their ..."
            tables |= {v.table for v in self.values.find(head) if isinstance(v, ValueMatch)}
        columns = column_terms(self.model, tables)  # "with their owner and signup date"
        return sorted(
            [
                *listed,
                *find_mentions([*columns, *self.terms], tail, self.aliases, self.alias_scope),
            ],
            key=lambda m: m.start,
        )

    def _names_of_rows(self, text: str) -> list[str]:
        """The dimension naming the rows a listing's values describe, when they are of one
        table that declares one (`name_dimension`): "list every subcontractor" lists
        carriers by name."""
        if self.values is None:
            return []
        cut = COLUMNS.search(text)
        head = text if cut is None else text[: cut.start()]
        tables = {v.table for v in self.values.find(head) if isinstance(v, ValueMatch)}
        found = [self.model.table(t) for t in tables]
        named = [t.name_dimension for t in found if t is not None and t.name_dimension]
        return named if len(tables) == 1 and named else []

    def _tables_of(self, mention: Mention) -> set[str]:
        """The tables whose rows a mention names: a dimension's, or what a count counts."""
        if mention.kind == "dimension":
            return self.dimension_tables.get(mention.target, set())
        if mention.kind == "metric" and mention.target in self.counts.counts:
            return {self.counts.counts[mention.target]}
        return set()

    def _without_qualifiers(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """The mentions, without a table's noun said right before one of its dimensions: in
        "customer industry" or "the account's segment", "customer" says whose industry it is,
        and is no breakdown by customer."""
        dims = [i for i, m in enumerate(mentions) if m.kind == "dimension"]
        merged: dict[
            int, Mention
        ] = {}  # qualifier's index -> the mention it qualifies, spanning both
        for left, right in zip(dims, dims[1:], strict=False):
            qualifier, named = mentions[left], mentions[right]
            between = text[qualifier.spans[-1][1] : named.start].strip().lower()
            table = self.table_nouns.get(qualifier.words)
            if between in ("", "'s", "’s") and table in self.dimension_tables.get(named.target, ()):
                merged[left] = replace(named, spans=(*qualifier.spans, *named.spans))
        taken = {dims[dims.index(i) + 1] for i in merged}
        return [merged.get(i, m) for i, m in enumerate(mentions) if i not in taken]

    def _outside_values(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """The mentions, without a dimension's name said inside a longer dimension value: in
        "key account customers", "account" is a word of the value 'Key Account', not a
        breakdown by account."""
        if self.values is None:
            return mentions
        values = [match.span for match in self.values.find(text)]
        return [
            m
            for m in mentions
            if m.kind != "dimension"
            or not any(
                all(s <= start and end <= e for start, end in m.spans)
                and e - s > sum(end - start for start, end in m.spans)
                for s, e in values
            )
        ]

    def _dimensions(self, text: str, mentions: Sequence[Mention]) -> tuple[list[str], list[str]]:
        """(dimensions to group by, every dimension mentioned): `grouping`."""
        dims = [m for m in mentions if m.kind == "dimension"]
        grouped = grouped_dimensions(text, mentions)
        return grouped, list(dict.fromkeys(m.target for m in dims))

    def _descending(self, phrasing: Phrasing, metric: str) -> bool:
        """Whether a ranking keeps the highest values first: "top 3" and "best 3" do, "worst
        3" does not, except for a time, which is best when shortest ("the 3 worst intents for
        resolution time" are the slowest)."""
        found = self.model.metric(metric)
        if not phrasing.judged or found is None:
            return phrasing.descending
        lower_is_better = found.better == "lower" or (
            found.better is None and found.format == "duration"
        )
        return not phrasing.descending if lower_is_better else phrasing.descending

    def _query(
        self,
        metrics: tuple[str, ...],
        dimensions: list[str],
        filters: list[Filter],
        phrasing: Phrasing,
    ) -> SemanticQuery:
        dims = list(dimensions)
        if phrasing.grain is not None:
            dims.insert(0, f"{METRIC_TIME}:{phrasing.grain}")
        order: tuple[OrderBy, ...] = ()
        if (phrasing.top is not None or phrasing.ordered) and metrics:
            order = (OrderBy(field=metrics[0], descending=self._descending(phrasing, metrics[0])),)
        return SemanticQuery(
            metrics=metrics,
            dimensions=tuple(dict.fromkeys(dims)),
            filters=tuple(filters),
            time_range=phrasing.time_range,
            order_by=order,
            limit=phrasing.top,
            compare=phrasing.compare,
        )

    def _follow_up(
        self,
        previous: SemanticQuery,
        metrics: tuple[str, ...],
        dimensions: list[str],
        filters: list[Filter],
        phrasing: Phrasing,
    ) -> SemanticQuery:
        """The previous query with what the follow-up changes: "now by quarter", "only
        Enterprise", "and CSAT?", "and the year before?"."""
        dims = list(dimensions) if dimensions else list(previous.dimensions)
        if phrasing.grain is not None:
            dims = [d for d in dims if not d.startswith(METRIC_TIME)]
            dims.insert(0, f"{METRIC_TIME}:{phrasing.grain}")
        changed = {f.field for f in filters}
        kept = tuple(f for f in previous.filters if f.field not in changed)
        order, limit = previous.order_by, previous.limit
        chosen = metrics
        if not metrics:  # "what about humans?" after AI-handled tickets: tickets, by humans
            chosen = tuple(self._unfiltered(name, changed) for name in previous.metrics)
            renamed = dict(zip(previous.metrics, chosen, strict=True))
            order = tuple(
                OrderBy(field=renamed.get(o.field, o.field), descending=o.descending) for o in order
            )
        if phrasing.top is not None or phrasing.ordered:
            order = (OrderBy(field=chosen[0], descending=self._descending(phrasing, chosen[0])),)
            limit = phrasing.top if phrasing.top is not None else limit
        elif metrics:
            order = tuple(o for o in order if o.field in chosen or o.field not in previous.metrics)
        return SemanticQuery(
            metrics=chosen,
            dimensions=tuple(dict.fromkeys(dims)),
            filters=(*kept, *filters),
            named_filters=previous.named_filters,
            time_range=phrasing.time_range or previous.time_range,
            order_by=order,
            limit=limit,
            compare=phrasing.compare or previous.compare,
        )
