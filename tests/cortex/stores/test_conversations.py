"""Conversations are kept turn by turn, and no turn is lost when several arrive at once."""

from __future__ import annotations

import threading
from pathlib import Path

from cortex.stores.conversations import ConversationStore
from semantic_layer.query import SemanticQuery


def test_turns_of_one_conversation_asked_at_once_all_land_numbered(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite")
    numbers: list[int] = []

    def ask() -> None:
        for _ in range(20):
            numbers.append(store.append("thread-1", "and by region?", "answer", None))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 161))


def test_history_is_the_answered_queries_in_order(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite")
    first, second = SemanticQuery(metrics=("arr",)), SemanticQuery(metrics=("csat",))
    store.append("c", "ARR?", "answer", first)
    store.append("c", "NPS?", "clarification", None)
    store.append("c", "and CSAT?", "answer", second)
    assert store.history("c") == [first, second]
    assert store.exists("c") and not store.exists("other")
