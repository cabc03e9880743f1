"""Properties: any valid semantic query over the demo model gives the numbers pandas gives.

Hypothesis draws semantic queries over the shipped metrics.yml: one or two metrics (additive,
ratio, median, derived and snapshot ones most often; averages and cumulative ones too), up to
two dimensions every chosen metric reaches (`accounts.segment` style qualified names included),
optionally `metric_time:<grain>`, up to two filters (`=`, `!=`, `in`, `not in`, `is [not] null`
on real dimension values, or a named filter), and a time range. Each query is compiled, run on
the demo warehouse (scale 0.05, seed 7, as of 2026-11-24) and compared with `reference.py`,
which recomputes the same question from the raw tables with pandas merges, masks and groupbys,
without SQL and without the compiler.

What "the same answer" means (reference.py writes down the semantics):

- the columns are the requested dimensions, then the metrics, in the order asked;
- each group appears once; every group that some row a metric reads falls into (after the
  query's filters and the range; on the snapshot day; in the cumulative window) appears, even
  when its rows all fail the metric's own filter (then with the empty values: count 0, sum
  NULL, ...); no other group appears; without dimensions there is one row;
- every number agrees with pandas: sums, counts, averages and ratios to a relative 1e-9,
  medians to 1e-6; NULL where pandas says NULL (an empty sum, a zero denominator), 0 where it
  says 0 (a count).

A dimension some chosen metric's table cannot reach must be refused with a QueryError, never
silently dropped: a property too. The examples at the end name cases the generator reaches
rarely, and `test_the_reference_reproduces_the_hand_checked_numbers` checks the oracle itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import pytest
import sqlglot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from semantic_layer.compile import compile_query
from semantic_layer.errors import QueryError, UnknownNameError
from semantic_layer.model import SemanticModel
from semantic_layer.query import Filter, SemanticQuery
from tests.conftest import DEMO_AS_OF
from tests.semantic_layer import reference
from tests.semantic_layer.conftest import TINY_AS_OF
from tests.semantic_layer.reference import Expected, Grain, Key, QueryFilter, Reference, as_date

settings.register_profile(
    "cortex-properties",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=600,
    suppress_health_check=[HealthCheck.too_slow],
)
PROPERTIES = settings.get_profile("cortex-properties")

# --------------------------------------------------------------------------- the query space

#: The metrics the generator draws most, by kind.
ADDITIVE = (
    "ticket_volume",
    "ai_handled_tickets",
    "resolved_tickets",
    "influenced_revenue",
    "new_arr",
    "churned_arr",
    "pipeline_amount",
    "bookings",
    "new_customers",
)
RATIOS = ("csat", "ai_automation_rate", "win_rate", "conversion_rate")
MEDIANS = ("first_response_time",)
DERIVED = ("net_new_arr",)
SNAPSHOTS = ("arr", "active_customers")
CORE = ADDITIVE + RATIOS + MEDIANS + DERIVED + SNAPSHOTS
#: The rest of the catalog, drawn a third of the time: more filtered counts, a ratio of two
#: snapshots, an average, another median, and the two cumulative metrics.
MORE = (
    "expansion_arr",
    "contraction_arr",
    "churned_customers",
    "presale_tickets",
    "converted_tickets",
    "won_deals",
    "csat_satisfied_rate",
    "ai_adoption_rate",
    "ai_enabled_customers",
    "first_response_time_avg",
    "resolution_time",
    "tickets_rolling_7d",
    "bookings_qtd",
)
EXACT_TO_1E_6 = ("first_response_time", "resolution_time")
KINDS = {
    **dict.fromkeys(ADDITIVE + MORE[:6], "additive"),
    **dict.fromkeys(RATIOS + ("csat_satisfied_rate", "ai_adoption_rate"), "ratio"),
    **dict.fromkeys(EXACT_TO_1E_6, "median"),
    "first_response_time_avg": "average",
    "net_new_arr": "derived",
    **dict.fromkeys(SNAPSHOTS + ("ai_enabled_customers",), "snapshot"),
    "tickets_rolling_7d": "cumulative",
    "bookings_qtd": "cumulative",
}
METRIC = st.one_of(st.sampled_from(CORE), st.sampled_from(CORE), st.sampled_from(MORE))

#: Values of the dimensions the generator filters by: the documented domains
#: (DEMO_WAREHOUSE.md); `test_filter_values_are_the_warehouse_values` keeps them honest.
VALUES: dict[str, tuple[object, ...]] = {
    "segment": ("SMB", "Mid-Market", "Enterprise"),
    "gmv_tier": ("<$1M", "$1M-$5M", "$5M-$20M", "$20M+"),
    "vertical": (
        "Apparel & Accessories",
        "Food & Beverage",
        "Health & Beauty",
        "Home & Garden",
        "Sporting Goods",
        "Electronics",
        "Pets",
    ),
    "region": ("North America", "EMEA", "APAC", "LATAM"),
    "platform": ("Shopify", "BigCommerce", "Magento"),
    "ai_agent_enabled": (True, False),
    "is_churned": (True, False),
    "channel": ("email", "chat", "sms", "social", "voice"),
    "intent": (
        "where_is_my_order",
        "return_request",
        "product_question",
        "order_change",
        "shipping_issue",
        "discount_request",
        "damaged_item",
        "subscription_management",
        "other",
    ),
    "handled_by": ("ai", "human"),
    "handed_over": (True, False),
    "is_presale": (True, False),
    "csat_score": (1, 2, 3, 4, 5),
    "influenced_by": ("ai", "human"),
    "plan": ("Starter", "Basic", "Pro", "Advanced", "Enterprise"),
    "change_type": ("new", "expansion", "contraction", "renewal"),
    "movement": ("new", "expansion", "contraction", "churn"),
    "source": ("Inbound", "Outbound", "Partner"),
    "stage": (
        "Prospecting",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Closed Won",
        "Closed Lost",
    ),
    "opportunity_type": ("New Business", "Expansion"),
    "is_closed": (True, False),
}
VALUES["accounts.segment"] = VALUES["opportunities.segment"] = VALUES["segment"]
#: Dimensions the generator groups by: the filterable ones plus three with many values.
GROUPABLE = frozenset(VALUES) | {"account_name", "account_owner", "sales_rep"}
GRAINS: tuple[Grain, ...] = ("week", "month", "quarter")
TIME_RANGES = (
    None,
    "last 30 days",
    "last 3 months",
    "this quarter",
    "last quarter",
    "ytd",
    "2025",
    "2026-Q2",
)
OPS = ("=", "!=", "in", "not in", "is null", "is not null")


@dataclass(frozen=True)
class Case:
    """A semantic query as drawn: `grain` adds `metric_time:<grain>` at `time_at`."""

    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    grain: Grain | None = None
    filters: tuple[QueryFilter, ...] = ()
    time_range: str | None = None
    time_at: int = 0
    named: tuple[str, ...] = ()

    @property
    def requested(self) -> tuple[str, ...]:
        """The query's dimensions, metric_time included."""
        dims = list(self.dimensions)
        if self.grain is not None:
            dims.insert(min(self.time_at, len(dims)), f"metric_time:{self.grain}")
        return tuple(dims)

    @property
    def columns(self) -> list[str]:
        """The answer's columns: dimensions as asked (`metric_time__month`), then metrics."""
        return [output(d).replace(":", "__") for d in self.requested] + list(self.metrics)

    def query(self) -> SemanticQuery:
        filters = [Filter(field=f.field, op=f.op, values=f.values) for f in self.filters]
        return SemanticQuery(
            metrics=self.metrics,
            dimensions=self.requested,
            filters=tuple(filters),
            named_filters=self.named,
            time_range=self.time_range,
        )

    def expected(self, ref: Reference) -> Expected:
        filters = (*self.filters, *(reference.NAMED_FILTERS[n] for n in self.named))
        return ref.evaluate(self.metrics, self.dimensions, self.grain, filters, self.time_range)


