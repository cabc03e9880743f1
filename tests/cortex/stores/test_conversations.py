"""Conversations are kept turn by turn, and no turn is lost when several arrive at once."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from cortex.stores.conversations import ConversationStore
from semantic_layer.query import SemanticQuery


@pytest.mark.parametrize("attempt", range(10))  # a new file each time: its first use migrates it
def test_turns_of_one_conversation_asked_at_once_all_land_numbered(
    tmp_path: Path, attempt: int
) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite")
    numbers: list[int | None] = []

    def ask() -> None:
        for _ in range(20):
            numbers.append(store.append("thread-1", "and by region?", "answer", None))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in numbers, "a turn was lost while the new file was being migrated"
    assert sorted(n for n in numbers if n is not None) == list(range(1, 161))


def test_history_is_the_answered_queries_in_order(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite")
    first, second = SemanticQuery(metrics=("arr",)), SemanticQuery(metrics=("csat",))
    store.append("c", "ARR?", "answer", first)
    store.append("c", "NPS?", "clarification", None)
    store.append("c", "and CSAT?", "answer", second)
    assert store.history("c") == [first, second]
    assert store.exists("c") and not store.exists("other")


def test_a_question_back_keeps_what_it_offered_for_the_next_reply(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite")
    store.append("c", "ARR?", "answer", SemanticQuery(metrics=("arr",)))
    store.append("c", "NPS?", "clarification", None, ("CSAT last month", "csat"))
    recall = store.recall("c")
    assert recall.last_status == "clarification"
    assert recall.last_suggestions == ("CSAT last month", "csat")
    assert recall.history == [SemanticQuery(metrics=("arr",))]
    assert store.recall("new").last_status is None


def test_a_conversation_file_from_before_suggestions_upgrades_with_its_turns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conversations.sqlite"
    with closing(sqlite3.connect(path)) as con:
        con.executescript(
            """
            CREATE TABLE turns (
                conversation_id TEXT NOT NULL, turn INTEGER NOT NULL, asked_at TEXT NOT NULL,
                question TEXT NOT NULL, status TEXT NOT NULL, query_json TEXT,
                PRIMARY KEY (conversation_id, turn)
            );
            INSERT INTO turns VALUES ('c', 1, '2026-11-24', 'ARR?', 'answer',
                '{"metrics": ["arr"]}');
            PRAGMA user_version = 1;
            """
        )
    store = ConversationStore(path)
    assert store.history("c") == [SemanticQuery(metrics=("arr",))]
    assert store.append("c", "NPS?", "clarification", None, ("csat",)) == 2
    assert store.recall("c").last_suggestions == ("csat",)
