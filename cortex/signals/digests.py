"""digests.yml: the signal digests, read and checked like metrics.yml (every problem at file:line).

    version: 1
    digests:
      - name: daily
        description: What moved yesterday.
        schedule: {cron: "0 8 * * 1-5", timezone: Europe/London}
        audience: {channels: [C0123ABCD], people: [U0123ABCD], notion_page: <optional>}
        only_when_fired: true     # post nothing when no signal fires
        notify_owners: true       # each fired signal is also sent to its metric's owner
        signals:
          - metric: <a metric of metrics.yml>
            dimensions: [<dimension>]          # optional: judged for each of its values
            filters: [<named filter>]          # optional
            where: ["<dimension> = 'value'"]   # optional
            period: yesterday                  # any time range a semantic query takes
            compare: previous_period           # or previous_year, or target (with target: N)
            rule: {type: pct_change, at_least: 10}   # or threshold (above/below), or anomaly

`check_digests(path, model, rules)` returns the digests that read cleanly and every `Issue`:
unknown keys (with the accepted ones and a "Did you mean"), unknown metrics, dimensions and
filters (from the loaded `SemanticModel`), a cron expression the cron library refuses, a
timezone zoneinfo does not know, a rule's bad parameters, and a signal whose query the semantic
layer cannot compile (a comparison the metric cannot make). `load_digests` raises
`DigestsError` when any is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from cronsim import CronSim, CronSimError

from cortex.errors import UserError
from cortex.signals.rules import KNOWN_KINDS, RuleEvaluator
from semantic_layer.compile import compile_query
from semantic_layer.errors import Issue, QueryError, UnknownNameError, did_you_mean
from semantic_layer.model import SemanticModel
from semantic_layer.query import Filter, SemanticQuery, parse_where
from semantic_layer.time import RANGE_FORMS, resolve_time_range
from semantic_layer.yaml_lines import (
    LineLoader,
    LineMap,
    LineSeq,
    display_path,
    read_text,
    short_repr,
    syntax_issue,
)

__all__ = [
    "Audience",
    "Digest",
    "DigestBook",
    "DigestsError",
    "Rule",
    "Schedule",
    "Signal",
    "check_digests",
    "load_digests",
]

Compare = Literal["previous_period", "previous_year", "target"]
COMPARES: Final = ("previous_period", "previous_year", "target")
_TOP_KEYS: Final = ("version", "digests")
_DIGEST_KEYS: Final = (
    "name",
    "description",
    "schedule",
    "audience",
    "only_when_fired",
    "notify_owners",
    "signals",
)
_SCHEDULE_KEYS: Final = ("cron", "timezone")
_AUDIENCE_KEYS: Final = ("channels", "people", "notion_page")
_SIGNAL_KEYS: Final = (
    "name",
    "metric",
    "dimensions",
    "filters",
    "where",
    "period",
    "compare",
    "target",
    "rule",
)
#: A day to compile signals against when the file is checked (any day: ranges are relative).
_CHECK_DAY: Final = date(2026, 1, 15)


class DigestsError(UserError):
    """digests.yml cannot be used; the message lists every error at file:line."""


@dataclass(frozen=True)
class Schedule:
    """When a digest runs: a five-field cron expression read in `timezone`."""

    cron: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        """The timezone the cron expression is read in."""
        return ZoneInfo(self.timezone)

    def latest(self, at: datetime) -> datetime | None:
        """The latest scheduled time at or before `at` (aware), in the schedule's timezone."""
        local = at.astimezone(self.zone)
        if self.fires_at(local):
            return local
        return next(CronSim(self.cron, local, reverse=True), None)

    def following(self, after: datetime) -> datetime:
        """The first scheduled time strictly after `after` (aware)."""
        return next(CronSim(self.cron, after.astimezone(self.zone)))

    def fires_at(self, moment: datetime) -> bool:
        """Whether `moment` (whole minute) is a scheduled time."""
        if moment.second or moment.microsecond:
            return False
        before = moment - timedelta(minutes=1)
        return next(CronSim(self.cron, before), None) == moment


@dataclass(frozen=True)
class Audience:
    """Who a digest goes to: Slack channel ids, Slack user ids, optionally a Notion page."""

    channels: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    notion_page: str | None = None


@dataclass(frozen=True)
class Rule:
    """A signal's rule: its kind and parameters (checked by that kind's evaluator)."""

    kind: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class Signal:
    """One metric to watch: its slice, its period, its comparison and its rule."""

    name: str
    metric: str
    period: str
    rule: Rule
    compare: Compare | None = None
    target: float | None = None
    dimensions: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    where: tuple[Filter, ...] = ()
    line: int = 0

    def query(self) -> SemanticQuery:
        """The governed query of the signal: its value, beside the previous period or year."""
        compare = self.compare if self.compare in ("previous_period", "previous_year") else None
        return SemanticQuery(
            metrics=(self.metric,),
            dimensions=self.dimensions,
            filters=self.where,
            named_filters=self.filters,
            time_range=self.period,
            compare=compare,
        )


