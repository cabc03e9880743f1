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
"which plans did it come from?" (a breakdown), "and what share of resolved ones did the AI
handle?" (a rate in words replaces the count; "ones" stands for what the previous metric
counts).

What it did not read it does not ignore (`understanding`): a question whose significant
words nothing explains ("tickets that breached the SLA") gets a question back naming them and
the query it would run without them, offered as a suggestion when that wording plans back to
the same query. A request that is not about data (write a reply, book a room, when is the
all-hands) is declined, unless it names a metric.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from cortex.planning.offline.counting import CountReader, RowCounts
from cortex.planning.offline.exclusions import excluded, negated, phrases
from cortex.planning.offline.grouping import grouped_dimensions
from cortex.planning.offline.mentions import (
    WORD,
    Mention,
    ValueFinder,
    blank_mentions,
    find_mentions,
    make_terms,
    singular_noun,
    stem,
    text_words,
    value_aliases,
)
from cortex.planning.offline.phrasing import Phrasing, read_phrasing
from cortex.planning.offline.quantities import Quantities
from cortex.planning.offline.rates import RATE_WORDS, Rates, aggregate_word
from cortex.planning.offline.structure import Shape, unheeded
from cortex.planning.offline.understanding import (
    FILLER_LEMMAS,
    lemma,
    non_data_request,
    quote_words,
    unexplained_words,
)
from cortex.planning.phrase import phrase_query
from cortex.planning.plans import Clarify, OutOfScope, Plan, QueryPlan, same_query
from cortex.planning.verified import exact_verified, verified_question
from semantic_layer.compile import compile_query
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import METRIC_TIME, Dimension, SemanticModel
from semantic_layer.query import Filter, OrderBy, SemanticQuery, parse_where

#: Between a value and the noun it describes: nothing, or the rest of a hyphenated compound
#: modifier ("Partner-sourced deals", "AI-handled tickets", "Enterprise-tier customers").
_COMPOUND_GAP = re.compile(r"[\s-]*(?:-[a-z]+[\s-]*)?", re.IGNORECASE)
_FOLLOW_UP = re.compile(
    r"^\s*(and|now|only|just|what about|how about|same|then|also|plus|but)\b", re.IGNORECASE
)


def _synonym_words(dimension: Dimension) -> list[str]:
    """The words of the value synonyms of `dimension`."""
    return [w for ps in dimension.value_synonyms.values() for p in ps for w in text_words(p)]


#: A count asked for: "how many calls", "the number of WISMO requests".
_COUNTING = re.compile(r"\b(how many|number of|count of)\b", re.IGNORECASE)
_NARROW = re.compile(r"^\s*(only|just)\b", re.IGNORECASE)
_ALSO = re.compile(r"^\s*(and|also|plus)\b", re.IGNORECASE)
#: "that" or "it" standing for the previous answer: "what's that as a share of ...",
#: "show me it by month" (not "tickets that came in", where "that" starts a clause).
_BACK_REFERENCE = re.compile(
    r"\b(what'?s|what is|what was|show( me)?|plot|chart|break down|compare|how (is|was|did|has)"
    r"|put|give me) (that|it|those)\b|\b(that|it|those) (as an?|by|per|over|broken|split)\b",
    re.IGNORECASE,
)
_OUT_OF_SCOPE = (
    "I answer questions about the company's metrics, such as ARR, tickets, CSAT or win rate; "
    "I can't help with that. Try: \"What's our ARR by segment?\""
)
_NEGATIONS = frozenset({"not", "non", "never", "without", "un"})
#: Words the rules read (a rate, an average, a negation): never unexplained.
_READ_WORDS = RATE_WORDS | _NEGATIONS


#: Words that set two values apart as two groups: "and for", "or", "vs", "compared with".
_APART = re.compile(
    r"\s*,?\s*(?:(?:and|&)\s+(?:for|in|on|from|of|among|with)|or|vs\.?|versus|compared\s+"
    r"(?:to|with))\s+(?:(?:the|our)\s+)?",
    re.IGNORECASE,
)

#: A preposition between two names: the second names the rows of the first ("ARR of churned
#: customers", "CSAT among new merchants").
_OVER_ROWS = re.compile(
    r"\s*(?:of|for|from|among|across|on)\s+(?:(?:the|our|all|those|these|only|just)\s+)*",
    re.IGNORECASE,
)

