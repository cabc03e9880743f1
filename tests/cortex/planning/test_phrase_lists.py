"""The planners' phrase lists hold general English, never words fitted to an eval file.

Every phrase a planner matches by (a string in a module-level collection, or a literal
alternative of a regular expression under `cortex/planning`) that also occurs in a question of
an eval set (`evals/**.yml`) must be made of words of English (the offline English dictionary
the speller uses) or of words questions are built from: a phrase whose only source is an eval
question ("all-hands" is English, a product name or "BFCM" is not) was fitted to that set.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from cortex.knowledge.abbreviations import ABBREVIATIONS as ABBREVIATION_TABLE
from cortex.knowledge.words import WORD
from cortex.planning.offline.checks.understanding import FILLER_WORDS
from cortex.planning.offline.reading.named_days import NAMED_DAY
from cortex.planning.offline.reading.spelling import is_english

ROOT = Path(__file__).resolve().parents[3]
PLANNING = ROOT / "cortex" / "planning"
#: Standard abbreviations dictionaries list with a dot ("avg." for average).
ABBREVIATIONS = frozenset({"avg"})
#: The names of days the planner works out (`reading.named_days`).
CALENDAR_NAMES = frozenset(NAMED_DAY.strip("()").split("|"))
#: A literal alternative of a regular expression: words, spaces, apostrophes and hyphens.
_LITERAL = re.compile(r"^[a-z][a-z' \-]*[a-z]$")


def eval_questions() -> list[str]:
    questions = []
    for path in sorted((ROOT / "evals").rglob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            for turn in case.get("conversation") or [case]:
                questions.append(str(turn["question"]).lower())
    return questions


def _alternatives(pattern: str) -> Iterator[str]:
    """The literal alternatives of a regular expression, its groups opened up."""
    flat = re.sub(r"\(\?[:=!<]*|[()]", "|", pattern.replace("\\b", " ").replace("\\s+", " "))
    for part in flat.split("|"):
        cleaned = re.sub(r"\\.|[?*+]|\{\d*,?\d*\}", "", part).strip().lower()
        if _LITERAL.match(cleaned):
            yield cleaned


def planner_phrases() -> dict[str, str]:
    """Each phrase the planners match by -> where it stands (file:line)."""
    found: dict[str, str] = {}
    for path in sorted(PLANNING.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = f"{path.relative_to(ROOT)}"
        for node in tree.body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            for constant in ast.walk(node.value):
                if not isinstance(constant, ast.Constant) or not isinstance(constant.value, str):
                    continue
                text = constant.value
                phrases = _alternatives(text) if "|" in text or "\\b" in text else [text.lower()]
                for phrase in phrases:
                    if _LITERAL.match(phrase) or WORD.fullmatch(phrase):
                        found.setdefault(phrase, f"{where}:{constant.lineno}")
    return found


def fitted(phrase: str) -> bool:
    """Whether `phrase` has a word that is neither English nor a word questions are built of."""
    words = [part for w in WORD.findall(phrase) for part in w.split("-") if part.isalpha()]
    return any(
        not (w in FILLER_WORDS or w in ABBREVIATIONS or is_english(w.replace("'", "")))
        for w in words
    )


def test_the_scan_reads_phrases_from_collections_and_regular_expressions() -> None:
    phrases = planner_phrases()
    assert "please" in phrases  # a filler word, from a frozenset
    assert "translate" in phrases  # a request to write, from a regular expression
    assert fitted("bfcm deals") and not fitted("what time is the all-hands")


def test_no_planner_phrase_comes_only_from_an_eval_question() -> None:
    questions = eval_questions()
    assert len(questions) > 200
    suspects = [
        f"{where}: {phrase!r}"
        for phrase, where in planner_phrases().items()
        if fitted(phrase)
        and phrase not in CALENDAR_NAMES  # proper names, held general below
        and any(re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", q) for q in questions)
    ]
    assert not suspects, "phrases found only in eval questions, not in English:\n" + "\n".join(
        suspects
    )


def test_no_eval_question_is_quoted_in_the_planners_code() -> None:
    """Examples in the planners' docstrings and comments are their own, not an eval's cases."""
    code = {
        path: " ".join(path.read_text(encoding="utf-8").lower().split())
        for path in sorted(PLANNING.rglob("*.py"))
    }
    quoted = [
        f"{path.relative_to(ROOT)}: {question!r}"
        for question in eval_questions()
        if len(WORD.findall(question)) >= 4
        for path, text in code.items()
        if question.rstrip("?.! ") in text
    ]
    assert not quoted, "eval questions quoted in the planners:\n" + "\n".join(quoted)


def test_the_named_days_are_a_general_calendar_not_grown_from_eval_questions() -> None:
    # Names of days ("Cyber Monday") are proper names no spelling dictionary holds, so the
    # table is held general another way: most of its days occur in no eval question.
    questions = eval_questions()
    used = [name for name in CALENDAR_NAMES if any(name in q for q in questions)]
    assert len(used) * 4 <= len(CALENDAR_NAMES), used


def test_the_shorthand_table_is_general_english_not_grown_from_eval_questions() -> None:
    # Shorthand is not English by the dictionary ("rn"), so the table could hide fitting: it
    # must be a general list, most of whose entries no eval question uses, and every entry
    # must stand for words of English.
    questions = eval_questions()
    used = [
        short
        for short in ABBREVIATION_TABLE
        if any(re.search(rf"(?<!\w){re.escape(short)}(?!\w)", q) for q in questions)
    ]
    assert len(used) * 10 <= len(ABBREVIATION_TABLE), used
    for short, words in ABBREVIATION_TABLE.items():
        assert all(is_english(w) for w in words.split()), short
