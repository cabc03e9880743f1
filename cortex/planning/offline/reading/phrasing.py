"""How a question says *when*, *how often*, *how many* and *against what*.

`read_phrasing(question, as_of)` finds the time range ("last quarter", "in Q3 2026", "since
March"), the grain ("by month", "weekly", "over time"), a top or bottom N ("top 5", "worst
three") and a comparison ("vs last year", "how did it change") in a question, deterministically,
and says which characters it used so that the planner does not read them again as metric or
dimension names. Ranges come out as the semantic layer's own time-range words, which
`semantic_layer.time.resolve_time_range` turns into days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from cortex.planning.offline.reading.named_days import NAMED_DAY, named_day
from semantic_layer.errors import QueryError
from semantic_layer.model import Comparison, Grain
from semantic_layer.query import MAX_LIMIT
from semantic_layer.time import resolve_time_range, shift, truncate

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
}
_NUMBER = r"(\d+|" + "|".join(_NUMBERS) + r")"
#: Words for the high and the low end of a ranking. "Fastest" and "slowest" are judgements
#: like "best" and "worst" (which end is fastest depends on the metric: a time is fastest when
#: shortest); "longest" and "shortest" are sizes.
_HIGH_END = r"(top|best|biggest|largest|highest|most|longest|fastest|quickest)"
_LOW_END = r"(bottom|worst|smallest|lowest|least|fewest|shortest|slowest)"
_JUDGEMENTS: Final = frozenset({"best", "worst", "fastest", "quickest", "slowest"})
#: Words that may follow an order asked as "biggest first" ("biggest first by region").
_AFTER_FIRST = r"(by|in|and|then|please|for|over|this|last|of|on|from|per|across)"
#: A number that is a year ("the 2025 figures"), never a count of things.
_YEAR: Final = re.compile(r"(19|20)\d\d")
_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
_UNIT = r"(day|week|month|quarter|year)s?"
_GRAIN_WORDS: dict[str, Grain] = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "annually": "year",  # not "annual": annual recurring revenue is no grain
}
#: The words of time this reader knows: months, periods and their adjectives (for spelling).
TIME_WORDS = frozenset(
    [*_MONTHS, *_GRAIN_WORDS, "day", "week", "month", "quarter", "year", "today", "yesterday"]
)


#: What a comparison is made with: "vs", "compared with", "against", "relative to", "than".
_AGAINST = r"(vs\.?|versus|compared? (that |it |this |them )?(to|with)|against|relative to|than)"
#: "the same time / point / period / month", "this time": the same stretch of an earlier one.
_SAME = (
    r"(?P<same>(the )?same (time|point|period|stretch|day|date|days|week|month|quarter)"
    r"|this time|this point|that time)( of| in)?"
)
#: Words saying something is yet to happen, before its verb: "expected to close", "slated to
#: go live", "due to renew". What happens when is read from the verb and the period.
_YET_TO = (
    r"(expected|slated|scheduled|set|due|likely|projected|forecast|forecasted|planned|going|"
    r"supposed|meant)(?= to [a-z])"
)
#: Verbs of contributing before a ranking word: "which verticals drove the most expansion
#: ARR" ranks verticals by it (without "the most", "what drove ..." asks why: not read).
_CONTRIBUTED = (
    r"(drove|drive|drives|driven|driving|contributed|contribute|contributes|contributing|"
    r"accounted for|account for|accounts for)(?= (the )?(most|least|more|less|fewer|highest|"
    r"lowest|biggest|largest|smallest)\b)"
)
#: "at the close of", "by the end of" a named period: a value on its last day, as a snapshot
#: over the period is.
_PERIOD_END = rf"((at|by) )?the (end|close) of(?= (the )?(q[1-4]|{_MONTH}|20\d\d|this|last))"
#: Words of what is still to happen in the current period: "will renew this month", "due
#: this year" (a verb in -ing, "closing this quarter", is the planner's to read: "how is ARR
#: trending this quarter" speaks of no day to come).
_AHEAD = r"\b(will|due|expiring|upcoming|remaining|rest of)\b"
#: The days an earlier answer covered, named again: "over the same period", "for the same two
#: quarters", "in the same months" (never "the same period last year": a comparison).
_SAME_AGAIN = (
    rf"((over|for|in|across|during|on) )?the same ({_NUMBER} )?"
    r"(period|periods|time|dates|days|weeks|months|quarters|years|timeframe|window)"
    r"(?! (last|a|one|the previous|previous|prior|of))"
)
_YEAR_BACK = (
    r"(last year|a year ago|one year ago|a year earlier|the year before|(the )?(previous|prior) "
    r"year)"
)
#: Compared with a year before: "year over year", "vs last year", "against the same period last
#: year", "compared with this time last year", "vs a year ago".
_YEAR_COMPARISON = (
    rf"(year over year|year on year|yoy|y/y|{_AGAINST} (the )?({_SAME} )?{_YEAR_BACK})"
)
#: Compared with the period before: "vs last quarter", "vs the same point last month", "month
#: over month", "compared with the quarter before".
_PERIOD_COMPARISON = (
    rf"({_AGAINST} (the )?({_SAME} )?((the )?(last|previous|prior) "
    r"(?P<unit>day|week|month|quarter|period)|a (?P<ago>day|week|month|quarter) (ago|earlier))"
    r"|month over month|month on month|mom|quarter over quarter|quarter on quarter|qoq|"
    r"week over week|week on week|wow|period over period|"
    r"(compared? (to|with)|vs\.?|versus|than) (the )?(day|week|month|quarter) before)"
)


#: A comparison with a period named outright: "compared with September", "vs Q2", "than 2025".
_AGAINST_NAMED = (
    rf"{_AGAINST} (the )?((end|close) of (the )?)?(month of |quarter of |year )?(in |of )?"
    r"(?P<period>"
    rf"{_MONTH}( \d{{4}})?|q[1-4]( \d{{4}})?|\d{{4}}-?q[1-4]|20\d\d)"
)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


@dataclass(frozen=True)
class Phrasing:
    """What a question says about time, grain, ranking and comparison."""

    time_range: str | None = None
    grain: Grain | None = None
    top: int | None = None
    descending: bool = True
    compare: Comparison | None = None
    spans: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    #: the comparison is with the period before (or a year before) the `earlier` range a
    #: follow-up builds on: "and against June?" after July
    against_earlier: bool = False
    #: the ranking is said as a judgement ("the 3 worst", "best"), not as a size: which end
    #: is worst depends on the metric (a time is worst when longest)
    judged: bool = False
    #: the rows are asked in order, all of them: "worst first", "from highest to lowest"
    ordered: bool = False
    #: the question speaks of what is still to happen ("expected to close", "will renew")
    ahead: bool = False
    #: where a ranking is asked with no count ("which channel has the lowest CSAT", "top
    #: verticals by ARR"): read only once the planner groups the answer by something to rank,
    #: so that a ranking with nothing to rank ("when was it highest") stays unplaced and is
    #: asked about; `descending` and `judged` say which end it asks for
    ranking: tuple[int, int] | None = field(default=None, repr=False)

    def ranked(self) -> Phrasing:
        """This phrasing with its count-less ranking applied: every row, in the asked order."""
        if self.ranking is None:
            return self
        return replace(self, ordered=True, spans=tuple(sorted((*self.spans, self.ranking))))

    def remainder(self, question: str) -> str:
        """The question with the phrases read here blanked out."""
        chars = list(question)
        for start, end in self.spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars)


class _Reader:
    def __init__(self, question: str, as_of: date, fiscal_start: int = 1) -> None:
        self.text = question.lower()
        self.as_of = as_of
        self.fiscal_start = fiscal_start
        self.spans: list[tuple[int, int]] = []
        #: read but not understood: "compared with June" of October stays unplaced
        self.blocked: list[tuple[int, int]] = []
        self.implied_grain: Grain | None = None
        self.implied_range: str | None = None
        #: the unit a "vs last week" comparison names, and where it stands
        self.compared: tuple[Grain, tuple[int, int]] | None = None

    def find(self, pattern: str) -> re.Match[str] | None:
        """The first match of `pattern` (whole words) not overlapping what was read already."""
        for match in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", self.text):
            taken = (*self.spans, *self.blocked)
            if not any(match.start() < end and start < match.end() for start, end in taken):
                return match
        return None

    def take(self, match: re.Match[str]) -> None:
        self.spans.append((match.start(), match.end()))

    # -- comparison first: "vs last quarter" must not be read as the range

    def comparison(self) -> Comparison | None:
        """The comparison asked for; "month over month" also sets the grain to month, and "vs
        the same point last month" with no range of its own compares this month so far."""
        if match := self.find(_YEAR_COMPARISON):
            self.take(match)
            return "previous_year"
        if match := self.find(_PERIOD_COMPARISON):
            self.take(match)
            over = re.match(r"(week|month|quarter) (over|on)", match.group(0))
            abbreviation = {"wow": "week", "mom": "month", "qoq": "quarter"}.get(match.group(0))
            unit = over.group(1) if over else abbreviation
            if unit is not None:
                self.implied_grain = _Reader._grain(unit)
            back = match.group("unit") or match.group("ago")
            if match.group("same") and back in ("week", "month", "quarter"):
                self.implied_range = f"this {back}"
            if back in ("day", "week", "month", "quarter"):
                self.compared = (_Reader._grain(back), match.span())
            return "previous_period"
        if match := self.find(r"(change[ds]?|move[ds]?|trend(ed|ing)?|grow(n|th)?|evolve[ds]?)"):
            # "how did X change this quarter": compared with the period before
            return "previous_period" if self.find(r"how (did|has|have|is|are)") else None
        return None

    def matches_unit(self, time_range: str | None) -> bool:
        """Whether the period a "vs last <unit>" comparison names is the one before the range
        ("this month vs last month"); if not ("yesterday vs the same day last week"), the
        comparison is left unread, so that the planner asks about it."""
        if self.compared is None or time_range is None:
            return True
        unit, span = self.compared
        try:
            resolved = resolve_time_range(time_range, self.as_of)
        except QueryError:
            return True
        if resolved is None or resolved.unit in (None, unit):
            return True
        self.spans.remove(span)
        return False

    # -- time range

    def time_range(self) -> str | None:
        readers = (
            self._named_days,
            self._fiscal_year,
            self._from_start,
            self._same_time,
            self._half,
            self._to_date,
            self._last_n,
            self._of_a_year,
            self._this_or_last,
            self._quarter,
            self._since,
            self._iso,
            self._month,
            self._year,
            self._today,
        )
        for read in readers:
            found = read()
            if found is not None:
                return found
        return None

    def before(self, earlier: str) -> str | None:
        """The period just before the `earlier` range a follow-up builds on: "the month
        before" is the last whole month before it starts (October after November, June after
        Q3, Q2 after September); "the period before" the same span, just before it."""
        match = self.find(
            r"(the )?(?P<unit>day|week|month|quarter|period) (before|earlier|prior)( that| it)?"
        )
        if match is None:
            return None
        try:
            shown = resolve_time_range(earlier, self.as_of)
        except QueryError:
            return None
        if shown is None:
            return None
        word = match.group("unit")
        if word == "period":
            start = shown.start - (shown.end - shown.start)
            end = shown.start
        else:
            grain = _Reader._grain(word)
            end = truncate(shown.start, grain)  # the last whole one, ending before it starts
            start = shift(end, grain, -1)
        self.take(match)
        return f"{start.isoformat()}..{(end - timedelta(days=1)).isoformat()}"

    def _same_time(self) -> str | None:
        """ "this time last year", "the same month last year", "the same point a month ago":
        the day (or week, month, quarter) one unit before the as-of day's."""
        match = self.find(
            r"((at|on|in|for|during) )?(the )?(same|this|that) (?P<what>time|point|day|date|week|"
            r"month|quarter)( of| in)? ((last|previous|prior|the previous|the prior) "
            r"(?P<unit>week|month|quarter|year)|(a|one) (?P<ago>week|month|quarter|year) "
            r"(ago|earlier|before))"
        )
        if match is None:
            return None
        self.take(match)
        unit = _Reader._grain(match.group("unit") or match.group("ago"))
        day = shift(self.as_of, unit, -1)
        what = match.group("what")
        if what == "week":
            start = truncate(day, "week")
            return f"{start.isoformat()}..{(start + timedelta(days=6)).isoformat()}"
        if what == "month":
            return f"{day.year}-{day.month:02d}"
        if what == "quarter":
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        return day.isoformat()

    def _iso(self) -> str | None:
        """A day, a range of days or a month written as the semantic layer writes them:
        "on 2026-10-24", "2026-01-01..2026-03-31", "in 2026-03"."""
        day = r"\d{4}-\d{2}-\d{2}"
        match = self.find(rf"((on|in|for|during) )?({day}\.\.{day}|{day}|\d{{4}}-(0[1-9]|1[0-2]))")
        if match is None:
            return None
        self.take(match)
        return match.group(3)

    def _half(self) -> str | None:
        match = self.find(r"(in )?(the )?(first|second|1st|2nd) half( of)? (\d{4})|h([12]) (\d{4})")
        if match is None:
            return None
        self.take(match)
        first = match.group(3) in ("first", "1st") or match.group(6) == "1"
        year = int(match.group(5) or match.group(7))
        return f"{year}-01-01..{year}-06-30" if first else f"{year}-07-01..{year}-12-31"

    def _named_days(self) -> str | None:
        """ "on Black Friday", "between Black Friday and Cyber Monday last year", "over
        Christmas 2025": the days named, in the year said (else the latest that has begun)."""
        year_words = r"( (last year|this year|(in |of )?(?P<year>20\d\d)))?"
        match = self.find(
            rf"((on|over|during) )?((between|from) (?P<first>{NAMED_DAY}) (and|to|through) )?"
            rf"(?P<last>{NAMED_DAY}){year_words}"
        )
        if match is None:
            return None
        said = match.group(0)
        if match.group("year"):
            year = int(match.group("year"))
        elif "last year" in said:
            year = self.as_of.year - 1
        elif "this year" in said:
            year = self.as_of.year
        else:  # the latest one that has begun
            begun = named_day(match.group("first") or match.group("last"), self.as_of.year)
            year = self.as_of.year if begun <= self.as_of else self.as_of.year - 1
        last = named_day(match.group("last"), year)
        first = named_day(match.group("first"), year) if match.group("first") else last
        if last < first:  # "between Christmas and New Year's Day": into the next year
            last = named_day(match.group("last"), year + 1)
        self.take(match)
        return f"{first.isoformat()}..{last.isoformat()}"

    def _fiscal_year(self) -> str | None:
        """ "this financial year (so far)", "last fiscal year", "FYTD": the company's
        financial year, as the days it covers (this one up to the as-of day)."""
        match = self.find(
            r"(((in|during|for) )?(this|current|last|previous|the last) "
            r"(financial|fiscal|fin) year( so far| to date)?|"
            r"((in|during|for) )?(this|current|last|previous) fy( so far| to date)?|"
            r"fytd|(financial|fiscal) year to date|so far this (financial|fiscal) year)"
        )
        if match is None:
            return None
        self.take(match)
        month = self.fiscal_start
        year = self.as_of.year if self.as_of.month >= month else self.as_of.year - 1
        start = date(year, month, 1)
        if re.search(r"\b(last|previous)\b", match.group()):
            begun = date(year - 1, month, 1)
            return f"{begun.isoformat()}..{(start - timedelta(days=1)).isoformat()}"
        return f"{start.isoformat()}..{self.as_of.isoformat()}"

    def _to_date(self) -> str | None:
        words = {
            r"(ytd|year to date|this year so far|so far this year)": "ytd",
            r"(qtd|quarter to date|this quarter so far|so far this quarter)": "qtd",
            r"(mtd|month to date|this month so far|so far this month)": "mtd",
        }
        for pattern, value in words.items():
            if match := self.find(pattern):
                self.take(match)
                return value
        return None

    def _last_n(self) -> str | None:
        match = self.find(
            rf"((in|during|for) )?(the )?(last|past|previous|trailing) {_NUMBER} {_UNIT}"
        )
        if match is None:
            return None
        self.take(match)
        count = _number(match.group(5))
        return f"last {count} {match.group(6)}s"

    def _this_or_last(self) -> str | None:
        match = self.find(
            r"((in|during|for) )?(this|current|last|previous|past|the last) "
            r"(week|month|quarter|year)"
        )
        if match is None:
            return None
        self.take(match)
        which = "this" if match.group(3) in ("this", "current") else "last"
        return f"{which} {match.group(4)}"

    def _quarter(self) -> str | None:
        match = self.find(r"(in )?(q([1-4])( of)?[- ]?(\d{4})|(\d{4})[- ]?q([1-4])|q([1-4]))")
        if match is None:
            return None
        self.take(match)
        quarter = int(match.group(3) or match.group(7) or match.group(8))
        year_text = match.group(5) or match.group(6)
        year = int(year_text) if year_text else self.as_of.year
        if not year_text and date(year, 3 * quarter - 2, 1) > self.as_of:
            year -= 1  # "Q4" in March means last year's
        return f"{year}-Q{quarter}"

    def _of_a_year(self) -> str | None:
        """A quarter or month of the year before, this one or the next: "Q1 next year",
        "Q4 of last year", "March next year"."""
        match = self.find(
            rf"(in )?(q(?P<quarter>[1-4])|(?P<month>{_MONTH}))( of)? (?P<which>next|last|this) "
            r"year"
        )
        if match is None or (match.group("month") == "may" and not match.group(1)):
            return None  # "what may next year bring": a verb
        self.take(match)
        year = self.as_of.year + {"next": 1, "last": -1, "this": 0}[match.group("which")]
        if match.group("quarter"):
            return f"{year}-Q{match.group('quarter')}"
        return f"{year}-{_MONTHS[match.group('month')]:02d}"

    def _since(self) -> str | None:
        match = self.find(rf"since {_MONTH}( (\d{{4}}))?")
        if match is not None:
            self.take(match)
            month = _MONTHS[match.group(1)]
            year = int(match.group(3)) if match.group(3) else self.as_of.year
            if not match.group(3) and date(year, month, 1) > self.as_of:
                year -= 1
            return f"since {date(year, month, 1).isoformat()}"
        match = self.find(r"since (\d{4}-\d{2}-\d{2}|\d{4})")
        if match is not None:
            self.take(match)
            text = match.group(1)
            return f"since {text if '-' in text else f'{text}-01-01'}"
        return None

    def _from_start(self) -> str | None:
        """ "since the start of 2025", "from the beginning of the quarter", "since the start of
        last year", "since the beginning of March": since the first day of that period (read
        before "last year" or "Q3" alone would be)."""
        match = self.find(
            r"(since|from) (the )?(start|beginning) of (?P<period>(the |this |last |the last "
            rf"|(the )?previous )?(week|month|quarter|year)|{_MONTH}( \d{{4}})?|q[1-4]( \d{{4}})?"
            r"|\d{4})"
        )
        if match is None:
            return None
        words = match.group("period").split()
        if words[-1] in ("week", "month", "quarter", "year"):
            unit = _Reader._grain(words[-1])
            back = -1 if {"last", "previous"} & set(words) else 0
            start = shift(truncate(self.as_of, unit), unit, back)
        else:
            start = _named_start(words, self.as_of)
        self.take(match)
        return f"since {start.isoformat()}"

    def named_comparison(self, time_range: str | None, match: re.Match[str]) -> Comparison | None:
        """ "in October compared with September", "Q3 vs Q2", "2026 vs 2025": a comparison
        with a period named outright, read when it is the period before the asked one
        (previous_period) or the same period a year before (previous_year). Any other named
        period is left unread, so the planner asks about it rather than drop it."""
        asked = _named_period(time_range or "")
        if asked is None:
            return None
        unit, start = asked
        words = match.group("period").replace("-", " ").split()
        named = _named_period_words(words)
        if named is None or named[0] != unit:
            return None
        before, year_back = shift(start, unit, -1), shift(start, "year", -1)
        month, year = named[1], named[2]
        compared = {
            when
            for when in (before, year_back)
            if (year is None or when.year == year) and (month is None or when.month == month)
        }
        if not compared:
            return None
        self.take(match)
        return "previous_period" if before in compared else "previous_year"

    def _month(self) -> str | None:
        match = self.find(rf"(in )?{_MONTH}( (\d{{4}}))?")
        if match is None or (match.group(2) == "may" and not match.group(4) and not match.group(1)):
            return None  # "may" alone is a verb
        self.take(match)
        month = _MONTHS[match.group(2)]
        year = int(match.group(4)) if match.group(4) else self.as_of.year
        if not match.group(4) and date(year, month, 1) > self.as_of:
            year -= 1
        return f"{year}-{month:02d}"

    def _year(self) -> str | None:
        match = self.find(r"(in |during |for )?(20\d\d)")
        if match is None:
            return None
        self.take(match)
        return match.group(2)

    def _today(self) -> str | None:
        match = self.find(r"(today|yesterday)")
        if match is None:
            return None
        self.take(match)
        return match.group(1)

    # -- grain

    def grain(self) -> Grain | None:
        match = self.find(rf"((by|per|each|every) {_UNIT}|{_UNIT} (by|over|on) {_UNIT})")
        if match is not None:
            self.take(match)
            unit = match.group(3) or match.group(4)
            return self._grain(unit)
        match = self.find("(" + "|".join(_GRAIN_WORDS) + ")")
        if match is not None:
            self.take(match)
            return _GRAIN_WORDS[match.group(1)]
        match = self.find(r"(over time|trend(ed|ing|s)?|history|evolution)")
        if match is not None:
            self.take(match)
            return "month"
        return None

    @staticmethod
    def _grain(unit: str) -> Grain:
        grains: dict[str, Grain] = {
            "day": "day",
            "week": "week",
            "month": "month",
            "quarter": "quarter",
            "year": "year",
        }
        return grains[unit]

    # -- top / bottom N

    def top(self) -> tuple[int | None, bool]:
        high, low = _HIGH_END, _LOW_END
        for words, descending in ((high, True), (low, False)):
            if match := self.find(rf"{words} {_NUMBER}"):
                self.take(match)
                return _number(match.group(2)), descending
            if match := self.find(rf"{_NUMBER} {words}"):  # "our 10 biggest customers"
                self.take(match)
                return _number(match.group(1)), descending
        match = self.find(rf"which {_NUMBER}")
        if match is not None:
            self.take(match)
            # "which 3 verticals have the lowest CSAT": the low word may come later
            return _number(match.group(1)), self.find(low) is None
        # "the 2 verticals with the lowest CSAT", "what are our 3 ...": counted things, ranked
        match = self.find(rf"(the|our) {_NUMBER}(?! {_UNIT}\b)")
        ranked = self.find(f"{high}|{low}") is not None
        if match is not None and ranked and not _YEAR.fullmatch(match.group(2)):
            self.take(match)
            return _number(match.group(2)), self.find(low) is None
        return None, True

    def ranking(self) -> tuple[tuple[int, int], bool, bool] | None:
        """(span, highest first, said as a judgement) of a ranking word asked with no count:
        "the lowest CSAT", "top verticals", "the most tickets"; not "at least", "at most",
        "most recent" or "most of", which rank nothing."""
        for words, descending in ((_HIGH_END, True), (_LOW_END, False)):
            match = self.find(rf"(?<!at ){words}(?! (recent|recently|of)\b)")
            if match is not None:
                return match.span(1), descending, match.group(1) in _JUDGEMENTS
        return None

    def order(self) -> tuple[bool, bool, bool]:
        """(asked in order, highest first, said as a judgement) for every row in order:
        "worst first", "biggest first", "from highest to lowest", "in descending order"."""
        high, low = _HIGH_END, _LOW_END
        for words, descending in ((high, True), (low, False)):
            # "fastest first", but not "the fastest first response": a name goes on
            if match := self.find(rf"{words} (ones )?first(?! (?!{_AFTER_FIRST}\b)[a-z])"):
                self.take(match)
                return True, descending, match.group(1) in _JUDGEMENTS
            if match := self.find(
                rf"(from )?(the )?{words} to (the )?{high if not descending else low}"
            ):
                self.take(match)
                return True, descending, False
        if match := self.find(r"(in )?(descending|ascending) order|\b(descending|ascending)\b"):
            self.take(match)
            return True, "descending" in match.group(), False
        return False, True, False