def output(dimension: str) -> str:
    """The column a dimension gives: `accounts.segment` gives `segment`."""
    return dimension.rpartition(".")[2]


@st.composite
def filters_on(draw: st.DrawFn, fields: list[str]) -> QueryFilter:
    """`field op values` with values from the field's domain."""
    name = draw(st.sampled_from(fields))
    op = draw(st.sampled_from(OPS))
    pool = st.sampled_from(VALUES[name])
    if op in ("is null", "is not null"):
        values: tuple[object, ...] = ()
    elif op in ("=", "!="):
        values = (draw(pool),)
    else:
        values = tuple(draw(st.lists(pool, min_size=1, max_size=3, unique=True)))
    return QueryFilter(name, op, values)


@st.composite
def valid_cases(draw: st.DrawFn) -> Case:
    """A query the compiler must answer: every dimension and filter reachable by every metric."""
    metrics = tuple(draw(st.lists(METRIC, min_size=1, max_size=2, unique=True)))
    reachable = reference.reachable(metrics)
    groupable = sorted(reachable & GROUPABLE)
    filterable = sorted(reachable & VALUES.keys())
    dimensions = tuple(draw(st.lists(st.sampled_from(groupable), max_size=2, unique_by=output)))
    grain = draw(st.none() | st.sampled_from(GRAINS))
    named_usable = [n for n, f in reference.NAMED_FILTERS.items() if f.field in reachable]
    named = tuple(draw(st.lists(st.sampled_from(named_usable), max_size=1)))
    filters = tuple(draw(st.lists(filters_on(filterable), max_size=2 - len(named))))
    time_range = draw(st.sampled_from(TIME_RANGES))
    time_at = draw(st.integers(0, len(dimensions)))
    return Case(metrics, dimensions, grain, filters, time_range, time_at, named)


