"""The generator's SQL building blocks: reproducible random draws, literals, picks, lookups.

Every draw is a hash of (seed, salt, key) turned into a uniform number in [0, 1) (macro `_u`),
where `key` is the row's draw id and `salt` names the draw ("segment", "csat"):
`hash(xor(hash(seed, salt), key))`. DuckDB's `random()` is not reproducible across threads; a
hash is, so the same seed, scale and as-of day give the same rows. (DuckDB's multi-argument
`hash(a, b, c)` mixes its arguments too weakly: draws with different salts came out correlated,
hence the xor and the second hash.) Normal draws (`_n`) use Box-Muller over two such uniforms;
`_u2` and `_n2` draw from a pair of keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["MACROS", "lit", "lit_list", "lookup", "pick"]

MACROS = """
CREATE OR REPLACE TEMP MACRO _u(k, salt) AS
    (hash(xor(hash({seed}::BIGINT, salt), k::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO _u2(k1, k2, salt) AS
    (hash(xor(hash(xor(hash({seed}::BIGINT, salt), k1::UBIGINT)), k2::UBIGINT)) >> 11)::DOUBLE
        / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO _n(k, salt) AS
    sqrt(-2 * ln(1 - _u(k, salt))) * cos(2 * pi() * _u(k, salt || '/2'));
CREATE OR REPLACE TEMP MACRO _n2(k1, k2, salt) AS
    sqrt(-2 * ln(1 - _u2(k1, k2, salt))) * cos(2 * pi() * _u2(k1, k2, salt || '/2'));
"""


def lit(value: str) -> str:
    """`value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def lit_list(values: Sequence[str]) -> str:
    """`values` as a DuckDB list of string literals."""
    return "[" + ", ".join(lit(v) for v in values) + "]"


def pick(u: str, items: Sequence[tuple[Any, float]]) -> str:
    """A CASE choosing an item with probability proportional to its weight, from uniform `u`."""
    kept = [(value, weight) for value, weight in items if weight > 0]
    total = sum(weight for _, weight in kept)
    parts, running = [], 0.0
    for value, weight in kept[:-1]:
        running += weight / total
        parts.append(f"WHEN {u} < {running:.6f} THEN {_sql_value(value)}")
    return f"CASE {' '.join(parts)} ELSE {_sql_value(kept[-1][0])} END"


def _sql_value(value: Any) -> str:
    return lit(value) if isinstance(value, str) else repr(value)


def lookup(column: str, mapping: dict[str, float] | dict[str, int], default: float = 1.0) -> str:
    """A CASE mapping the string `column` to a number."""
    whens = " ".join(f"WHEN {lit(k)} THEN {v!r}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default!r} END"
