"""Latency of `cortex ask` offline, in-process, over the questions of evals/demo.yml.

For each question the whole path runs: offline planner, compiler, DuckDB, narrative (and the
chart, with --chart). The reference, measured in the same run and interleaved, is the governed
query alone: the eval's expected semantic query compiled and run on the same warehouse. The
ratio says what planning and explaining add on top of the numbers themselves.

    .venv/bin/python -m bench.bench_ask [--scale 1] [--repeat 5] [--chart]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

import pandas as pd

from cortex.agent import Agent
from cortex.demo import build_demo
from cortex.evaluation import load_eval
from cortex.knowledge import build_value_index, load_context
from cortex.planning.offline.planner import OfflinePlanner
from cortex.settings import load_settings
from cortex.stores.conversations import ConversationStore
from cortex.workspace import Workspace
from semantic_layer.compile import CompiledQuery

ROOT = Path(__file__).resolve().parents[1]

AS_OF = date(2026, 11, 24)
TARGETS_MS = {False: 300.0, True: 1000.0}


def demo_warehouse(scale: float) -> Path:
    """The demo at `scale` as of AS_OF (seed 42), built once into bench/.cache."""
    path = ROOT / "bench" / ".cache" / f"demo_scale{scale:g}_seed42_{AS_OF.isoformat()}.duckdb"
    if not path.exists():
        build_demo(path, scale=scale, as_of=AS_OF, seed=42)
    return path


def quantile(values: list[float], q: float) -> float:
    """The `q` quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the whole set")
    parser.add_argument("--chart", action="store_true", help="render each answer's chart too")
    args = parser.parse_args()

    environ = {
        "CORTEX_WAREHOUSE": str(demo_warehouse(args.scale)),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": AS_OF.isoformat(),
    }
    settings = load_settings(environ, cwd=ROOT)
    _, cases = load_eval(ROOT / "evals" / "demo.yml")
    render = None
    if args.chart:
        from cortex.answers.chart import chart_spec, render_png

        def render(answer_compiled: CompiledQuery, frame: pd.DataFrame) -> None:
            spec = chart_spec(answer_compiled, frame)
            if spec is not None:
                render_png(spec)

    # Without the result cache: every round would otherwise repeat answered questions from
    # memory (bench_cache measures that).
    with Workspace.open(settings, cache=False) as workspace:
        values = build_value_index(workspace.model, workspace.warehouse)
        planner = OfflinePlanner(workspace.model, as_of=AS_OF, values=values)
        context = load_context(ROOT / "context", model=workspace.model)
        agent = Agent(workspace, planner, ConversationStore(":memory:"), context)
        asked: list[float] = []
        reference: list[float] = []
        for _ in range(args.repeat + 1):  # the first round warms caches and is not counted
            round_asked: list[float] = []
            round_reference: list[float] = []
            for case in cases:
                conversation = None
                for turn in case.turns:
                    started = time.perf_counter()
                    answer = agent.ask(turn.question, conversation)
                    if render is not None and answer.compiled and answer.result is not None:
                        render(answer.compiled, answer.result.frame)
                    round_asked.append((time.perf_counter() - started) * 1000)
                    conversation = answer.conversation_id
                    if turn.query is not None:
                        started = time.perf_counter()
                        workspace.query(turn.query)
                        round_reference.append((time.perf_counter() - started) * 1000)
            if _ > 0:
                asked += round_asked
                reference += round_reference
    p50, p95 = quantile(asked, 0.5), quantile(asked, 0.95)
    ref50 = statistics.median(reference)
    target = TARGETS_MS[args.chart]
    verdict = "met" if p50 <= target else "MISSED"
    print(
        f"cortex ask offline, scale {args.scale:g}, {len(asked)} answers "
        f"({'with' if args.chart else 'without'} chart):\n"
        f"  ask p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(asked):.1f} ms\n"
        f"  reference (the expected query alone) p50 {ref50:.1f} ms; ask / reference p50 "
        f"{p50 / ref50:.2f}\n"
        f"  target p50 <= {target:.0f} ms: {verdict}"
    )


if __name__ == "__main__":
    main()