@st.composite
def unreachable_cases(draw: st.DrawFn) -> tuple[Case, str]:
    """A query with one dimension (or filter) some chosen metric's table can't reach."""
    metrics = tuple(draw(st.lists(METRIC, min_size=1, max_size=2, unique=True)))
    reachable = reference.reachable(metrics)
    as_filter = draw(st.booleans())
    pool = VALUES.keys() if as_filter else GROUPABLE
    candidates = sorted(pool - reachable)
    if not candidates:  # every metric here reaches all of them; use another pair
        metrics = ("arr", "ticket_volume")
        candidates = sorted(pool - reference.reachable(metrics))
    bad = draw(st.sampled_from(candidates))
    usable = [
        d for d in sorted(reference.reachable(metrics) & GROUPABLE) if output(d) != output(bad)
    ]
    dimensions = tuple(draw(st.lists(st.sampled_from(usable), max_size=1)))
    grain = draw(st.none() | st.sampled_from(GRAINS))
    time_range = draw(st.sampled_from(TIME_RANGES))
    if as_filter:
        value = draw(st.sampled_from(VALUES[bad]))
        case = Case(metrics, dimensions, grain, (QueryFilter(bad, "=", (value,)),), time_range)
    else:
        case = Case(metrics, (*dimensions, bad), grain, (), time_range)
    return case, bad


# --------------------------------------------------------------------------- fixtures


class Demo:
    """The demo model, a connection to its warehouse and the pandas reference over it."""

    def __init__(
        self, model: SemanticModel, con: duckdb.DuckDBPyConnection, ref: Reference
    ) -> None:
        self.model = model
        self.con = con
        self.ref = ref

    def __repr__(self) -> str:  # hypothesis prints the test's arguments on failure
        return f"Demo(as_of={DEMO_AS_OF})"


