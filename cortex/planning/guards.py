"""Parts of a question no semantic query honours, whichever planner read it.

A planner turns a question into metrics, dimensions, filters and a period. Two kinds of
request fall outside that shape, and answering them with the query's number would state
something the question did not ask:

- **a cause**: "why did ticket volume go up last month?", "what drove the drop in CSAT?".
  The total for last month is not a reason. When the question names one metric and a period
  (`change_to_explain`), the agent answers with the change's drivers (`cortex.signals`); a bare
  "why?" after an answer explains that answer's change (`bare_cause`). Otherwise ("why do
  customers churn?": no period, so no change to split) Cortex asks back, offering what it can
  show: the same metric against the period before, and broken down.
- **an inline definition**: "net bookings, meaning won amounts minus churned ARR". Cortex
  computes governed metrics only; a definition given in the question may differ from every
  one of them, so Cortex says so and names the closest governed metrics.

Both are read from general English: question words and verbs of causing, and the phrases
that introduce a definition. Nothing here names a metric: the suggestions come from the
planned query and the loaded model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery

__all__ = [
    "Unhonoured",
    "bare_cause",
    "cause_asked",
    "change_to_explain",
    "definition_given",
    "plain_request",
    "refers_back",
    "unhonoured",
]

#: Asking for a cause: "why", "how come", "what caused / drove / explains / is behind",
#: "the reason(s) for", "explain", "where is it coming from".
_CAUSE: Final = re.compile(
    r"\bwhy\b|\bhow come\b|\bexplain(s|ed|ing)?\b"
    r"|\bwhat(?:'s| is| was| has| have)?\s+(caused|causes|causing|drove|drives|driving|driven"
    r"|explains|is behind|was behind|behind|led to|leads to|made)\b"
    r"|\b(reasons?|causes?|drivers?|root cause)\s+(for|of|behind)\b"
    r"|\bwhere\b[^?.!]*\bcom(?:e|es|ing)\s+from\b|\bwhere from\b",
    re.IGNORECASE,
)
#: Introducing a definition of one's own: "X, meaning …", "X (defined as …)", "X, i.e. …",
#: "X as in …", "X, which for me is …", "X = …".
_DEFINITION: Final = re.compile(
    r"[,(:\-–—]?\s*\b(meaning|defined as|calculated as|computed as|measured as|which means"
    r"|by which (?:i|we) mean|(?:which|that) for (?:me|us) (?:is|are|means)|as in|i mean"
    r"|we mean|i\.e\.?|ie)(?=[\s,:])|\s+=\s+",
    re.IGNORECASE,
)

#: Words before a term that are not part of it: "what's our churn" defines "churn".
_LEAD: Final = re.compile(
    r"^(what(?:'s| is| was| are| were)?|how (?:much|many)|show( me)?|give me|our|the|my)\s+",
    re.IGNORECASE,
)


def _blank_cause(match: re.Match[str]) -> str:
    """The words of a cause blanked; of "where … coming from" only those, not what stands
    between ("where do most tickets come from" keeps "do most tickets")."""
    found = match.group()
    if not found.lower().startswith("where") or found.lower() == "where from":
        return " " * len(found)
    head = re.match(r"where(?:'s| is| are| was| were| does| do| did)?", found, re.IGNORECASE)
    tail = re.search(r"com(?:e|es|ing)\s+from$", found, re.IGNORECASE)
    start = head.end() if head else 0
    end = tail.start() if tail else len(found)
    return " " * start + found[start:end] + " " * (len(found) - end)


def plain_request(question: str) -> str:
    """`question` without its cause words and its definition clause: what is left is what a
    planner can read ("why did X go up last month" -> " did X go up last month")."""
    text = _CAUSE.sub(_blank_cause, question)
    match = _DEFINITION.search(text) if definition_given(text) is not None else None
    if match is not None:
        rest = text[match.end() :]
        clause = re.match(r"[^,.;?!()]*[,.;?!()]?", rest.lstrip(" ,:"))
        end = match.end() + (len(rest) - len(rest.lstrip(" ,:"))) + (clause.end() if clause else 0)
        text = text[: match.start()] + " " * (end - match.start()) + text[end:]
    return text


#: Pronouns that stand for things said before: "now rank them by revenue", "how did they do".
_BACK: Final = re.compile(r"\b(them|they|these|those)\b", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """Whether `question` speaks of things an earlier turn named ("rank them by revenue")."""
    return _BACK.search(question) is not None


def cause_asked(question: str) -> bool:
    """Whether `question` asks why something happened."""
    return _CAUSE.search(question) is not None


#: What a bare "why?" may hold besides its cause words: pronouns and verbs of moving.
_BARE: Final = re.compile(
    r"(?:\s|[?!.,]|\b(?:is|was|did|does|do|has|it|that|this|so|then|the|change|changed|go|went"
    r"|gone|move|moved|up|down|happen|happened|rise|rose|fall|fell|drop|dropped)\b)*",
    re.IGNORECASE,
)


def bare_cause(question: str) -> bool:
    """Whether `question` asks why and names nothing of its own ("why?", "how come?", "why
    did it go up?"): a follow-up about the answer before it."""
    return cause_asked(question) and _BARE.fullmatch(plain_request(question)) is not None


def change_to_explain(query: SemanticQuery) -> bool:
    """Whether `query` has a change a cause can be asked of: one metric over a period, not a
    ranking ("which channel drove the most tickets" orders values; it asks no cause)."""
    return (
        len(query.metrics) == 1
        and query.time_range is not None
        and not query.order_by
        and query.limit is None
    )


def definition_given(question: str) -> tuple[str, str] | None:
    """(the term, the definition) when `question` defines a term of its own, else None:
    "net bookings, meaning won amounts minus churned ARR" gives ("net bookings", "won
    amounts minus churned ARR")."""
    match = _DEFINITION.search(question)
    if match is None:
        return None
    before = re.split(r"[,.;:?!()]", question[: match.start()])[-1]
    after = re.split(r"[,.;?!()]", question[match.end() :].lstrip(" ,:"))[0]
    term = before.strip()
    while _LEAD.match(term):
        term = _LEAD.sub("", term, count=1)
    if not term or not after.strip():  # "I mean ARR by segment": a correction, no definition
        return None
    return term, after.strip()


@dataclass(frozen=True)
class Unhonoured:
    """A question back for a part of the question the planned query would not honour."""

    question: str
    suggestions: tuple[str, ...]


def _labels(query: SemanticQuery, model: SemanticModel) -> str:
    labels = [m.label if (m := model.metric(name)) else name for name in query.metrics]
    return " and ".join(labels)


def unhonoured(
    question: str,
    query: SemanticQuery | None,
    model: SemanticModel,
    offers: tuple[str, ...] = (),
) -> Unhonoured | None:
    """A question back when `question` asks for a cause or defines its own term, which
    `query` (what a planner made of it, None when nothing) cannot honour; `offers` are
    questions Cortex can answer instead, worded so that they plan back to a query."""
    definition = definition_given(question)
    if definition is not None:
        term, meaning = definition
        closest = f"The closest I have: {_labels(query, model)}. " if query is not None else ""
        return Unhonoured(
            f"You defined '{term}' yourself ({meaning}). I only compute governed metrics, "
            f"so I won't answer with one that may mean something else. {closest}Which "
            "governed metric did you mean? If you need your definition, ask the metric's "
            "owner to add it to the governed metrics.",
            (*offers, *(query.metrics if query is not None else ()))[:3],
        )
    if query is None:
        return None
    named = _labels(query, model)
    if cause_asked(question):
        return Unhonoured(
            f"I can't tell why yet: I can show how {named} changed and where, not its "
            "causes. Would one of these help?",
            offers[:3],
        )
    return None
