"""Reading the conditions of a question: the values it names, kept or left out, yes/no
dimensions, and the governed readings of both.

A value held by several dimensions is read as the one the metrics can use, the one named
beside it, or the one a named filter governs; values of two dimensions set apart are asked
about; a value left out is a `!=` condition; a metric filtered as a governed metric becomes it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Final

from cortex.knowledge.words import stem, text_words
from cortex.planning.offline.reading.exclusions import excluded, negated, phrases
from cortex.planning.offline.reading.mentions import Mention, singular_values
from cortex.planning.offline.vocabulary import Vocabulary, said_in_ing
from cortex.planning.plans import Clarify
from semantic_layer.query import Filter, OrderBy, SemanticQuery

#: Words that set two values apart as two groups: "and for", "or", "vs", "compared with".
_APART = re.compile(
    r"\s*,?\s*(?:(?:and|&)\s+(?:for|in|on|from|of|among|with)|or|vs\.?|versus|compared\s+"
    r"(?:to|with))\s+(?:(?:the|our)\s+)?",
    re.IGNORECASE,
)


#: Words that may stand between a value and the thing it describes ("depots in Scotland").
_BESIDE: Final = frozenset({"in", "at", "from", "of"})
#: Words before a value that ask no direction: "the", "our".
_DETERMINERS: Final = frozenset({"the", "our", "their", "a", "an"})
#: Words before "to" that make it a comparison, not a direction ("compared to").
_COMPARING: Final = frozenset({"compared", "comparing", "relative", "versus", "up", "due"})
#: What a preposition before a place says of it, and the words a dimension of that sense is
#: named with: "to Scotland" is where things went, "from Scotland" where they came from.
_TOWARDS: Final = frozenset({"destination", "recipient", "receiving", "arrival", "inbound"})
_AWAY: Final = frozenset(
    {"origin", "source", "sending", "sender", "collecting", "collection", "departure", "outbound"}
)
_DIRECTIONS: Final = {
    "to": frozenset(stem(w) for w in _TOWARDS),
    "into": frozenset(stem(w) for w in _TOWARDS),
    "from": frozenset(stem(w) for w in _AWAY),
}


def _inside(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= span[0] < end for start, end in spans)


class ReadsConditions(Vocabulary):
    """The offline planner's reading of a question's conditions (see the module docstring)."""

    def _filters(
        self,
        text: str,
        metrics: Sequence[str],
        mentions: Sequence[Mention] = (),
        evidence: frozenset[str] = frozenset(),
        said: str | None = None,
    ) -> tuple[list[Filter], Clarify | None, list[tuple[int, int]]]:
        """Filters for the dimension values the text names, a question back, and where the
        words leaving values out stand ("not counting": read, since they were used).

        A value held by several dimensions ("Enterprise": a segment and a plan) keeps only the
        dimensions the metrics can be filtered by. If several remain, a dimension named right
        beside the value wins ("the Enterprise plan"), then the one a named filter gives the
        value to (`enterprise: segment = 'Enterprise'` is the governed reading of
        "Enterprise"); if two different ones still remain, it asks (`said` is the text with
        the names still in, for the words around a value). A value whose words made a
        rate the ratio it is (`evidence`: "the AI" in "what share did the AI handle") is no
        filter.
        """
        if self.values is None:
            return [], None, []
        candidates: dict[str, dict[str, str]] = {}  # value as written -> dimension -> value
        spans: dict[str, list[tuple[int, int]]] = {}
        wording = phrases(text)
        found_as_written = self.values.find(text)
        as_written = [m for m in found_as_written if not _inside(m.span, wording)]
        for match in as_written:
            spans.setdefault(match.value.lower(), []).append(match.span)
        singulars = [
            m
            for m in singular_values(self.values, text, found_as_written)
            if not _inside(m.span, wording)
        ]
        for match in singulars:  # "except discount requests": the value as its plural says
            found = spans.setdefault(match.value.lower(), [])
            if not any(start < match.span[1] and match.span[0] < end for start, end in found):
                found.append(match.span)
        for match in [*as_written, *singulars]:
            candidates.setdefault(match.value.lower(), {})[match.dimension] = match.value
        by_dimension: dict[str, list[str]] = {}
        left_out: dict[str, list[str]] = {}  # dimension -> values the text excludes
        used: list[tuple[int, int]] = []
        pending: list[tuple[str, dict[str, str], list[str], bool]] = []
        every_span = [span for found in spans.values() for span in found]
        for written, dimensions in candidates.items():
            exclusions = [excluded(text, start, every_span) for start, _ in spans.get(written, [])]
            used += [span for span in exclusions if span is not None]
            named = [{stem(w) for w in text_words(v)} for v in (written, *dimensions.values())]
            if evidence and any(words <= evidence for words in named):
                continue
            usable = [d for d in dimensions if self._filterable(metrics, d, dimensions[d])]
            if not usable and stem(written) in self.vocabulary:
                continue  # "the AI agent": a word of the catalog, not a filter here
            chosen = usable or list(dimensions)
            if len(chosen) > 1:
                chosen = self._disambiguate(
                    text, written, chosen, spans.get(written, []), mentions, said or text
                )
            if len(chosen) > 1:
                pending.append((written, dimensions, chosen, any(exclusions)))
                continue
            if any(exclusions):
                left_out.setdefault(chosen[0], []).append(dimensions[chosen[0]])
            else:
                by_dimension.setdefault(chosen[0], []).append(dimensions[chosen[0]])
        strong = {*by_dimension, *left_out}  # dimensions values were read as on evidence
        for written, dimensions, chosen, leaving in pending:
            # "Scotland depots vs the Midlands ones": the dimension its fellow value is of;
            # else the one a named filter governs
            settled = [d for d in chosen if d in strong]
            if len(settled) != 1:
                settled = [d for d in chosen if (d, written) in self.governed_values]
            if len(settled) != 1:
                shown = next((text[s:e] for s, e in spans.get(written, [])), written)
                options = tuple(f"{d} = '{dimensions[d]}'" for d in sorted(chosen))
                return (
                    [],
                    Clarify(
                        f"'{shown}' could mean {' or '.join(options)}. Which one did you mean?",
                        options[:3],
                        reason="two readings",
                    ),
                    [],
                )
            (left_out if leaving else by_dimension).setdefault(settled[0], []).append(
                dimensions[settled[0]]
            )
        apart = self._apart(text, spans, candidates, by_dimension)
        if apart is not None:
            return [], apart, []
        filters = []
        for dimension, values in by_dimension.items():
            unique = tuple(dict.fromkeys(values))
            op = "=" if len(unique) == 1 else "in"
            filters.append(Filter(field=dimension, op=op, values=unique))
        for dimension, values in left_out.items():
            unique = tuple(dict.fromkeys(values))
            op = "!=" if len(unique) == 1 else "not in"
            filters.append(Filter(field=dimension, op=op, values=unique))
        return filters, None, used

    def _disambiguate(
        self,
        text: str,
        written: str,
        dimensions: list[str],
        spans: Sequence[tuple[int, int]],
        mentions: Sequence[Mention],
        said: str,
    ) -> list[str]:
        """The dimensions a value held by several still reads as: the one named beside it,
        that of the thing named beside it, or the one its preposition's direction names; else
        all of them (then a fellow value's dimension, or a named filter, may settle it)."""
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
        for narrowed in (
            self._of_the_thing_beside(text, dimensions, spans, mentions),
            self._in_the_direction(text, dimensions, spans),
            self._by_the_verb(said, dimensions, spans),
        ):
            if len(narrowed) == 1:
                return narrowed
        return dimensions

    def _of_the_thing_beside(
        self,
        text: str,
        dimensions: Sequence[str],
        spans: Sequence[tuple[int, int]],
        mentions: Sequence[Mention],
    ) -> list[str]:
        """The dimensions of the thing named beside the value ("Scotland depots", "depots in
        Scotland"): those of the tables the named dimension belongs to."""
        owned: set[str] = set()
        for mention in mentions:
            if mention.kind != "dimension":
                continue
            first, last = mention.spans[0][0], mention.spans[-1][1]
            for start, end in spans:
                gap = text[end:first] if first >= end else text[last:start]
                if text_words(gap) and (first >= end or not set(text_words(gap)) <= _BESIDE):
                    continue
                tables = self.dimension_tables.get(mention.target, set())
                owned |= {d for d in dimensions if self.dimension_tables.get(d, set()) & tables}
        return sorted(owned)

    def _by_the_verb(
        self, text: str, dimensions: Sequence[str], spans: Sequence[tuple[int, int]]
    ) -> list[str]:
        """The dimension named after what the value does: "GMV the bot influenced" (or "did
        the bot influence") is influenced_by = 'ai', not who handled the ticket; so is
        "influenced by the bot"."""
        found: set[str] = set()
        for start, end in spans:
            after = text_words(text[end:].lower())[:1]
            before = text_words(text[:start].lower())[-3:]
            if before and before[-1] in _DETERMINERS:
                before = before[:-1]
            agent = before[-2:-1] if before[-1:] == ["by"] else []
            for word in (*after, *agent):
                verb = stem(word)
                found |= {
                    d for d in dimensions if verb in self.dimension_stems.get(d, set()) - {"by"}
                }
        return sorted(found)

    def _in_the_direction(
        self, text: str, dimensions: Sequence[str], spans: Sequence[tuple[int, int]]
    ) -> list[str]:
        """The dimension whose names say the direction the value is written in: "delivered
        to Scotland" is a destination, "shipped from Scotland" an origin."""
        found: set[str] = set()
        for start, _ in spans:
            before = text_words(text[:start])[-2:]
            if before and before[-1] in _DETERMINERS:
                before = text_words(text[:start])[-3:-1]
            if not before or before[0] in _COMPARING:
                continue
            sense = _DIRECTIONS.get(before[-1])
            if sense is None:
                continue
            found |= {d for d in dimensions if self.dimension_stems.get(d, set()) & sense}
        return sorted(found)

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
            if said_in_ing(text, mention):
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
                reason="two readings",
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
                    "values to keep?",
                    reason="two readings",
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