@dataclass(frozen=True)
class Digest:
    """A named set of signals, sent on a schedule to an audience."""

    name: str
    schedule: Schedule
    audience: Audience
    signals: tuple[Signal, ...]
    description: str = ""
    only_when_fired: bool = False
    notify_owners: bool = False
    line: int = 0


@dataclass(frozen=True)
class DigestBook:
    """Every digest of one digests.yml."""

    digests: tuple[Digest, ...]
    file: str = "digests.yml"

    def get(self, name: str) -> Digest:
        """The digest called `name`; a UserError with the closest names when there is none."""
        for digest in self.digests:
            if digest.name == name:
                return digest
        names = [d.name for d in self.digests]
        raise UserError(
            f"There is no digest '{name}' in {self.file}.{did_you_mean(name, names)}",
            hint=f"Digests: {', '.join(names) or 'none'} (cortex digest list).",
        )


def load_digests(
    path: Path, model: SemanticModel, rules: Mapping[str, RuleEvaluator] | None = None
) -> DigestBook:
    """The digests of `path`; raises DigestsError listing every error (warnings pass)."""
    book, issues = check_digests(path, model, rules)
    errors = [issue for issue in issues if issue.level == "error"]
    if errors:
        listed = "\n".join(str(issue) for issue in errors)
        raise DigestsError(
            f"{len(errors)} error(s) in {book.file}:\n{listed}",
            hint="Fix them (cortex check lists them too).",
        )
    return book


def check_digests(
    path: Path, model: SemanticModel, rules: Mapping[str, RuleEvaluator] | None = None
) -> tuple[DigestBook, list[Issue]]:
    """The digests of `path` that read cleanly, and every issue found, sorted by line."""
    file = display_path(path)
    if not path.is_file():
        issue = Issue(
            "error", file, 0, "file", "not found.", "Create it, or set CORTEX_DIGESTS to its path."
        )
        return DigestBook((), file), [issue]
    text = read_text(path, file)
    if isinstance(text, Issue):
        return DigestBook((), file), [text]
    try:
        data = yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as error:
        return DigestBook((), file), [syntax_issue(file, error)]
    reader = _Reader(file, model, rules or {})
    digests = reader.read(data)
    return DigestBook(digests, file), sorted(reader.issues, key=lambda i: i.line)


