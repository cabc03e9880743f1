"""Repository-level pytest options (this file is loaded before any test directory)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite the golden SQL files instead of comparing against them.",
    )
