"""The semantic query: what a person (or a planner) asks the semantic layer for.

It names metrics, dimensions and filters; it never holds SQL. Filter values stay values: the
compiler turns them into literals in the SQL syntax tree, never into concatenated text.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import QueryError
from semantic_layer.model import Comparison, QuerySpec
from semantic_layer.time import RANGE_FORMS

FilterOp = Literal[
    "=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "is null", "is not null"
]
FilterValue = str | int | float | bool | date

_COMPARISONS: dict[type[exp.Expr], FilterOp] = {
    exp.EQ: "=",
    exp.NEQ: "!=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_FLIPPED: dict[FilterOp, FilterOp] = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "=": "=",
    "!=": "!=",
}

WHERE_FORMS = (
    "dimension = 'value', !=, <, <=, >, >=, IN ('a', 'b'), NOT IN (...), BETWEEN x AND y, "
    "IS NULL, IS NOT NULL, joined with AND"
)
#: The most rows a query can ask for: SQL engines read LIMIT as a 64-bit integer (DuckDB's
#: BIGINT), and SQLite stores no larger whole number either.
MAX_LIMIT: Final = 2**63 - 1
#: How many values each operator compares with: (at least, at most; None for no maximum).
_VALUE_COUNTS: Final[dict[FilterOp, tuple[int, int | None]]] = {
    "is null": (0, 0),
    "is not null": (0, 0),
    "in": (1, None),
    "not in": (1, None),
    "between": (2, 2),
}
_COUNT_WORDS: Final = {(0, 0): "no value", (1, 1): "one value", (1, None): "at least one value"}


class Filter(BaseModel):
    """One predicate on a dimension: `field op values`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(description="A dimension name.")
    op: FilterOp = Field(description="How the dimension compares with the values.")
    values: tuple[FilterValue, ...] = Field(
        default=(),
        description=(
            "The values to compare with: one for =, !=, <, <=, >, >=; at least one for in and "
            "not in; two (low, high) for between; none for is null and is not null."
        ),
    )

    @model_validator(mode="after")
    def _values_fit_the_op(self) -> Filter:
        low, high = _VALUE_COUNTS.get(self.op, (1, 1))
        given = len(self.values)
        if given < low or (high is not None and given > high):
            needs = _COUNT_WORDS.get((low, high), "two values (low and high)")
            raise ValueError(f"the '{self.op}' filter on '{self.field}' takes {needs}, not {given}")
        return self

    def __str__(self) -> str:
        shown = [repr(v) if isinstance(v, str) else str(v) for v in self.values]
        if self.op in ("is null", "is not null"):
            return f"{self.field} {self.op}"
        if self.op in ("in", "not in"):
            return f"{self.field} {self.op} ({', '.join(shown)})"
        if self.op == "between":
            return f"{self.field} between {shown[0]} and {shown[1]}"
        return f"{self.field} {self.op} {shown[0]}"

    def where_text(self) -> str:
        """The filter as `where` text that `parse_where` reads back into this same filter."""
        values = [_sql_literal(v) for v in self.values]
        if self.op in ("is null", "is not null"):
            return f"{self.field} {self.op.upper()}"
        if self.op in ("in", "not in"):
            return f"{self.field} {self.op.upper()} ({', '.join(values)})"
        if self.op == "between":
            return f"{self.field} BETWEEN {values[0]} AND {values[1]}"
        return f"{self.field} {self.op} {values[0]}"


def _sql_literal(value: FilterValue) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


class OrderBy(BaseModel):
    """Sort by an output column (a metric or dimension name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(description="An output column: a metric or dimension of the query.")
    descending: bool = Field(default=False, description="Largest first when true.")

    @classmethod
    def parse(cls, text: str) -> OrderBy:
        """`-arr` or `arr desc` sorts descending; `segment` or `segment asc` ascending."""
        words = text.strip().split()
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            return cls(field=words[0], descending=words[1].lower() == "desc")
        if text.strip().startswith("-"):
            return cls(field=text.strip()[1:], descending=True)
        return cls(field=text.strip())


class SemanticQuery(BaseModel):
    """Metrics, grouped by dimensions, filtered, over a time range, optionally compared.

    Dimensions are `name`, `table.name`, or a time dimension with a grain: `metric_time:month`,
    `created_at:week`. `metric_time` is each metric's own time axis. Without metrics, a query
    is a *listing*: the distinct combinations of its dimensions' values.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: tuple[str, ...] = Field(
        default=(),
        description=(
            "The metrics to compute, by catalog name. None lists the distinct combinations of "
            "the dimensions' values (e.g. the accounts of a segment with their owners)."
        ),
    )
    dimensions: tuple[str, ...] = Field(
        default=(),
        description=(
            "Group by these dimensions, by catalog name: '<dimension>', or "
            "'<table>.<dimension>' when two tables share a name, or a time dimension with a grain "
            "(day, week, month, quarter, year): 'metric_time:month' for each metric's own time "
            "axis, '<time dimension>:week' for another."
        ),
    )
    filters: tuple[Filter, ...] = Field(
        default=(), description="Conditions on dimensions: field op values."
    )
    named_filters: tuple[str, ...] = Field(
        default=(), description="Named filters from the catalog (governed conditions)."
    )
    time_range: str | None = Field(
        default=None, description=f"The period to cover. Accepted forms: {RANGE_FORMS}."
    )
    order_by: tuple[OrderBy, ...] = Field(
        default=(), description="Sort the rows by these columns, the first one first."
    )
    limit: int | None = Field(
        default=None,
        description="At most this many rows.",
        json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
    )
    compare: Comparison | None = Field(
        default=None,
        description="Compare with the previous period or the same period a year ago.",
    )

    @model_validator(mode="after")
    def _metrics_or_a_listing(self) -> SemanticQuery:
        if not self.metrics and not self.dimensions:
            raise ValueError(
                "name at least one metric, or dimensions to list the values of (a listing)"
            )
        if not self.metrics and self.compare is not None:
            raise ValueError("a listing has no numbers to compare: ask for a metric to compare")
        return self

    @field_validator("limit")
    @classmethod
    def _limit_in_range(cls, limit: int | None) -> int | None:
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"must be a whole number from 1 to {MAX_LIMIT}, not {limit}")
        return limit

    @classmethod
    def from_spec(cls, spec: QuerySpec) -> SemanticQuery:
        """The query a verified question in metrics.yml names."""
        return cls(
            metrics=spec.metrics,
            dimensions=spec.dimensions,
            filters=tuple(f for text in spec.where for f in parse_where(text)),
            named_filters=spec.filters,
            time_range=spec.time_range,
            order_by=tuple(OrderBy.parse(o) for o in spec.order_by),
            limit=spec.limit,
            compare=spec.compare,
        )


