"""People choose their digests on the App Home: subscribed, they receive it; opted out, they
don't, even when digests.yml lists them; the channels stay the file's."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex.errors import UserError
from cortex.signals.digests import DigestBook, load_digests
from cortex.signals.subscriptions import Subscriptions, with_subscribers
from cortex.slack.digest_home import DigestsOnHome
from cortex.workspace import Workspace
from tests.cortex.conftest import ROOT


@pytest.fixture()
def book(workspace: Workspace) -> DigestBook:
    return load_digests(ROOT / "digests.yml", workspace.model)


def test_subscribers_join_the_audience_and_those_who_opt_out_leave_it(
    book: DigestBook, tmp_path: Path
) -> None:
    weekly = book.get("weekly")
    listed = weekly.audience.people[0]
    store = Subscriptions(tmp_path / "subscriptions.sqlite")
    assert store.recipients(weekly) == weekly.audience.people

    store.choose("weekly", "U0NEWCOMER", subscribed=True)
    store.choose("weekly", listed, subscribed=False)
    again = Subscriptions(tmp_path / "subscriptions.sqlite")  # another process, one file
    assert again.recipients(weekly) == ("U0NEWCOMER",)
    delivered = with_subscribers(weekly, again)
    assert delivered.audience.people == ("U0NEWCOMER",)
    assert delivered.audience.channels == weekly.audience.channels

    again.choose("weekly", listed, subscribed=True)  # the latest choice counts
    assert again.recipients(weekly) == (listed, "U0NEWCOMER")


def test_the_home_lists_every_digest_and_what_the_viewer_receives(
    book: DigestBook, tmp_path: Path
) -> None:
    home = DigestsOnHome(book, Subscriptions(tmp_path / "subscriptions.sqlite"))
    before = {d.id: d.subscribed for d in home.digests_for("U0NEWCOMER")}
    assert before == {"daily": False, "weekly": False}
    home.subscribe("U0NEWCOMER", "daily")
    after = {d.id: d.subscribed for d in home.digests_for("U0NEWCOMER")}
    assert after == {"daily": True, "weekly": False}
    home.unsubscribe("U0NEWCOMER", "daily")
    assert not any(d.subscribed for d in home.digests_for("U0NEWCOMER"))
    with pytest.raises(UserError, match="There is no digest 'dialy'"):
        home.subscribe("U0NEWCOMER", "dialy")
