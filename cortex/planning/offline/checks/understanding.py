"""Which words of a question the planner did not understand, and which requests are not about data.

The offline planner reads a question by matching: metric and dimension names and synonyms,
dimension values, and the time, grain, ranking and comparison phrases of `phrasing`.
Whatever it does not match it would ignore, and ignoring a word can change the answer:
"tickets that breached the SLA" are not all tickets, "Shopify merchants using the returns
portal" are not all Shopify merchants. So after planning, `unexplained_words` collects the
words nothing explains, and if there are any the planner asks back instead of answering,
naming the words and the query it would run without them (`phrase_query` words that query as
a question the planner reads back to it).

A word is explained when the planner read it (a metric, dimension, value or phrase), when it is
a word of the catalog's vocabulary (any word of a metric or dimension name, label or synonym,
of a value synonym or a named filter, compared as stems (`cortex.knowledge.words`) so that
"resolve" meets "resolved tickets"), or when it is filler. Three things are never explained by
the vocabulary alone: a number no phrase read ("deals over 50k"), a dimension value no filter
applies ("the bot" asked of merchants) and a word of a breakdown no dimension took ("tickets
per agent").

`FILLER_WORDS` are the words questions are built from that carry no meaning of their own for a
metric query, in families: question and auxiliary words ("how", "did"), pronouns and
determiners ("our", "me"), prepositions and conjunctions, politeness, chat and hedges ("pls",
"thanks", "quick"), request verbs and what is requested ("show", "give", "split", "break
down", "overview"), light verbs a metric is asked with ("bring in", "come in", "sign", "send",
"generate", and those that record an event: "raised", "logged", "filed"), shape and quantity
words ("number", "total", "overall"), ranking and comparison words ("most", "highest",
"better") and relative time words the phrasing reader leaves ("now", "right now", "so far",
"end", "trending"). It holds no noun naming a business thing: "NPS", "SLA", "reasons",
"refunds", "orders" are never filler.

`non_data_request(question)` recognises requests that are not questions about business data,
in a small documented tuple (`NON_DATA_REQUESTS`): asking Cortex to write something (a reply,
an email, a poem), to do a task (reset a password, book a room), about meetings, calendars and
office logistics ("what time is the all-hands"), and small talk. The planner declines them
only when the question names no metric: a question naming a catalog metric is never declined.

`about_the_world(question, known)` recognises the rest by meaning rather than by keyword: a
question that names nothing of the catalog (no name or value of it, and at most a minority of
its words are words of the catalog: "won" in "who won the football" is only one), does not speak of
the company ("we", "our"), asks for no quantity ("rate", "average", "revenue") and is written
in plain English words only (an acronym or jargon, "NPS", may be a metric the catalog lacks)
is about the world, not the business: "who won the match yesterday", "what's the price of
gold today".
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Final

from cortex.knowledge.words import WORD, stem
from cortex.planning.offline.reading.spelling import is_english

__all__ = [
    "FILLER_STEMS",
    "FILLER_WORDS",
    "FUNCTION_WORDS",
    "NON_DATA_REQUESTS",
    "NonDataRequest",
    "Token",
    "about_the_world",
    "non_data_request",
    "quote_words",
    "tokens",
    "unexplained_words",
]

# fmt: off
#: The words a sentence is built with rather than about: question and auxiliary words,
#: pronouns and determiners, prepositions and conjunctions. A noun phrase ends at one.
FUNCTION_WORDS: Final = frozenset({
    # question and auxiliary words
    "what", "what's", "whats", "which", "who", "who's", "whom", "whose", "when", "where",
    "why", "how", "how's", "hows", "is", "isn't", "are", "aren't", "was", "wasn't", "were",
    "be", "been", "being", "am", "do", "does", "did", "didn't", "doing", "done", "have", "has",
    "had", "having", "can", "could", "would", "should", "will", "shall", "might", "must",
    "may", "i'd", "i'm", "we're", "we've", "it's", "that's", "there's", "let's", "s",
    # pronouns and determiners
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "they", "them",
    "their", "theirs", "it", "its", "this", "that", "these", "those", "there", "here", "a",
    "an", "the", "some", "any", "all", "each", "every", "both", "either", "one", "ones",
    "other", "others", "same", "own", "such", "whole", "entire", "anything", "something",
    "thing", "things", "stuff",
    # prepositions, conjunctions and adverbs of place
    "of", "in", "on", "at", "by", "for", "from", "to", "into", "onto", "with", "within",
    "about", "across", "over", "under", "per", "via", "through", "between", "among",
    "during", "since", "until", "till", "after", "before", "vs", "versus", "against", "than",
    "and", "or", "but", "nor", "so", "as", "if", "then", "also", "plus", "only", "just", "too",
    "else", "instead", "like", "out", "up", "off", "around", "broken", "down", "apart", "back",
    # words that say "of" between two things (the compiler joins them along the relationships)
    "belonging", "belongs", "belong", "associated", "related", "linked", "attached",
})
FILLER_WORDS: Final = FUNCTION_WORDS | frozenset({
    # politeness, chat and hedges
    "please", "pls", "plz", "thanks", "thank", "thx", "hey", "hi", "hello", "ok", "okay",
    "cortex", "q", "question", "btw", "fyi", "guys", "team", "folks", "anyone", "quick",
    "kindly", "again", "exactly", "roughly", "approximately", "really", "actually",
    "still", "even", "yet", "ever", "already", "very", "pretty", "quite", "much", "many",
    "lot", "lots", "bit", "curious", "wondering", "anyway",
    # request verbs and what is requested
    "show", "shows", "showing", "give", "gives", "giving", "get", "gets", "getting", "got",
    "tell", "let", "see", "saw", "seen", "look", "looks", "looking", "looked", "find", "list",
    "pull", "need", "want", "know", "check", "compare", "compared", "comparing", "comparison",
    "break", "split", "splitting", "broke", "chart", "plot", "graph", "display", "report",
    "summary", "overview", "update", "status", "snapshot", "picture", "view", "table",
    "matrix", "grid", "pivot",
    # light verbs a metric is asked with
    "bring", "brings", "bringing", "brought", "come", "comes", "coming", "came", "go", "goes",
    "going", "went", "make", "makes", "making", "made", "take", "takes", "took", "taken",
    "set", "sign", "signs", "signed", "signing", "send", "sends", "sent", "receive", "receives",
    "received", "keep", "kept", "hit", "hits", "land", "landed", "stand", "stands",
    "standing", "stood", "sit", "sits", "sitting", "sat", "happen", "happened", "turned",
    "switched", "currently", "run", "running", "use", "uses", "used", "using",
    "track", "tracking", "pacing", "perform", "performing", "performed", "stack",
    "generate", "generates", "generated", "generating", "produce", "produced", "record",
    "recorded", "raise", "raised", "log", "logged", "create", "created", "submit", "submitted",
    "file", "filed", "lodge", "lodged",
    # shape and quantity words
    "number", "numbers", "count", "counts", "total", "totals", "overall", "sum", "figure",
    "figures", "stats", "statistics", "breakdown", "level", "levels", "amount", "value",
    "values", "metric", "metrics", "kpi", "kpis", "data", "result", "results",
    "respectively", "combined", "altogether", "side",
    # ranking and comparison words
    "most", "least", "more", "less", "fewer", "top", "bottom", "best", "worst", "highest",
    "lowest", "biggest", "largest", "smallest", "high", "low", "big", "small", "better",
    "worse", "greater", "higher", "lower", "bigger", "smaller", "rank", "ranked", "ranking",
    "sorted", "sort", "leading",
    # relative time words the phrasing reader leaves, and words of change
    "now", "right", "current", "today", "far", "ago", "latest", "recent", "recently",
    "lately", "end", "ending", "ended", "time", "moment", "date", "dates", "trend", "trends",
    "trended", "trending", "change", "changed", "changes", "changing", "move", "moved",
    "moving", "evolve", "evolved", "grow", "grew", "growing", "rise", "rose", "risen",
    "rising", "fall", "fell", "fallen", "falling", "drop", "dropped", "dropping", "jump",
    "jumped", "spike", "spiked", "dip", "dipped", "increase", "increased", "decrease",
    "decreased", "decline", "declined", "surge", "surged", "swing",
})
# fmt: on

_NUMBER: Final = re.compile(r"^[$]?\d[\d,.]*(%|k|m|st|nd|rd|th|s)?$")


#: The stems of the filler words ("gave" is filler as "give" is).
FILLER_STEMS: Final = frozenset(stem(word) for word in FILLER_WORDS)


@dataclass(frozen=True)
class Token:
    """A word of a question, where it stands, whether the planner read it, and whether it
    was read as a name or phrase (`head`) rather than as a dimension value."""

    word: str
    start: int
    end: int
    read: bool
    head: bool = False


def tokens(
    question: str, read: Sequence[tuple[int, int]], heads: Sequence[tuple[int, int]] = ()
) -> list[Token]:
    """The words of `question` (`cortex.knowledge.words`), marked read when a span of `read`
    covers them, and head when one of `heads` does."""

    def within(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in spans)

    return [
        Token(m.group(), m.start(), m.end(), within(read, *m.span()), within(heads, *m.span()))
        for m in WORD.finditer(_lowered(question))
    ]


def _lowered(text: str) -> str:
    """`text` in lower case with straight apostrophes, each character where it was."""
    lowered = text.lower().replace("’", "'")
    return lowered if len(lowered) == len(text) else "".join(c.lower()[:1] for c in text)


def _is_filler(word: str) -> bool:
    if word in FILLER_WORDS or stem(word) in FILLER_STEMS:
        return True
    return len(word) < 2 or (word.endswith("'s") and word[:-2] in FILLER_WORDS)


def unexplained_words(
    question: str,
    read: Sequence[tuple[int, int]],
    known: Container[str],
    values: Container[str] = (),
) -> tuple[str, ...]:
    """The significant words of `question` that nothing explains, as written, in order, once.

    `read` are the character spans the planner used (metrics, dimensions, values, phrases);
    `known` the catalog's vocabulary and `values` the words of dimension values found, both as
    stems. A word outside `read` is unexplained when it is not filler and not known; a
    number nothing read is unexplained ("deals over 50k"). The words that shape a question
    (a breakdown, a ranking, a comparison) are checked against the planned query by
    `structure`."""
    words = tokens(question, read)
    found: dict[str, None] = {}
    for token in words:
        if token.read or _is_filler(token.word):
            continue
        if _NUMBER.match(token.word) or stem(token.word) not in known:
            found[token.word] = None
    written = {t.word: question[t.start : t.end] for t in reversed(words)}
    return tuple(written[w] for w in dict.fromkeys(t.word for t in words) if w in found)


def quote_words(words: tuple[str, ...]) -> str:
    """'NPS', 'reasons' or 'SLA': the words as a reader sees them listed, each once."""
    quoted = [f"'{word}'" for word in dict.fromkeys(words)]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


@dataclass(frozen=True)
class NonDataRequest:
    """A kind of request that is not a question about the business's data."""

    name: str
    description: str
    pattern: re.Pattern[str]


