"""Who may see the SQL behind an answer: the check of the Show SQL button.

The button carries the answer's audit record id; the record holds the plan (the semantic
query) and the SQL that ran for the person who asked. That SQL shows what the answer read:
metric definitions, tables, and the asker's row filter (`owner_name = 'Lucas Meyer'`). So
`sql_to_show` gives it to the person who clicked only when

1. the record is that of the message clicked: its channel and conversation are where the
   click happened (a record id carried by a button elsewhere reveals nothing);
2. the clicker's current access (access.yml now, not when the answer was given) lets them run
   the answer's plan: every metric, its inputs and tables, every dimension and filter; and
3. no row policy of theirs narrows it, so the rows the SQL reads are all theirs to see. The
   asker is the exception: the row filter in their SQL is their own. For anyone else, a row
   policy means the SQL may hold another person's filter, and it is withheld even when their
   own filter is among the question's (a rep asking about another rep's accounts).

Anything else raises `SqlWithheld` with one short sentence for the clicker, which names
nothing of the answer.
"""

from __future__ import annotations

from typing import Final

from pydantic import ValidationError

from cortex.access import AccessPolicy, LiveAccess, Principal
from cortex.errors import AccessDenied
from cortex.stores.audit import AuditRecord
from semantic_layer.errors import SemanticLayerError

__all__ = ["SqlWithheld", "sql_to_show"]

GONE: Final = "I no longer have the SQL of this answer."
ELSEWHERE: Final = "This button belongs to an answer elsewhere, so I won't show its SQL here."
NOT_YOURS: Final = (
    "Your access doesn't cover everything this answer reads, so I can't show you its SQL; "
    "ask the question yourself to see yours."
)


class SqlWithheld(Exception):
    """The SQL is not shown; `sentence` says why, to the person who clicked."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def sql_to_show(
    record: AuditRecord | None,
    *,
    clicker: Principal,
    access: AccessPolicy | LiveAccess,
    channel: str,
    conversation_id: str,
) -> str:
    """The SQL of `record` for `clicker`, who clicked in `channel`, in `conversation_id`.

    Raises `SqlWithheld` unless every rule of the module docstring holds.
    """
    if record is None or not record.sql or not record.plan:
        raise SqlWithheld(GONE)
    if (record.channel, record.thread) != (channel, conversation_id):
        raise SqlWithheld(ELSEWHERE)
    try:
        plan = record.query
        assert plan is not None
        grant = access.grant_for(clicker)
        grant.apply(plan)  # every metric, its inputs and tables, every dimension and filter
        if clicker.user_id != record.user_id and grant.row_filters(plan):
            raise SqlWithheld(NOT_YOURS)
    except (AccessDenied, SemanticLayerError, ValidationError):
        raise SqlWithheld(NOT_YOURS) from None  # unchecked is not shown: fail closed
    return record.sql