class _Reader:
    """Reads the parsed file, collecting an Issue for every problem instead of stopping."""

    def __init__(self, file: str, model: SemanticModel, rules: Mapping[str, RuleEvaluator]):
        self.file = file
        self.model = model
        self.rules = rules
        self.issues: list[Issue] = []

    def error(self, line: int, path: str, message: str, hint: str = "") -> None:
        self.issues.append(Issue("error", self.file, line, path, message, hint))

    def keys(self, node: LineMap, accepted: tuple[str, ...], path: str) -> None:
        for key in node:
            if key not in accepted:
                self.error(
                    node.key_lines.get(key, node.line),
                    path,
                    f"unknown key '{key}'.{did_you_mean(str(key), accepted)}",
                    f"Accepted: {', '.join(accepted)}.",
                )
        for key, line, first in node.duplicates:
            self.error(line, path, f"'{key}' is given twice (first on line {first}).")

    def mapping(self, value: object, line: int, path: str) -> LineMap | None:
        if isinstance(value, LineMap):
            return value
        self.error(line, path, f"must be a mapping, not {short_repr(value)}.")
        return None

    def texts(self, node: LineMap, key: str, path: str) -> tuple[str, ...]:
        value = node.get(key, [])
        line = node.key_lines.get(key, node.line)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(line, f"{path}.{key}", f"must be a list of names, not {short_repr(value)}.")
            return ()
        return tuple(value)

    def flag(self, node: LineMap, key: str, path: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            self.error(
                node.key_lines.get(key, node.line),
                f"{path}.{key}",
                f"must be true or false, not {short_repr(value)}.",
            )
            return False
        return value

    # ----------------------------------------------------------------------- the file

    def read(self, data: object) -> tuple[Digest, ...]:
        top = self.mapping(data, 1, "file")
        if top is None:
            return ()
        self.keys(top, _TOP_KEYS, "file")
        if top.get("version", 1) != 1:
            self.error(top.key_lines.get("version", 1), "version", "must be 1.")
        entries = top.get("digests")
        if not isinstance(entries, LineSeq):
            self.error(top.key_lines.get("digests", top.line), "digests", "must be a list.")
            return ()
        digests: list[Digest] = []
        seen: dict[str, int] = {}
        for entry, line in zip(entries, entries.item_lines, strict=True):
            digest = self.digest(entry, line)
            if digest is None:
                continue
            if digest.name in seen:
                self.error(
                    line,
                    digest.name,
                    f"a second digest is named '{digest.name}' "
                    f"(first on line {seen[digest.name]}).",
                )
                continue
            seen[digest.name] = line
            digests.append(digest)
        return tuple(digests)

    def digest(self, entry: object, line: int) -> Digest | None:
        node = self.mapping(entry, line, "digests[]")
        if node is None:
            return None
        name = node.get("name")
        if not isinstance(name, str) or not name.strip() or " " in name:
            self.error(
                node.line, "digests[].name", "each digest needs a name, one word (e.g. daily)."
            )
            return None
        errors = len(self.issues)
        self.keys(node, _DIGEST_KEYS, name)
        schedule = self.schedule(node, name)
        audience = self.audience(node, name)
        signals = self.signals(node, name)
        description = node.get("description", "")
        digest = Digest(
            name=name,
            schedule=schedule or Schedule("0 8 * * *", "UTC"),
            audience=audience,
            signals=signals,
            description=description if isinstance(description, str) else "",
            only_when_fired=self.flag(node, "only_when_fired", name),
            notify_owners=self.flag(node, "notify_owners", name),
            line=node.line,
        )
        return digest if len(self.issues) == errors else None

    def schedule(self, node: LineMap, name: str) -> Schedule | None:
        path = f"{name}.schedule"
        given = self.mapping(node.get("schedule"), node.key_lines.get("schedule", node.line), path)
        if given is None:
            return None
        self.keys(given, _SCHEDULE_KEYS, path)
        cron, zone = given.get("cron"), given.get("timezone", "UTC")
        cron_line = given.key_lines.get("cron", given.line)
        zone_line = given.key_lines.get("timezone", given.line)
        good = True
        if not isinstance(zone, str):
            self.error(zone_line, f"{path}.timezone", f"must be a text, not {short_repr(zone)}.")
            good = False
        else:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    zone_line,
                    f"{path}.timezone",
                    f"unknown timezone '{zone}'.{did_you_mean(zone, _zones())}",
                    "Use an IANA name such as Europe/London or America/New_York.",
                )
                good = False
        if not isinstance(cron, str) or not cron.strip():
            self.error(cron_line, f"{path}.cron", 'needs a cron expression, e.g. "0 8 * * 1".')
            return None
        try:
            CronSim(cron, datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
        except CronSimError as error:
            self.error(
                cron_line,
                f"{path}.cron",
                f"'{cron}' is not a valid cron expression: {str(error).rstrip('.')}.",
                "Write five fields: minute hour day-of-month month day-of-week, "
                'e.g. "0 8 * * 1" for Mondays at 08:00.',
            )
            return None
        return Schedule(cron.strip(), str(zone)) if good else None

    def audience(self, node: LineMap, name: str) -> Audience:
        path = f"{name}.audience"
        given = self.mapping(node.get("audience"), node.key_lines.get("audience", node.line), path)
        if given is None:
            return Audience()
        self.keys(given, _AUDIENCE_KEYS, path)
        channels, people = self.texts(given, "channels", path), self.texts(given, "people", path)
        for key, ids, prefixes in (("channels", channels, "CG"), ("people", people, "UW")):
            for slack_id in ids:
                if slack_id[:1] not in prefixes or not slack_id.isalnum():
                    self.error(
                        given.key_lines.get(key, given.line),
                        f"{path}.{key}",
                        f"'{slack_id}' is not a Slack {key[:-1] if key == 'channels' else 'user'}"
                        f" id (they start with {' or '.join(prefixes)}).",
                        "Copy the id from the channel's or person's details in Slack.",
                    )
        if not channels and not people:
            self.error(given.line, path, "names no channel and no person to send the digest to.")
        page = given.get("notion_page")
        return Audience(channels, people, str(page) if page else None)

    def signals(self, node: LineMap, name: str) -> tuple[Signal, ...]:
        entries = node.get("signals")
        if not isinstance(entries, LineSeq) or not entries:
            self.error(
                node.key_lines.get("signals", node.line),
                f"{name}.signals",
                "must be a list of at least one signal.",
            )
            return ()
        found = (
            self.signal(e, line, name) for e, line in zip(entries, entries.item_lines, strict=True)
        )
        return tuple(signal for signal in found if signal is not None)

    def signal(self, entry: object, line: int, digest: str) -> Signal | None:
        node = self.mapping(entry, line, f"{digest}.signals[]")
        if node is None:
            return None
        errors = len(self.issues)
        metric = node.get("metric")
        path = f"{digest}.signals.{metric}"
        self.keys(node, _SIGNAL_KEYS, path)
        at = node.key_lines.get
        if not isinstance(metric, str) or self.model.metric(metric) is None:
            names = [m.name for m in self.model.metrics]
            self.error(
                at("metric", node.line),
                path,
                f"unknown metric {short_repr(metric)}.{did_you_mean(str(metric), names)}",
                "Use a metric of metrics.yml (cortex metrics lists them).",
            )
        for dimension in self.texts(node, "dimensions", path):
            field = dimension.partition(":")[0]
            if field != "metric_time" and self.model.dimension(field) is None:
                known = [d.name for t in self.model.tables for d in t.dimensions]
                self.error(
                    at("dimensions", node.line),
                    f"{path}.dimensions",
                    f"unknown dimension '{dimension}'.{did_you_mean(field, known)}",
                )
        for named in self.texts(node, "filters", path):
            if self.model.named_filter(named) is None:
                known = [f.name for f in self.model.filters]
                self.error(
                    at("filters", node.line),
                    f"{path}.filters",
                    f"unknown filter '{named}'.{did_you_mean(named, known)}",
                    "Use a named filter of metrics.yml, or a condition under 'where'.",
                )
        where: list[Filter] = []
        for text in self.texts(node, "where", path):
            try:
                where.extend(parse_where(text))
            except QueryError as error:
                self.error(at("where", node.line), f"{path}.where", str(error))
        period = node.get("period")
        if not isinstance(period, str):
            self.error(at("period", node.line), f"{path}.period", f"needs a period: {RANGE_FORMS}.")
        else:
            try:
                resolve_time_range(period, _CHECK_DAY)
            except QueryError as error:
                self.error(at("period", node.line), f"{path}.period", error.message, error.hint)
        compare = node.get("compare")
        if compare is not None and compare not in COMPARES:
            self.error(
                at("compare", node.line),
                f"{path}.compare",
                f"unknown comparison {short_repr(compare)}.{did_you_mean(str(compare), COMPARES)}",
                f"Accepted: {', '.join(COMPARES)}.",
            )
        target = node.get("target")
        if compare == "target" and (
            isinstance(target, bool) or not isinstance(target, int | float)
        ):
            self.error(
                at("target", at("compare", node.line)),
                f"{path}.target",
                "a comparison with the target needs 'target', a number.",
            )
        elif compare != "target" and target is not None:
            self.error(
                at("target", node.line), f"{path}.target", "is used only with compare: target."
            )
        rule = self.rule(node, path, compare)
        if len(self.issues) != errors:
            return None
        signal = Signal(
            name=str(node.get("name") or metric),
            metric=str(metric),
            period=str(period),
            rule=rule or Rule("threshold", {}),
            compare=compare,
            target=float(target) if compare == "target" else None,  # type: ignore[arg-type]
            dimensions=self.texts(node, "dimensions", path),
            filters=self.texts(node, "filters", path),
            where=tuple(where),
            line=node.line,
        )
        try:  # whatever the semantic layer cannot compute (a comparison it cannot make)
            compile_query(signal.query(), self.model, as_of=_CHECK_DAY)
        except UnknownNameError as error:
            self.error(node.line, path, error.message)
            return None
        except QueryError as error:
            self.error(node.line, path, f"cannot be computed: {error.message}", error.hint)
            return None
        return signal

    def rule(self, node: LineMap, path: str, compare: object) -> Rule | None:
        line = node.key_lines.get("rule", node.line)
        given = self.mapping(node.get("rule"), line, f"{path}.rule")
        if given is None:
            return None
        kind = given.get("type")
        if kind not in KNOWN_KINDS:
            self.error(
                given.key_lines.get("type", line),
                f"{path}.rule.type",
                f"unknown rule {short_repr(kind)}.{did_you_mean(str(kind), KNOWN_KINDS)}",
                f"Accepted: {', '.join(KNOWN_KINDS)}.",
            )
            return None
        params = {str(k): v for k, v in given.items() if k != "type"}
        evaluator = self.rules.get(str(kind))
        for problem in evaluator.check(params) if evaluator is not None else []:
            self.error(line, f"{path}.rule", f"{kind}: {problem}.")
        if kind == "pct_change" and compare is None:
            self.error(
                line,
                f"{path}.rule",
                "pct_change needs a comparison: add compare: previous_period, previous_year "
                "or target.",
            )
        return Rule(str(kind), params)


def _zones() -> list[str]:
    from zoneinfo import available_timezones

    return sorted(available_timezones())
