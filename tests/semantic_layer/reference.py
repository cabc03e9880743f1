"""An independent reference for the demo metrics.yml: every number computed with pandas.

Nothing here reads SQL or imports the compiler: the metric definitions of `metrics.yml` are
written out again by hand, as pandas masks, merges and groupbys over the raw warehouse tables.
The property tests compare the compiler's answers on DuckDB with these.

The semantics written down here (and nowhere else in the tests):

- A *plain* measure aggregates the rows of its table whose time dimension falls in the range
  `[start, end)`, grouped by the requested dimensions; `metric_time:<grain>` is that time
  dimension truncated to the grain (weeks start on Monday).
- A *snapshot* measure (ARR, active customers) is evaluated on one day per period: the period's
  last day inside the range (the range's last day without a grain, the as-of day without a
  range). A row counts on day `d` when `CAST(valid_from AS DATE) <= d` and `valid_to` is empty
  or `CAST(valid_to AS DATE) > d`.
- With a grain and no range, a query holding a snapshot uses a default window (12 weeks, 12
  months or 8 quarters) for all of its metrics; a query of plain metrics only covers all time.
- Dimensions resolve to the nearest table reachable through many-to-one joins (an opportunity's
  `segment` is its own, not its account's); a dimension whose join finds nothing is NULL, and
  NULL is a group of its own.
- Filters follow SQL: a NULL dimension value satisfies no `=`, `!=`, `IN` or `NOT IN`.
- The groups are those of the rows a metric reads (its table's rows in the range, on the
  snapshot day or in the cumulative window, that pass the query's filters), whether or not
  they pass the metric's own filters (a measure's `filter`, a metric's `filter`): those only
  decide which rows count. Pipeline by stage has a Closed Won group, with no open pipeline.
- `count` and `count_distinct` are 0 where a group has no rows; `sum` and `median` are NULL;
  a ratio is `sum(numerator) / sum(denominator)` and NULL when the denominator is 0; the parts
  of a derived metric count as 0 when empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

Grain = Literal["week", "month", "quarter"]
Aggregation = Literal["sum", "count", "count_distinct", "avg", "median"]
Key = tuple[object, ...]
Mask = Callable[[pd.DataFrame], np.ndarray]
Values = Callable[[pd.DataFrame], pd.Series]

PRESALE_INTENTS = ("product_question", "discount_request")
CLOSED_STAGES = ("Closed Won", "Closed Lost")
ARR_CHANGES = ("new", "expansion", "contraction")
_PANDAS_FREQ: dict[Grain, str] = {"week": "W-SUN", "month": "M", "quarter": "Q"}
_DEFAULT_PERIODS: dict[Grain, int] = {"week": 12, "month": 12, "quarter": 8}


# --------------------------------------------------------------------------- SQL-like helpers


def known(series: pd.Series) -> np.ndarray:
    """True where the value is not NULL."""
    return series.notna().to_numpy(dtype=bool)


def truthy(series: pd.Series) -> np.ndarray:
    """A SQL predicate's result as a row mask: NULL does not pass."""
    return series.fillna(False).to_numpy(dtype=bool)


def sql_in(series: pd.Series, values: Iterable[object]) -> pd.Series:
    """`series IN (values)` with SQL's NULL: NULL in, NULL out."""
    hit = pd.Series(series.isin(list(values)).to_numpy(dtype=bool), index=series.index)
    return hit.astype("boolean").mask(~known(series))


def compare(series: pd.Series, op: str, values: Sequence[object]) -> np.ndarray:
    """The rows where `series op values` holds, as SQL decides it (NULL never holds)."""
    if op == "is null":
        return ~known(series)
    if op == "is not null":
        return known(series)
    hit = series.isin(list(values)).to_numpy(dtype=bool)
    if op in ("=", "in"):
        return hit & known(series)
    if op in ("!=", "not in"):
        return ~hit & known(series)
    raise ValueError(f"the reference does not know the filter operator {op!r}")