def _named_start(words: list[str], as_of: date) -> date:
    """The first day of a month, quarter or year named in words ("march", "q3 2025", "2025");
    without a year, the latest one that has started by `as_of`."""
    named = _named_period_words(words)
    assert named is not None
    unit, month, year = named
    start = date(year or as_of.year, month or 1, 1)
    return start if year or start <= as_of else shift(start, "year", -1)


def _named_period_words(words: list[str]) -> tuple[Grain, int | None, int | None] | None:
    """(unit, first month, year or None) of "october", "sep 2026", "q3", "2025 q3", "2025"."""
    years = [int(w) for w in words if w.isdigit() and len(w) == 4]
    year = years[0] if years else None
    for word in words:
        if word in _MONTHS:
            return "month", _MONTHS[word], year
        if re.fullmatch(r"q[1-4]", word):
            return "quarter", 3 * int(word[1]) - 2, year
    return ("year", None, year) if year is not None else None


def _named_period(time_range: str) -> tuple[Grain, date] | None:
    """(unit, first day) of a time range naming one month, quarter or year."""
    if match := re.fullmatch(r"(\d{4})-(\d{2})", time_range):
        return "month", date(int(match.group(1)), int(match.group(2)), 1)
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", time_range):
        return "quarter", date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
    if re.fullmatch(r"\d{4}", time_range):
        return "year", date(int(time_range), 1, 1)
    return None


