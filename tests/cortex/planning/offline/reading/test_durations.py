"""'How long ... take to <act>' asks for the time to do the act, by whoever the subject is."""

from __future__ import annotations

import pytest

from cortex.planning.offline.reading.durations import how_long


@pytest.mark.parametrize(
    ("question", "subject", "act", "said"),
    [
        (
            "how long do human agents take to resolve each type of ticket?",
            "human agents",
            "resolve",
            "time to resolve for human agents",
        ),
        ("How long are customers taking to pay us on average?", "customers", "pay", None),
        ("how long does it take us to ship a pallet", "it", "ship", "time to ship"),
        ("how long did refunds take to process last month", "refunds", "process", None),
    ],
)
def test_how_long_names_who_acts_and_the_act(
    question: str, subject: str, act: str, said: str | None
) -> None:
    found = how_long(question)
    assert found is not None
    assert (found.subject, found.act) == (subject, act)
    if said is not None:
        assert found.as_time(subject=True) == said
    assert found.as_time(subject=False) == f"time to {act}"


@pytest.mark.parametrize(
    "question",
    ["how long is our average call?", "how many tickets take longer than a day to close?"],
)
def test_other_questions_about_length_are_left_alone(question: str) -> None:
    assert how_long(question) is None
