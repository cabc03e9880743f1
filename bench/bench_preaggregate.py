"""Pre-aggregation before and after: the hand-written SQL, an earlier compiler's SQL and today's.

    python -m bench.bench_preaggregate --before /tmp/e14speed_base [--rounds 21]
        [--warehouse /tmp/scale10/demo_scale10_seed42_2026-11-24.duckdb]

For the cases of tests/semantic_layer/cases.yml whose counts join a dimension table, the three
SQL texts (the analyst's, the golden SQL of the checkout given by `--before`, and this
checkout's golden SQL) run in turn on one connection with the connector's settings, the order
flipping every round; median ms and each compiled SQL over the hand-written one. The before and
after rows are checked to be the same rows first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from bench.cases import ROOT
from connectors.warehouse import DUCKDB_SETTINGS
from tests.semantic_layer.test_goldens import load_cases

CASES = (
    "tickets_and_arr_by_segment",
    "influenced_revenue_and_tickets_by_segment",
    "top_enterprise_accounts_by_tickets_last_month",
    "ai_handled_tickets_by_vertical_this_month_vs_last_month",
)
GOLDENS = Path("tests") / "semantic_layer" / "goldens"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="an earlier checkout")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path("/tmp/scale10/demo_scale10_seed42_2026-11-24.duckdb"),
    )
    args = parser.parse_args(argv)
    cases = {case.name: case for case in load_cases()}
    con = duckdb.connect(str(args.warehouse), read_only=True, config=dict(DUCKDB_SETTINGS))

    def run(sql: str) -> tuple[float, list[tuple[object, ...]]]:
        began = time.perf_counter()
        rows = con.execute(sql).fetchall()
        return (time.perf_counter() - began) * 1000, rows

    print("| case | hand-written ms | before ms | after ms | before / hand | after / hand |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in CASES:
        sqls = {
            "hand": cases[name].sql,
            "before": (args.before / GOLDENS / f"{name}.sql").read_text(),
            "after": (ROOT / GOLDENS / f"{name}.sql").read_text(),
        }
        before, after = run(sqls["before"])[1], run(sqls["after"])[1]
        assert sorted(map(str, before)) == sorted(map(str, after)), name
        times: dict[str, list[float]] = {key: [] for key in sqls}
        keys = list(sqls)
        for round_number in range(args.rounds):
            for key in keys if round_number % 2 == 0 else keys[::-1]:
                times[key].append(run(sqls[key])[0])
        ms = {key: statistics.median(values) for key, values in times.items()}
        print(
            f"| {name} | {ms['hand']:.1f} | {ms['before']:.1f} | {ms['after']:.1f} "
            f"| {ms['before'] / ms['hand']:.2f} | {ms['after'] / ms['hand']:.2f} |"
        )


if __name__ == "__main__":
    main()
