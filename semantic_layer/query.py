"""The semantic query: what a person (or a planner) asks the semantic layer for.

It names metrics, dimensions and filters; it never holds SQL. Filter values stay values: the
compiler turns them into literals in the SQL syntax tree, never into concatenated text.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import sqlglot
from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp
from sqlglot.errors import ParseError

from .errors import QueryError
from .model import Comparison, QuerySpec

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


class Filter(BaseModel):
    """One predicate on a dimension: `field op values`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    op: FilterOp
    values: tuple[FilterValue, ...] = ()

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

    field: str
    descending: bool = False

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
    `created_at:week`. `metric_time` is each metric's own time axis.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: tuple[str, ...] = Field(min_length=1)
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    named_filters: tuple[str, ...] = ()
    time_range: str | None = None
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = Field(default=None, ge=1)
    compare: Comparison | None = None

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
        f"In the filter '{text}', {node.sql()} is not a plain value. "
        "Compare a dimension with a quoted string, a number, TRUE/FALSE or DATE 'YYYY-MM-DD'."
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
        f"I can't use '{node.sql()}' in the filter '{text}'. Filters compare a dimension with "
        f"values: {WHERE_FORMS}."
    )


def parse_where(text: str) -> tuple[Filter, ...]:
    """Structured filters from `segment = 'Enterprise' AND channel IN ('email', 'chat')`.

    Only predicates of a dimension against literal values, joined with AND, are accepted;
    anything else (functions, subqueries, OR) is a QueryError that lists the accepted forms.
    """
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError as error:
        raise QueryError(
            f"The filter '{text}' is not a valid condition ({error.errors[0]['description']}). "
            f"Write it as: {WHERE_FORMS}."
        ) from None
    if isinstance(tree, exp.Paren):
        tree = tree.this
    parts = list(tree.flatten()) if isinstance(tree, exp.And) else [tree]
    return tuple(_predicate(part, text) for part in parts)