def as_date(value: object) -> object:
    """A key value in plain Python: dates as `date`, NULL as None, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, np.generic):
        return value.item()
    return value


def seconds_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """DuckDB's `date_diff('second', start, end)`: whole-second boundaries crossed."""
    start_s = start.dt.floor("s").astype("datetime64[us]")
    end_s = end.dt.floor("s").astype("datetime64[us]")
    return (end_s - start_s).dt.total_seconds()


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Window:
    """The days `start <= d < end`."""

    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def _period_start(day: date, grain: Grain) -> date:
    return pd.Period(day, freq=_PANDAS_FREQ[grain]).start_time.date()


def _periods_back(day: date, grain: Grain, count: int) -> date:
    """The first day of the `grain` period `count` periods before the one holding `day`."""
    return (pd.Period(day, freq=_PANDAS_FREQ[grain]) - count).start_time.date()


def resolve_range(text: str | None, as_of: date) -> Window | None:
    """The days a time range names, for the forms the property tests draw (None: all time)."""
    if text is None:
        return None
    tomorrow = as_of + timedelta(days=1)
    fixed: dict[str, Callable[[], Window]] = {
        "last 30 days": lambda: Window(as_of - timedelta(days=29), tomorrow),
        "last 3 months": lambda: Window(_periods_back(as_of, "month", 2), tomorrow),
        "this quarter": lambda: Window(_period_start(as_of, "quarter"), tomorrow),
        "last quarter": lambda: Window(
            _periods_back(as_of, "quarter", 1), _period_start(as_of, "quarter")
        ),
        "ytd": lambda: Window(date(as_of.year, 1, 1), tomorrow),
    }
    if text in fixed:
        return fixed[text]()
    if len(text) == 4 and text.isdigit():
        year = int(text)
        return Window(date(year, 1, 1), min(date(year + 1, 1, 1), tomorrow))
    if len(text) == 7 and text[4:6] == "-Q":
        period = pd.Period(text.replace("-", ""), freq="Q")
        start = period.start_time.date()
        end = (period + 1).start_time.date()
        return Window(start, min(end, tomorrow))
    raise ValueError(f"the reference does not know the time range {text!r}")


def default_window(grain: Grain, as_of: date) -> Window:
    """A time series' window when a snapshot asks for a grain and no range."""
    count = _DEFAULT_PERIODS[grain]
    return Window(_periods_back(as_of, grain, count - 1), as_of + timedelta(days=1))


def spine(window: Window | None, grain: Grain | None, as_of: date) -> list[tuple[date, date]]:
    """(period label, snapshot day) pairs: one per period the window touches."""
    if window is None:
        return [(as_of, as_of)]
    if grain is None:
        return [(window.last_day, window.last_day)]
    out = []
    period = pd.Period(window.start, freq=_PANDAS_FREQ[grain])
    while period.start_time.date() < window.end:
        following = (period + 1).start_time.date()
        out.append((period.start_time.date(), min(following, window.end) - timedelta(days=1)))
        period += 1
    return out


def truncate(values: pd.Series, grain: Grain | None) -> pd.Series:
    """Timestamps truncated to the first day of their `grain` period (day without a grain)."""
    days = values.dt.normalize()
    if grain is None:
        return days
    if grain == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return days.dt.to_period(_PANDAS_FREQ[grain]).dt.start_time.astype(values.dtype)


# --------------------------------------------------------------------------- the model, again


@dataclass(frozen=True)
class Measure:
    """An aggregation over one table's rows (as metrics.yml declares it)."""

    table: str
    aggregation: Aggregation
    time: str
    value: Values | None = None  # None: count rows
    where: Mask | None = None
    snapshot: tuple[str, str] | None = None


@dataclass(frozen=True)
class Leaf:
    """A measure as a metric uses it: with the metric's filter, over a trailing window."""

    measure: str
    where: Mask | None = None
    window_days: int | None = None
    to_date: Grain | None = None

    @property
    def cumulative(self) -> bool:
        return self.window_days is not None or self.to_date is not None


