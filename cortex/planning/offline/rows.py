"""What the rows a query adds up are: the money a count's rows carry, a list of what a count
counts, rows of different metrics, and a period held as a value.

- "the value of damage claims", "revenue from shipments": a money word said of a count is what
  its rows add up to, the metric summing money over them (the one named with that word first);
  "the claims total" asks whether the number or the amount is meant (`_worth_of_a_count`,
  `_total_of_a_count`).
- "top 5 contact reasons": a ranking with no metric ranks by the count its table declares
  (`count_metric`); "list the live accounts with their tier" asks whether the things or their
  number is meant (`_listed_count`).
- "what is our OKR target": rows whose dimension names the metric each is of (targets on ARR,
  CSAT ...) are never added up (`_mixed_metrics`).
- "the Q4 target": a period asked of a table without days is the value of the one dimension
  that holds it ("2026-Q4") (`_period_as_value`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from cortex.knowledge.examples import listed
from cortex.knowledge.words import stem, text_words
from cortex.planning.offline.checks.understanding import MONEY_WORDS
from cortex.planning.offline.reading.mentions import Mention
from cortex.planning.offline.vocabulary import Vocabulary
from cortex.planning.phrase import phrase_query
from cortex.planning.plans import Clarify
from semantic_layer.errors import SemanticLayerError
from semantic_layer.model import Metric
from semantic_layer.query import Filter, OrderBy, SemanticQuery
from semantic_layer.time import resolve_time_range

__all__ = ["COUNTING", "ReadsRows"]

#: A count asked for: "how many calls", "the number of WISMO requests".
COUNTING = re.compile(r"\b(how many|number of|count of)\b", re.IGNORECASE)
#: A total asked for ("claims total", "the total of ..."), of a count or of an amount.
_TOTAL = re.compile(r"\btotals?\b", re.IGNORECASE)
#: Words that ask what things are worth in money: "the value of damage claims", "revenue
#: from shipments".
_WORTH = re.compile(r"\b(?:" + "|".join(sorted(MONEY_WORDS)) + r")\b", re.IGNORECASE)


def _period_name(time_range: str, as_of: date) -> str | None:
    """The name of the whole month, quarter or year a range is ("this quarter": 2026-Q4)."""
    try:
        days = resolve_time_range(time_range, as_of)
    except SemanticLayerError:
        return None
    if days is None or days.unit not in ("month", "quarter", "year"):
        return None
    start = days.start
    if days.unit == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}" if days.unit == "month" else str(start.year)


class ReadsRows(Vocabulary):
    """The offline planner's reading of what a query's rows add up to (see the module docstring)."""

    def _dated(self, name: str) -> bool:
        """Whether every table metric `name` is measured over has a time axis."""
        tables = (self.model.table(t) for t in self.counts.tables.get(name, frozenset()))
        return all(
            t is not None
            and (t.time_dimension is not None or any(m.time_dimension for m in t.measures))
            for t in tables
        )

    def _mixed_metrics(self, query: SemanticQuery) -> Clarify | None:
        """A question back when a metric would add up rows that measure different metrics
        (targets of OKRs on ARR, CSAT and win rate: a table with a dimension naming the
        metric each row is of) and the query neither picks one nor shows them apart."""
        if self.values is None:
            return None
        names = {m.name for m in self.model.metrics}
        pinned = {f.field for f in query.filters if f.op == "=" and len(f.values) == 1}
        shown = {d.partition(":")[0] for d in query.dimensions}
        for name in query.metrics:
            metric = self.model.metric(name)
            found = self.model.measure(metric.measure or "") if metric else None
            if metric is None or found is None:
                continue
            table = found[0]
            if (shown | pinned) & {table.primary_key, table.name_dimension}:
                continue  # a row for each of them, or just one
            for dimension in table.dimensions:
                held = self.values.values(dimension.name, table.name)
                if len(held) < 2 or not set(held) <= names or dimension.name in pinned | shown:
                    continue
                apart = query.model_copy(update={"dimensions": (*query.dimensions, dimension.name)})
                said = phrase_query(apart, self.model)
                return Clarify(
                    f"{metric.label} rows are of different metrics ({listed(list(held)[:4])}), "
                    "and adding them up would mean nothing. Which metric's do you want, or "
                    f"one row for each {(dimension.label or dimension.name).lower()}?",
                    tuple(w for w in (said,) if w),
                    reason="two readings",
                )
        return None

    def _period_as_value(self, query: SemanticQuery) -> SemanticQuery:
        """A period asked of metrics with no time axis is a value of the one dimension that
        holds it as written: "the Q4 target" of a targets table is okr_period = '2026-Q4'."""
        period = query.time_range
        if period is None or self.values is None or all(map(self._dated, query.metrics)):
            return query  # the metrics have days: a range
        named = _period_name(period, self.as_of)  # "this quarter": 2026-Q4
        held_as = [p for p in dict.fromkeys((period, named)) if p]
        holders = [
            (d, p)
            for p in held_as
            for d in self.values.holding(p)
            if self._filterable(query.metrics, d, p)
        ]
        if len(holders) != 1:
            return query
        held = Filter(field=holders[0][0], op="=", values=(holders[0][1],))
        return query.model_copy(update={"time_range": None, "filters": (*query.filters, held)})

    def _total_of_a_count(self, text: str, query: SemanticQuery) -> Clarify | None:
        """A question back when a "total" is asked of a count whose rows also carry money
        ("claims total"): the number of claims, or what they add up to, are two answers."""
        counted = self._counted_table(query)
        if counted is None or not _TOTAL.search(text) or COUNTING.search(text):
            return None
        metric, table = counted
        sums = self._money_of(table)
        if not sums:
            return None
        amounts = " or ".join(m.label for m in sums[:3])
        return Clarify(
            f"By the total of {metric.label.lower()}, do you mean how many there are, or what "
            f"they add up to ({amounts})?",
            (metric.name, *(m.name for m in sums))[:3],
            reason="two readings",
        )

    def _counted_table(self, query: SemanticQuery) -> tuple[Metric, str] | None:
        """The one metric of `query` and the table whose rows it counts, when it is a count."""
        if len(query.metrics) != 1:
            return None
        metric = self.model.metric(query.metrics[0])
        measured = self.model.measure(metric.measure or "") if metric else None
        if metric is None or measured is None or measured[1].aggregation != "count":
            return None
        return metric, measured[0].name

    def _money_of(self, table: str) -> list[Metric]:
        """The metrics summing money over the rows of `table` (claim value over claims)."""
        return [
            m
            for m in self.model.metrics
            if m.type == "simple"
            and m.format == "currency"
            and not m.filter
            and (found := self.model.measure(m.measure or "")) is not None
            and found[0].name == table
            and found[1].aggregation == "sum"
        ]

    def _worth_of_a_count(self, text: str, query: SemanticQuery) -> SemanticQuery | Clarify:
        """The "value" (or "worth") of a count is the money its rows add up to: "the value of
        damage claims" sums the claims' value when one metric sums money over those rows,
        and is asked about when several do; never the number of claims."""
        counted = self._counted_table(query)
        if counted is None or not _WORTH.search(text) or COUNTING.search(text):
            return query
        metric, table = counted
        sums = self._money_of(table)
        word = _WORTH.findall(text)[0].lower()
        asked = {stem(word)}
        named = [m for m in sums if asked & {stem(w) for w in text_words(m.label)}]
        sums = named if len(named) == 1 else sums  # "the value of claims": Claim value
        if len(sums) == 1:
            order = tuple(
                OrderBy(field=sums[0].name, descending=o.descending)
                if o.field == metric.name
                else o
                for o in query.order_by
            )
            return query.model_copy(update={"metrics": (sums[0].name,), "order_by": order})
        if not sums:
            return query
        return Clarify(
            f"By the {word} of {metric.label.lower()}, which amount do you mean: "
            f"{' or '.join(m.label for m in sums[:3])}?",
            tuple(m.name for m in sums[:3]),
            reason="two readings",
        )

    def _counted_by_default(self, mentions: Sequence[Mention]) -> tuple[str, ...]:
        """The count metric metrics.yml declares for the table of the first dimension named,
        when that dimension belongs to one table and the table declares one."""
        named = next((m for m in mentions if m.kind == "dimension"), None)
        counted = self._table_count(named.target) if named is not None else None
        return (counted,) if counted else ()

    def _table_count(self, dimension: str) -> str | None:
        """The count metric declared by the one table `dimension` belongs to, if any."""
        tables = self.dimension_tables.get(dimension, set())
        table = self.model.table(next(iter(tables))) if len(tables) == 1 else None
        return table.count_metric if table is not None else None

    def _counted_flag(self, text: str, mentions: Sequence[Mention]) -> tuple[str, ...]:
        """A yes/no dimension said as a plural noun, with no metric named, counts the rows it
        is true of: "escalations per channel" are tickets where handed_over = TRUE, counted by
        the count its table declares (`count_metric`); never one it only groups ("by
        escalated")."""
        for mention in mentions:
            if mention.kind != "dimension" or mention.target not in self.booleans:
                continue
            said = text[mention.spans[-1][0] : mention.spans[-1][1]].lower()
            before = text_words(text[: mention.start].lower())[-1:]
            if not said.endswith("s") or before in (["by"], ["per"]):
                continue
            counted = self._table_count(mention.target)
            if counted:
                return (counted,)
        return ()

    def _listed_count(self, mentions: Sequence[Mention], query: SemanticQuery) -> Clarify | None:
        """A question back when a list is asked of what a count metric counts ("list the live
        accounts with their tier"): the things themselves, or how many there are, are two
        answers, and a listing can't pick the rows a metric's own definition picks."""
        named = [m for m in mentions if m.kind in ("metric", "dimension")]
        first = named[0] if named else None
        if first is None or first.kind != "metric" or first.target not in query.metrics:
            return None
        metric = self.model.metric(first.target)
        measured = self.model.measure(metric.measure or "") if metric else None
        if metric is None or measured is None:
            return None
        if measured[1].aggregation not in ("count", "count_distinct"):
            return None
        return Clarify(
            f"Do you want a list of the {metric.label.lower()} themselves, or how many there "
            f"are? I can count them ({phrase_query(query, self.model) or metric.label}); to "
            "list them, ask for the names you want listed, with their conditions.",
            tuple(w for w in (phrase_query(query, self.model),) if w),
            reason="two readings",
        )
