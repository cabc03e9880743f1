"""Show SQL reveals how an answer was computed, so it obeys the same access as the answer.

The SQL names metric definitions, tables and the asker's row filter (a sales rep's name). The
person who clicks sees it only for the answer in the message they clicked, and only when their
own access covers the answer: every metric and table it reads, and every row (no row policy of
theirs, unless they asked it themselves). Anyone else gets one short ephemeral sentence.
"""

from __future__ import annotations

from cortex.slack.blocks import ACTION_SHOW_SQL
from tests.fakes.slack_api import SlackCall
from tests.fakes.slack_client import block_action
from tests.slack.conftest import ANALYST, REPS, STRANGER, SUPPORT, SlackHarness
from tests.slack.test_slack_app import CHANNEL, all_text, answered, buttons, mention, next_ts

REP, OTHER_REP = REPS
OWNER, OTHER_OWNER = REPS[REP], REPS[OTHER_REP]


def ask(slack: SlackHarness, user: str, question: str) -> tuple[str, str]:
    """`user` asks in a thread of CHANNEL; the thread and the Show SQL button's value."""
    event = mention(user, question)
    slack.sender.event(event)
    return event["ts"], buttons(answered(slack.fake, event["ts"]))[ACTION_SHOW_SQL]


def show_sql(
    slack: SlackHarness, clicker: str, value: str, thread_ts: str, channel: str = CHANNEL
) -> SlackCall:
    """`clicker` clicks Show SQL (carrying `value`) on a message in `thread_ts` of `channel`;
    what Cortex posted back to them."""
    before = len(slack.fake.calls_to("chat.postEphemeral"))
    payload = block_action(
        ACTION_SHOW_SQL,
        value,
        user_id=clicker,
        channel_id=channel,
        message_ts=next_ts(),
        thread_ts=thread_ts,
    )
    assert slack.sender.interaction(payload).status_code == 200
    shown = slack.fake.wait_for("chat.postEphemeral", count=before + 1)[before]
    assert shown.params["user"] == clicker and shown.params["channel"] == channel
    return shown


def assert_refused_without_sql(shown: SlackCall, *secrets: str) -> None:
    text = all_text(shown)
    assert "SELECT" not in text.upper() and "```" not in text
    assert len(shown.params["blocks"]) == 1  # one short sentence
    for secret in secrets:
        assert secret not in text


def test_show_sql_is_refused_to_a_user_who_may_not_see_the_metric(slack: SlackHarness) -> None:
    thread, record = ask(slack, ANALYST, "ARR by segment")
    shown = show_sql(slack, SUPPORT, record, thread)
    assert_refused_without_sql(shown, "subscriptions")
    assert "access" in all_text(shown)


def test_show_sql_is_refused_to_someone_access_yml_does_not_know(slack: SlackHarness) -> None:
    thread, record = ask(slack, ANALYST, "how many tickets last month?")
    assert_refused_without_sql(show_sql(slack, STRANGER, record, thread), "tickets")


def test_a_rep_cannot_see_the_sql_of_another_reps_answer_nor_the_name_in_its_filter(
    slack: SlackHarness,
) -> None:
    thread, record = ask(slack, REP, "what's our ARR?")
    assert OWNER in (slack.audit.list()[0].sql or "")
    assert_refused_without_sql(show_sql(slack, OTHER_REP, record, thread), OWNER)


def test_a_rep_cannot_see_another_reps_filter_even_on_a_question_about_their_own_accounts(
    slack: SlackHarness,
) -> None:
    # Lucas asks about Amara's accounts: the SQL holds her filter (hers to see) and his
    thread, record = ask(slack, REP, f"ARR for account owner {OTHER_OWNER}")
    sql = slack.audit.list()[0].sql or ""
    assert OWNER in sql and OTHER_OWNER in sql
    assert_refused_without_sql(show_sql(slack, OTHER_REP, record, thread), OWNER)


def test_a_rep_cannot_see_the_sql_of_an_answer_over_every_account(slack: SlackHarness) -> None:
    thread, record = ask(slack, ANALYST, "what's our ARR?")
    assert_refused_without_sql(show_sql(slack, REP, record, thread))


def test_the_asker_sees_the_sql_of_their_own_answer_with_their_row_filter(
    slack: SlackHarness,
) -> None:
    thread, record = ask(slack, REP, "what's our ARR?")
    text = all_text(show_sql(slack, REP, record, thread))
    assert "SELECT" in text.upper() and OWNER in text


def test_someone_who_sees_every_row_may_see_a_reps_sql(slack: SlackHarness) -> None:
    thread, record = ask(slack, REP, "what's our ARR?")
    text = all_text(show_sql(slack, ANALYST, record, thread))
    assert "SELECT" in text.upper() and OWNER in text


def test_show_sql_reveals_only_the_answer_of_the_message_clicked(slack: SlackHarness) -> None:
    thread, record = ask(slack, ANALYST, "ARR by segment")
    elsewhere, _ = ask(slack, ANALYST, "how many tickets last month?")
    # the record id of the ARR answer, carried by a button in another thread or channel
    assert_refused_without_sql(show_sql(slack, ANALYST, record, elsewhere), "subscriptions")
    assert_refused_without_sql(
        show_sql(slack, ANALYST, record, thread, channel="C0ELSEWHERE"), "subscriptions"
    )
    assert "SELECT" in all_text(show_sql(slack, ANALYST, record, thread)).upper()
