"""The site's files: its stylesheet and script, and Vega, Vega-Lite and vega-embed, all local.

The charting libraries come from vl-convert (a dependency already, for PNG charts):
`vl_convert.javascript_bundle()` returns one self-contained script that puts `vegaEmbed`,
`vega` and `vegaLite` on `window`. It is built once per process (about a second), on first
use or at start-up (`warm`), and served at `VEGA_PATH`; nothing is fetched from the internet.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Final

import vl_convert

__all__ = ["STATIC_DIR", "VEGA_PATH", "VegaBundle"]

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
VEGA_PATH: Final = "/assets/vega.js"


class VegaBundle:
    """vega-embed, Vega-Lite and Vega as one script, built once and kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: bytes | None = None
        self._etag = ""

    def script(self) -> tuple[bytes, str]:
        """The script's bytes and an ETag for them (built on the first call)."""
        with self._lock:
            if self._script is None:
                # vl-convert's stub omits that `snippet` defaults to None (the default snippet,
                # which puts vegaEmbed, vega and vegaLite on window)
                bundle: str = vl_convert.javascript_bundle()  # type: ignore[call-arg]
                self._script = bundle.encode("utf-8")
                self._etag = '"' + hashlib.sha256(self._script).hexdigest()[:16] + '"'
            return self._script, self._etag

    def warm(self) -> None:
        """Build the script now, so the first chart does not wait for it."""
        self.script()