#: A relative clause: "customers who signed up", "deals that closed".
_IN_CLAUSE = re.compile(r"\b(?:who|that|which|whose)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
#: Verbs of a change of state: what a count on a day does not count ("turned the AI on").
_BECAME = re.compile(
    r"\b(turn(?:ed|s)? on|switch(?:ed|es)? on|enabled?|activated?|adopted?|started|began"
    r"|joined|signed up|became|went live|went live|converted)\b",
    re.IGNORECASE,
)

#: An explicit sum asked for: "the sum of", "summed", "add up".
_SUM_OF = re.compile(r"\b(sum|summed|add(?:ed)? up)\b", re.IGNORECASE)

#: What a follow-up replaces: "by month instead of channel", "rather than by plan".
_INSTEAD_OF = re.compile(r"\b(instead of|rather than|in place of)\b[^,.;:!?]*", re.IGNORECASE)


def _replaced(text: str, mentions: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """(the mentions asked for, those named after "instead of": what is no longer wanted)."""
    clauses = [match.span() for match in _INSTEAD_OF.finditer(text)]
    replaced = [m for m in mentions if any(s <= m.start < e for s, e in clauses)]
    return [m for m in mentions if m not in replaced], replaced


#: A word joined to what follows it by "and", "or", "&" or a comma: "expansion and ".
_JOINED = re.compile(r"(?<![\w-])(?P<word>[a-z0-9]+)\s*(,\s*(and|or)?|&|\band\b|\bor\b)\s*$", re.I)


#: Irregular participles of names and the verb forms they come from.
_IRREGULAR = {
    "lost": ("lose", "loses", "losing"),
    "won": ("win", "wins", "winning"),
}


def _in_ing(text: str, mention: Mention) -> bool:
    """Whether a name is said as a verb in -ing ("deals closing this quarter")."""
    return any(text[start:end].lower().endswith("ing") for start, end in mention.spans)


def _inside(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= span[0] < end for start, end in spans)


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


def _single_filter(where: str) -> tuple[Filter, ...]:
    """The structured filters of a governed `where`; empty when it is not plain predicates."""
    try:
        return parse_where(where)
    except SemanticLayerError:
        return ()


class OfflinePlanner:
    """The deterministic planner: synonyms, values and phrases; clarifies when unsure."""

    def __init__(
        self, model: SemanticModel, *, as_of: date, values: ValueFinder | None = None
    ) -> None:
        self.model = model
        self.as_of = as_of
        self.values = values
        metric_pairs = [
            (m.name, text) for m in model.metrics for text in (m.name, m.label, *m.synonyms)
        ]
        metric_terms = make_terms("metric", metric_pairs)
        dims = [(d.name, d) for t in model.tables for d in t.dimensions if d.type != "time"]
        dimension_pairs = [
            (name, text) for name, d in dims for text in (d.name, d.label or "", *d.synonyms)
        ]
        dimension_terms = make_terms("dimension", dimension_pairs)
        self.terms = metric_terms + dimension_terms
        self.metric_terms = metric_terms
        self.dimension_words = {t.words: t.target for t in dimension_terms}
        self.vocabulary = {word for term in self.terms for word in term.words}
        #: every word a name, label or synonym of the catalog uses, as `lemma`s
        names = [text for _, text in [*metric_pairs, *dimension_pairs]]
        names += [f.name for f in model.filters]
        names += [p for _, d in dims for ps in d.value_synonyms.values() for p in ps]
        self.known_words = {lemma(w) for text in names for w in text_words(text.replace("_", " "))}
        self.known_words |= {lemma(w) for w in _READ_WORDS}
        #: words only names of metrics or values use: a query explains them only with its
        #: own metrics' names and descriptions ("led" and "purchase" of converted tickets are
        #: not explained by ticket volume) or with the values it applies
        general = [text for _, text in dimension_pairs] + [f.name for f in model.filters]
        general_words = {lemma(w) for text in general for w in text_words(text.replace("_", " "))}
        self.scoped_words = self.known_words - general_words - {lemma(w) for w in _READ_WORDS}
        self.metric_lemmas: dict[str, set[str]] = {}
        for m in model.metrics:
            texts = (m.name.replace("_", " "), m.label, m.description, *m.synonyms)
            self.metric_lemmas[m.name] = {lemma(w) for t in texts for w in text_words(t)}
        self.table_lemmas = {
            t.name: {lemma(w) for w in text_words(t.description)} for t in model.tables
        }
        self.booleans = {name for name, d in dims if d.type == "boolean"}
        self.aliases = value_aliases(d for _, d in dims)
        self.counts = RowCounts.of(model)
        #: the names value synonyms stand inside: those of the things of the tables holding
        #: those values ("bot tickets" are AI tickets; "AI merchants" are no bot's)
        held = {
            t.name
            for t in model.tables
            if any(stem(w) in self.aliases for d in t.dimensions for w in _synonym_words(d))
        }
        self.alias_scope = {m for m, tables in self.counts.tables.items() if tables & held}
        self.alias_scope |= {d.name for t in model.tables if t.name in held for d in t.dimensions}
        #: the words of each metric's names -> the metric, when only one is called so
        self.metric_names: dict[tuple[str, ...], str] = {}
        for term in metric_terms:
            if self.metric_names.setdefault(term.words, term.target) != term.target:
                self.metric_names[term.words] = ""
        self.metric_names = {w: t for w, t in self.metric_names.items() if t}
        #: verb forms naming a metric's event: the irregular participle a metric's name starts
        #: with ("lost customers", "won deals") -> that metric, from "lose" or "win"
        self.events: dict[str, tuple[str, ...]] = {}
        for term in sorted(metric_terms, key=lambda t: t.target):
            if len(term.words) == 2 and term.words[0] in _IRREGULAR:
                for form in _IRREGULAR[term.words[0]]:
                    named = self.events.get(stem(form), ())
                    self.events[stem(form)] = tuple(dict.fromkeys((*named, term.target)))
        self.metric_words: dict[str, set[str]] = {}
        for term in metric_terms:
            self.metric_words.setdefault(term.target, set()).update(term.words)
        self.rates = Rates(model, self.metric_words, self.aliases)
        self.quantities = Quantities(model)
        self.counting = CountReader(self.counts, values, self._filterable, self.dimension_words)
        #: (dimension, value) pairs a named filter gives one governed reading to:
        #: `enterprise: segment = 'Enterprise'` says what "Enterprise" means.
        self.governed_values = {
            (f.field, str(f.values[0]).lower())
            for named in model.filters
            for f in _single_filter(named.where)
            if f.op == "="
        }
        #: simple metrics that are another one's measure with a filter: tickets where
        #: handled_by = 'ai' is the governed metric ai_handled_tickets.
        self.filtered_metrics = [
            (m.name, m.measure, filters)
            for m in model.metrics
            if m.type == "simple" and m.measure and m.filter
            for filters in [_single_filter(m.filter)]
            if filters
        ]
        self.unfiltered_metrics: dict[str, list[str]] = {}
        for m in model.metrics:
            if m.type == "simple" and m.measure and not m.filter:
                self.unfiltered_metrics.setdefault(m.measure, []).append(m.name)

    def plan(self, question: str, history: Sequence[SemanticQuery] = ()) -> Plan:
        """A semantic query for `question`, or a clarifying question, or a polite no.

        The plan is badged verified only when it computes what a verified query computes
        (`planning.verified`); the verified question word for word uses its verified query."""
        exact = exact_verified(question, self.model)
        if exact is not None:
            return QueryPlan(SemanticQuery.from_spec(exact.query), 1.0, verified=exact.question)
        plan = self._plan(question, history, rephrase=True)
        if not isinstance(plan, QueryPlan):
            return plan
        verified = verified_question(plan.query, self.model, self.as_of)
        return plan if verified is None else replace(plan, confidence=1.0, verified=verified)

    def _plan(self, question: str, history: Sequence[SemanticQuery], *, rephrase: bool) -> Plan:
        previous = history[-1] if history else None
        earlier = previous.time_range if previous is not None else None
        phrasing = read_phrasing(question, self.as_of, earlier)
        phrasing, ungrained = self._instead_grain(question, phrasing, earlier)
        rest = phrasing.remainder(question)
        mentions = self._reread(self._shared_nouns(rest, self._find(rest, previous)))
        mentions, replaced = _replaced(rest, mentions)
        mentions, carried = self.counting.rows(rest, mentions)
        metrics = tuple(dict.fromkeys(m.target for m in mentions if m.kind == "metric"))
        if phrasing.top is not None:  # "which 5 merchants had the most return requests"
            metrics, mentions = self.counting.counted_rows(rest, metrics, mentions)
        if not metrics and _COUNTING.search(rest):  # "how many calls did we take?"
            metrics = self.counting.counted_values(rest)
        metrics, mentions = self.counting.metrics_as_values(rest, metrics, mentions)
        grouped, mentioned = self._dimensions(rest, mentions)
        blanked = blank_mentions(rest, mentions)
        if phrasing.top is not None and not grouped and mentioned:
            grouped = mentioned[:1]  # "top 10 accounts": ranked by account
        follow_up = previous is not None and (
            not metrics
            or phrasing.against_earlier  # "how does that compare with September?"
            or bool(_FOLLOW_UP.match(question) or _BACK_REFERENCE.search(question))
        )
        if follow_up and _NARROW.match(question):
            metrics = ()  # "only for tickets humans handled": a narrower look, same metrics
        read = [*phrasing.spans, *(span for m in (*mentions, *replaced) for span in m.spans)]
        read += phrases(rest)  # "not counting", "other than": read by `_filters`
        request = non_data_request(question)
        if request is not None and not self._names_a_metric(question, mentions, request[1]):
            return OutOfScope(_OUT_OF_SCOPE)
        if not metrics and not follow_up:
            unknown = self._unexplained(question, read, blanked, applied=None)
            return self._not_understood(question, unknown)
        wanted = aggregate_word(blanked)
        if wanted is not None:  # "mean first response time": the average sibling of the median
            base = metrics or (previous.metrics if previous and follow_up else ())
            switched = tuple(self.rates.variant(m, wanted) for m in base)
            if switched != base:
                metrics = switched
        metrics = self._as_quantities(blanked, rest, metrics, wanted)
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
        filters, clarify = self._filters(blanked, in_scope, mentions, evidence)
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
            return Clarify(*unmet)
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
        query = self._governed_metric(query)
        conflict = (
            self._kept_and_left_out(query)
            or self._count_as_rows(rest, mentions, query)
            or self._changes_of_a_snapshot(rest, query)
        )
        if conflict is not None:
            return conflict
        try:
            compile_query(query, self.model, as_of=self.as_of)
        except SemanticLayerError as error:
            return Clarify(f"I can't answer that as asked: {error}", query.metrics[:3])
        unused = self._unused(question, blanked, mentions, query, filters, evidence)
        kept = [span for span in read if not any(span in m.spans for m in unused)]
        unknown = self._unexplained(question, kept, blanked, filters, evidence, unused, query)
        unknown += self._unaggregated(blanked, query)
        unknown += self._unheeded(question, phrasing, mentions, unused, filters, query)
        if unknown:
            grouped_instead = [self._grouped(query, m.target) for m in unused]
            return self._ask_about(unknown, query, grouped_instead, rephrase=rephrase)
        return QueryPlan(query, 0.9 if metrics else 0.7)

    def _unused(
        self,
        question: str,
        text: str,
        mentions: Sequence[Mention],
        query: SemanticQuery,
        applied: Sequence[Filter],
        evidence: frozenset[str],
    ) -> list[Mention]:
        """The dimensions the question names that `query` does not use ("which channel has the
        worst CSAT" answered overall): neither grouped nor filtered by, not the counted thing
        of a metric or of a ratio's parts ("deals" in "deals we won", "closed" in "the share
        of closed tickets the AI resolved"), not what a value describes ("Enterprise
        customers", "Health & Beauty brands", "Partner-sourced deals"), not what made a
        rate the ratio it is ("the AI agent enabled" in "what share of merchants have the AI
        agent enabled"), and not a word of a metric over the same rows naming a dimension the
        query cannot reach ("close" in "tickets the bot closed" is no deal's Closed)."""
        used = {d.partition(":")[0] for d in query.dimensions}
        used |= {f.field for f in (*query.filters, *applied)}
        parts = [*query.metrics]
        for name in query.metrics:  # a ratio is also called by the names of its parts
            metric = self.model.metric(name)
            parts += [metric.numerator or "", metric.denominator or ""] if metric else []
        own: set[str] = set().union(*(self.metric_words.get(m, set()) for m in parts))
        tables = set().union(*(self.counts.tables.get(m, frozenset()) for m in query.metrics))
        kin = [m for m, own_tables in self.counts.tables.items() if own_tables & tables]
        rows: set[str] = set().union(*(self.metric_words.get(m, set()) for m in kin))
        held = {(f.field, str(v).lower()) for f in applied for v in f.values}
        found = self.values.find(text) if self.values is not None else []
        ends = [m.span[1] for m in found if (m.dimension, m.value.lower()) in held]
        return [
            mention
            for mention in mentions
            if mention.kind == "dimension"
            and mention.target not in used
            and not set(mention.words) <= own
            and evidence.isdisjoint(mention.words)
            and not any(_COMPOUND_GAP.fullmatch(question[end : mention.start]) for end in ends)
            and not (set(mention.words) <= rows and self._grouped(query, mention.target) is None)
            and not (mention.target in self.booleans and _in_ing(question, mention))
        ]

    def _grouped(self, query: SemanticQuery, dimension: str) -> SemanticQuery | None:
        """`query` grouped by `dimension` too, when the layer can answer that."""
        grouped = query.model_copy(update={"dimensions": (*query.dimensions, dimension)})
        try:
            compile_query(grouped, self.model, as_of=self.as_of)
        except SemanticLayerError:
            return None
        return grouped

    def _unexplained(
        self,
        question: str,
        read: Sequence[tuple[int, int]],
        text: str,
        applied: Sequence[Filter] | None,
        evidence: Iterable[str] = (),
        unused: Sequence[Mention] = (),
        query: SemanticQuery | None = None,
    ) -> tuple[str, ...]:
        """The significant words of `question` nothing explains (`understanding`).

        `read` are the spans of the phrases and names used and `text` the question without
        them. A dimension value found there counts as read when one of the `applied` filters
        holds it (any value, when `applied` is None); a value left out ("the AI agent" asked
        of merchants, where no filter on who handled a ticket applies) and an `unused`
        dimension are unexplained, even though the catalog knows their words; so is a word
        only the names of other metrics than the `query`'s, or of values it does not apply,
        use."""
        reasons = {lemma(w) for w in evidence}
        named = {
            lemma(w)
            for m in unused
            for start, end in m.spans
            for w in text_words(question[start:end])
        }
        known = set(self.known_words)
        if query is not None:
            known -= self.scoped_words - self._own_lemmas(query.metrics)
        known = (known | reasons) - named
        if self.values is None:
            return unexplained_words(question, read, known)
        held = {(f.field, str(v).lower()) for f in applied or () for v in f.values}
        spans = list(read)
        used: set[str] = set()
        dropped: set[str] = set()
        for match in self.values.find(text):  # the same positions as in the question
            words = {lemma(w) for w in text_words(text[match.span[0] : match.span[1]])}
            if applied is None or (match.dimension, match.value.lower()) in held:
                spans.append(match.span)
                used |= words
            elif not words <= FILLER_LEMMAS:
                dropped |= words
        singular = WORD.sub(lambda m: singular_noun(m.group()), text.lower())
        for match in self.values.find(singular):
            if applied is None or (match.dimension, match.value.lower()) in held:
                used |= {lemma(w) for w in text_words(singular[match.span[0] : match.span[1]])}
        dropped = (dropped | named) - used - reasons
        return unexplained_words(question, spans, (known | used) - dropped, used)

    def _as_quantities(
        self, text: str, rest: str, metrics: tuple[str, ...], wanted: str | None
    ) -> tuple[str, ...]:
        """Metrics read as the aggregate the question asks of a quantity
        (`quantities`): "the sum of the amounts of deals won" is the metric summing
        amount over won deals, "the sum of CSAT scores" the one summing the scores the
        average CSAT averages. `text` is the question without the names read, `rest` with
        them (a quantity's words may be a metric's too: "CSAT scores")."""
        words = [lemma(w) for w in text_words(rest)]
        tables = frozenset().union(*(self.counts.tables.get(m, frozenset()) for m in metrics))
        aggregation = "avg" if wanted == "average" else "sum"
        for quantity in self.quantities.named(words, tables):
            metrics = tuple(
                self.quantities.variant(m, quantity.column, aggregation) or m for m in metrics
            )
        if _SUM_OF.search(text):
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

    def _unheeded(
        self,
        question: str,
        phrasing: Phrasing,
        mentions: Sequence[Mention],
        unused: Sequence[Mention],
        filters: Sequence[Filter],
        query: SemanticQuery,
    ) -> tuple[str, ...]:
        """The words shaping the question (a breakdown, a ranking, a comparison, a
        restriction) that `query` does not honour (`structure`)."""
        names = [m for m in mentions if m not in unused]
        heads = [*phrasing.spans, *(span for m in names for span in m.spans)]
        metric_spans = [span for m in names if m.kind == "metric" for span in m.spans]
        held = {(f.field, str(v).lower()) for f in (*query.filters, *filters) for v in f.values}
        found = self.values.find(question) if self.values is not None else []
        applied = [m for m in found if (m.dimension, m.value.lower()) in held]
        values = {lemma(w) for m in applied for w in text_words(question[m.span[0] : m.span[1]])}
        shape = Shape(
            question,
            [*heads, *(m.span for m in applied), *phrases(question)],
            heads,
            values,
            query,
            metric_spans,
        )
        return tuple(unheeded(shape))

    def _unaggregated(self, text: str, query: SemanticQuery) -> tuple[str, ...]:
        """The words of an aggregate the query's metrics do not compute, as written: a
        quantity's ("amounts" asked of a count with no summing sibling), and "sum" asked of
        a metric that averages or divides."""
        tables = frozenset().union(*(self.counts.tables.get(m, frozenset()) for m in query.metrics))
        written = {lemma(w): w for w in text_words(text)}
        unowned = self.quantities.unowned(list(written), query.metrics, tables)
        found = [written[w] for q in unowned for w in q.words if w in written]
        summed = ("sum", "count")
        if (match := _SUM_OF.search(text)) and any(
            self.quantities.aggregation(m) not in summed for m in query.metrics
        ):
            found.append(match.group(1))
        return tuple(dict.fromkeys(found))

    def _own_lemmas(self, metrics: Sequence[str]) -> set[str]:
        """The `lemma`s of the names and descriptions of `metrics`, of the parts of those that
        are ratios, and of the descriptions of their tables ("shoppers" of a ticket metric:
        "one row per shopper conversation")."""
        own: set[str] = self.quantities.words_of(metrics)
        for name in metrics:
            metric = self.model.metric(name)
            parts = (name, metric.numerator or "", metric.denominator or "") if metric else ()
            for part in parts:
                own |= self.metric_lemmas.get(part, set())
            for table in self.counts.tables.get(name, ()):
                own |= self.table_lemmas.get(table, set())
        return own

    def _ask_about(
        self,
        unknown: tuple[str, ...],
        query: SemanticQuery,
        others: Sequence[SemanticQuery | None] = (),
        *,
        rephrase: bool,
    ) -> Clarify:
        """Ask back about words not understood, naming the queries Cortex could run: the
        `others` the words may mean ("CSAT by channel"), then `query`, which leaves them out.
        Each is offered in words that plan back to that same query; then the closest metrics."""
        candidates = [q for q in (*others, query) if q is not None]
        named = [text for q in candidates if (text := phrase_query(q, self.model)) is not None]
        offered = []
        for candidate in candidates if rephrase else ():
            words = phrase_query(candidate, self.model)
            again = self._plan(words, (), rephrase=False) if words is not None else None
            if isinstance(again, QueryPlan) and same_query(again.query, candidate):
                offered.append(str(words))
        closest = self._closest_metrics(" ".join(unknown))
        suggestions = [*offered, *(m for m in closest if m not in query.metrics)]
        meant = " or ".join(named) if named else ", ".join(query.metrics)
        return Clarify(
            f"I can't place {quote_words(unknown)} in this question, so I won't answer as if "
            f"{'it were' if len(unknown) == 1 else 'they were'} not there. Did you mean: {meant}?",
            tuple(suggestions[:3]),
        )

    def _names_a_metric(
        self, question: str, mentions: Sequence[Mention], request: tuple[int, int]
    ) -> bool:
        """Whether a non-data request names a metric as one, not only one thing a word for a
        metric also names: a singular noun that is a dimension's word or follows 'a' or
        'this' ("a reply to the customer", "answer this ticket"), or the `request`'s own verb
        ("book a room"). "customers" or "tickets" name the metric."""
        lowered = question.lower()
        for mention in mentions:
            if mention.kind != "metric":
                continue
            start, end = mention.spans[0][0], mention.spans[-1][1]
            if request[0] <= start and end <= request[1]:
                continue
            before = text_words(lowered[:start])[-1:]
            one = len(mention.spans) == 1 and not lowered[start:end].endswith("s")
            entity = mention.words in self.dimension_words or before in (["a"], ["this"])
            if not (one and entity):
                return True
        return False

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
        outside = read_phrasing("".join(chars), self.as_of, earlier)
        if outside.grain == phrasing.grain:
            return phrasing, False
        return replace(phrasing, grain=outside.grain), True

    def _unnamed_event(self, text: str, metrics: Sequence[str]) -> Clarify | None:
        """A verb that names another metric's event ("did we lose more merchants": lost
        customers are churned customers) while a bare noun picked a different metric: ask,
        rather than count the noun's metric."""
        own = self._own_lemmas(metrics)  # "ARR lost to downgrades" explains "lose"
        for word in text_words(text):
            targets = self.events.get(stem(word), ())
            if targets and not set(targets) & set(metrics) and lemma(word) not in own:
                return Clarify(
                    f"'{word}' sounds like {' or '.join(targets)}, but I read the question as "
                    f"{', '.join(metrics) or 'another metric'}. Which did you mean?",
                    (*targets, *metrics)[:3],
                )
        return None

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
        found = find_mentions(self.terms, text, self.aliases, self.alias_scope)
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

    def _dimensions(self, text: str, mentions: Sequence[Mention]) -> tuple[list[str], list[str]]:
        """(dimensions to group by, every dimension mentioned): `grouping`."""
        dims = [m for m in mentions if m.kind == "dimension"]
        grouped = grouped_dimensions(text, mentions)
        return grouped, list(dict.fromkeys(m.target for m in dims))

    def _filters(
        self,
        text: str,
        metrics: Sequence[str],
        mentions: Sequence[Mention] = (),
        evidence: frozenset[str] = frozenset(),
    ) -> tuple[list[Filter], Clarify | None]:
        """Filters for the dimension values the text names.

        A value held by several dimensions ("Enterprise": a segment and a plan) keeps only the
        dimensions the metrics can be filtered by. If several remain, a dimension named right
        beside the value wins ("the Enterprise plan"), then the one a named filter gives the
        value to (`enterprise: segment = 'Enterprise'` is the governed reading of
        "Enterprise"); if two different ones still remain, it asks. A value whose words made a
        rate the ratio it is (`evidence`: "the AI" in "what share did the AI handle") is no
        filter.
        """
        if self.values is None:
            return [], None
        candidates: dict[str, dict[str, str]] = {}  # value as written -> dimension -> value
        spans: dict[str, list[tuple[int, int]]] = {}
        singular = WORD.sub(lambda m: singular_noun(m.group()), text.lower())
        wording = phrases(text)
        as_written = [m for m in self.values.find(text) if not _inside(m.span, wording)]
        for match in as_written:
            spans.setdefault(match.value.lower(), []).append(match.span)
        singulars = [m for m in self.values.find(singular) if not _inside(m.span, wording)]
        for match in [*as_written, *singulars]:
            candidates.setdefault(match.value.lower(), {})[match.dimension] = match.value
        by_dimension: dict[str, list[str]] = {}
        left_out: dict[str, list[str]] = {}  # dimension -> values the text excludes
        every_span = [span for found in spans.values() for span in found]
        for written, dimensions in candidates.items():
            exclusions = [excluded(text, start, every_span) for start, _ in spans.get(written, [])]
            named = [{stem(w) for w in text_words(v)} for v in (written, *dimensions.values())]
            if evidence and any(words <= evidence for words in named):
                continue
            usable = [d for d in dimensions if self._filterable(metrics, d, dimensions[d])]
            if not usable and stem(written) in self.vocabulary:
                continue  # "the AI agent": a word of the catalog, not a filter here
            chosen = usable or list(dimensions)
            if len(chosen) > 1:
                chosen = self._disambiguate(text, written, chosen, spans.get(written, []), mentions)
            if len(chosen) > 1:
                options = tuple(f"{d} = '{dimensions[d]}'" for d in sorted(chosen))
                return [], Clarify(
                    f"'{written}' could mean {' or '.join(options)}. Which one did you mean?",
                    options[:3],
                )
            if any(exclusions):
                left_out.setdefault(chosen[0], []).append(dimensions[chosen[0]])
            else:
                by_dimension.setdefault(chosen[0], []).append(dimensions[chosen[0]])
        apart = self._apart(text, spans, candidates, by_dimension)
        if apart is not None:
            return [], apart
        filters = []
        for dimension, values in by_dimension.items():
            unique = tuple(dict.fromkeys(values))
            op = "=" if len(unique) == 1 else "in"
            filters.append(Filter(field=dimension, op=op, values=unique))
        for dimension, values in left_out.items():
            unique = tuple(dict.fromkeys(values))
            op = "!=" if len(unique) == 1 else "not in"
            filters.append(Filter(field=dimension, op=op, values=unique))
        return filters, None

    def _disambiguate(
        self,
        text: str,
        written: str,
        dimensions: list[str],
        spans: Sequence[tuple[int, int]],
        mentions: Sequence[Mention],
    ) -> list[str]:
        """The dimensions a value held by several still reads as: the one named beside it,
        else the one a named filter governs, else all of them (and the planner asks)."""
        beside = []
        for mention in mentions:
            if mention.kind != "dimension" or mention.target not in dimensions:
                continue
            first, last = mention.spans[0][0], mention.spans[-1][1]
            for start, end in spans:
                if not (first >= end or start >= last):
                    continue
                gap = (end, first) if first >= end else (last, start)
                between = [m for m in mentions for s, e in m.spans if s < gap[1] and gap[0] < e]
                if not between and not text[gap[0] : gap[1]].strip(" -"):
                    beside.append(mention.target)
        if len(set(beside)) == 1:
            return beside[:1]
        governed = [d for d in dimensions if (d, written) in self.governed_values]
        return governed if len(governed) == 1 else dimensions

    def _flag_filters(
        self,
        text: str,
        flags: Sequence[Mention],
        filters: Sequence[Filter],
        metrics: Sequence[str],
    ) -> list[Filter]:
        """A yes/no dimension named without 'by' is a condition: "escalated tickets" are
        those with handed_over = TRUE ("not escalated": FALSE). Only where every metric can be
        filtered by it, and not for a verb in -ing ("deals closing this quarter")."""
        found: list[Filter] = []
        taken = {f.field for f in filters}
        for mention in flags:
            if mention.target in taken:
                continue
            if _in_ing(text, mention):
                continue  # "pipeline closing this quarter": a date, not closed deals
            value = not negated(text, mention.start)
            if self._filterable(metrics, mention.target, value):
                found.append(Filter(field=mention.target, op="=", values=(value,)))
                taken.add(mention.target)
        return found

    def _apart(
        self,
        text: str,
        spans: Mapping[str, Sequence[tuple[int, int]]],
        candidates: Mapping[str, Mapping[str, str]],
        by_dimension: Mapping[str, Sequence[str]],
    ) -> Clarify | None:
        """A question back when values of two dimensions are set apart as two groups ("for
        Enterprise and for email", "Enterprise or email", "Enterprise vs email"): the rows
        holding both would answer neither."""
        placed = sorted(
            (span, written)
            for written, found in spans.items()
            for span in found
            if any(d in by_dimension for d in candidates.get(written, {}))
        )
        for (left, first), (right, second) in itertools.pairwise(placed):
            dims = (
                {d for d in candidates[first] if d in by_dimension},
                {d for d in candidates[second] if d in by_dimension},
            )
            if dims[0] & dims[1] or not _APART.fullmatch(text[left[1] : right[0]]):
                continue
            return Clarify(
                f"'{text[left[0] : left[1]]}' and '{text[right[0] : right[1]]}' are values of "
                "different things: do you want the rows that are both, or each one on its "
                "own? Ask for one at a time, or for both together.",
            )
        return None

    def _count_as_rows(
        self, text: str, mentions: Sequence[Mention], query: SemanticQuery
    ) -> Clarify | None:
        """A question back when a count is named as the rows another metric is over ("the ARR
        of churned customers"), or a metric in a clause about them ("ARR from customers who
        signed up in 2025"), but both are about to be shown side by side: which rows they
        pick is not the other metric's to take."""
        named = [m for m in mentions if m.kind == "metric" and m.target in query.metrics]
        for left, right in itertools.pairwise(named):
            between = text[left.spans[-1][1] : right.start]
            counts = self.quantities.aggregation(right.target) in ("count", "count_distinct")
            over = counts and bool(_OVER_ROWS.fullmatch(between))
            if left.target != right.target and (over or _IN_CLAUSE.search(between)):
                first, second = (self.model.metric(m.target) for m in (left, right))
                if first is None or second is None:
                    continue
                return Clarify(
                    f"Do you mean the {first.label} of {second.label} only, or {first.label} "
                    f"and {second.label} side by side? I can't pick those rows out for you: "
                    "ask for a metric that covers just them, or for both.",
                    (first.name, second.name),
                )
        return None

    def _changes_of_a_snapshot(self, text: str, query: SemanticQuery) -> Clarify | None:
        """A question back when a count on a day (a snapshot: customers with the AI agent on)
        is asked with a verb of change and a period ("how many turned the agent on this
        year"): the value at the period's end counts all of them, not those that changed."""
        change = _BECAME.search(text)
        if change is None or query.time_range is None:
            return None
        if any(d.startswith(METRIC_TIME) for d in query.dimensions):
            return None
        for name in query.metrics:
            metric = self.model.metric(name)
            measured = self.model.measure(metric.measure or "") if metric else None
            if metric is not None and measured is not None and measured[1].snapshot:
                return Clarify(
                    f"{metric.label} is a count on a day. Do you mean all {metric.label} "
                    f"at the end of {query.time_range}, or only those that "
                    f"{change.group(1).lower()} during it? I can answer the first; for the "
                    "second, ask for a metric that counts the change.",
                    (name,),
                )
        return None

    def _kept_and_left_out(self, query: SemanticQuery) -> Clarify | None:
        """A question back when values of one dimension are both asked for (by a filter or
        a filtered metric's own filter) and left out: "tickets the bot resolved without a
        human" may mean AI tickets, or tickets no human ever touched."""
        kept = {f.field for f in query.filters if f.op in ("=", "in")}
        for name in query.metrics:
            kept |= {f.field for m, _, own in self.filtered_metrics if m == name for f in own}
        for condition in query.filters:
            if condition.op in ("!=", "not in") and condition.field in kept:
                left = " and ".join(repr(v) for v in condition.values)
                return Clarify(
                    f"You asked for some {condition.field.replace('_', ' ')} values and to "
                    f"leave out {left}: I'm not sure which rows you mean. Could you name the "
                    "values to keep?"
                )
        return None

    def _governed_metric(self, query: SemanticQuery) -> SemanticQuery:
        """A metric filtered as a governed metric is that metric: tickets where handled_by =
        'ai' is ai_handled_tickets (its owner, label and caveats then show)."""
        if len(query.metrics) != 1:
            return query
        metric = self.model.metric(query.metrics[0])
        if metric is None or metric.type != "simple" or metric.filter:
            return query
        for name, measure, required in self.filtered_metrics:
            if measure == metric.measure and all(f in query.filters for f in required):
                order = tuple(
                    OrderBy(field=name, descending=o.descending) if o.field == metric.name else o
                    for o in query.order_by
                )
                return query.model_copy(
                    update={
                        "metrics": (name,),
                        "filters": tuple(f for f in query.filters if f not in required),
                        "order_by": order,
                    }
                )
        return query

    def _filterable(self, metrics: Sequence[str], dimension: str, value: str | bool) -> bool:
        """Whether every metric can be filtered by `dimension` (the layer decides)."""
        if not metrics:
            return True
        trial = SemanticQuery(
            metrics=tuple(metrics), filters=(Filter(field=dimension, op="=", values=(value,)),)
        )
        try:
            compile_query(trial, self.model, as_of=self.as_of)
        except SemanticLayerError:
            return False
        return True

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
        if phrasing.top is not None:
            order = (OrderBy(field=metrics[0], descending=phrasing.descending),)
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
        Enterprise", "and CSAT?", "what about last year?"."""
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
        if phrasing.top is not None:
            order = (OrderBy(field=chosen[0], descending=phrasing.descending),)
            limit = phrasing.top
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

    def _widened(
        self, metrics: tuple[str, ...], filters: list[Filter]
    ) -> tuple[tuple[str, ...], list[Filter]]:
        """A filtered metric asked beside another value of its filter's dimension compares
        its base metric across both: "did humans or the bot resolve more tickets" is tickets
        for handled_by IN ('human', 'ai'), not AI-handled tickets that humans handled."""
        asked = {f.field: f for f in filters if f.op in ("=", "in")}
        for name in metrics:
            own = next((req for m, _, req in self.filtered_metrics if m == name), ())
            if not own or not any(f.field in asked and f.op == "=" for f in own):
                continue
            base = self._unfiltered(name, {f.field for f in own})
            if base == name:
                continue
            for required in own:
                given = asked.get(required.field)
                if given is None:
                    filters.append(required)
                    continue
                values = tuple(dict.fromkeys((*required.values, *given.values)))
                widened = Filter(
                    field=given.field, op="=" if len(values) == 1 else "in", values=values
                )
                filters[filters.index(given)] = widened
                asked[given.field] = widened
            metrics = tuple(base if m == name else m for m in metrics)
        return metrics, filters

    def _unfiltered(self, name: str, changed: set[str]) -> str:
        """The metric `name` is a filter on, when a follow-up changes that filter's dimension:
        ai_handled_tickets (tickets where handled_by = 'ai') asked "for humans" is tickets."""
        for filtered, measure, required in self.filtered_metrics:
            if filtered == name and changed & {f.field for f in required}:
                bases = self.unfiltered_metrics.get(measure or "", [])
                return bases[0] if len(bases) == 1 else name
        return name

    def _not_understood(self, question: str, unknown: tuple[str, ...] = ()) -> Plan:
        closest = self._closest_metrics(question) or self._headline_metrics()
        named = ", ".join(m.label if (m := self.model.metric(n)) else n for n in closest)
        unknown_part = f" (I don't know {quote_words(unknown)})" if unknown else ""
        return Clarify(
            f"I couldn't find a metric I know in that question{unknown_part}. I can answer "
            f"about {named} and more. Which did you mean?",
            tuple(closest),
        )

    def _headline_metrics(self) -> list[str]:
        """The metrics analysts have verified questions for: what Cortex answers best."""
        verified = (m for v in self.model.verified_queries for m in v.query.metrics)
        return list(dict.fromkeys(verified))[:3] or [m.name for m in self.model.metrics[:3]]

    def _closest_metrics(self, question: str) -> list[str]:
        scores: dict[str, float] = {}
        words = [stem(w) for w in text_words(question) if len(w) > 2]
        for term in self.metric_terms:
            phrase = " ".join(term.words)
            for word in words:
                ratio = difflib.SequenceMatcher(None, word, phrase).ratio()
                scores[term.target] = max(scores.get(term.target, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [name for name, score in ranked[:3] if score >= 0.75]
