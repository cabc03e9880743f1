"""The `cortex` command line: query governed metrics, check metrics.yml, build the demo.

`main` is the console script. The typer application (`app`, built in `cortex.cli.commands` from one
module per command group) is imported on first use, so that importing this package costs
nothing until a command runs.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

_APP_NAMES = frozenset({"app", "demo_app"})


def main() -> None:
    """Console-script entry point: a repeated `cortex query` is answered from its memo
    (`query_memo`) before the application is even imported."""
    command = sys.argv[1:]
    if command[:1] == ["query"]:
        from cortex.cli.query_memo import answer_from_memo

        if answer_from_memo(command[1:]):
            return
    from cortex.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    if name in _APP_NAMES:
        return getattr(importlib.import_module("cortex.cli.commands"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
