"""The command line starts light: importing it loads none of the heavy libraries, which each
command imports only when it runs (issue 14, speed)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "altair", "anthropic", "slack_bolt", "notion_client", "weasyprint", "vl_convert")


def test_importing_the_cli_loads_no_heavy_library() -> None:
    probe = (
        "import json, sys\n"
        "import cortex.cli\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []
