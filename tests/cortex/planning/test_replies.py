"""A reply to a question back accepts one of its suggestions, as people say it."""

from __future__ import annotations

import pytest

from cortex.planning.replies import accepted

OFFERED = ("Ticket volume by channel last month", "Ticket volume last month", "csat")


@pytest.mark.parametrize(
    ("reply", "chosen"),
    [
        ("yes", OFFERED[0]),
        ("Yep!", OFFERED[0]),
        ("that one", OFFERED[0]),
        ("2", OFFERED[1]),
        ("#3", OFFERED[2]),
        ("option 2", OFFERED[1]),
        ("the second one", OFFERED[1]),
        ("yes, the second one please", OFFERED[1]),
        ("the last one", OFFERED[2]),
        ("ticket volume last month", OFFERED[1]),
    ],
)
def test_a_reply_that_accepts_a_suggestion_names_it(reply: str, chosen: str) -> None:
    assert accepted(reply, OFFERED) == chosen


@pytest.mark.parametrize(
    "reply", ["4", "the fourth", "ARR by segment", "no", "what about CSAT by region?"]
)
def test_anything_else_is_a_question_of_its_own(reply: str) -> None:
    assert accepted(reply, OFFERED) is None


def test_without_suggestions_nothing_is_accepted() -> None:
    assert accepted("yes", ()) is None
