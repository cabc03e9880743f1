"""A digest as a Slack message, built from slack_sdk's validated Block Kit objects.

A header (the digest and its day), a section per fired signal (its label, value, change against
its comparison, a sparkline of its recent series, why the rule fired, its top drivers when
computed, and an "Open in a thread" button that asks the signal's question), one context line
for the signals that stayed quiet, a line naming those that could not be computed, and the
trust badge. An owner's notice is the same line for one signal.
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from cortex.answers.wording import day_text
from cortex.signals.signals import DigestReport, SignalOutcome
from cortex.signals.text import change_text, group_text, sparkline, value_text
from cortex.slack.blocks import MAX_BLOCKS, SlackMessage, escape

__all__ = ["ACTION_DIGEST_OPEN", "digest_message", "owner_message"]

#: The "Open in a thread" button of the n-th fired signal: `cortex_digest_open_<n>`.
ACTION_DIGEST_OPEN: Final = "cortex_digest_open"
_SECTION_CHARS: Final = 3000
_HEADER_CHARS: Final = 150


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(text, _SECTION_CHARS))


def _signal_text(outcome: SignalOutcome) -> str:
    """`*ARR* $135.6M, up $1.5M (+1.1%) from $134.1M (9–15 Nov 2026) ▃▅▆█` and why it fired."""
    lines = []
    for reading, verdict in outcome.fired:
        group = group_text(reading)
        label = f"*{escape(outcome.label)}*" + (f" · {escape(group)}" if group else "")
        change = change_text(outcome, reading)
        spark = f"  `{sparkline(outcome.series)}`" if outcome.series and not group else ""
        lines.append(
            f"{label} {value_text(outcome, reading.value)}"
            + (f", {escape(change)}" if change else "")
            + spark
            + (f"\n_{escape(verdict.reason)}_" if verdict.reason else "")
        )
    if outcome.drivers:
        lines.append("Top drivers: " + "; ".join(escape(d) for d in outcome.drivers[:3]))
    return "\n".join(lines)


def _quiet_line(report: DigestReport) -> str:
    shown = [
        f"{escape(o.label)} {value_text(o, o.readings[0][0].value)}" if o.readings else o.label
        for o in report.quiet
    ]
    return ":zzz: Quiet: " + "; ".join(shown)


def _failed_line(report: DigestReport) -> str:
    named = [f"*{escape(o.label)}* ({escape(o.error or '')})" for o in report.failed]
    return ":warning: Could not compute: " + "; ".join(named)


def _badge(report: DigestReport) -> str:
    fresh = "unknown"
    if report.freshness is not None:
        fresh = report.freshness.isoformat(sep=" ", timespec="minutes")
    owners = sorted({o.owner for o in report.outcomes if o.owner})
    return (
        f":gear: *Generated* from governed metrics · data as of {fresh} · owners: "
        f"{escape(', '.join(owners))}"
    )


def _blocks(blocks: list[Block]) -> tuple[dict[str, Any], ...]:
    return tuple(block.to_dict() for block in blocks[:MAX_BLOCKS])


def digest_message(report: DigestReport) -> SlackMessage:
    """The digest: header, fired signals (with buttons), quiet and failed lines, the badge."""
    digest = report.digest
    title = f"{digest.name.capitalize()} digest · {day_text(report.as_of)}"
    blocks: list[Block] = [HeaderBlock(text=_clip(title, _HEADER_CHARS))]
    if digest.description:
        blocks.append(ContextBlock(elements=[_mrkdwn(escape(digest.description))]))
    fired = report.fired
    if not fired:
        blocks.append(SectionBlock(text=_mrkdwn("Nothing fired: every signal is within its rule.")))
    for index, outcome in enumerate(fired):
        button = None
        if outcome.question:
            button = ButtonElement(
                text="Open in a thread",
                action_id=f"{ACTION_DIGEST_OPEN}_{index}",
                value=_clip(outcome.question, 2000),
            )
        blocks.append(SectionBlock(text=_mrkdwn(_signal_text(outcome)), accessory=button))
    blocks.append(DividerBlock())
    if report.quiet:
        blocks.append(ContextBlock(elements=[_mrkdwn(_quiet_line(report))]))
    if report.failed:
        blocks.append(SectionBlock(text=_mrkdwn(_failed_line(report))))
    blocks.append(ContextBlock(elements=[_mrkdwn(_badge(report))]))
    labels = ", ".join(o.label for o in fired) or "nothing fired"
    text = f"{title}: {len(fired)} signal(s) fired ({labels})"
    if report.failed:
        text += f"; could not compute {', '.join(o.label for o in report.failed)}"
    return SlackMessage(_clip(text, _SECTION_CHARS), _blocks(blocks))


def owner_message(report: DigestReport, outcome: SignalOutcome) -> SlackMessage:
    """The notice to a metric's owner: their signal fired in this digest."""
    intro = (
        f"A signal on a metric you own fired in the *{escape(report.digest.name)}* digest "
        f"({day_text(report.as_of)}):"
    )
    blocks: list[Block] = [
        SectionBlock(text=_mrkdwn(intro)),
        SectionBlock(text=_mrkdwn(_signal_text(outcome))),
        ContextBlock(elements=[_mrkdwn(_badge(report))]),
    ]
    text = f"{outcome.label} fired in the {report.digest.name} digest"
    return SlackMessage(text, _blocks(blocks))
