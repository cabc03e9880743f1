"""The App Home's digests: those of digests.yml a person receives or may subscribe to.

`DigestsOnHome(book, subscriptions)` is the Home's `DigestProvider`: every digest of the book,
each marked subscribed when the person receives it (listed in its audience and not opted out,
or subscribed themselves); Subscribe and Unsubscribe record their choice in `Subscriptions`,
which the digest runner reads when it delivers.
"""

from __future__ import annotations

from collections.abc import Sequence

from cortex.signals.digests import DigestBook
from cortex.signals.subscriptions import Subscriptions
from cortex.slack.home import Digest

__all__ = ["DigestsOnHome"]


class DigestsOnHome:
    """The digests of `book` as one person's Home lists them."""

    def __init__(self, book: DigestBook, subscriptions: Subscriptions) -> None:
        self.book = book
        self.subscriptions = subscriptions

    def digests_for(self, user_id: str) -> Sequence[Digest]:
        """Every digest, and whether `user_id` receives it."""
        shown = []
        for digest in self.book.digests:
            schedule = f"{digest.schedule.cron} ({digest.schedule.timezone})"
            receives = user_id in self.subscriptions.recipients(digest)
            title = digest.description or digest.name
            shown.append(Digest(digest.name, title, schedule, receives))
        return shown

    def subscribe(self, user_id: str, digest_id: str) -> None:
        """`user_id` receives `digest_id` from its next period on."""
        self.book.get(digest_id)  # an unknown digest is an error, not a silent row
        self.subscriptions.choose(digest_id, user_id, subscribed=True)

    def unsubscribe(self, user_id: str, digest_id: str) -> None:
        """`user_id` no longer receives `digest_id`."""
        self.book.get(digest_id)
        self.subscriptions.choose(digest_id, user_id, subscribed=False)
