"""build_demo: size, summary, progress, atomic replacement, determinism, bad arguments."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cortex.demo import TABLES, DemoBuildError, DemoSummary, build_demo
from tests.cortex.demo.conftest import Con, scalar

SMALL = 0.02


def fingerprint(path: Path) -> dict[str, tuple[Any, ...]]:
    """Row count and an order-independent checksum of every row, per table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = {}
        for table in TABLES:
            row = con.execute(
                f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} AS t"
            ).fetchone()
            assert row is not None
            found[table] = tuple(row)
        return found
    finally:
        con.close()


def test_scale_sets_the_number_of_accounts_and_tickets(demo_summary: DemoSummary) -> None:
    # scale 1 is 5,000 accounts and 1,000,000 tickets
    assert demo_summary.row_counts["accounts"] == round(5_000 * demo_summary.scale)
    assert demo_summary.row_counts["tickets"] == round(1_000_000 * demo_summary.scale)


def test_summary_reports_what_was_built(demo_summary: DemoSummary, demo_con: Con) -> None:
    assert demo_summary.path.is_file()
    assert set(demo_summary.row_counts) == set(TABLES)
    for table, count in demo_summary.row_counts.items():
        assert scalar(demo_con, f"SELECT count(*) FROM {table}") == count
    assert demo_summary.row_counts["okr_targets"] >= 4
    assert 0 < demo_summary.seconds < 60


def test_progress_is_reported_after_each_step(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    build_demo(
        tmp_path / "demo.duckdb",
        scale=SMALL,
        as_of=date(2026, 11, 24),
        on_progress=lambda *call: calls.append(call),
    )
    total = calls[0][2]
    assert [done for _, done, _ in calls] == list(range(1, total + 1))
    assert {steps for _, _, steps in calls} == {total}
    assert [label for label, _, _ in calls][:3] == ["accounts", "subscriptions", "tickets"]


def test_build_creates_parent_directories_and_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "deeper" / "demo.duckdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"an old file")
    build_demo(target, scale=SMALL, as_of=date(2026, 11, 24))
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert scalar(con, "SELECT count(*) FROM accounts") == round(5_000 * SMALL)
    finally:
        con.close()
    assert [p.name for p in target.parent.iterdir()] == ["demo.duckdb"]  # no temp files left


def test_a_failed_build_leaves_the_previous_file_untouched_and_no_debris(tmp_path: Path) -> None:
    class Interrupted(Exception):
        pass

    def interrupt(label: str, done: int, total: int) -> None:
        if label == "tickets":
            raise Interrupted

    target = tmp_path / "demo.duckdb"
    target.write_bytes(b"the previous warehouse")
    with pytest.raises(Interrupted):
        build_demo(target, scale=SMALL, as_of=date(2026, 11, 24), on_progress=interrupt)
    assert target.read_bytes() == b"the previous warehouse"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.duckdb"]


def test_same_seed_scale_and_as_of_build_identical_data(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    second = build_demo(tmp_path / "b.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    assert first.row_counts == second.row_counts
    assert fingerprint(first.path) == fingerprint(second.path)


def test_another_seed_builds_other_data(tmp_path: Path) -> None:
    one = build_demo(tmp_path / "a.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    other = build_demo(tmp_path / "b.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=12)
    first, second = fingerprint(one.path), fingerprint(other.path)
    differing = {table for table in TABLES if first[table] != second[table]}
    assert {"accounts", "subscriptions", "tickets", "conversions"} <= differing


# Row counts and checksums (`fingerprint`) of one small build: seed 11, scale SMALL, as of
# 2025-03-31. A change to the generator that moves any row fails here; when that is meant, every
# number quoted from the demo (evals, README, bench/RESULTS.md) moves with it: re-pin and say so.
PINNED_FINGERPRINT = {
    "accounts": (100, 854082226929359203683),
    "subscriptions": (229, 2177534097969068986805),
    "tickets": (20000, 185040303569779400016854),
    "conversions": (562, 4827453367713212749282),
    "opportunities": (355, 3303226178219154789487),
    "okr_targets": (6, 36267399744591634459),
}


def test_a_build_gives_the_rows_it_was_pinned_with(tmp_path: Path) -> None:
    summary = build_demo(tmp_path / "demo.duckdb", scale=SMALL, as_of=date(2025, 3, 31), seed=11)
    assert fingerprint(summary.path) == PINNED_FINGERPRINT


def test_the_hash_behind_every_random_draw_is_stable_across_connections() -> None:
    # The demo's randomness is DuckDB's hash(); if a DuckDB upgrade changes it, the demo data
    # (and every number quoted from it) changes too. This pins one value.
    draw = "SELECT hash(xor(hash(7::BIGINT, 'segment'), 1::UBIGINT))"
    values = set()
    for _ in range(2):
        con = duckdb.connect()
        try:
            values.add(scalar(con, draw))
        finally:
            con.close()
    assert values == {4_241_097_758_283_878_494}


def test_the_smallest_scale_builds(tmp_path: Path) -> None:
    summary = build_demo(tmp_path / "tiny.duckdb", scale=0.002, as_of=date(2026, 1, 1))
    assert summary.row_counts["accounts"] == 10
    assert summary.row_counts["tickets"] == 2_000


BAD_ARGUMENTS: list[tuple[dict[str, Any], str]] = [
    ({"scale": 0}, "scale"),
    ({"scale": -1.0}, "scale"),
    ({"scale": math.nan}, "scale"),
    ({"scale": math.inf}, "scale"),
    ({"scale": 1_000}, "scale"),
    ({"scale": True}, "scale"),
    ({"as_of": datetime(2026, 11, 24, 9, 30)}, "as_of"),
    ({"as_of": "2026-11-24"}, "as_of"),
    ({"as_of": date(1970, 1, 1)}, "as_of"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
]


@pytest.mark.parametrize(("change", "named"), BAD_ARGUMENTS)
def test_bad_arguments_raise_a_clear_error_and_write_nothing(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    arguments: dict[str, Any] = {"scale": SMALL, "as_of": date(2026, 11, 24), "seed": 1}
    arguments.update(change)
    with pytest.raises(DemoBuildError) as caught:
        build_demo(tmp_path / "demo.duckdb", **arguments)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert named in message
    assert "e.g." in message or "between" in message  # says what would work
    assert list(tmp_path.iterdir()) == []


def test_a_directory_as_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DemoBuildError, match="directory"):
        build_demo(tmp_path, scale=SMALL, as_of=date(2026, 11, 24))
