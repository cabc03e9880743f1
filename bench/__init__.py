"""Benchmarks: each prints ratios against a reference measured in the same run.

Run them as modules from the repository's root, so that the tests' fakes and golden cases
import as the packages they are (nothing edits `sys.path`):

    .venv/bin/python -m bench.bench_compile
    .venv/bin/python -m bench.bench_runtime --scales 1 10
    .venv/bin/python -m bench.bench_demo_build --scales 1 10
    .venv/bin/python -m bench.bench_ask --repeat 3 [--chart]
    .venv/bin/python -m bench.bench_slack [--charts]

`bench/RESULTS.md` records the figures.
"""