@pytest.fixture(scope="module")
def demo(demo_model: SemanticModel, demo_con: duckdb.DuckDBPyConnection) -> Demo:
    """Everything a case runs against; the warehouse's tables are loaded into pandas once."""
    return Demo(demo_model, demo_con, Reference(reference.load_views(demo_con), DEMO_AS_OF))


# --------------------------------------------------------------------------- comparing


def _tolerance(metric: str) -> tuple[float, float]:
    """(relative, absolute) tolerance: medians exact to 1e-6, the rest to a relative 1e-9."""
    if metric in EXACT_TO_1E_6:
        return 0.0, 1e-6
    return 1e-9, 1e-6


def _same(actual: object, expected: float, metric: str) -> bool:
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return math.isnan(expected)
    if math.isnan(expected):
        return False
    rel, absolute = _tolerance(metric)
    return math.isclose(float(actual), expected, rel_tol=rel, abs_tol=absolute)  # type: ignore[arg-type]


def _keys(frame: pd.DataFrame, case: Case) -> list[Key]:
    """Each row's group as the reference keys it: dimensions, then the period."""
    names = [output(d) for d in case.dimensions]
    names += [f"metric_time__{case.grain}"] if case.grain else []
    columns = [[as_date(v) for v in frame[name].tolist()] for name in names]
    return [tuple(parts) for parts in zip(*columns, strict=True)] if names else [()] * len(frame)


def _shown(key: Key) -> str:
    return "(" + ", ".join(str(v) for v in key) + ")"


def run(case: Case, demo: Demo) -> tuple[str, pd.DataFrame]:
    """The compiled SQL and the frame DuckDB answers it with."""
    compiled = compile_query(case.query(), demo.model, as_of=DEMO_AS_OF)
    assert [c.name for c in compiled.columns] == case.columns, compiled.sql
    return compiled.sql, demo.con.execute(compiled.sql).df()


def assert_matches_reference(case: Case, demo: Demo) -> pd.DataFrame:
    """The compiled query's answer is the reference's, group by group (module docstring)."""
    sql, frame = run(case, demo)
    expected = case.expected(demo.ref)
    where = f"\nquery: {case}\nsql:\n{sql}"
    assert list(frame.columns) == case.columns, where
    keys = _keys(frame, case)
    assert len(set(keys)) == len(keys), f"a group appears twice{where}"
    if not case.requested:
        assert len(frame) == 1, f"no dimensions, but {len(frame)} rows{where}"
    for key, (_, row) in zip(keys, frame.iterrows(), strict=True):
        assert key in expected.values, f"group {_shown(key)} holds no row of any metric{where}"
        for metric in case.metrics:
            want = expected.values[key][metric]
            got = as_date(row[metric])
            assert _same(got, want, metric), (
                f"{metric} at {_shown(key)}: compiled {got}, pandas {want}{where}"
            )
    missing = expected.required - set(keys)
    assert not missing, (
        f"{len(missing)} group(s) missing, e.g. {_shown(sorted(missing, key=str)[0])}{where}"
    )
    return frame


# --------------------------------------------------------------------------- properties


@PROPERTIES
@given(case=valid_cases())
def test_compiled_queries_agree_with_pandas(case: Case, demo: Demo) -> None:
    """Any valid query's answer equals the pandas reference, group by group and number by
    number (module docstring: groups, NULL versus 0, tolerances)."""
    frame = assert_matches_reference(case, demo)
    for metric in case.metrics:
        event(f"metric kind: {KINDS[metric]}")
    event(f"rows: {'0' if frame.empty else '1' if len(frame) == 1 else 'several'}")
    event(f"dimensions: {len(case.dimensions)}, grain: {case.grain}")
    event(f"filters: {len(case.filters) + len(case.named)}")
    sql, _ = run(case, demo)
    event(f"a fact pre-aggregated at its join key: {preaggregated(sql)}")


