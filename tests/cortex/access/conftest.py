"""Fixtures of the access tests: the shipped access.yml on the shipped metrics.yml, and who is who.

Nadia Farouk (U02H7Q4KX9P) is an analyst; Maya Patel (U04K9D1WQ7E) a sales rep who owns
accounts of her own; Olivia Bennett (U05R3T8ZB2N) a sales rep and an employee; the user groups
finance-team (S02B4F7KX1M), support-ops (S03D8Q2LW5T) and staff (S04H6N9PZ3R) give finance,
support and employee.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cortex.access import AccessPolicy, Principal, load_access
from semantic_layer.loader import load_model
from semantic_layer.model import SemanticModel

ROOT = Path(__file__).resolve().parents[3]

ANALYST = Principal("U02H7Q4KX9P", name="Nadia Farouk")
MAYA = Principal("U04K9D1WQ7E", name="Maya Patel")
OLIVIA = Principal("U05R3T8ZB2N", name="Olivia Bennett")
FINANCE_TEAM, SUPPORT_OPS, STAFF = "S02B4F7KX1M", "S03D8Q2LW5T", "S04H6N9PZ3R"
NEW_HIRE = "U09NEWHIRE1"  # in no entry of access.yml


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def policy(model: SemanticModel) -> AccessPolicy:
    return load_access(ROOT / "access.yml", model)


def write(folder: Path, text: str, name: str = "access.yml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