def validate_query(data: object) -> SemanticQuery:
    """The semantic query in `data` (a planner's tool input, options, a parsed file).

    Raises QueryError naming each field that is wrong and why, in one sentence.
    """
    try:
        return SemanticQuery.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: "
            + e["msg"].removeprefix("Value error, ")
            for e in error.errors()
        )
        raise QueryError(f"The query is not valid: {problems}.") from None


def _value(node: exp.Expr, text: str) -> FilterValue:
    if isinstance(node, exp.Paren):
        return _value(node.this, text)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        number = str(node.this)
        return float(number) if any(c in number for c in ".eE") else int(number)
    if isinstance(node, exp.Neg):
        inner = _value(node.this, text)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return -inner
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
        if node.to.is_type("date"):
            try:
                return date.fromisoformat(str(node.this.this))
            except ValueError:
                pass
        return str(node.this.this)
    raise QueryError(
        f"In the filter '{text}', {_shown(node.sql())} is not a plain value.",
        hint="Compare a dimension with a quoted string, a number, TRUE/FALSE or DATE 'YYYY-MM-DD'.",
    )


def _field(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
        return ".".join(part.name for part in node.parts)
    return None


def _predicate(node: exp.Expr, text: str) -> Filter:
    negated = isinstance(node, exp.Not)
    inner = node.this if negated else node
    if isinstance(inner, exp.Paren):
        inner = inner.this
    is_null = isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null)
    if is_null and (field := _field(inner.this)) is not None:
        return Filter(field=field, op="is not null" if negated else "is null")
    plain_in = isinstance(inner, exp.In) and not inner.args.get("query") and inner.expressions
    if plain_in and (field := _field(inner.this)) is not None:
        values = tuple(_value(v, text) for v in inner.expressions)
        return Filter(field=field, op="not in" if negated else "in", values=values)
    if not negated:
        if isinstance(inner, exp.Between) and (field := _field(inner.this)) is not None:
            values = (_value(inner.args["low"], text), _value(inner.args["high"], text))
            return Filter(field=field, op="between", values=values)
        op = _COMPARISONS.get(type(inner))
        if op is not None:
            left, right = inner.this, inner.expression
            if (field := _field(left)) is not None and _field(right) is None:
                return Filter(field=field, op=op, values=(_value(right, text),))
            if (field := _field(right)) is not None and _field(left) is None:
                return Filter(field=field, op=_FLIPPED[op], values=(_value(left, text),))
    raise QueryError(
        f"I can't use '{_shown(node.sql())}' in the filter '{text}'.",
        hint=f"Filters compare a dimension with values: {WHERE_FORMS}.",
    )


def parse_where(text: str) -> tuple[Filter, ...]:
    """Structured filters from `segment = 'Enterprise' AND channel IN ('email', 'chat')`.

    Only predicates of a dimension against literal values, joined with AND, are accepted;
    anything else (functions, subqueries, OR, nothing at all) is a QueryError that lists the
    accepted forms.
    """
    shown = _shown(text)
    if not text.strip():
        raise QueryError(
            "The filter is empty.",
            hint=f"Write a condition such as segment = 'SMB' ({WHERE_FORMS}).",
        )
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
        if isinstance(tree, exp.Paren):
            tree = tree.this
        parts = list(tree.flatten()) if isinstance(tree, exp.And) else [tree]
        return tuple(_predicate(part, shown) for part in parts)
    except ParseError as error:
        why = f" ({error.errors[0]['description']})" if error.errors else ""
        raise QueryError(
            f"The filter '{shown}' is not a valid condition{why}.",
            hint=f"Write it as: {WHERE_FORMS}.",
        ) from None
    except RecursionError:  # thousands of nested parentheses or NOTs
        raise QueryError(
            f"The filter '{shown}' is nested too deeply to read.",
            hint=f"Write it as conditions joined with AND: {WHERE_FORMS}.",
        ) from None


def _shown(text: str, limit: int = 80) -> str:
    """A filter as quoted back in a message: cut short when it is long."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