@settings(PROPERTIES, max_examples=100)
@given(drawn=unreachable_cases())
def test_a_dimension_a_metric_cannot_reach_is_refused(drawn: tuple[Case, str], demo: Demo) -> None:
    """Grouping or filtering by a dimension one of the metrics' tables can't reach through
    many-to-one joins raises a QueryError naming it (not an unknown-name error, and never an
    answer that silently ignores it)."""
    case, bad = drawn
    with pytest.raises(QueryError, match="can't be used with") as raised:
        compile_query(case.query(), demo.model, as_of=DEMO_AS_OF)
    assert not isinstance(raised.value, UnknownNameError)
    assert bad in str(raised.value)


# --------------------------------------------------------------------------- the oracle itself


def test_the_reference_reproduces_the_hand_checked_numbers(
    tiny_con: duckdb.DuckDBPyConnection,
) -> None:
    """The pandas reference, run on the tiny company of conftest.py, gives the numbers
    test_soundness.py worked out by hand: the oracle is checked before it judges."""
    tiny = Reference(reference.load_views(tiny_con), TINY_AS_OF)

    def by_key(
        metrics: tuple[str, ...],
        dims: tuple[str, ...] = (),
        grain: Grain | None = None,
        time_range: str | None = None,
    ) -> dict[Key, dict[str, float]]:
        return tiny.evaluate(metrics, dims, grain, (), time_range).values

    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    quarter = by_key(
        ("arr", "net_new_arr", "active_customers", "ai_adoption_rate"),
        grain="month",
        time_range="2026-Q1",
    )
    assert {k[0]: v["arr"] for k, v in quarter.items()} == {jan: 135000, feb: 125000, mar: 132000}
    assert {k[0]: v["net_new_arr"] for k, v in quarter.items()} == {
        jan: 25000,
        feb: -10000,
        mar: 7000,
    }
    assert {k[0]: v["active_customers"] for k, v in quarter.items()} == {jan: 3, feb: 2, mar: 3}
    assert {k[0]: v["ai_adoption_rate"] for k, v in quarter.items()} == pytest.approx(
        {jan: 1 / 3, feb: 1.0, mar: 2 / 3}
    )
    assert by_key(("arr",)) == {(): {"arr": 132000}}
    assert by_key(("csat",), ("segment",)) == {
        ("Enterprise",): {"csat": 4.0},
        ("SMB",): {"csat": 2.5},
    }
    assert by_key(("csat",))[()]["csat"] == pytest.approx(17 / 5)
    assert by_key(("conversion_rate",), ("handled_by",)) == {
        ("ai",): {"conversion_rate": 0.5},
        ("human",): {"conversion_rate": 0.5},
    }
    frt = by_key(("first_response_time",), ("channel",))
    assert {k[0]: v["first_response_time"] for k, v in frt.items()} == {
        "email": 7200,
        "chat": 45,
        "sms": pytest.approx(math.nan, nan_ok=True),
    }
    assert by_key(("pipeline_amount", "win_rate", "bookings")) == {
        (): {"pipeline_amount": 40000, "win_rate": pytest.approx(2 / 3), "bookings": 60000}
    }
    owners = by_key(("ticket_volume", "bookings"), ("account_owner",))
    assert owners[("Ana",)] == {"ticket_volume": 5, "bookings": 60000}
    assert owners[("Ben",)]["ticket_volume"] == 1 and math.isnan(owners[("Ben",)]["bookings"])
    assert by_key(("ticket_volume",), time_range="ytd") == {(): {"ticket_volume": 6}}


def test_filter_values_are_the_warehouse_values(demo: Demo) -> None:
    """Every value the demo warehouse holds for a filterable dimension is one the generator
    draws, so the filters explore real data (values beyond them simply match nothing)."""
    for name, domain in VALUES.items():
        seen = set()
        for view in demo.ref.views.values():
            if name in view.columns:
                seen |= {as_date(v) for v in view[name].dropna().unique()}
        assert seen, name
        assert seen <= set(domain), f"{name}: {seen - set(domain)} never drawn"


