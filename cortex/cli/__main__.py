"""`python -m cortex.cli ...`: the `cortex` command line, without the console script."""

from __future__ import annotations

from cortex.cli import main

main()
