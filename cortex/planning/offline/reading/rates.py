"""What a question's rate and average words ask of the metrics it names.

"average", "mean" and "median" pick the sibling metric that differs by that word
(`Rates.variant`); "rate", "share", "%" and the like turn a count into the ratio it is part
of, and "better" or "worse" compare a count as its rate (`Rates.as_ratio`); a rate or average
the metrics cannot carry is asked about, never dropped (`Rates.unmet`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from cortex.knowledge.words import singular, stem, text_words
from semantic_layer.model import SemanticModel

__all__ = ["RATE_WORDS", "Rates", "aggregate_word"]

_AGGREGATE_WORDS: Final = {
    "average": "average", "mean": "average", "avg": "average", "median": "median",
}  # fmt: skip
_RATES: Final = frozenset(
    {"rate", "ratio", "share", "percent", "percentage", "%", "proportion", "portion", "fraction"}
)
#: "do AI conversations convert better": a count compared for quality is compared as a rate.
_QUALITY: Final = frozenset({"better", "worse"})
_GLUE_WORDS: Final = frozenset(
    {"a", "an", "the", "of", "by", "to", "in", "on", "for", "with", "and"}
)
#: Every word this module reads: never unexplained.
RATE_WORDS: Final = _RATES | _QUALITY | frozenset(_AGGREGATE_WORDS)


def aggregate_word(text: str) -> str | None:
    """'average' or 'median' when the text asks for one (the last one named wins:
    "the average instead of the median" asks for the average)."""
    words = text_words(text)
    named = [_AGGREGATE_WORDS[w] for w in words if w in _AGGREGATE_WORDS]
    if "instead" in words and named:
        return named[0]
    return named[-1] if named else None


class Rates:
    """The rate and average readings of one model's metrics.

    `metric_words` are the stems of each metric's names; `aliases` the one-word value
    synonyms, as stems ("bot" -> "ai").
    """

    def __init__(
        self,
        model: SemanticModel,
        metric_words: Mapping[str, set[str]],
        aliases: Mapping[str, str],
    ) -> None:
        self.model = model
        self.metric_words = metric_words
        self.aliases = aliases

    def as_ratio(
        self, metrics: tuple[str, ...], text: str, before: Sequence[str]
    ) -> tuple[tuple[str, ...], frozenset[str]]:
        """The ratio metric a rate question over a count means, and the words it used.

        "what share of our merchants have the AI agent on" names active customers and asks for
        a share: the ratio whose denominator is active customers and whose numerator the
        question (or, after "that", the previous answer) names. A count that is the numerator
        of a ratio is its share ("what share of deals did we win"); a count compared as
        'better' or 'worse' is compared as its rate ("do AI conversations convert better").
        Exactly one ratio must fit, else the metrics stay (and an unmet rate is asked about).
        """
        asked = {singular(w) for w in text_words(text)} | ({"%"} if "%" in text else set())
        wants_rate = bool(asked & _RATES)
        compares = bool(asked & _QUALITY)
        words = {stem(w) for w in text_words(text)}
        words |= {self.aliases[w] for w in words if w in self.aliases}  # "the bot": the AI
        chosen = [self.model.metric(name) for name in metrics]
        if not metrics or not (wants_rate or compares):
            return metrics, frozenset()
        if any(m is None or m.type == "ratio" or m.format == "percent" for m in chosen):
            return metrics, frozenset()
        context = set(words)
        for name in before:
            context |= self.metric_words.get(name, set())
        found = set(metrics)
        fits: list[tuple[str, frozenset[str]]] = []
        for ratio in self.model.metrics:
            if ratio.type != "ratio" or ratio.numerator is None or ratio.denominator is None:
                continue
            if not found <= {ratio.numerator, ratio.denominator}:
                continue
            if ratio.numerator in found:
                if wants_rate or found == {ratio.numerator}:
                    fits.append((ratio.name, frozenset()))
                continue
            if not wants_rate:
                continue
            own = set().union(*(self.metric_words.get(name, set()) for name in found))
            named = self.metric_words.get(ratio.numerator, set()) - own - _GLUE_WORDS
            if named & context:
                fits.append((ratio.name, frozenset(named & context)))
        if len(fits) != 1:
            return metrics, frozenset()
        used = fits[0][1] | {w for w in words if self.aliases.get(w) in fits[0][1]}
        return (fits[0][0],), frozenset(used)

    def variant(self, name: str, aggregate: str) -> str:
        """The sibling of metric `name` that differs by the aggregate word, else `name`.

        `first_response_time` ("First response time (median)") and `first_response_time_avg`
        ("First response time (average)") are siblings: asked for the mean, use the latter.
        """
        metric = self.model.metric(name)
        if metric is None:
            return name
        own = {w for w in text_words(metric.label) if _AGGREGATE_WORDS.get(w) is None}
        for other in self.model.metrics:
            words = text_words(other.label)
            kinds = {_AGGREGATE_WORDS[w] for w in words if w in _AGGREGATE_WORDS}
            rest = {w for w in words if w not in _AGGREGATE_WORDS}
            if other.name != name and kinds == {aggregate} and rest == own:
                return other.name
        return name

    def _center(self, name: str) -> str | None:
        """'mean' or 'median' for a metric that is one (its label says so, or it averages,
        takes a median, or is a ratio of sums: a weighted mean), else None."""
        metric = self.model.metric(name)
        if metric is None:
            return None
        said = {_AGGREGATE_WORDS.get(w) for w in text_words(f"{metric.label} {metric.name}")}
        if "median" in said:
            return "median"
        if "average" in said:
            return "mean"
        found = self.model.measure(metric.measure or "")
        aggregation = found[1].aggregation if found else None
        if aggregation == "median":
            return "median"
        return "mean" if metric.type == "ratio" or aggregation == "avg" else None

    def unmet(self, rest: str, metrics: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
        """An 'average', 'rate' or '%' the matched metrics do not carry: the question to ask
        back and the metrics to offer, or None."""
        words = {singular(w) for w in text_words(rest)} | ({"%"} if "%" in rest else set())
        wants_average = bool(words & {"average", "mean", "avg", "median"})
        wants_rate = bool(words & _RATES)
        if not metrics or not (wants_average or wants_rate):
            return None
        chosen = [m for m in (self.model.metric(name) for name in metrics) if m is not None]
        formats = {m.format for m in chosen}
        centers = {m.name: self._center(m.name) for m in chosen}
        averages = {name for name, center in centers.items() if center is not None}
        asked = "median" if aggregate_word(rest) == "median" else "mean"
        other = [m for m in chosen if centers[m.name] not in (None, asked)]
        if wants_average and other:  # "the mean resolution time" of a median
            labels = ", ".join(m.label for m in other)
            return (
                f"You asked for the {asked}, but {labels} is a "
                f"{'median' if asked == 'mean' else 'mean'}. Which did you mean?",
                tuple(m.name for m in other),
            )
        if (wants_rate and "percent" in formats) or (wants_average and averages):
            return None
        if wants_rate and not wants_average and averages:
            return None
        kind = "an average" if wants_average else "a rate or share"
        options = [
            m.name
            for m in self.model.metrics
            if (m.format == "percent") == (not wants_average) and m.type == "ratio"
        ][:3]
        return (
            f"You asked for {kind}, but {', '.join(metrics)} is not one. Which metric did you "
            "mean?",
            tuple(options),
        )
