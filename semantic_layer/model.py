"""The governed semantic model: what `metrics.yml` declares, as frozen pydantic objects.

The model is pure data. It knows nothing of files (see `loader`), cross-references (see `rules`)
or SQL generation (see `compile`). Every object keeps its source position in `location` so that
later checks can point at `metrics.yml:42`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")

Aggregation = Literal["sum", "count", "count_distinct", "avg", "min", "max", "median", "percentile"]
DimensionType = Literal["categorical", "time", "boolean", "number"]
RelationshipType = Literal["many_to_one", "one_to_one"]
MetricType = Literal["simple", "ratio", "derived", "cumulative"]
MetricFormat = Literal["number", "currency", "percent", "duration"]
MetricStatus = Literal["certified", "draft"]
Comparison = Literal["previous_period", "previous_year"]

#: The virtual time dimension every metric has: each measure's own time axis.
METRIC_TIME = "metric_time"


class Location(BaseModel):
    """Where an object was declared: a file and a 1-based line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = "<memory>"
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class _Node(BaseModel):
    """A frozen model object that rejects unknown keys and remembers where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    location: Location = Field(default_factory=Location, exclude=True, repr=False)


class Dimension(_Node):
    """A column (or expression) users group and filter by."""

    name: str
    type: DimensionType = "categorical"
    expr: str | None = None
    label: str | None = None
    description: str = ""
    synonyms: tuple[str, ...] = ()
    #: Words people use for a value: `{ai: [bot, chatbot]}` reads "the bot" as `= 'ai'`.
    value_synonyms: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @property
    def sql(self) -> str:
        """The SQL expression over the table's columns (the name when no `expr` is given)."""
        return self.expr or self.name

    @model_validator(mode="after")
    def _value_synonyms(self) -> Dimension:
        if self.value_synonyms and self.type != "categorical":
            raise ValueError(
                f"`value_synonyms` is for categorical dimensions, not a {self.type} one; "
                "give the words people use for it as `synonyms`"
            )
        seen: dict[str, str] = {
            " ".join(value.lower().split()): value for value in self.value_synonyms
        }
        for value, phrases in self.value_synonyms.items():
            for phrase in phrases:
                key = " ".join(phrase.lower().split())
                if not key:
                    raise ValueError(f"value_synonyms of '{value}' holds an empty phrase")
                if key in seen and seen[key] != value:
                    raise ValueError(
                        f"value_synonyms: '{phrase}' would name both '{seen[key]}' and "
                        f"'{value}'; a phrase names one value"
                    )
                seen[key] = value
        return self


class Snapshot(_Node):
    """A semi-additive measure over validity intervals.

    A row counts on day `d` when `valid_from <= d < valid_to` (a null `valid_to` means still
    valid). Its value for a period is its value on the period's last day, never a sum over days.
    """

    valid_from: str
    valid_to: str


class Measure(_Node):
    """An aggregation over one table's rows."""

    name: str
    aggregation: Aggregation
    expr: str | None = None
    percentile: float | None = Field(default=None, gt=0, lt=1)
    filter: str | None = None
    description: str = ""
    time_dimension: str | None = None
    snapshot: Snapshot | None = None

    @property
    def sql(self) -> str:
        """The aggregated expression; `count` without `expr` counts rows."""
        return self.expr or ("1" if self.aggregation == "count" else self.name)


