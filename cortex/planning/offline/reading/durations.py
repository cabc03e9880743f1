"""Durations asked as "how long": "how long do human agents take to resolve tickets?",
"how long are customers taking to pay us?", "how long does it take us to ship?".

English asks for the time something takes with "how long" and a form of "take" before the
act itself; a catalog names that measure "time to <act>" (a metric's name or synonym: "time
to resolve", "time to pay"). `how_long` finds the phrase and says who does the act (the
subject, which may carry conditions: "human agents", "damaged-item tickets") and the act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["HowLong", "how_long"]

_HOW_LONG: Final = re.compile(
    r"\bhow\s+long\s+(?:(?:does|do|did|is|are|was|were|will|would|has|have|had)\s+)?"
    r"(?P<subject>(?:(?!\bhow\b)[^?.!;])*?)\s*\b(?:take|takes|taking|took|taken)\s+"
    r"(?:(?:us|them|you|it|him|her|me)\s+)?to\s+(?P<act>[a-z]+)\b",
    re.IGNORECASE,
)
#: Subjects that name nobody: "how long does it take us to ship".
_EMPTY_SUBJECTS: Final = frozenset({"", "it", "this", "that", "we", "you", "they", "our team"})


@dataclass(frozen=True)
class HowLong:
    """A "how long ... take to <act>" phrase: where it stands, who acts, and the act."""

    span: tuple[int, int]
    subject: str
    act: str

    @property
    def has_subject(self) -> bool:
        return self.subject.lower() not in _EMPTY_SUBJECTS

    def as_time(self, subject: bool) -> str:
        """The phrase as a catalog names the measure: "time to resolve", with the subject
        as the rows it is over when `subject` ("time to resolve for human agents")."""
        said = f"time to {self.act}"
        return f"{said} for {self.subject}" if subject and self.has_subject else said


def how_long(text: str) -> HowLong | None:
    """The "how long ... take to <act>" phrase of `text`, if it asks one."""
    found = _HOW_LONG.search(text)
    if found is None:
        return None
    return HowLong(found.span(), found.group("subject").strip(), found.group("act").lower())