@dataclass(frozen=True)
class Metric:
    """A metric as leaves and a formula over their values (NaN: NULL)."""

    leaves: tuple[Leaf, ...]
    formula: Callable[[Sequence[float]], float]


def _col(name: str) -> Values:
    return lambda frame: frame[name]


def _is(name: str, value: object) -> Mask:
    return lambda frame: compare(frame[name], "=", [value])


def _ratio(parts: Sequence[float]) -> float:
    numerator, denominator = parts
    if math.isnan(denominator) or denominator == 0 or math.isnan(numerator):
        return math.nan
    return numerator / denominator


def _single(parts: Sequence[float]) -> float:
    return parts[0]


def _zero_when_empty(parts: Sequence[float]) -> float:
    """`fill_nulls_with: 0`: a metric with no rows to count is 0."""
    return 0.0 if math.isnan(parts[0]) else parts[0]


MEASURES: dict[str, Measure] = {
    # accounts
    "new_customers": Measure("accounts", "count", "signed_up_at"),
    "churned_customers": Measure(
        "accounts", "count", "churned_at", where=lambda f: known(f["churned_at"])
    ),
    "active_customers": Measure(
        "accounts", "count", "signed_up_at", snapshot=("signed_up_at", "churned_at")
    ),
    "ai_enabled_customers": Measure(
        "accounts", "count", "signed_up_at", snapshot=("ai_agent_enabled_at", "churned_at")
    ),
    # subscriptions
    "arr": Measure(
        "subscriptions", "sum", "started_on", _col("arr"), snapshot=("started_on", "ended_on")
    ),
    "new_arr": Measure(
        "subscriptions", "sum", "started_on", _col("arr_change"), _is("change_type", "new")
    ),
    "expansion_arr": Measure(
        "subscriptions", "sum", "started_on", _col("arr_change"), _is("change_type", "expansion")
    ),
    "contraction_arr": Measure(
        "subscriptions",
        "sum",
        "started_on",
        lambda f: -f["arr_change"],
        _is("change_type", "contraction"),
    ),
    "churned_arr": Measure(
        "subscriptions", "sum", "ended_on", _col("arr"), _is("end_reason", "churn")
    ),
    # arr_movements (the ARR bridge, a view over subscriptions: see load_views)
    "net_arr_change": Measure("arr_movements", "sum", "moved_on", _col("amount")),
    # tickets
    "tickets": Measure("tickets", "count", "created_at"),
    "resolved_tickets": Measure(
        "tickets", "count", "created_at", where=lambda f: known(f["resolved_at"])
    ),
    "ai_resolved_tickets": Measure(
        "tickets",
        "count",
        "created_at",
        where=lambda f: known(f["resolved_at"]) & compare(f["handled_by"], "=", ["ai"]),
    ),
    "presale_tickets": Measure(
        "tickets",
        "count",
        "created_at",
        where=lambda f: compare(f["intent"], "in", PRESALE_INTENTS),
    ),
    "first_response_seconds_median": Measure(
        "tickets",
        "median",
        "created_at",
        lambda f: seconds_between(f["created_at"], f["first_response_at"]),
    ),
    "first_response_seconds_avg": Measure(
        "tickets",
        "avg",
        "created_at",
        lambda f: seconds_between(f["created_at"], f["first_response_at"]),
    ),
    "resolution_seconds_median": Measure(
        "tickets",
        "median",
        "created_at",
        lambda f: seconds_between(f["created_at"], f["resolved_at"]),
    ),
    "csat_sum": Measure("tickets", "sum", "created_at", _col("csat_score")),
    "csat_responses": Measure("tickets", "count", "created_at", _col("csat_score")),
    "satisfied_responses": Measure(
        "tickets",
        "count",
        "created_at",
        where=lambda f: truthy(f["csat_score"] >= 4),
    ),
    # conversions
    "influenced_revenue": Measure("conversions", "sum", "ordered_at", _col("order_value")),
    "converted_tickets": Measure("conversions", "count_distinct", "ordered_at", _col("ticket_id")),
    # opportunities
    "open_pipeline_amount": Measure(
        "opportunities",
        "sum",
        "close_date",
        _col("amount"),
        lambda f: compare(f["stage"], "not in", CLOSED_STAGES),
    ),
    "won_deals": Measure("opportunities", "count", "close_date", where=_is("stage", "Closed Won")),
    "closed_deals": Measure(
        "opportunities",
        "count",
        "close_date",
        where=lambda f: compare(f["stage"], "in", CLOSED_STAGES),
    ),
    "won_amount": Measure(
        "opportunities", "sum", "close_date", _col("amount"), _is("stage", "Closed Won")
    ),
}