class Table(_Node):
    """A logical table: a warehouse table or a SQL query, with its dimensions and measures."""

    name: str
    table: str | None = None
    sql: str | None = None
    primary_key: str
    description: str = ""
    time_dimension: str | None = None
    freshness: str | None = None
    #: The metric that counts this table's rows ("tickets" for tickets): what "the top 5
    #: contact reasons" ranks the table's dimension values by when no metric is named.
    count_metric: str | None = None
    #: The dimension that names each row ("account_name" for accounts): what "list every
    #: subcontractor" or "list the live accounts" lists when no column is named.
    name_dimension: str | None = None
    dimensions: tuple[Dimension, ...] = ()
    measures: tuple[Measure, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> Table:
        if self.table is not None and self.sql is not None:
            raise ValueError("give either `table` or `sql`, not both")
        return self

    @property
    def source(self) -> str:
        """The warehouse table name (defaults to the logical name) unless `sql` is given."""
        return self.table or self.name

    @property
    def freshness_column(self) -> str | None:
        """The column whose latest value says how recent the data is.

        `freshness` when given, else the time dimension when it is a plain column.
        """
        if self.freshness:
            return self.freshness
        dim = next((d for d in self.dimensions if d.name == self.time_dimension), None)
        return dim.name if dim is not None and dim.expr is None else None


class Relationship(_Node):
    """A join from a table to another whose rows it references (many-to-one or one-to-one)."""

    name: str | None = None
    from_table: str = Field(alias="from")
    to_table: str = Field(alias="to")
    type: RelationshipType = "many_to_one"
    keys: dict[str, str]
    #: Every `from` row has its `to` row (a non-null foreign key with integrity), so the join
    #: can be INNER; otherwise it is LEFT and a missing row reads as empty dimension values.
    required: bool = False

    @property
    def label(self) -> str:
        """A readable name: `tickets -> accounts`."""
        return self.name or f"{self.from_table} -> {self.to_table}"


class Metric(_Node):
    """A governed business metric: what Cortex answers questions with."""

    name: str
    type: MetricType = "simple"
    label: str
    description: str = ""
    owner: str = ""
    synonyms: tuple[str, ...] = ()
    format: MetricFormat = "number"
    unit: str | None = None
    status: MetricStatus = "draft"
    access_groups: tuple[str, ...] = ()
    #: The value when no rows count (a flow such as net new ARR is 0, not empty, then).
    fill_nulls_with: float | None = None
    #: Which way is good: "lower" for churn, costs and waiting times, so that "the worst 3"
    #: are the highest; "higher" when more is better. Unset: higher, or lower for a duration.
    better: Literal["higher", "lower"] | None = None
    # simple / cumulative
    measure: str | None = None
    filter: str | None = None
    # ratio
    numerator: str | None = None
    denominator: str | None = None
    # derived: an arithmetic expression over other metric names
    expr: str | None = None
    # cumulative: a trailing window ("7 days", "3 months") or a grain-to-date reset
    window: str | None = None
    grain_to_date: Grain | None = None

    @model_validator(mode="after")
    def _fields_for_type(self) -> Metric:
        needed: dict[str, tuple[str, ...]] = {
            "simple": ("measure",),
            "cumulative": ("measure",),
            "ratio": ("numerator", "denominator"),
            "derived": ("expr",),
        }
        missing = [key for key in needed[self.type] if getattr(self, key) is None]
        if missing:
            raise ValueError(f"a {self.type} metric needs {', '.join(missing)}")
        if self.type == "cumulative" and self.window and self.grain_to_date:
            raise ValueError("a cumulative metric takes `window` or `grain_to_date`, not both")
        return self


class NamedFilter(_Node):
    """A reusable filter: `where` is a predicate over dimension names."""

    name: str
    where: str
    description: str = ""
    synonyms: tuple[str, ...] = ()


class QuerySpec(_Node):
    """The semantic query a verified question maps to (the fields of `SemanticQuery`)."""

    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    time_range: str | None = None
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    compare: Comparison | None = None


class VerifiedQuery(_Node):
    """A question an analyst has checked, with the semantic query that answers it."""

    question: str
    query: QuerySpec
    verified_by: str = ""
    verified_at: str | None = None
    #: Offered to a person starting a conversation (Slack's suggested prompts), when their
    #: access covers its metrics: a question that shows what Cortex answers well.
    onboarding: StrictBool = False


class Objectives(_Node):
    """Where the company's objectives (OKRs) live: a table of one row per objective, and which
    of its dimensions hold each part of it. Every value names a dimension of `table`, except
    `target` (a metric over the table: the objective's target value) and `segment_dimension`
    (the dimension a row's segment value filters the objective's metric by, e.g. `segment`).
    """

    table: str
    id: str
    objective: str
    metric: str
    period: str
    target: str
    #: A row's segment value (empty for company-wide); needs `segment_dimension`.
    segment: str | None = None
    segment_dimension: str | None = None
    #: A row's direction, `higher` or `lower` (empty: the metric's `better`).
    direction: str | None = None

    @model_validator(mode="after")
    def _segment_with_its_dimension(self) -> Objectives:
        if (self.segment is None) != (self.segment_dimension is None):
            raise ValueError(
                "give `segment` (the column of a row's segment) and `segment_dimension` (the "
                "dimension it filters) together"
            )
        return self

    @property
    def dimensions(self) -> dict[str, str]:
        """What each declared dimension of `table` holds -> its name."""
        held = {
            "id": self.id,
            "objective": self.objective,
            "metric": self.metric,
            "period": self.period,
            "segment": self.segment,
            "direction": self.direction,
        }
        return {key: name for key, name in held.items() if name is not None}


class SemanticModel(_Node):
    """Everything `metrics.yml` (and the files it includes) declares."""

    tables: tuple[Table, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    metrics: tuple[Metric, ...] = ()
    filters: tuple[NamedFilter, ...] = ()
    verified_queries: tuple[VerifiedQuery, ...] = ()
    #: The month the company's financial (fiscal) year starts in: 4 for April-March. "This
    #: financial year" and "last fiscal year" are read as those months.
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    #: Where the company's objectives (OKRs) are declared, if anywhere.
    objectives: Objectives | None = None

    def table(self, name: str) -> Table | None:
        """The table called `name`, if declared."""
        return next((t for t in self.tables if t.name == name), None)

    def metric(self, name: str) -> Metric | None:
        """The metric called `name`, if declared."""
        return next((m for m in self.metrics if m.name == name), None)

    def named_filter(self, name: str) -> NamedFilter | None:
        """The named filter called `name`, if declared."""
        return next((f for f in self.filters if f.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        """The dimension called `name` (or `table.name`), the first declared when several
        tables hold one of that name."""
        table_name, _, field = name.rpartition(".")
        for table in self.tables:
            if not table_name or table.name == table_name:
                found = next((d for d in table.dimensions if d.name == field), None)
                if found is not None:
                    return found
        return None

    def measure(self, name: str) -> tuple[Table, Measure] | None:
        """The measure called `name` with the table that holds it, if declared."""
        for table in self.tables:
            for measure in table.measures:
                if measure.name == name:
                    return table, measure
        return None