# --------------------------------------------------------------------------- examples
# Cases the generator reaches rarely, or that deserve a name of their own. Each is checked
# against the reference like a drawn case, then for the point it makes.


def test_a_filter_never_matches_a_null_dimension_value(demo: Demo) -> None:
    """`region NOT IN ('EMEA')` drops new-logo deals (no account, so no region) as SQL does;
    keeping them, as a bare pandas `~isin` would, gives a different number."""
    case = Case(("pipeline_amount",), filters=(QueryFilter("region", "not in", ("EMEA",)),))
    frame = assert_matches_reference(case, demo)
    deals = demo.ref.views["opportunities"]
    open_deals = deals[~deals["stage"].isin(reference.CLOSED_STAGES)]
    naive = open_deals.loc[~open_deals["region"].isin(["EMEA"]), "amount"].sum()
    assert open_deals["region"].isna().any()
    assert frame["pipeline_amount"].iloc[0] != pytest.approx(naive)


def preaggregated(sql: str) -> bool:
    """Whether `sql` aggregates a table per join key before joining it (a grouped subquery
    in FROM, compile/preaggregate.py)."""
    return any(
        isinstance(sub.this, exp.Select) and sub.this.args.get("group") is not None
        for sub in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Subquery)
    )


@pytest.mark.parametrize(
    "case",
    [
        Case(("ticket_volume",), ("segment",)),
        Case(("ticket_volume", "arr"), ("segment",), time_range="last 3 months"),
        Case(("ai_handled_tickets", "resolved_tickets"), ("vertical", "region")),
        Case(
            ("ticket_volume",),
            ("account_name",),
            filters=(QueryFilter("channel", "in", ("email", "chat")),),
            time_range="last quarter",
        ),
        Case(("pipeline_amount", "bookings"), ("region",)),
        Case(("influenced_revenue", "ticket_volume"), ("segment",)),
    ],
    ids=str,
)
def test_a_fact_counted_per_join_key_first_gives_the_same_numbers(case: Case, demo: Demo) -> None:
    """Counts and sums grouped only by a joined table's dimensions are aggregated per join key
    before the join (tickets per account, then accounts by segment), and agree with pandas:
    with a filter on the fact (inside), a metric's own filter leaving a key with 0, and deals of
    no account (a LEFT join: a NULL region)."""
    sql, _ = run(case, demo)
    assert preaggregated(sql), sql
    assert_matches_reference(case, demo)


def test_a_count_distinct_or_a_fact_dimension_is_never_pre_aggregated(demo: Demo) -> None:
    """A count of distinct values and a median are no sum of per-key values, and a dimension of
    the fact itself (its channel, its month) is not the join key's: these join first. So does a
    filter on the dimension table, which the engine applies through the join (faster)."""
    enterprise = (QueryFilter("segment", "=", ("Enterprise",)),)
    for case in (
        Case(("ticket_volume",), ("account_name",), filters=enterprise, time_range="last quarter"),
        Case(("active_customers",), ("segment",)),
        Case(("first_response_time",), ("segment",)),
        Case(("ticket_volume",), ("segment", "channel")),
        Case(("ticket_volume",), ("segment",), "month", time_range="last 3 months"),
    ):
        sql, _ = run(case, demo)
        assert not preaggregated(sql), sql
        assert_matches_reference(case, demo)


def test_a_total_is_one_row_with_no_order_and_no_fill_for_a_count(demo: Demo) -> None:
    """A query with no dimension returns one row: it carries no ORDER BY, and a count (0 over no
    rows) no COALESCE; a sum still does where its metric fills NULLs."""
    for case in (
        Case(("ticket_volume",)),
        Case(("ticket_volume", "arr")),
        Case(("ticket_volume",), filters=(QueryFilter("channel", "=", ("no-such-channel",)),)),
    ):
        sql, frame = run(case, demo)
        tree = sqlglot.parse_one(sql, read="duckdb")
        assert tree.args.get("order") is None, sql
        assert "COALESCE(COUNT" not in sql.replace(" ", "").upper(), sql
        assert len(frame) == 1
        assert_matches_reference(case, demo)