def _simple(measure: str, where: Mask | None = None) -> Metric:
    return Metric((Leaf(measure, where),), _single)


def _ratio_of(numerator: str, denominator: str) -> Metric:
    return Metric((Leaf(numerator), Leaf(denominator)), _ratio)


METRICS: dict[str, Metric] = {
    "ticket_volume": _simple("tickets"),
    "ai_handled_tickets": _simple("tickets", _is("handled_by", "ai")),
    "resolved_tickets": _simple("resolved_tickets"),
    "presale_tickets": _simple("presale_tickets"),
    "first_response_time": _simple("first_response_seconds_median"),
    "first_response_time_avg": _simple("first_response_seconds_avg"),
    "resolution_time": _simple("resolution_seconds_median"),
    "csat": _ratio_of("csat_sum", "csat_responses"),
    "csat_satisfied_rate": _ratio_of("satisfied_responses", "csat_responses"),
    "ai_automation_rate": _ratio_of("ai_resolved_tickets", "resolved_tickets"),
    "influenced_revenue": _simple("influenced_revenue"),
    "converted_tickets": _simple("converted_tickets"),
    "conversion_rate": _ratio_of("converted_tickets", "presale_tickets"),
    "new_arr": _simple("new_arr"),
    "expansion_arr": _simple("expansion_arr"),
    "contraction_arr": _simple("contraction_arr"),
    "churned_arr": _simple("churned_arr"),
    "net_new_arr": Metric((Leaf("net_arr_change"),), _zero_when_empty),
    "arr": _simple("arr"),
    "active_customers": _simple("active_customers"),
    "ai_enabled_customers": _simple("ai_enabled_customers"),
    "ai_adoption_rate": _ratio_of("ai_enabled_customers", "active_customers"),
    "new_customers": _simple("new_customers"),
    "churned_customers": _simple("churned_customers"),
    "pipeline_amount": _simple("open_pipeline_amount"),
    "won_deals": _simple("won_deals"),
    "bookings": _simple("won_amount"),
    "win_rate": _ratio_of("won_deals", "closed_deals"),
    "tickets_rolling_7d": Metric((Leaf("tickets", window_days=7),), _single),
    "bookings_qtd": Metric((Leaf("won_amount", to_date="quarter"),), _single),
}

#: Dimensions of each table (metrics.yml `dimensions`, time dimensions left out).
ACCOUNT_DIMENSIONS = (
    "account_name",
    "segment",
    "gmv_tier",
    "vertical",
    "region",
    "platform",
    "account_owner",
    "ai_agent_enabled",
    "is_churned",
)
TICKET_DIMENSIONS = ("channel", "intent", "handled_by", "handed_over", "csat_score", "is_presale")
OWN_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "accounts": ACCOUNT_DIMENSIONS,
    "subscriptions": ("plan", "change_type"),
    "arr_movements": ("plan", "movement"),
    "tickets": TICKET_DIMENSIONS,
    "conversions": ("influenced_by",),
    "opportunities": (
        "opportunity_name",
        "segment",
        "opportunity_type",
        "source",
        "stage",
        "sales_rep",
        "is_closed",
    ),
}
#: Table-qualified dimensions the reference knows (`accounts.segment` is the account's segment
#: even where a nearer table has a `segment` of its own).
QUALIFIED = ("accounts.segment", "opportunities.segment")
#: Tables each table reaches through many-to-one joins (metrics.yml `relationships`).
REACHES: dict[str, tuple[str, ...]] = {
    "accounts": ("accounts",),
    "subscriptions": ("subscriptions", "accounts"),
    "arr_movements": ("arr_movements", "accounts"),
    "tickets": ("tickets", "accounts"),
    "conversions": ("conversions", "tickets", "accounts"),
    "opportunities": ("opportunities", "accounts"),
}