#: What may come before an imperative: "hey Cortex, could you please ...".
_POLITE: Final = (
    r"^\s*(hey |hi |ok |okay )?(cortex,? )?(can you |could you |would you |will you |pls |"
    r"please |kindly |i need you to |i want you to |help me |quickly )*"
)

#: The kinds of non-data request, checked in order; the planner declines a match only when the
#: question names no metric.
NON_DATA_REQUESTS: Final = (
    NonDataRequest(
        "writing",
        "Asking Cortex to write, draft, translate or rewrite a text (a reply, an email, a poem).",
        re.compile(
            _POLITE + r"(write|draft|compose|rewrite|rephrase|reword|proofread|translate|"
            r"summari[sz]e|respond to|reply to)\b"
            r"|\b(poem|haiku|limerick|joke|song|story|essay|cover letter|tweet)\b"
        ),
    ),
    NonDataRequest(
        "task",
        "Asking Cortex to do an IT, helpdesk or calendar task (reset a password, book a room).",
        re.compile(
            r"\b(reset|unlock|change|recover|renew|install|reinstall|set up|configure|fix|"
            r"update|grant|give me)\b.*\b(password|passcode|pin|login|log-in|vpn|wi-?fi|printer|"
            r"laptop|2fa|mfa|sso|licen[cs]e|permissions?)\b"
            + "|"
            + _POLITE
            + r"(book|schedule|reschedule|cancel|remind me|set a reminder|order)\b"
        ),
    ),
    NonDataRequest(
        "logistics",
        "Asking about meetings, the calendar or office logistics (the all-hands, a party).",
        re.compile(
            r"\b(all[- ]hands|town ?hall|stand-?up|off-?site|meetings?|calendar|agenda|invite|"
            r"party|lunch|dinner|pto|vacation|day off|parking|office|meeting room|dress code|"
            r"birthday|payday|holiday party|kick-?off|webinar|conference room)\b"
            r"|^\s*(what time|where) (is|are|was|will|do|does)\b"
            r"|^\s*when (is|are|will|does|do) (the|our|my|next|we)\b"
        ),
    ),
    NonDataRequest(
        "chat",
        "Small talk and general knowledge (the weather, a recipe, who Cortex is).",
        re.compile(
            r"\b(weather|recipe|hello|hi there|who are you|what are you|how are you|"
            r"meaning of life|capital of)\b"
        ),
    ),
)


