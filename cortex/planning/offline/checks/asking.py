"""When the offline planner asks back instead of answering: what the query would leave out.

After planning, the planner checks that nothing the question says is ignored: words nothing
explains (`understanding`), dimensions named but unused, words that shape the question
(`structure`), aggregates the metrics don't compute (`quantities`), another metric's verb, a
count named as rows of another metric, a change asked of a snapshot. Each gets a question back
naming it, with the queries Cortex could run instead worded so that they plan back to them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from rapidfuzz import fuzz

from cortex.knowledge.words import WORD, singular_text, stem, text_words
from cortex.planning.offline.checks.structure import Shape, unheeded
from cortex.planning.offline.checks.understanding import (
    FILLER_STEMS,
    MONEY_WORDS,
    quote_words,
    unexplained_words,
)
from cortex.planning.offline.reading.exclusions import phrases
from cortex.planning.offline.reading.mentions import Mention, singular_values
from cortex.planning.offline.reading.phrasing import Phrasing
from cortex.planning.offline.vocabulary import SUM_OF, Vocabulary, said_in_ing
from cortex.planning.phrase import phrase_query
from cortex.planning.plans import Clarify, Plan, QueryPlan, same_query
from semantic_layer.model import METRIC_TIME
from semantic_layer.query import Filter, SemanticQuery

#: Between a value and the noun it describes: nothing, or the rest of a hyphenated compound
#: modifier ("Partner-sourced deals", "AI-handled tickets", "Enterprise-tier customers").
_COMPOUND_GAP = re.compile(r"[\s-]*(?:-[a-z]+[\s-]*)?", re.IGNORECASE)


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


#: An aggregate over the days of a range: "the average adoption over last quarter".
#: Words that say an amount is money, as stems.
MONEY_STEMS: Final = frozenset(stem(w) for w in MONEY_WORDS)
#: Forms of "be" before a verb in -ing: "are closing".
_BE: Final = (["is"], ["are"], ["was"], ["were"], ["be"], ["being"])
#: Words in double quotes: a text quoted in a request ("translate \"goods returned\"").
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
_OVER_TIME = re.compile(r"\b(average|mean|avg|median|typical)\b", re.IGNORECASE)


class AsksBack(Vocabulary):
    """The offline planner's questions back (see the module docstring)."""

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
            and not (mention.target in self.booleans and said_in_ing(question, mention))
        ]

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
        reasons = {stem(w) for w in evidence}
        named = {
            stem(w)
            for m in unused
            for start, end in m.spans
            for w in text_words(question[start:end])
        }
        known = set(self.known_words)
        if query is not None:
            known -= self.scoped_words - self._own_stems(query.metrics)
        if query is not None and any(self._in_money(m) for m in query.metrics):
            known |= MONEY_STEMS  # "AR balance", "fuel surcharge income"
        known = (known | reasons) - named
        if self.values is None:
            return unexplained_words(question, read, known)
        held = {(f.field, str(v).lower()) for f in applied or () for v in f.values}
        spans = list(read)
        used: set[str] = set()
        dropped: set[str] = set()
        written = self.values.find(text)
        for match in written:  # the same positions as in the question
            words = {stem(w) for w in text_words(text[match.span[0] : match.span[1]])}
            if applied is None or (match.dimension, match.value.lower()) in held:
                spans.append(match.span)
                used |= words
            elif not words <= FILLER_STEMS:
                dropped |= words
        singular = singular_text(text)
        for match in singular_values(self.values, text, written):
            if applied is None or (match.dimension, match.value.lower()) in held:
                used |= {stem(w) for w in text_words(singular[match.span[0] : match.span[1]])}
        if applied is not None:  # a value a name took a word of: "live key accounts"
            for match in self.values.find(question):
                start, end = match.span
                if (match.dimension, match.value.lower()) in held or any(
                    s <= start and end <= e for s, e in read
                ):
                    continue
                if any(start < e and s < end for s, e in read):
                    dropped |= {
                        stem(token.group())
                        for token in WORD.finditer(question[start:end].lower())
                        if not any(
                            s <= start + token.start() and start + token.end() <= e for s, e in read
                        )
                    } - FILLER_STEMS
        dropped = (dropped | named) - used - reasons
        return unexplained_words(question, spans, (known | used) - dropped, used)

    def _in_money(self, name: str) -> bool:
        """Whether metric `name` is an amount of money."""
        metric = self.model.metric(name)
        return metric is not None and metric.format == "currency"

    def _own_stems(self, metrics: Sequence[str]) -> set[str]:
        """The `stem`s of the names and descriptions of `metrics`, of the parts of those that
        are ratios, and of the descriptions of their tables ("shoppers" of a ticket metric:
        "one row per shopper conversation")."""
        own: set[str] = self.quantities.words_of(metrics)
        for name in metrics:
            metric = self.model.metric(name)
            parts = (name, metric.numerator or "", metric.denominator or "") if metric else ()
            for part in parts:
                own |= self.metric_stems.get(part, set())
            for table in self.counts.tables.get(name, ()):
                own |= self.table_stems.get(table, set())
        return own

    def _unheeded(
        self,
        question: str,
        phrasing: Phrasing,
        mentions: Sequence[Mention],
        unused: Sequence[Mention],
        filters: Sequence[Filter],
        query: SemanticQuery,
        *,
        listing: bool = False,
    ) -> tuple[str, ...]:
        """The words shaping the question (a breakdown, a ranking, a comparison, a
        restriction) that `query` does not honour (`structure`); `listing` when a list of
        things is asked for."""
        names = [m for m in mentions if m not in unused]
        heads = [*phrasing.spans, *(span for m in names for span in m.spans)]
        metric_spans = [span for m in names if m.kind == "metric" for span in m.spans]
        held = {(f.field, str(v).lower()) for f in (*query.filters, *filters) for v in f.values}
        found = []
        if self.values is not None:  # as written, and in the singular ("return requests")
            written = self.values.find(question)
            found = [*written, *singular_values(self.values, question, written)]
        applied = [m for m in found if (m.dimension, m.value.lower()) in held]
        values = {stem(w) for m in applied for w in text_words(question[m.span[0] : m.span[1]])}
        shape = Shape(
            question,
            [*heads, *(m.span for m in applied), *phrases(question)],
            heads,
            values,
            query,
            metric_spans,
            listing,
        )
        return tuple(unheeded(shape))

    def _unaggregated(self, text: str, query: SemanticQuery) -> tuple[str, ...]:
        """The words of an aggregate the query's metrics do not compute, as written: a
        quantity's ("amounts" asked of a count with no summing sibling), and "sum" asked of
        a metric that averages or divides."""
        tables = frozenset().union(*(self.counts.tables.get(m, frozenset()) for m in query.metrics))
        written = {stem(w): w for w in text_words(text)}
        unowned = self.quantities.unowned(list(written), query.metrics, tables)
        found = [written[w] for q in unowned for w in q.words if w in written]
        summed = ("sum", "count")
        if (match := SUM_OF.search(text)) and any(
            self.quantities.aggregation(m) not in summed for m in query.metrics
        ):
            found.append(match.group(1))
        over_days = query.time_range is not None and not any(
            d.startswith(METRIC_TIME) for d in query.dimensions
        )
        asked = SUM_OF.search(text) or _OVER_TIME.search(text)
        if asked and over_days and any(self.on_a_day(m) for m in query.metrics):
            found.append(asked.group(1))  # "the average ARR last quarter": a value on a day
        return tuple(dict.fromkeys(found))

    def _ask_about(
        self,
        unknown: tuple[str, ...],
        query: SemanticQuery,
        others: Sequence[SemanticQuery | None] = (),
        *,
        replan: Callable[[str], Plan] | None,
    ) -> Clarify:
        """Ask back about words not understood, naming the queries Cortex could run: the
        `others` the words may mean ("CSAT by channel"), then `query`, which leaves them out.
        Each is offered in words that plan back to that same query (`replan` plans words on
        their own; None offers nothing); then the closest metrics."""
        unknown = tuple(dict.fromkeys(unknown))
        candidates = [q for q in (*others, query) if q is not None]
        named = [text for q in candidates if (text := phrase_query(q, self.model)) is not None]
        offered = []
        for candidate in candidates:
            words = phrase_query(candidate, self.model)
            if replan is None or words is None:
                continue
            again = replan(words)
            if isinstance(again, QueryPlan) and same_query(again.query, candidate):
                offered.append(str(words))
        closest = self._closest_metrics(" ".join(unknown))
        suggestions = [*offered, *(m for m in closest if m not in query.metrics)]
        meant = " or ".join(named) if named else ", ".join(query.metrics)
        return Clarify(
            f"I can't place {quote_words(unknown)} in this question, so I won't answer as if "
            f"{'it were' if len(unknown) == 1 else 'they were'} not there.{self._spelt(unknown)}"
            f" Did you mean: {meant}?",
            tuple(suggestions[:3]),
            reason="unplaced words",
        )

    def _not_understood(self, question: str, unknown: tuple[str, ...] = ()) -> Plan:
        closest = self._closest_metrics(question) or self._headline_metrics()
        named = ", ".join(m.label if (m := self.model.metric(n)) else n for n in closest)
        unknown_part = f" (I don't know {quote_words(unknown)})" if unknown else ""
        return Clarify(
            f"I couldn't find a metric I know in that question{unknown_part}.{self._spelt(unknown)}"
            f" I can answer about {named} and more. Which did you mean?",
            tuple(closest),
            reason="no metric",
        )

    def _spelt(self, unknown: Sequence[str]) -> str:
        """ " 'stabe' is close to 'stage' or 'state'.": the catalog words a typo may be, when
        more than one is equally near (one alone is read as it, `reading.spelling`)."""
        said = []
        for word in dict.fromkeys(unknown):
            near = [w for w in self.speller.near(word) if w not in self.speller.function]
            if near:
                said.append(f"'{word}' is close to {' or '.join(repr(w) for w in near[:3])}")
        return f" ({'; '.join(said)}.)" if said else ""

    def _headline_metrics(self) -> list[str]:
        """The metrics analysts have verified questions for: what Cortex answers best."""
        verified = (m for v in self.model.verified_queries for m in v.query.metrics)
        return list(dict.fromkeys(verified))[:3] or [m.name for m in self.model.metrics[:3]]

    def _closest_metrics(self, question: str) -> list[str]:
        """Up to three metrics one of whose names a word of `question` nearly spells
        (rapidfuzz's normalised similarity of the stems, at least 75 of 100)."""
        scores: dict[str, float] = {}
        words = [stem(w) for w in text_words(question) if len(w) > 2]
        for term in self.metric_terms:
            phrase = " ".join(term.words)
            for word in words:
                ratio = fuzz.ratio(word, phrase)
                scores[term.target] = max(scores.get(term.target, 0.0), ratio)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [name for name, score in ranked[:3] if score >= 75]

    def _event_of(self, text: str, metrics: tuple[str, ...]) -> tuple[str, ...]:
        """The metric of an event verb whose name's noun is the noun that picked `metrics`:
        "did we lose more merchants" counts lost customers (churned customers) when
        "merchants" named the customer count, not the ARR lost."""
        if len(metrics) != 1:
            return metrics
        words = self.metric_words.get(metrics[0], set())
        for word in text_words(text):
            nouns = self.event_nouns.get(stem(word), {})
            chosen = [target for target, said in nouns.items() if said & words]
            if len(chosen) == 1 and chosen[0] not in metrics:
                return (chosen[0],)
        return metrics

    def _in_progress(
        self, text: str, mentions: Sequence[Mention], query: SemanticQuery
    ) -> Clarify | None:
        """A question back when a metric named for something done is asked in -ing ("deals
        closing this quarter"): those done so far, or those still due to be, are two answers,
        and the metric counts only the first."""
        for mention in mentions:
            if mention.kind != "metric" or mention.target not in query.metrics:
                continue
            said = [  # a verb: after its noun ("deals closing") or a form of "be"
                text[s:e]
                for i, (s, e) in enumerate(mention.spans)
                if text[s:e].lower().endswith("ing")
                and (i > 0 or text_words(text[:s].lower())[-1:] in _BE)
            ]
            metric = self.model.metric(mention.target)
            if not said or metric is None:
                continue
            names = text_words(" ".join((metric.label, *metric.synonyms)).lower())
            done = [w for w in names if w.endswith("ed") or w in ("won", "lost", "done", "paid")]
            if said[0].lower() in names or stem(said[0]) not in {stem(w) for w in done}:
                continue  # "converting conversations", "bookings": a name, no deed in -ing
            so_far = phrase_query(query, self.model)
            return Clarify(
                f"By '{said[0]}', do you mean the {metric.label.lower()} so far "
                f"({so_far or metric.label}), or those still due to happen? I can count what has "
                "happened; for what is still due, ask for the metric of what is planned or open.",
                tuple(w for w in (so_far,) if w),
                reason="two readings",
            )
        return None

    def _unnamed_event(self, text: str, metrics: Sequence[str]) -> Clarify | None:
        """A verb that names another metric's event ("did we lose more merchants": lost
        customers are churned customers) while a bare noun picked a different metric: ask,
        rather than count the noun's metric."""
        own = self._own_stems(metrics)  # "ARR lost to downgrades" explains "lose"
        for word in text_words(text):
            targets = self.events.get(stem(word), ())
            if targets and not set(targets) & set(metrics) and stem(word) not in own:
                return Clarify(
                    f"'{word}' sounds like {' or '.join(targets)}, but I read the question as "
                    f"{', '.join(metrics) or 'another metric'}. Which did you mean?",
                    (*targets, *metrics)[:3],
                    reason="two readings",
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
                    reason="two readings",
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
                    reason="two readings",
                )
        return None

    def _names_a_metric(
        self, question: str, mentions: Sequence[Mention], request: tuple[int, int]
    ) -> bool:
        """Whether a non-data request names a metric as one, not only one thing a word for a
        metric also names: a singular noun that is a dimension's word or follows 'a' or
        'this' ("a reply to the customer", "answer this ticket"), or the `request`'s own verb
        ("book a room"), or words in quotes (a text to translate or rewrite). "customers" or
        "tickets" name the metric."""
        lowered = question.lower()
        quoted = [m.span() for m in _QUOTED.finditer(question)]
        for mention in mentions:
            if mention.kind != "metric":
                continue
            start, end = mention.spans[0][0], mention.spans[-1][1]
            if request[0] <= start and end <= request[1]:
                continue
            if any(s <= start and end <= e for s, e in quoted):
                continue  # translate "delivery refused": a text to write, not a question
            before = text_words(lowered[:start])[-1:]
            one = len(mention.spans) == 1 and not lowered[start:end].endswith("s")
            entity = mention.words in self.dimension_words or before in (["a"], ["this"])
            if not (one and entity):
                return True
        return False