def test_null_groups_merge_across_tables(demo: Demo) -> None:
    """Open deals with new logos have no account, so no region: they form a NULL group of
    their own, merged with the tickets' groups, where ticket volume is 0 (a count), not NULL."""
    case = Case(("pipeline_amount", "ticket_volume"), ("region",))
    frame = assert_matches_reference(case, demo)
    nulls = frame[frame["region"].isna()]
    assert len(nulls) == 1
    assert nulls["ticket_volume"].tolist() == [0]
    assert nulls["pipeline_amount"].iloc[0] > 0


def test_a_dimension_of_a_missing_account_is_null_not_false(demo: Demo) -> None:
    """A new-logo deal has no account, so `is_churned` and `ai_agent_enabled` (expressions over
    the account's columns) are NULL for it, like every other account dimension: the deal is
    not a "not churned" or "no AI" merchant, and filtering by FALSE must not count it."""
    assert_matches_reference(Case(("pipeline_amount",), ("is_churned",)), demo)
    not_churned = (QueryFilter("is_churned", "=", (False,)),)
    assert_matches_reference(Case(("pipeline_amount", "bookings"), filters=not_churned), demo)


def test_a_boolean_expression_dimension_filters_with_in(demo: Demo) -> None:
    """`ai_agent_enabled IN (TRUE)` and `is_churned NOT IN (TRUE)` filter like `=` and `!=`:
    the dimension's expression (`churned_at IS NOT NULL`) is compared as one value."""
    enabled = (QueryFilter("ai_agent_enabled", "in", (True,)),)
    assert_matches_reference(Case(("ticket_volume",), filters=enabled), demo)
    staying = (QueryFilter("is_churned", "not in", (True,)),)
    assert_matches_reference(Case(("new_customers", "arr"), ("segment",), filters=staying), demo)


def test_a_group_whose_rows_all_fail_the_metrics_own_filter_still_appears(demo: Demo) -> None:
    """Open pipeline by stage: the closed stages hold deals, none of them open, so they appear
    with an empty sum; AI-handled tickets by vertical this quarter: a vertical whose tickets
    were all handled by people appears with 0, not as a missing row."""
    frame = assert_matches_reference(Case(("pipeline_amount",), ("stage",)), demo)
    closed = frame[frame["stage"].isin(reference.CLOSED_STAGES)]
    assert len(closed) == 2 and closed["pipeline_amount"].isna().all()
    by_vertical = Case(("ai_handled_tickets",), ("vertical",), time_range="this quarter")
    assert (assert_matches_reference(by_vertical, demo)["ai_handled_tickets"] == 0).any()


def test_a_ratio_is_null_where_its_denominator_is_zero(demo: Demo) -> None:
    """Win rate by stage: 1 for Closed Won, 0 for Closed Lost, NULL for open stages (no closed
    deals to divide by), never a division error or a 0."""
    frame = assert_matches_reference(Case(("win_rate",), ("stage",)), demo)
    rates = {s: as_date(r) for s, r in zip(frame["stage"], frame["win_rate"], strict=True)}
    assert rates.pop("Closed Won") == 1.0
    assert rates.pop("Closed Lost") == 0.0
    assert rates and all(r is None for r in rates.values())


def test_a_snapshot_series_without_a_range_sets_the_window_for_every_metric(
    demo: Demo,
) -> None:
    """ARR and new ARR by month with no range: the last 12 months, for both metrics."""
    frame = assert_matches_reference(Case(("arr", "new_arr"), grain="month"), demo)
    months = sorted(t.date() for t in pd.to_datetime(frame["metric_time__month"]))
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)
    assert len(months) == 12


