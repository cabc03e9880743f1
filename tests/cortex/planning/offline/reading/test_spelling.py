"""Typos are read as the catalog word clearly meant, and the answer says so; real English words,
names and typos with two equally near catalog words are never read as something else."""

from __future__ import annotations

from cortex.planning.offline.checks.understanding import FILLER_WORDS
from cortex.planning.offline.planner import OfflinePlanner
from cortex.planning.offline.reading.spelling import Reading, Speller, is_english
from cortex.planning.plans import QueryPlan

SPELLER = Speller(["tickets", "carrier", "segment", "stage", "state", "receivables"], FILLER_WORDS)


def test_a_typo_one_edit_from_one_catalog_word_is_read_as_it() -> None:
    assert SPELLER.correct("how many tikets by segmnet") == (
        "how many tickets by segment",
        (Reading("tikets", "tickets"), Reading("segmnet", "segment")),
    )


def test_a_long_word_may_be_two_edits_away() -> None:
    assert SPELLER.correct("overdue reciveables")[1] == (Reading("reciveables", "receivables"),)


def test_a_typo_of_a_word_questions_are_built_from_needs_no_reading() -> None:
    assert SPELLER.correct("hwo many tickets") == ("how many tickets", ())


def test_an_english_word_is_never_read_as_a_catalog_word() -> None:
    assert is_english("carried") and not is_english("tikets")
    assert SPELLER.correct("shipments carried by our own fleet") == (
        "shipments carried by our own fleet",
        (),
    )


def test_a_typo_two_catalog_words_are_equally_near_stays_as_written() -> None:
    assert SPELLER.near("stabe") == ["stage", "state"]
    assert SPELLER.correct("deals by stabe") == ("deals by stabe", ())


def test_names_and_short_words_are_left_alone() -> None:
    assert SPELLER.correct("tickets from Segmnet Ltd") == ("tickets from Segmnet Ltd", ())
    assert SPELLER.correct("by stat") == ("by stat", ())


def test_the_planner_reads_the_typo_and_the_plan_says_so(valued_planner: OfflinePlanner) -> None:
    plan = valued_planner.plan("ticket volume by chnnel last month")
    assert isinstance(plan, QueryPlan)
    assert plan.query.dimensions == ("channel",)
    assert plan.read_as == (("chnnel", "channel"),)


def test_chat_shorthand_is_read_as_the_words_it_stands_for_and_said() -> None:
    assert SPELLER.correct("tickets rn vs last yr") == (
        "tickets right now vs last year",
        (Reading("rn", "right now"), Reading("yr", "year")),
    )


def test_shorthand_the_catalog_uses_as_written_is_its_own() -> None:
    speller = Speller(["tickets", "rev"], FILLER_WORDS)  # a model whose synonyms hold "rev"
    assert speller.correct("rev by segment")[0] == "rev by segment"
