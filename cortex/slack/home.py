"""The App Home: what one person finds on Cortex's Home tab, built with `slack_sdk.models`.

Three parts, for the viewer:

1. **The metric catalog**, by area: an area is the table a metric is measured on (a ratio or
   derived metric goes with the table of its first input), since metrics.yml has no other
   grouping. Certified metrics come first in each area, each with its owner and definition.
   What the viewer's roles may not see is not listed, only counted ("2 more are not for your
   roles"), so the Home shows no more than a question would; a metric they see only some rows
   of says so ("your rows only"). A viewer with no role is told so, and sees no metric.
2. **Their recent questions**, from the audit trail, each linked to its thread.
3. **The digests they receive**, with a Subscribe or Unsubscribe button each, from a
   `DigestProvider` when one is given ("No digests yet" otherwise).

Slack allows 100 blocks in a Home view and 3,000 characters in a section: an area is one
section (more when long), the questions one, a digest one; the view is cut (with a note) rather
than refused if a very large catalog would pass the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from cortex.access.seen import MetricSeen
from cortex.access.sources import measure_tables
from cortex.slack.blocks import escape
from cortex.stores.audit import AuditRecord
from semantic_layer.compile import metrics_used
from semantic_layer.model import Metric, SemanticModel

__all__ = [
    "ACTION_HOME_SUBSCRIBE",
    "ACTION_HOME_UNSUBSCRIBE",
    "MAX_HOME_BLOCKS",
    "Digest",
    "DigestProvider",
    "home_view",
    "thread_link",
]

ACTION_HOME_SUBSCRIBE: Final = "cortex_home_subscribe"
ACTION_HOME_UNSUBSCRIBE: Final = "cortex_home_unsubscribe"
MAX_HOME_BLOCKS: Final = 100
_SECTION_CHARS: Final = 3000
#: Recent questions shown.
RECENT: Final = 10


@dataclass(frozen=True)
class Digest:
    """A digest as the Home lists it: its id, title, when it comes, whether the viewer gets it."""

    id: str
    title: str
    schedule: str
    subscribed: bool


class DigestProvider(Protocol):
    """Where digests come from (issue 12's digests.yml): listed per user, (un)subscribed."""

    def digests_for(self, user_id: str) -> Sequence[Digest]:
        """The digests `user_id` may receive, and whether they do."""
        ...

    def subscribe(self, user_id: str, digest_id: str) -> None:
        """`user_id` receives `digest_id` from now on."""
        ...

    def unsubscribe(self, user_id: str, digest_id: str) -> None:
        """`user_id` no longer receives `digest_id`."""
        ...


def home_view(
    model: SemanticModel,
    seen: Sequence[MetricSeen] | None,
    recent: Sequence[AuditRecord],
    digests: Sequence[Digest] | None,
) -> View:
    """The Home of one viewer: `seen` is the catalog as their grant sees it (None: no role),
    `recent` their latest questions, `digests` theirs (None: no digest provider)."""
    blocks: list[Block] = [HeaderBlock(text="What you can ask Cortex")]
    if seen is None:
        blocks.append(
            _section(
                "You have no role in Cortex yet, so it can't answer you. Ask a Cortex admin to "
                "add you, or a user group you are in, to access.yml."
            )
        )
    else:
        blocks += _catalog(model, seen)
    blocks += [DividerBlock(), HeaderBlock(text="Your recent questions")]
    blocks += _recent(recent)
    blocks += [DividerBlock(), HeaderBlock(text="Your digests")]
    blocks += _digests(digests)
    if len(blocks) > MAX_HOME_BLOCKS:
        note = ContextBlock(elements=[MarkdownTextObject(text="(More than fits here.)")])
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], note]
    view = View(type="home", blocks=blocks)
    view.validate_json()
    return view


def thread_link(conversation_id: str | None) -> str | None:
    """The Slack link of a conversation (`slack:<channel>:<thread ts>`, or `slack:<DM>`)."""
    parts = (conversation_id or "").split(":")
    if len(parts) < 2 or parts[0] != "slack" or not parts[1]:
        return None
    link = f"https://slack.com/archives/{parts[1]}"
    return link + f"/p{parts[2].replace('.', '')}" if len(parts) > 2 and parts[2] else link


# -- the parts


def _catalog(model: SemanticModel, seen: Sequence[MetricSeen]) -> list[Block]:
    areas: dict[str, list[MetricSeen]] = {}
    for item in seen:
        areas.setdefault(_area(model, item.metric), []).append(item)
    blocks: list[Block] = []
    for area, items in areas.items():
        visible = sorted(
            (i for i in items if i.visible), key=lambda i: i.metric.status != "certified"
        )
        hidden = len(items) - len(visible)
        if not visible and not hidden:
            continue
        lines = [f"*{escape(area)}*"]
        lines += [_metric_line(i) for i in visible]
        if hidden:
            lines.append(f"_{_count(hidden)} not for your roles._")
        blocks += [_section(text) for text in _chunks(lines)]
    return blocks


def _metric_line(item: MetricSeen) -> str:
    metric = item.metric
    badge = " :white_check_mark:" if metric.status == "certified" else ""
    owner = f" · {escape(metric.owner)}" if metric.owner else ""
    rows = " · _your rows only_" if item.rows else ""
    definition = " ".join(metric.description.split())
    if len(definition) > 200:
        definition = definition[:199] + "…"
    return f"• *{escape(metric.label)}*{badge}{owner}{rows}\n    {escape(definition)}"


def _recent(records: Sequence[AuditRecord]) -> list[Block]:
    if not records:
        return [_section("No questions yet: mention me in a channel, or send me a message.")]
    lines = []
    for record in records[:RECENT]:
        question = escape(" ".join(record.question.split())[:150])
        link = thread_link(record.thread)
        shown = f"<{link}|{question}>" if link else question
        lines.append(f"• {shown} · {record.at:%b %d} · {record.outcome}")
    return [_section(text) for text in _chunks(lines)]


def _digests(digests: Sequence[Digest] | None) -> list[Block]:
    if not digests:
        return [_section("No digests yet.")]
    blocks: list[Block] = []
    for digest in digests:
        action, label = (
            (ACTION_HOME_UNSUBSCRIBE, "Unsubscribe")
            if digest.subscribed
            else (ACTION_HOME_SUBSCRIBE, "Subscribe")
        )
        state = "you receive it" if digest.subscribed else "you don't receive it"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(digest.title)}* · {escape(digest.schedule)} · {state}"
                ),
                accessory=ButtonElement(text=label, action_id=action, value=digest.id[:2000]),
            )
        )
    return blocks


# -- helpers


def _area(model: SemanticModel, metric: Metric) -> str:
    """The table a metric is measured on (its first input's, for a ratio or derived one)."""
    for used in metrics_used(model, [metric.name]):
        tables = measure_tables(model, used)
        if tables:
            return tables[0].name.replace("_", " ").capitalize()
    return "Other"


def _count(hidden: int) -> str:
    return "1 more metric is" if hidden == 1 else f"{hidden} more metrics are"


def _chunks(lines: Sequence[str]) -> list[str]:
    """`lines` joined into texts of at most a section's length."""
    texts, current = [], ""
    for line in lines:
        line = line[:_SECTION_CHARS]
        if current and len(current) + 1 + len(line) > _SECTION_CHARS:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))
