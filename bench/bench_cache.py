"""The result cache's effect on a repeated question: the whole `Agent.ask`, with and without it.

Every single question of evals/demo.yml that gets an answer is asked, in-process, of two agents
on the same warehouse file: one whose workspace has the result cache (as `cortex serve slack`
and `cortex ask` open it) and one opened with `cache=False` (`--no-cache`). A warm-up round asks
each question of both (it fills the cache and warms DuckDB's own buffers alike); then each
round asks every question again, interleaved: without the cache (the reference, the governed
query runs), then with it (a repeated question: its query is a hit). The ratio of the p50s is
what a repeated question in a busy channel gains; the query step alone is shown too.

    .venv/bin/python -m bench.bench_cache [--scale 1 | --warehouse PATH|URL] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.bench_ask import AS_OF, ROOT, demo_warehouse, quantile
from connectors.warehouse.postgres import redacted_url
from cortex.agent import Agent
from cortex.evaluation import load_eval
from cortex.knowledge import build_value_index, load_context
from cortex.planning.offline.planner import OfflinePlanner
from cortex.settings import load_settings
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--warehouse",
        help="a demo file as of 2026-11-24 instead, or a postgresql:// or spark:// URL of one",
    )
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the questions")
    args = parser.parse_args()

    warehouse = args.warehouse or str(demo_warehouse(args.scale))
    shown = redacted_url(warehouse) if "://" in warehouse else Path(warehouse).name
    environ = {
        "CORTEX_WAREHOUSE": warehouse,
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": AS_OF.isoformat(),
    }
    settings = load_settings(environ, cwd=ROOT)
    _, cases = load_eval(ROOT / "evals" / "demo.yml")
    questions = [c.turns[0].question for c in cases if len(c.turns) == 1 and c.turns[0].query]

    with (
        Workspace.open(settings) as cached_workspace,
        Workspace.open(settings, cache=False) as plain_workspace,
    ):
        values = build_value_index(plain_workspace.model, plain_workspace.warehouse)
        planner = OfflinePlanner(plain_workspace.model, as_of=AS_OF, values=values)
        context = load_context(ROOT / "context", model=plain_workspace.model)

        def agent(workspace: Workspace) -> Agent:
            return Agent(workspace, planner, ConversationStore(":memory:"), context)

        cached, plain = agent(cached_workspace), agent(plain_workspace)
        asked = [q for q in questions if plain.ask(q).status == "answer"]
        for question in asked:  # warm-up: fills the cache
            cached.ask(question)
        with_cache: list[float] = []
        without: list[float] = []
        query_with: list[float] = []
        query_without: list[float] = []
        statuses: list[str] = []
        for _ in range(args.repeat):
            for question in asked:
                started = time.perf_counter()
                answer = plain.ask(question)
                without.append((time.perf_counter() - started) * 1000)
                query_without.append(answer.timings_ms["query"])
                started = time.perf_counter()
                answer = cached.ask(question)
                with_cache.append((time.perf_counter() - started) * 1000)
                query_with.append(answer.timings_ms["query"])
                statuses.append(answer.result.cache if answer.result is not None else "none")
        stats = cached_workspace.warehouse.cache.stats()  # type: ignore[attr-defined]

    p50_with, p50_without = statistics.median(with_cache), statistics.median(without)
    q50_with, q50_without = statistics.median(query_with), statistics.median(query_without)
    hits = statuses.count("hit")
    print(
        f"A repeated question, Agent.ask offline, {shown}, {len(asked)} questions x "
        f"{args.repeat} rounds:\n"
        f"  without the cache p50 {p50_without:.1f} ms, p95 {quantile(without, 0.95):.1f} ms "
        f"(query step p50 {q50_without:.1f} ms)\n"
        f"  with the cache    p50 {p50_with:.1f} ms, p95 {quantile(with_cache, 0.95):.1f} ms "
        f"(query step p50 {q50_with:.2f} ms)\n"
        f"  without / with p50: {p50_without / p50_with:.2f}x the whole ask, "
        f"{q50_without / q50_with:.1f}x the query step; {hits} of {len(statuses)} answers "
        f"from the cache ({stats.entries} entries, {stats.bytes / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    main()