def test_a_plain_series_without_a_range_covers_all_history(demo: Demo) -> None:
    """Ticket volume by quarter with no range: every quarter with tickets (about 34 months)."""
    frame = assert_matches_reference(Case(("ticket_volume",), grain="quarter"), demo)
    assert len(frame) >= 11
    assert frame["ticket_volume"].sum() == len(demo.ref.views["tickets"])


def test_weekly_snapshots_label_weeks_by_their_monday(demo: Demo) -> None:
    """ARR by week over 2025: the first week starts on Monday 2024-12-30 (before the range)
    and is taken on its last day inside the range, 2025-01-05; the last is 2025-12-29."""
    case = Case(("arr", "tickets_rolling_7d"), grain="week", time_range="2025")
    frame = assert_matches_reference(case, demo)
    weeks = sorted(t.date() for t in pd.to_datetime(frame["metric_time__week"]))
    assert weeks[0] == date(2024, 12, 30) and weeks[-1] == date(2025, 12, 29)
    assert len(weeks) == 53


def test_a_filter_matching_nothing(demo: Demo) -> None:
    """A filter no row passes: one row (count 0, sum NULL) without dimensions, no rows with."""
    nothing = (QueryFilter("channel", "=", ("fax",)),)
    frame = assert_matches_reference(
        Case(("ticket_volume", "influenced_revenue"), filters=nothing), demo
    )
    assert frame["ticket_volume"].tolist() == [0]
    assert frame["influenced_revenue"].isna().all()
    nowhere = (QueryFilter("region", "=", ("Antarctica",)),)
    by_segment = Case(("ticket_volume", "arr"), ("segment",), filters=nowhere)
    assert assert_matches_reference(by_segment, demo).empty


def test_a_number_dimension_keeps_its_null_group(demo: Demo) -> None:
    """Tickets by CSAT score: tickets without a survey answer are one NULL group."""
    case = Case(("ticket_volume", "first_response_time"), ("csat_score",), time_range="2025")
    frame = assert_matches_reference(case, demo)
    assert frame["csat_score"].isna().sum() == 1


def test_conversions_reach_accounts_through_their_ticket(demo: Demo) -> None:
    """Influenced revenue and conversion rate by vertical, channel and quarter: two hops
    (conversions -> tickets -> accounts), each side at its own grain."""
    case = Case(("influenced_revenue", "conversion_rate"), ("vertical", "channel"), "quarter")
    assert_matches_reference(case, demo)


def test_segment_is_the_nearest_tables_unless_qualified(demo: Demo) -> None:
    """`segment` is a deal's own segment for pipeline (new logos have one) and the account's
    for tickets; `accounts.segment` is the account's for both (NULL for new logos)."""
    own = assert_matches_reference(Case(("bookings", "pipeline_amount"), ("segment",)), demo)
    assert own["segment"].notna().all()
    qualified = Case(("pipeline_amount", "ai_automation_rate"), ("accounts.segment",))
    assert assert_matches_reference(qualified, demo)["segment"].isna().sum() == 1


def test_net_new_arr_by_plan_is_zero_where_arr_did_not_move(demo: Demo) -> None:
    """Net new ARR and ARR by plan and quarter over 2025: net new ARR sums the ARR bridge's
    movements (on their start or end day); a plan and quarter with ARR but no movement has 0
    (`fill_nulls_with: 0`), never NULL."""
    case = Case(("net_new_arr", "arr"), ("plan",), "quarter", time_range="2025")
    frame = assert_matches_reference(case, demo)
    assert frame["net_new_arr"].notna().all()


def test_cumulative_windows_reach_before_the_range(demo: Demo) -> None:
    """Trailing 7-day tickets and quarter-to-date bookings by week over the last 30 days: the
    first week's window starts before the range, and bookings restart each quarter."""
    case = Case(("tickets_rolling_7d", "bookings_qtd"), grain="week", time_range="last 30 days")
    assert_matches_reference(case, demo)
