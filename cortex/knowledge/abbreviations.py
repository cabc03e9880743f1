"""Shorthand people type in chat and business notes, with the words it stands for.

General English, not any company's vocabulary: the time words of chat ("rn", "atm", "yday"),
units of time ("yr", "wks", "qtr"), and the clipped nouns of business notes ("acct", "mgr",
"qty", "rev"). The offline planner reads a question's shorthand as these words and says so
("Read 'rn' as 'right now'."), unless the loaded catalog uses the shorthand itself (a model
whose synonyms hold "AM" keeps it). Ambiguous shorthand ("min": minimum or minutes, "est",
"ly") is left out: a question back is better than a guess.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ABBREVIATIONS"]

ABBREVIATIONS: Final = {
    # time and timing in chat
    "rn": "right now",
    "atm": "at the moment",
    "asap": "as soon as possible",
    "yday": "yesterday",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "b4": "before",
    "prev": "previous",
    "curr": "current",
    # units of time
    "yr": "year",
    "yrs": "years",
    "mo": "month",
    "mos": "months",
    "mth": "month",
    "mths": "months",
    "wk": "week",
    "wks": "weeks",
    "qtr": "quarter",
    "qtrs": "quarters",
    "hr": "hour",
    "hrs": "hours",
    "mins": "minutes",
    "secs": "seconds",
    # the words questions are built from
    "thru": "through",
    "tho": "though",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "approx": "approximately",
    "thx": "thanks",
    "lmk": "let me know",
    "ppl": "people",
    "info": "information",
    "diff": "difference",
    # clipped nouns of business notes
    "avg": "average",
    "pct": "percent",
    "num": "number",
    "nums": "numbers",
    "qty": "quantity",
    "amt": "amount",
    "acct": "account",
    "accts": "accounts",
    "cust": "customer",
    "custs": "customers",
    "mgr": "manager",
    "mgrs": "managers",
    "mgmt": "management",
    "dept": "department",
    "depts": "departments",
    "rev": "revenue",
}