def whole_period(time_range: str, as_of: date) -> str | None:
    """ "this quarter" as all its days, those still to come too, as an explicit range."""
    match = re.fullmatch(r"this (week|month|quarter|year)", time_range)
    if match is None:
        return None
    unit: Grain = match.group(1)  # type: ignore[assignment]  # one of the four grains
    start = truncate(as_of, unit)
    last = shift(start, unit, 1) - timedelta(days=1)
    return f"{start.isoformat()}..{last.isoformat()}"


def read_phrasing(
    question: str, as_of: date, earlier: str | None = None, *, fiscal_start: int = 1
) -> Phrasing:
    """Time range, grain, top/bottom N and comparison, as the question words them.

    `earlier` is the range of the answer a follow-up may build on: "and against June?" after
    July compares July with the month before. A period named
    after "compared with" that neither this question's range nor `earlier` is the period
    after (or the year after) is left unread, never read as the range to show instead.
    `fiscal_start` is the month the financial year starts in (`fiscal_year_start_month`)."""
    reader = _Reader(question, as_of, fiscal_start)
    compare = reader.comparison()
    against = reader.find(_AGAINST_NAMED) if compare is None else None
    if against is not None:
        reader.blocked.append(against.span())  # the compared period is no range to show
    time_range = reader.time_range()
    against_earlier = False
    if against is not None and time_range is not None:
        compare = reader.named_comparison(time_range, against)
    elif against is not None and earlier is not None:
        compare = reader.named_comparison(earlier, against)
        against_earlier = compare is not None
    time_range = time_range or reader.implied_range
    if time_range is None and earlier is not None:  # "what about the month before?"
        time_range = reader.before(earlier)
    if time_range is None and earlier is not None and (same := reader.find(_SAME_AGAIN)):
        reader.take(same)  # "and margin over the same two quarters?": the earlier range
        time_range = earlier
    if compare == "previous_period" and not reader.matches_unit(time_range):
        compare = None  # "yesterday vs the same day last week": not the day before; ask
    grain = reader.grain() or reader.implied_grain
    top, descending = reader.top()
    if top is not None:  # "top 99999999999999999999999": all of them, as many as SQL can hold
        top = min(top, MAX_LIMIT)
    judged = top is not None and not _JUDGEMENTS.isdisjoint(re.findall(r"[a-z]+", question.lower()))
    ordered = False
    if top is None:
        ordered, descending, judged = reader.order()
    ranking = None
    if top is None and not ordered and (asked := reader.ranking()) is not None:
        ranking, descending, judged = asked
    ranks = top is not None or ranking is not None
    # "which month had the most tickets", "the top 3 quarters": periods, ranked
    if grain is None and ranks and (periods := reader.find(rf"((which|what) )?{_UNIT}")):
        reader.take(periods)
        grain = reader._grain(periods.group(3))
    ahead = False
    while share := reader.find(_CONTRIBUTED):  # "which 3 verticals drove the most ARR"
        reader.take(share)
    while edge := reader.find(_PERIOD_END):  # "ARR at the close of Q3": on its last day
        reader.take(edge)
    while expected := reader.find(_YET_TO):  # "expected to close this quarter": its date
        reader.take(expected)
        ahead = True
    ahead = ahead or re.search(_AHEAD, question.lower()) is not None
    spans = tuple(sorted(reader.spans))
    return Phrasing(
        time_range,
        grain,
        top,
        descending,
        compare,
        spans,
        against_earlier,
        judged,
        ordered,
        ahead,
        ranking,
    )