def dimensions_of(table: str) -> frozenset[str]:
    """Every dimension name a measure of `table` can be grouped or filtered by."""
    reached = REACHES[table]
    plain = {d for t in reached for d in OWN_DIMENSIONS[t]}
    return frozenset(plain | {q for q in QUALIFIED if q.split(".")[0] in reached})


def metric_tables(metric: str) -> frozenset[str]:
    """The tables holding the measures `metric` is computed from."""
    return frozenset(MEASURES[leaf.measure].table for leaf in METRICS[metric].leaves)


def reachable(metrics: Iterable[str]) -> frozenset[str]:
    """Dimensions every table of every metric reaches."""
    found: frozenset[str] | None = None
    for metric in metrics:
        for table in metric_tables(metric):
            found = dimensions_of(table) if found is None else found & dimensions_of(table)
    return found or frozenset()


def uses_spine(metric: str) -> bool:
    """Whether `metric` is evaluated on days (a snapshot or a cumulative window)."""
    return any(
        MEASURES[leaf.measure].snapshot is not None or leaf.cumulative
        for leaf in METRICS[metric].leaves
    )


# --------------------------------------------------------------------------- the warehouse


def load_views(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Each table with every dimension it reaches as a column named like the dimension.

    Joins are left joins along metrics.yml's relationships; where a name exists on several
    reachable tables the nearest wins (an opportunity's own `segment`).
    """
    raw = {
        name: con.execute(f"SELECT * FROM {name}").df()
        for name in ("accounts", "subscriptions", "tickets", "conversions", "opportunities")
    }
    accounts = raw["accounts"].assign(
        account_owner=lambda f: f["owner_name"],
        ai_agent_enabled=lambda f: f["ai_agent_enabled_at"].notna(),
        is_churned=lambda f: f["churned_at"].notna(),
        **{"accounts.segment": lambda f: f["segment"]},
    )
    account_dims = accounts[["account_id", *ACCOUNT_DIMENSIONS, "accounts.segment"]]
    tickets = raw["tickets"].assign(is_presale=lambda f: sql_in(f["intent"], PRESALE_INTENTS))
    tickets = tickets.merge(account_dims, on="account_id", how="left", validate="many_to_one")
    ticket_dims = tickets[
        ["ticket_id", *TICKET_DIMENSIONS, *ACCOUNT_DIMENSIONS, "accounts.segment"]
    ]
    # conversions reach accounts through their ticket (the only declared path)
    conversions = (
        raw["conversions"]
        .drop(columns=["account_id"])
        .merge(ticket_dims, on="ticket_id", how="left", validate="many_to_one")
    )
    subscriptions = raw["subscriptions"].merge(
        account_dims, on="account_id", how="left", validate="many_to_one"
    )
    # the ARR bridge: a new, expansion or contraction period moves ARR by its change on its
    # start day; a churned customer's last period takes its whole ARR away on its end day
    starts = subscriptions[compare(subscriptions["change_type"], "in", ARR_CHANGES)]
    churns = subscriptions[compare(subscriptions["end_reason"], "=", ["churn"])]
    arr_movements = pd.concat(
        [
            starts.assign(
                moved_on=starts["started_on"],
                movement=starts["change_type"],
                amount=starts["arr_change"],
            ),
            churns.assign(moved_on=churns["ended_on"], movement="churn", amount=-churns["arr"]),
        ],
        ignore_index=True,
    )
    # an opportunity's own segment is nearer than its account's
    opportunities = (
        raw["opportunities"]
        .assign(
            opportunity_type=lambda f: f["type"],
            sales_rep=lambda f: f["owner_name"],
            is_closed=lambda f: sql_in(f["stage"], CLOSED_STAGES),
            **{"opportunities.segment": lambda f: f["segment"]},
        )
        .drop(columns=["owner_name"])
        .merge(
            account_dims.drop(columns=["segment"]),
            on="account_id",
            how="left",
            validate="many_to_one",
        )
    )
    views = {
        "accounts": accounts,
        "subscriptions": subscriptions,
        "arr_movements": arr_movements,
        "tickets": tickets,
        "conversions": conversions,
        "opportunities": opportunities,
    }
    for name, view in views.items():
        missing = dimensions_of(name) - set(view.columns)
        assert not missing, f"{name} lacks {missing}"
    return views


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class QueryFilter:
    """`field op values`, as the property tests draw it."""

    field: str
    op: str
    values: tuple[object, ...] = ()


#: metrics.yml's named filters, as the filters they stand for.
NAMED_FILTERS: dict[str, QueryFilter] = {
    "enterprise": QueryFilter("segment", "=", ("Enterprise",)),
    "ai_handled": QueryFilter("handled_by", "=", ("ai",)),
    "presale": QueryFilter("is_presale", "=", (True,)),
    "north_america": QueryFilter("region", "=", ("North America",)),
}


@dataclass
class Expected:
    """The reference answer: metric values for every group the answer holds.

    `values[key][metric]` is the value at the group `key` (dimension values in the order asked,
    then the period). `required` are the groups that must appear: some row a metric reads
    falls in them, whether or not it passes the metric's own filters (module docstring).
    """

    metrics: tuple[str, ...]
    values: dict[Key, dict[str, float]] = field(default_factory=dict)
    required: set[Key] = field(default_factory=set)


class Reference:
    """Computes semantic queries over the demo warehouse with pandas."""

    def __init__(self, views: Mapping[str, pd.DataFrame], as_of: date) -> None:
        self.views = views
        self.as_of = as_of
        self._truncated: dict[tuple[str, str, str | None], pd.Series] = {}

    def _period_column(self, table: str, column: str, grain: Grain | None) -> pd.Series:
        key = (table, column, grain)
        if key not in self._truncated:
            self._truncated[key] = truncate(self.views[table][column], grain)
        return self._truncated[key]

    def window(
        self, metrics: Sequence[str], time_range: str | None, grain: Grain | None
    ) -> Window | None:
        """The query's days; a series of snapshots without a range gets the default window."""
        window = resolve_range(time_range, self.as_of)
        if window is None and grain is not None and any(uses_spine(m) for m in metrics):
            return default_window(grain, self.as_of)
        return window

    def rows(
        self,
        leaf: Leaf,
        filters: Sequence[QueryFilter],
        window: Window | None,
        grain: Grain | None,
    ) -> pd.DataFrame:
        """The rows of the leaf's table the query aggregates, with a `_period` column.

        Plain measures: rows whose time falls in the window, `_period` their truncated time.
        Snapshots: for each day of the spine, the rows valid that day, `_period` the period.
        Cumulative: for each day of the spine, the rows whose time falls in the trailing window
        (or the grain to date) ending that day, whatever the query's range.
        """
        measure = MEASURES[leaf.measure]
        frame = self.views[measure.table]
        keep = np.ones(len(frame), dtype=bool)
        for item in filters:
            keep &= compare(frame[item.field], item.op, item.values)
        time = frame[measure.time]
        if measure.snapshot is None and not leaf.cumulative:
            if window is not None:
                keep &= truthy(time >= pd.Timestamp(window.start))
                keep &= truthy(time < pd.Timestamp(window.end))
            period = self._period_column(measure.table, measure.time, grain)
            return frame[keep].assign(_period=period[keep])
        parts = []
        for label, day in spine(window, grain, self.as_of):
            end = day + timedelta(days=1)
            if measure.snapshot is not None:
                valid_from, valid_to = (frame[c].dt.normalize() for c in measure.snapshot)
                stamp = pd.Timestamp(day)
                valid = truthy(valid_from <= stamp) & (~known(valid_to) | truthy(valid_to > stamp))
            else:
                if leaf.window_days is not None:
                    start = end - timedelta(days=leaf.window_days)
                else:
                    assert leaf.to_date is not None
                    start = _period_start(day, leaf.to_date)
                valid = truthy(time >= pd.Timestamp(start)) & truthy(time < pd.Timestamp(end))
            parts.append(frame[keep & valid].assign(_period=pd.Timestamp(label)))
        return pd.concat(parts, ignore_index=True)

    def evaluate(
        self,
        metrics: Sequence[str],
        dimensions: Sequence[str],
        grain: Grain | None,
        filters: Sequence[QueryFilter],
        time_range: str | None,
    ) -> Expected:
        """The answer to the query, group by group (groups: dimension values, then the period)."""
        window = self.window(metrics, time_range, grain)
        keys = [*dimensions, *(["_period"] if grain is not None else [])]
        # one aggregate per distinct leaf, over the rows of its table
        leaves: dict[Leaf, tuple[dict[Key, float], Aggregation]] = {}
        for metric in metrics:
            for leaf in METRICS[metric].leaves:
                if leaf not in leaves:
                    rows = self.rows(leaf, filters, window, grain)
                    aggregates = _aggregate(rows, leaf, keys)
                    leaves[leaf] = aggregates, MEASURES[leaf.measure].aggregation
        expected = Expected(tuple(metrics))
        every_key: dict[Key, None] = {}
        for values, _ in leaves.values():
            every_key.update(dict.fromkeys(values))
        if not keys:
            every_key = {(): None}
        expected.required.update(every_key)
        for key in every_key:
            row: dict[str, float] = {}
            for metric in metrics:
                parts = []
                for leaf in METRICS[metric].leaves:
                    values, aggregation = leaves[leaf]
                    empty = 0.0 if aggregation in ("count", "count_distinct") else math.nan
                    parts.append(values.get(key, empty))
                row[metric] = METRICS[metric].formula(parts)
            expected.values[key] = row
        return expected


def _aggregate(rows: pd.DataFrame, leaf: Leaf, keys: Sequence[str]) -> dict[Key, float]:
    """The leaf's aggregate for every group of `rows`, groups as plain tuples: the leaf's own
    filters decide which rows count, not which groups there are (an empty count is 0, an
    empty sum NaN)."""
    measure = MEASURES[leaf.measure]
    passing = np.ones(len(rows), dtype=bool)
    if measure.where is not None:
        passing &= measure.where(rows)
    if leaf.where is not None:
        passing &= leaf.where(rows)
    data = pd.DataFrame({"_passing": passing}, index=rows.index)
    if measure.value is not None:
        data["_value"] = measure.value(rows).astype("float64").where(passing)
    group_keys = [rows[k] for k in keys] if keys else [pd.Series(0, index=rows.index)]
    grouped = data.groupby(group_keys, dropna=False, sort=False)
    if measure.aggregation == "count":
        if measure.value is None:
            values = grouped["_passing"].sum().astype("float64")
        else:
            values = grouped["_value"].count().astype("float64")
    elif measure.aggregation == "count_distinct":
        values = grouped["_value"].nunique().astype("float64")
    elif measure.aggregation == "sum":
        values = grouped["_value"].sum(min_count=1)
    elif measure.aggregation == "avg":
        values = grouped["_value"].mean()
    else:
        values = grouped["_value"].median()

    def plain(index: pd.Index) -> list[Key]:
        if not keys:
            return [() for _ in index]
        if len(keys) == 1:
            return [(as_date(v),) for v in index]
        return [tuple(as_date(v) for v in item) for item in index]

    return dict(zip(plain(values.index), values.astype("float64").tolist(), strict=True))