def non_data_request(question: str) -> tuple[NonDataRequest, tuple[int, int]] | None:
    """The kind of non-data request `question` is and the span of the words that say so
    ("book" in "can you book a room"), or None when it may be about data."""
    text = _lowered(question)
    for kind in NON_DATA_REQUESTS:
        if match := kind.pattern.search(text):
            return kind, match.span()
    return None


#: Words by which a question speaks of the company itself.
_COMPANY: Final = frozenset({"we", "us", "our", "ours", "we're", "we've", "we'd", "ourselves"})
#: Words that ask for a quantity of some kind: a question with one is about data, even when
#: the catalog lacks it ("what is the bounce rate?").
#: Words that say an amount is money: explained by a metric counted in a currency ("AR
#: balance", "fuel surcharge income"), and what the rows of a count add up to ("revenue from
#: shipments", "the value of claims").
MONEY_WORDS: Final = frozenset({
    "revenue", "revenues", "income", "earnings", "takings", "value", "worth", "balance",
    "balances", "money", "cash", "dollars", "pounds", "euros",
})  # fmt: skip
QUANTITY_WORDS: Final = frozenset({
    "rate", "rates", "ratio", "score", "scores", "average", "avg", "mean", "median", "total",
    "totals", "number", "numbers", "count", "counts", "amount", "percentage", "percent", "share",
    "volume", "volumes", "revenue", "revenues", "cost", "costs", "spend", "margin", "margins",
    "growth", "kpi", "kpis", "metric", "metrics", "figure", "figures", "stats", "data", "%",
})  # fmt: skip


def about_the_world(question: str, known: Container[str]) -> bool:
    """Whether `question` is about the world rather than the business (see the module's
    docstring); `known` are the stems of the catalog's words."""
    words = [w for w in WORD.findall(_lowered(question)) if not _NUMBER.match(w)]
    if any(w in _COMPANY or w in QUANTITY_WORDS for w in words):
        return False
    content = [w for w in words if not _is_filler(w)]
    named = [w for w in content if stem(w) in known]
    if not content or len(named) * 2 >= len(content):  # mostly the catalog's words
        return False
    return all(w.isalpha() and is_english(w) for w in content)
